"""One-page PDF provider cards, to send with the yearly data request: what we receive from the provider, when it is
due, what it feeds, what went wrong this year. ``reports/<Y>/cards/<provider>_<lang>.pdf``.

The offline PDF path of the report (``printed``): the card's facts (``citybank.catalogue``) go to ``card.json``, the
template ``templates/provider_card.typ`` reads it, the PyPI ``typst`` compiler typesets it with its bundled fonts
and a fixed timestamp (same inputs, same bytes).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

from ..bank import finding_words
from ..catalogue import Catalogue
from ..narrative import fmt_date, fmt_number, join_list
from ..params.consistency import load_rules
from ..params.strategy import load_strategy
from .book import BookInputs
from .portal import CARDS_DIR, card_path
from .printed import typst_pdf
from .strings import t


def card_data(inp: BookInputs, cat: Catalogue, pid: str, lang: str) -> dict[str, Any]:
    """Every text of one provider's card in ``lang``."""
    reg = inp.registry
    prov = cat.providers[pid]
    year = cat.year
    due = (
        t("portal.card_due", lang, year=year, date=fmt_date(dt.date.fromisoformat(prov.due), lang))
        if prov.due
        else t("portal.card_no_due", lang)
    )
    receive = []
    wrong = []
    variables = reg.variables
    for ds_id in prov.datasets:
        d = cat.datasets[ds_id]
        title = reg.datasets[ds_id].title.get(lang)
        due_note = "" if d.due == prov.due or d.due is None else f" ({fmt_date(dt.date.fromisoformat(d.due), lang)})"
        receive.append(
            [title + due_note, ", ".join(d.receive), t(f"frequency.{d.frequency}", lang), str(d.last_data_year or "–")]
        )
        if d.overdue:
            wrong.append([title, t("portal.overdue", lang, year=d.expected_last_year), "–", ""])
        for p in d.problems:
            if p.finding is not None:  # a detector's finding: the value is published, to be confirmed
                wrong.append([title, t(f"check.{p.check}", lang), "–", finding_words(p.finding, ds_id, reg, lang)])
                continue
            what = variables[p.column].name.get(lang) if p.column in variables else p.column
            wrong.append(
                [title, t(f"check.{p.check}", lang), str(p.source_row or "–"), f"{what}: {p.value}".strip(": ")]
            )
    lin = prov.lineage
    strategy = load_strategy(reg)
    names = strategy.names(lang) if strategy is not None else {}
    rules = {r.id: r.name.get(lang) for r in load_rules(reg)}
    none = t("portal.none", lang)
    feeds = t(
        "portal.card_feeds_summary",
        lang,
        iso=", ".join(lin.iso) or none,
        strategy=join_list([names.get(i, i) for i in lin.strategy], lang) or none,
        rules=join_list([rules.get(r, r) for r in lin.consistency], lang) or none,
        pages=fmt_number(len(lin.pages), lang),
    )
    if not lin.feeds_anything:
        feeds += " " + t("portal.feeds_nothing", lang)
    portal = reg.city.portal or ""
    return {
        "lang": lang,
        "city": reg.city.name,
        "year": str(year),
        "title": f"{t('portal.card_title', lang)} — {reg.providers[pid].name.get(lang)}",
        "card_title": t("portal.card_title", lang),
        "provider": reg.providers[pid].name.get(lang),
        "sample": t("sample_notice", lang) if inp.sample else "",
        "due": due,
        "receive_title": t("portal.card_receive", lang),
        "receive_header": [
            t("dataset", lang),
            t("portal.card_files", lang),
            t("frequency", lang),
            t("portal.last_year", lang),
        ],
        "receive_rows": receive,
        "feeds_title": t("portal.card_feeds", lang),
        "feeds": feeds,
        "wrong_title": t("portal.card_wrong", lang, year=year),
        "wrong_header": [t("dataset", lang), t("portal.check", lang), t("portal.row", lang), t("portal.found", lang)],
        "wrong_rows": wrong,
        "all_ok": t("portal.card_all_ok", lang, year=year),
        "footer": f"{t('portal.card_portal', lang)}: {portal}".strip(": "),
    }


def write_card(data: dict[str, Any], build_dir: Path, out: Path) -> Path:
    """Typeset one card from its data."""
    build_dir.mkdir(parents=True, exist_ok=True)
    (build_dir / "card.json").write_text(json.dumps(data, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    return typst_pdf(build_dir, "provider_card.typ", out)


def write_cards(inp: BookInputs, cat: Catalogue, langs: list[str] | tuple[str, ...]) -> list[Path]:
    """Every provider's card in every language of ``langs``, under ``reports/<Y>/cards/``."""
    build = inp.paths.build / "render" / str(inp.year) / "cards"
    if build.exists():
        shutil.rmtree(build)
    written = []
    for pid in cat.providers:
        for lang in langs:
            out = inp.report_dir / card_path(pid, lang)
            written.append(write_card(card_data(inp, cat, pid, lang), build / f"{pid}_{lang}", out))
    return written


__all__ = ["CARDS_DIR", "card_data", "write_card", "write_cards"]
