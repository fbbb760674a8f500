"""The executed notebooks of the built year (tests/e2e.py): every chart passes the figure check, every figure a page
shows straight from the bank is the bank's."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_every_chart_of_the_year_is_readable(year_report):
    """The figure check (citybank.plots.figure_problems) over every chart the year's build drew, in all three
    languages: nothing outside the figure, no two texts overlapping, distinct tick labels, a unit on every
    value axis."""
    import json

    found = []
    notebooks = sorted((year_report / "notebooks").glob("*/*.ipynb"))
    assert len(notebooks) > 400
    charts = 0
    for path in notebooks:
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            for out in cell.get("outputs", []):
                meta = out.get("metadata", {}).get("image/png")
                if meta is None:
                    continue
                charts += 1
                found += [f"{path.parent.name}/{path.stem}: {p}" for p in meta.get("citybank_problems", [])]
    assert charts > 400
    assert not found, f"{len(found)} problem(s) in the charts:\n" + "\n".join(found[:60])


def test_every_bank_figure_on_a_page_is_the_banks(year_report):
    """Every value a page's tables and charts show straight from the bank (the notebooks' outputs carry them:
    variable, territory, year, value) is the value the bank holds: no page sums, rounds or invents its own —
    a partial sum of four districts shown as the city's figure would fail here."""
    import json

    import pandas as pd

    bank = pd.read_parquet(year_report.parents[1] / "data" / "bank" / "bank.parquet")
    held = {(r.variable, r.territory, int(r.year)): float(r.value) for r in bank.itertuples() if pd.notna(r.value)}
    shown, wrong = 0, []
    for path in sorted((year_report / "notebooks").glob("*/*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            for out in cell.get("outputs", []):
                for meta in out.get("metadata", {}).values():
                    for variable, territory, year, value in meta.get("citybank_values", []):
                        shown += 1
                        bank_value = held.get((variable, territory, year))
                        if bank_value is None or abs(bank_value - value) > 1e-9 * max(1.0, abs(value)):
                            wrong.append(f"{path.parent.name}/{path.stem}: {variable} {territory} {year} = {value} "
                                         f"(the bank: {bank_value})")  # fmt: skip
    assert shown > 3000
    assert not wrong, f"{len(wrong)} figure(s) not in the bank:\n" + "\n".join(wrong[:40])
