"""UI strings: complete in every language, one source of truth, clear errors."""

from __future__ import annotations

import pytest
from citybank.i18n import LANGS, check_catalog, check_lang, keys, load_catalog, month_name, t, t_all


def test_every_key_has_all_three_languages():
    assert LANGS == ("pl", "en", "de")
    assert check_catalog() == []
    for key in keys():
        for lang in LANGS:
            assert t_all(key)[lang].strip(), (key, lang)


def test_catalog_has_the_report_vocabulary():
    assert [t("chapter.overview", lang) for lang in LANGS] == ["Przegląd", "Overview", "Überblick"]
    assert t("chapter.downloads", "pl") == "Pliki do pobrania"
    assert t("chapter.consistency", "pl") == "Spójność danych"
    assert t("table.change_yoy", "pl") == "Zmiana r/r"
    assert t("table.last_year", "pl") == "Ostatni rok danych"
    assert t("table.openness", "de") == "Offenheit"
    assert [t(f"status.{s}", "en") for s in ("on_track", "at_risk", "off_track")] == [
        "on track",
        "at risk",
        "off track",
    ]
    assert [t(f"verdict.{v}", "pl") for v in ("consistent", "explained", "inconsistent", "not_comparable")] == [
        "spójne",
        "wyjaśnione",
        "niespójne",
        "nieporównywalne",
    ]
    assert t("availability.not_applicable", "de") == "nicht zutreffend"
    assert t("frequency.quarterly", "pl") == "kwartalna"
    # YAML 1.1 would read an unquoted `yes:` key as True; the catalogue keeps it as text
    assert (t("value.yes", "en"), t("value.no", "de")) == ("yes", "nein")


def test_placeholders_are_filled():
    assert t("notice.no_data_year", "pl", year=2024) == "Brak danych za 2024 r."
    assert t("chart.source", "de", source="GUS, BDL") == "Quelle: GUS, BDL; eigene Berechnungen"
    assert t("notice.sample_data", "pl", city="Siemianowice Śląskie").startswith(
        "Dane przykładowe — liczby w tym raporcie zostały wygenerowane dla miasta Siemianowice Śląskie "
    )


def test_errors_name_the_problem():
    with pytest.raises(KeyError, match="did you mean chapter.overview"):
        t("chapter.overveiw", "pl")
    with pytest.raises(KeyError, match=r"needs a value for \{source\}"):
        t("chart.source", "en")
    with pytest.raises(ValueError, match="unknown language 'cs'"):
        t("chapter.overview", "cs")
    assert check_lang("de") == "de"


def test_month_names_come_from_cldr():
    assert month_name(12, "pl") == "grudzień"
    assert month_name(12, "pl", context="format") == "grudnia"
    assert month_name(3, "de") == "März"
    assert month_name(5, "en", width="abbreviated") == "May"
    with pytest.raises(ValueError, match="month must be 1–12"):
        month_name(13, "en")


def test_check_catalog_finds_gaps_and_placeholder_mismatches():
    broken = {
        "a.b": {"pl": "Rok {year}", "en": "Year {year}"},
        "a.c": {"pl": "Za {year} r.", "en": "For {yr}", "de": "Für {year}"},
        "a.d": {"pl": "x", "en": "y", "de": "z", "fr": "w"},
    }
    assert check_catalog(broken) == [
        "a.b: missing or empty 'de' text (found None)",
        "a.c: placeholders differ between languages (pl: ['year']; en: ['yr']; de: ['year'])",
        "a.d: unknown language(s) fr; expected pl, en, de",
    ]


def test_unquoted_boolean_key_is_reported(tmp_path):
    bad = tmp_path / "strings.yml"
    bad.write_text("value:\n  yes: {pl: tak, en: 'yes', de: ja}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="key True under 'value' must be text; quote it"):
        load_catalog(bad)


def test_units_read_in_each_language():
    from citybank.i18n import UNIT_LABELS, unit_label

    assert unit_label("per 100 000", "pl") == "na 100 tys. mieszkańców"
    assert unit_label("litres per person per day", "de") == "Liter je Einwohner und Tag"
    assert unit_label("%", "de") == "%"  # symbols pass through
    assert all(set(v) == {"pl", "en", "de"} for v in UNIT_LABELS.values())


def test_every_unit_of_params_reads_in_each_language():
    """Every unit a page can show — of the variables, the ISO indicators and the strategy's indicators — has
    words in each language (a label, count forms or a symbol): no English unit on a Polish or German page."""
    from citybank.i18n import UNIT_LABELS
    from citybank.narrative import PERCENT_UNITS, UNIT_FORMS, UNIT_SYMBOLS
    from citybank.params import registry
    from citybank.params.iso37120 import load_catalogue
    from citybank.params.strategy import load_strategy

    reg = registry()
    units = {v.unit for v in reg.variables.values()} | {i.unit for i in load_catalogue(reg).indicators}
    units |= {i.unit for _, _, i in load_strategy(reg).indicators()}
    known = set(UNIT_LABELS) | set(UNIT_FORMS) | set(UNIT_SYMBOLS) | set(PERCENT_UNITS)
    missing = units - known
    assert not missing, f"add these units to citybank.i18n.UNIT_LABELS: {sorted(missing)}"


def narrative_key_patterns() -> list[str]:
    """The string keys ``citybank.narrative`` asks for, as regular expressions (an f-string's fields match any
    text): read from the source with ``ast``."""
    import ast
    import re
    from pathlib import Path

    import citybank.narrative

    patterns = []
    for path in sorted(Path(citybank.narrative.__file__).parent.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parts = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in parts:
                patterns.append(re.escape(node.value))
            elif isinstance(node, ast.JoinedStr):
                patterns.append(
                    "".join(re.escape(v.value) if isinstance(v, ast.Constant) else ".+" for v in node.values)
                )
    return [p for p in patterns if p.startswith(("sentence\\.", "chart\\.alt_"))]


def test_the_sentences_of_the_pages_are_all_said():
    """The fixed sentences of the narrative live in the string table (``sentence.<page kind>.…``, the chart
    alt text's ``chart.alt_…``); each of them is used by the narrative, so none is left behind when a sentence
    changes."""
    import re

    patterns = narrative_key_patterns()
    ours = [k for k in keys() if k.startswith(("sentence.", "chart.alt_"))]
    assert {k.split(".")[1] for k in ours if k.startswith("sentence.")} >= {"category", "iso", "strategy", "survey"}
    unused = [k for k in ours if not any(re.fullmatch(p, k) for p in patterns)]
    assert unused == []
    asked = [p for p in patterns if ".+" not in p]
    assert [p for p in asked if not any(re.fullmatch(p, k) for k in ours)] == [], (
        "a key the narrative asks for is missing"
    )
