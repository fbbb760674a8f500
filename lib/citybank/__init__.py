"""citybank — reproducible reporting workbench for a city's data bank."""

__version__ = "0.1.0"
