"""Data-driven sentences in Polish, English and German, with locale number formats.

The notebooks write their story with these helpers, so every number in the prose follows one style
(see ``docs/number-style.md``):

* numbers via Babel (CLDR): ``62 817`` (pl, grouped with U+00A0 NO-BREAK SPACE), ``62,817`` (en),
  ``62.817`` (de); decimals rounded half away from zero;
* negative numbers and changes with U+2212 MINUS SIGN (``−6,1%``), positive changes with ``+``;
  German puts a no-break space before ``%`` (``−6,1 %``), Polish and English do not;
* plural forms from CLDR plural categories (pl one/few/many/other: 1 osoba, 2 osoby, 5 osób,
  1,5 osoby), Polish genitive after *do* (do 1 osoby, do 2 osób).

Sentences never inflect names they are given: a variable passed to ``describe_trend`` is the grammatical
subject (``"Liczba bezrobotnych zarejestrowanych"``, with its Polish gender), while labels from params
(``"Bezrobotni zarejestrowani"``) are quoted („…”) in a construction that needs no agreement.

The sentences are split by the page kind that says them (``category``, ``iso``, ``strategy``, …) over the
formats they share (``formats``: numbers, units, lists) and the sentences on one figure (``trends``). This
package imports neither pandas nor matplotlib at import time (notebooks import it first).
"""

from __future__ import annotations

from ..i18n import LANGS
from ..params.core import ChangeKind
from .category import STORY_COLUMNS, STORY_OPTIONAL, break_sentence, category_story
from .charts import alt_text
from .consistency import consistency_sentence, missing_value_sentence, no_inconsistencies_sentence
from .formats import (
    MINUS,
    NBSP,
    PERCENT_UNITS,
    POINTS,
    PREFIX_SYMBOLS,
    QUOTES,
    UNIT_ALIASES,
    UNIT_FORMS,
    UNIT_SYMBOLS,
    Case,
    UnitForms,
    auto_decimals,
    change_decimals,
    column_decimals,
    count_phrase,
    fmt_change,
    fmt_change_by,
    fmt_date,
    fmt_number,
    fmt_percent,
    fmt_points,
    fmt_value,
    fmt_year,
    in_year,
    join_list,
    pct_change,
    plural_category,
    quote,
    running_phrase,
    to_decimal,
    unit_word,
)
from .iso import certification_sentence, next_level_sentence, todo_sentence, value_subject
from .overview import bank_sentence
from .residents import resident_change, resident_sentence
from .strategy import (
    STATUSES,
    normalize_status,
    status_sentence,
    strategy_baseline_sentence,
    strategy_break_sentence,
    strategy_on_track_sentence,
)
from .survey import (
    KAPPA_BANDS,
    kappa_words,
    survey_agreement_sentence,
    survey_coding_sentence,
    survey_district_sentence,
    survey_eu_sentence,
    survey_method_sentence,
    survey_mode_sentence,
    survey_range_sentence,
    survey_scheme_sentence,
)
from .trends import Gender, TrendFacts, compare_to_peers, describe_trend, key_figure_sentence, trend_facts

__all__ = [
    "Case",
    "ChangeKind",
    "Gender",
    "KAPPA_BANDS",
    "LANGS",
    "MINUS",
    "NBSP",
    "PERCENT_UNITS",
    "POINTS",
    "PREFIX_SYMBOLS",
    "QUOTES",
    "STATUSES",
    "STORY_COLUMNS",
    "STORY_OPTIONAL",
    "TrendFacts",
    "UNIT_ALIASES",
    "UNIT_FORMS",
    "UNIT_SYMBOLS",
    "UnitForms",
    "alt_text",
    "auto_decimals",
    "bank_sentence",
    "break_sentence",
    "category_story",
    "certification_sentence",
    "change_decimals",
    "column_decimals",
    "compare_to_peers",
    "consistency_sentence",
    "count_phrase",
    "describe_trend",
    "fmt_change",
    "fmt_change_by",
    "fmt_date",
    "fmt_number",
    "fmt_percent",
    "fmt_points",
    "fmt_value",
    "fmt_year",
    "in_year",
    "join_list",
    "kappa_words",
    "key_figure_sentence",
    "missing_value_sentence",
    "next_level_sentence",
    "no_inconsistencies_sentence",
    "normalize_status",
    "pct_change",
    "plural_category",
    "quote",
    "resident_change",
    "resident_sentence",
    "running_phrase",
    "status_sentence",
    "strategy_baseline_sentence",
    "strategy_break_sentence",
    "strategy_on_track_sentence",
    "survey_agreement_sentence",
    "survey_coding_sentence",
    "survey_district_sentence",
    "survey_eu_sentence",
    "survey_method_sentence",
    "survey_mode_sentence",
    "survey_range_sentence",
    "survey_scheme_sentence",
    "to_decimal",
    "todo_sentence",
    "trend_facts",
    "unit_word",
    "value_subject",
]
