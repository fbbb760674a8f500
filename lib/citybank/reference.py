"""Reference notebooks: executed copies of the templates for a pinned year, stored in tests/reference/ with
their outputs, and compared strictly by nbval in `make test`. A change in a published number then shows up
as a failing test with a readable diff. After an intended change, refresh them with `make reference` and
review the diff before committing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .params.outline import template
from .paths import PATHS

PINNED_YEAR = 2020
REFERENCES: list[tuple[str, dict[str, object]]] = [
    (template("category"), {"year": PINNED_YEAR, "lang": "pl", "category": "ludnosc"}),
    (template("iso_indicator"), {"year": PINNED_YEAR, "lang": "en", "indicator": "21.5.1"}),
    (template("strategy"), {"year": PINNED_YEAR, "lang": "de"}),
]
CHECK_TAG = "nbval-check-output"  # nbval --nbval-lax compares the outputs of cells with this tag


def reference_name(notebook: str, params: dict[str, object]) -> str:
    extra = [str(v) for k, v in params.items() if k not in ("year", "lang")]
    return "_".join([Path(notebook).stem, *extra, str(params["year"]), str(params["lang"])]) + ".ipynb"


def _stable(nb: dict) -> dict:
    """Drop what legitimately varies between runs (papermill timings, kernel versions) and what nbval does
    not compare (PNG bytes), and tag every code cell for strict comparison."""
    nb["metadata"].pop("papermill", None)
    nb["metadata"].get("language_info", {}).pop("version", None)
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            # nbval never compares PNG bytes; the chart's alt text (text/plain) carries its numbers
            out.get("data", {}).pop("image/png", None)
            out.get("metadata", {}).pop("image/png", None)
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell["id"] = "injected-parameters"  # papermill draws a random id for the cell it inserts
        cell.get("metadata", {}).pop("papermill", None)
        cell.get("metadata", {}).pop("execution", None)
        if cell["cell_type"] == "code":
            tags = cell.setdefault("metadata", {}).setdefault("tags", [])
            if CHECK_TAG not in tags:
                tags.append(CHECK_TAG)
    return nb


def update(out_dir: Path | None = None) -> list[Path]:
    import papermill as pm

    out_dir = out_dir or PATHS.root / "tests" / "reference"
    written = []
    for notebook, params in REFERENCES:
        target = out_dir / reference_name(notebook, params)
        nb = pm.execute_notebook(
            str(PATHS.notebooks / notebook),
            None,
            parameters=params,
            kernel_name="python3",
            progress_bar=False,
            cwd=str(PATHS.notebooks),
        )
        data = _stable(json.loads(json.dumps(nb)))
        target.write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
        written.append(target)
    return written


if __name__ == "__main__":
    for p in update():
        print(f"reference notebook written: {p.relative_to(PATHS.root)}")
    sys.exit(0)
