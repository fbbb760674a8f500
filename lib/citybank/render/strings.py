"""UI strings of the report in the three languages.

Chapter titles, table headers and status words come from the project's string table (``citybank.i18n``, one
source of truth shared with the notebooks): ``I18N_KEYS`` maps the renderer's keys to it, and its dotted keys
(``availability.reported``) are used as given; the strings the renderer alone uses (cover, navigation, failure
pages) are the table's ``render.*`` keys.
"""

from __future__ import annotations

from ..i18n import t as i18n_t

# Keys of this module → keys of the project's string table (lib/citybank/i18n.yml).
I18N_KEYS = {
    "overview": "chapter.overview",
    "residents": "chapter.residents",
    "categories": "chapter.categories",
    "iso": "chapter.iso37120",
    "strategy": "chapter.strategy",
    "survey": "chapter.survey",
    "consistency": "chapter.consistency",
    "quality": "chapter.data_quality",
    "downloads": "chapter.downloads",
    "methodology": "chapter.methodology",
    "contents": "chapter.contents",
    "sources": "chapter.sources",
    "file": "table.file",
    "format": "table.format",
    "size": "table.size",
    "value": "table.value",
    "unit": "table.unit",
    "status": "table.status",
    "indicator": "table.indicator",
    "theme": "table.theme",
    "dataset": "table.dataset",
    "licence": "table.licence",
    "frequency": "table.frequency",
    "variable": "table.variable",
    "definition": "table.definition",
}


def t(key: str, lang: str, **fmt: object) -> str:
    """The UI string ``key`` in ``lang``; ``fmt`` fills ``{name}`` placeholders."""
    # a renderer key mapped to the table's chapters and headers, one of the renderer's own (render.*), or a dotted key
    return i18n_t(I18N_KEYS.get(key, key if "." in key else f"render.{key}"), lang, **fmt)
