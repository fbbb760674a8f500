"""Open answers coded reproducibly: the rules of ``params/survey_coding.yml`` on normalised, stemmed Polish text,
the human overrides of ``params/survey_coding_overrides.csv`` (they always win), weighted code shares with 95 %
confidence intervals (through ``svyadapter``, like every other share), inter-coder agreement on a double-coded
subsample, and a quote bank redacted of personal data.

The functions to call, in order (``write_coding`` does all of them)::

    coded = code_answers(data, coding, overrides)          # long table: respondent, question, code, source
    shares = code_shares(coded, data, coding, weighting, survey)   # est, se, lci, uci, deff, n, flag, suppressed
    agree = agreement(double_coded, coded_by_rules, coding)        # Cohen's kappa: coders and rules vs coders
    quotes = quote_bank(coded, data, coding, survey)               # redacted quotes, district only when safe

**Agreement.** An answer may carry several codes, so agreement is measured per code: for each code, every
double-coded answer is one yes/no decision of each coder, and Cohen's kappa is ``(p_o − p_e) / (1 − p_e)`` with
``p_o`` the share of answers on which the two agree and ``p_e = p_1·q_1 + (1 − p_1)(1 − q_1)`` from each one's share
of "yes". ``pooled`` stacks the decisions of every code into one 2×2 table; ``exact`` is the share of answers given
the very same set of codes. Kappa is undefined (NaN) when both coders say the same thing of every answer
(``p_e = 1``). The rules are compared with each coder the same way (``rules`` are the rule codes before overrides).
The implementation is ten lines (``cohen_kappa``), tested on a 2×2 table computed by hand; neither scikit-learn nor
statsmodels is a dependency of the workbench.

**Code shares.** The base of a code's share is the respondents who answered the question (an empty answer is not
coded); a code's share is the weighted share of them whose answer has the code. Codes are not exclusive: the shares
of a question add up to more than 100 % when answers carry several codes.

**Quote bank.** Per code (not the fallback), the ``quotes.per_code`` longest distinct answers, redacted again
(``text.redact``: phone numbers, e-mails, PESEL numbers, addresses, names) and cut to ``quotes.max_chars``. A quote
names its district only when at least ``disclosure.quote_min_district`` respondents of that district gave an answer
with that code; otherwise it is attributed to the whole city. ``quote_bank`` raises when anything that looks like a
phone number, an e-mail or a PESEL number is still in a quote: such a table is never written.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import CitybankError, UserError
from ..params.survey import Survey
from ..params.survey_coding import CodedQuestion, Coding, read_overrides
from ..safety import safe_frame
from ..util import write_text_atomic
from . import svyadapter
from .estimate import flag
from .inputs import SurveyData
from .tables import LOG_COLUMNS, apply_suppression
from .text import STEMMER_VERSION, fold, leaks, redact, stem, words
from .weighting import Weighting

CODED_COLUMNS = ["respondent", "question", "code", "source"]
SHARE_COLUMNS = [
    "question",
    "code",
    "scheme",
    "domain_type",
    "domain",
    "est",
    "se",
    "lci",
    "uci",
    "deff",
    "n",
    "flag",
    "suppressed",
    "codebook_version",
    "synthetic",
]
AGREEMENT_COLUMNS = ["question", "pair", "measure", "code", "n", "agreement", "expected", "kappa"]
QUOTE_COLUMNS = [
    "question",
    "code",
    "rank",
    "quote",
    "district",
    "attribution",
    "redacted",
    "codebook_version",
    "synthetic",
]
CODING_FILES = {
    "shares": "survey_coded_shares.csv",
    "agreement": "survey_coding_agreement.csv",
    "quotes": "survey_quotes.csv",
}
"""Published files of the coding, under data/results/survey/ (the coded answers are not published: microdata)."""
INTERNAL_FILES = {"coded": "internal/survey_coded_answers.csv"}
"""Files for the analyst only, never published: one row per respondent × code."""


class CodingError(CitybankError):
    """The coding cannot be trusted (a different stemmer) or its output would disclose personal data."""


# ---------------------------------------------------------------- rules on text


@dataclass(frozen=True)
class _Term:
    """One word of a term, compiled: a folded prefix, or a folded word with its stem."""

    prefix: bool
    folded: str
    stem: str

    def matches(self, folded: str, stemmed: str) -> bool:
        return folded.startswith(self.folded) if self.prefix else folded == self.folded or stemmed == self.stem


@functools.cache
def _compile(term: str, table: str) -> tuple[_Term, ...]:
    return tuple(
        _Term(True, fold(p[:-1]), "") if p.endswith("*") else _Term(False, fold(p), stem(p, table))
        for p in term.split(" ")
    )


def _analyse(text: str, table: str) -> list[tuple[str, str]]:
    return [(fold(w), stem(w, table)) for w in words(text)]


def term_in(term: str, text: list[tuple[str, str]], table: str) -> bool:
    """Whether a term (word, ``prefix*`` or consecutive words) is in an analysed text (folded words and stems)."""
    parts = _compile(term, table)
    starts = range(len(text) - len(parts) + 1)
    return any(all(p.matches(*text[i + k]) for k, p in enumerate(parts)) for i in starts)


def codes_of(text: str, question: CodedQuestion, table: str = "original") -> list[str]:
    """The codes the rules give one answer, in the codebook's order (the fallback when no rule fires).

    >>> from citybank.params.survey_coding import CodedQuestion
    >>> q = CodedQuestion.model_validate({"question": "q", "fallback": "inne", "codes": [
    ...     {"code": "zielen", "label": {"pl": "Zieleń", "en": "Green", "de": "Grün"}, "rules": [{"any": ["zieleń"]}]},
    ...     {"code": "inne", "label": {"pl": "Inne", "en": "Other", "de": "Sonstiges"}}]})
    >>> codes_of("Więcej ZIELENI!", q), codes_of("wiecej zieleni", q), codes_of("Mniej betonu", q)
    (['zielen'], ['zielen'], ['inne'])
    """
    analysed = _analyse(text, table)
    out = []
    for code in question.codes:
        for rule in code.rules:
            if (
                (not rule.any or any(term_in(t, analysed, table) for t in rule.any))
                and all(term_in(t, analysed, table) for t in rule.all)
                and not any(term_in(t, analysed, table) for t in rule.none)
            ):
                out.append(code.code)
                break
    return out or [question.fallback]


def check_stemmer(coding: Coding) -> None:
    if coding.stemmer.version != STEMMER_VERSION:
        raise CodingError(
            f"params/survey_coding.yml (version {coding.version}) was written for {coding.stemmer.package} "
            f"{coding.stemmer.version}, but {STEMMER_VERSION} is installed: a different stemmer may code differently. "
            "Install the pinned version (pyproject.toml), or check the rules with the new one and update "
            "stemmer.version and the codebook version."
        )


# ---------------------------------------------------------------- coding the answers


def open_answers(data: SurveyData, coding: Coding) -> pd.DataFrame:
    """The non-empty answers to the coded questions: respondent, question, district, text (already redacted)."""
    r = data.responses
    out = r[r["text"].notna() & r["question"].isin([q.question for q in coding.questions])]
    return (
        out[["respondent", "question", "district", "text"]]
        .sort_values(["question", "respondent"])
        .reset_index(drop=True)
    )


def load_overrides(root: Path, coding: Coding) -> pd.DataFrame:
    """The overrides CSV as a long table (respondent, question, code, coder, note); params checks its codes."""
    path = root / coding.overrides
    rows, problems = read_overrides(path.read_text(encoding="utf-8"))
    if problems:
        line, col, msg = problems[0]
        raise UserError(f"{path} row {line}, {col}: {msg} (run `citybank check-params` for every problem)")
    out = [
        {"respondent": r["respondent"], "question": r["question"], "code": c, "coder": r["coder"], "note": r["note"]}
        for r in rows
        for c in r["codes"]
    ]
    return pd.DataFrame(out, columns=["respondent", "question", "code", "coder", "note"])


def rule_codes(answers: pd.DataFrame, coding: Coding) -> pd.DataFrame:
    """The rules' codes of every answer (long table, source ``rule``)."""
    check_stemmer(coding)
    table = coding.stemmer.table
    rows = []
    for rid, qid, text in answers[["respondent", "question", "text"]].itertuples(index=False):
        for c in codes_of(text, coding.question(qid), table):
            rows.append((rid, qid, c, "rule"))
    return pd.DataFrame(rows, columns=CODED_COLUMNS)


def code_answers(data: SurveyData, coding: Coding, overrides: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Rules, then overrides (which replace the rules' codes of their answers): the long table respondent,
    question, code, source (``rule`` or ``override``), sorted; and the overrides that match no answer (a respondent
    quarantined or absent), as messages."""
    answers = open_answers(data, coding)
    rules = rule_codes(answers, coding)
    keys = set(zip(answers["respondent"], answers["question"], strict=True))
    ov = overrides.assign(source="override")
    ov_keys = set(zip(ov["respondent"], ov["question"], strict=True))
    unused = sorted(k for k in ov_keys if k not in keys)
    kept = rules.loc[
        np.array([k not in ov_keys for k in zip(rules["respondent"], rules["question"], strict=True)], dtype=bool)
    ]
    used = ov.loc[
        np.array([k in keys for k in zip(ov["respondent"], ov["question"], strict=True)], dtype=bool), CODED_COLUMNS
    ]
    out = pd.concat([kept, used], ignore_index=True).sort_values(["question", "respondent", "code"])
    messages = [
        f"override of {r} / {q} matches no open answer (respondent quarantined or absent): not used" for r, q in unused
    ]
    return out.reset_index(drop=True), messages


# ---------------------------------------------------------------- weighted shares


def code_shares(
    coded: pd.DataFrame, data: SurveyData, coding: Coding, weighting: Weighting, survey: Survey
) -> pd.DataFrame:
    """Weighted share of each code among the respondents who answered, for the city and each district, with 95 %
    CI, design effect, base, reliability flag and disclosure suppression (``tables.apply_suppression``)."""
    return code_shares_and_log(coded, data, coding, weighting, survey)[0]


def code_shares_and_log(
    coded: pd.DataFrame, data: SurveyData, coding: Coding, weighting: Weighting, survey: Survey
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``code_shares`` and the log of its suppression decisions (``tables.LOG_COLUMNS``; ``question`` is
    ``<question>:<code>``), for the survey's disclosure log."""
    answers = open_answers(data, coding)
    districts = [v.value for v in survey.background.district.values]
    rows = []
    for q in coding.questions:
        base = answers[answers["question"] == q.question][["respondent", "district"]].drop_duplicates("respondent")
        base = base.assign(w=base["respondent"].map(weighting.weights))
        if base["w"].isna().any():
            missing = base.loc[base["w"].isna(), "respondent"].iloc[0]
            raise CodingError(
                f"respondent {missing} answered {q.question} but has no weight of scheme '{weighting.scheme}'"
            )
        mine = coded[coded["question"] == q.question]
        for code in q.code_ids:
            has = set(mine.loc[mine["code"] == code, "respondent"])
            frame = base.assign(y=base["respondent"].isin(has).astype("float64"))
            city = svyadapter.share(frame, "y", "w").get(None, svyadapter.EMPTY)
            rows.append(_share_row(q.question, code, weighting.scheme, "city", "city", city, survey))
            by = svyadapter.share(frame, "y", "w", by="district")
            for d in districts:
                rows.append(
                    _share_row(q.question, code, weighting.scheme, "district", d, by.get(d, svyadapter.EMPTY), survey)
                )
    est = pd.DataFrame(rows)
    if est.empty:
        return pd.DataFrame(columns=SHARE_COLUMNS), pd.DataFrame(columns=LOG_COLUMNS)
    # Suppression works per question × scheme × domain type: one "question" per code here.
    est["question"] = est["question"] + "\t" + est["code"]
    est, log = apply_suppression(est, survey.disclosure.min_count)
    est["question"] = est["question"].str.split("\t").str[0]
    log["question"] = log["question"].str.replace("\t", ":")
    est["codebook_version"] = coding.version
    est["synthetic"] = survey.synthetic
    return est[SHARE_COLUMNS].astype({"n": "Int64"}), log  # a suppressed cell keeps no base (tables.apply_suppression)


def _share_row(q: str, code: str, scheme: str, dtype: str, domain: str, s: svyadapter.Share, survey: Survey) -> dict:
    return {
        "question": q,
        "code": code,
        "scheme": scheme,
        "domain_type": dtype,
        "domain": domain,
        "est": s.est,
        "se": s.se,
        "lci": s.lci,
        "uci": s.uci,
        "deff": s.deff,
        "n": s.n,
        "flag": flag(s, survey.reliability),
    }


# ---------------------------------------------------------------- agreement


def cohen_kappa(a: list | np.ndarray, b: list | np.ndarray) -> tuple[float, float, float]:
    """Cohen's kappa of two raters' labels of the same items: (kappa, observed agreement p_o, expected p_e).

    >>> cohen_kappa([1, 1, 0, 0], [1, 0, 0, 0])
    (0.5, 0.75, 0.5)
    """
    a, b = np.asarray(a), np.asarray(b)
    if len(a) != len(b) or len(a) == 0:
        raise ValueError("two raters need labels of the same, non-empty list of items")
    po = float((a == b).mean())
    labels = sorted(set(a.tolist()) | set(b.tolist()))
    pe = float(sum((a == x).mean() * (b == x).mean() for x in labels))
    kappa = (po - pe) / (1 - pe) if pe < 1 else math.nan
    return kappa, po, pe


def read_double_coded(path: Path, coding: Coding) -> pd.DataFrame:
    """The double-coded subsample: respondent, question and one column of codes (``;``-separated) per coder."""
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError) as exc:
        raise UserError(f"{path}: cannot read the double-coded subsample ({exc})") from exc
    coders = [c for c in df.columns if c not in ("respondent", "question", "synthetic", "note")]
    if list(df.columns[:2]) != ["respondent", "question"] or len(coders) != 2:
        raise UserError(
            f"{path}: expected columns respondent, question and two coders' columns (e.g. coder_a, "
            f"coder_b); found {', '.join(df.columns)}"
        )
    known = {q.question: set(q.code_ids) for q in coding.questions}
    for i, r in enumerate(df.to_dict(orient="records"), start=2):
        if r["question"] not in known:
            raise UserError(f"{path} row {i}, question: '{r['question']}' is not a coded question ({', '.join(known)})")
        for c in coders:
            bad = [x for x in r[c].split(";") if x not in known[r["question"]]]
            if bad:
                raise UserError(
                    f"{path} row {i}, {c}: unknown code(s) {', '.join(bad)}; expected codes of "
                    f"params/survey_coding.yml for {r['question']}"
                )
    return df


def _sets(df: pd.DataFrame, col: str) -> dict[tuple[str, str], frozenset[str]]:
    return {(r, q): frozenset(v.split(";")) for r, q, v in df[["respondent", "question", col]].itertuples(index=False)}


def _compare(question: CodedQuestion, pair: str, x: dict, y: dict, keys: list) -> list[dict]:
    rows = []
    pooled_a, pooled_b = [], []
    for code in question.code_ids:
        a = [code in x[k] for k in keys]
        b = [code in y[k] for k in keys]
        pooled_a += a
        pooled_b += b
        kappa, po, pe = cohen_kappa(a, b)
        rows.append(
            {"measure": "kappa_code", "code": code, "n": len(keys), "agreement": po, "expected": pe, "kappa": kappa}
        )
    kappa, po, pe = cohen_kappa(pooled_a, pooled_b)
    rows.append(
        {"measure": "kappa_pooled", "code": "", "n": len(keys), "agreement": po, "expected": pe, "kappa": kappa}
    )
    exact = float(np.mean([x[k] == y[k] for k in keys]))
    rows.append(
        {"measure": "exact", "code": "", "n": len(keys), "agreement": exact, "expected": math.nan, "kappa": math.nan}
    )
    return [{"question": question.question, "pair": pair, **r} for r in rows]


def agreement(double: pd.DataFrame, rules: pd.DataFrame, coding: Coding) -> pd.DataFrame:
    """Cohen's kappa per code, pooled, and exact agreement: coder vs coder, and the rules vs each coder, on the
    double-coded answers that are in the coded data (quarantined respondents are left out)."""
    c1, c2 = [c for c in double.columns if c not in ("respondent", "question", "synthetic", "note")]
    x, y = _sets(double, c1), _sets(double, c2)
    r: dict[tuple[str, str], frozenset[str]] = {}
    for (rid, qid), part in rules.groupby(["respondent", "question"]):
        r[(rid, qid)] = frozenset(part["code"])
    out = []
    for q in coding.questions:
        keys = sorted(k for k in x if k[1] == q.question and k in r)
        if not keys:
            continue
        out += _compare(q, f"{c1} vs {c2}", x, y, keys)
        out += _compare(q, f"rules vs {c1}", r, x, keys)
        out += _compare(q, f"rules vs {c2}", r, y, keys)
    return pd.DataFrame(out, columns=AGREEMENT_COLUMNS)


# ---------------------------------------------------------------- the quote bank


def quote_bank(
    coded: pd.DataFrame, data: SurveyData, coding: Coding, survey: Survey, names: dict[str, str] | None = None
) -> pd.DataFrame:
    """Quotes per code, redacted, attributed to a district (by its name from ``names``, a code → name map such as
    params/city.yml's districts, else by code) only when its cell is large enough; raises CodingError when a phone
    number, e-mail or PESEL number would be published."""
    answers = open_answers(data, coding).set_index(["respondent", "question"])
    names = names or {}
    minimum = survey.disclosure.quote_min_district
    rows = []
    for q in coding.questions:
        mine = coded[coded["question"] == q.question]
        for code in q.code_ids:
            if code == q.fallback:
                continue
            who = mine.loc[mine["code"] == code, "respondent"]
            if who.empty:
                continue
            texts = answers.loc[[(rid, q.question) for rid in who]].reset_index()
            cells = texts["district"].value_counts()
            texts["quote"] = [_clean(t, coding.quotes.max_chars) for t in texts["text"]]
            texts["redacted"] = [t != c for t, c in zip(texts["text"], texts["quote"], strict=True)]
            texts["len"] = texts["quote"].str.len()
            picked = texts.sort_values(["len", "quote", "respondent"], ascending=[False, True, True])
            picked = picked.drop_duplicates("quote").head(coding.quotes.per_code)
            for rank, t in enumerate(picked.itertuples(), start=1):
                ok = int(cells.get(t.district, 0)) >= minimum
                rows.append(
                    {
                        "question": q.question,
                        "code": code,
                        "rank": rank,
                        "quote": t.quote,
                        "district": names.get(t.district, t.district) if ok else "",
                        "attribution": "district" if ok else "city-wide",
                        "redacted": bool(t.redacted or "[" in t.quote),
                    }
                )
    out = pd.DataFrame(rows, columns=QUOTE_COLUMNS[:-2])
    out["codebook_version"] = coding.version
    out["synthetic"] = survey.synthetic
    leaking = [q for q in out["quote"] if leaks(q)]
    if leaking:
        raise CodingError(f"the quote bank would publish personal data ({len(leaking)} quote(s)); not written")
    return out


def _clean(text: str, max_chars: int) -> str:
    clean = redact(" ".join(str(text).split()))[0]
    return clean if len(clean) <= max_chars else clean[: max_chars - 1].rstrip() + "…"


# ---------------------------------------------------------------- all of it


@dataclass
class CodingResult:
    coded: pd.DataFrame  # respondent, question, code, source
    shares: pd.DataFrame
    agreement: pd.DataFrame
    quotes: pd.DataFrame
    messages: list[str]
    disclosure_log: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LOG_COLUMNS))


def run_coding(
    data: SurveyData,
    survey: Survey,
    coding: Coding,
    weighting: Weighting,
    params_root: Path,
    raw_dir: Path,
    district_names: dict[str, str] | None = None,
) -> CodingResult:
    """Code, estimate, measure agreement and build the quote bank (nothing written). ``district_names``: code →
    name of each district (params/city.yml), used by the quote bank."""
    overrides = load_overrides(params_root, coding)
    coded, messages = code_answers(data, coding, overrides)
    rules = rule_codes(open_answers(data, coding), coding)
    agree = pd.DataFrame(columns=AGREEMENT_COLUMNS)
    if coding.double_coded:
        path = raw_dir / coding.double_coded
        if path.is_file():
            agree = agreement(read_double_coded(path, coding), rules, coding)
        else:
            messages.append(f"no double-coded subsample at {path}: no inter-coder agreement")
    shares, log = code_shares_and_log(coded, data, coding, weighting, survey)
    quotes = quote_bank(coded, data, coding, survey, district_names)
    return CodingResult(coded, shares, agree, quotes, messages, log)


CODING_TABLES = {
    "survey_coded_shares": "shares",
    "survey_coding_agreement": "agreement",
    "survey_quotes": "quotes",
    "survey_coded_answers": "coded",
}
"""The coding's tables by their result name (``paths.SURVEY_TABLES``) → the key of ``CODING_FILES`` or
``INTERNAL_FILES``; ``survey_coded_answers`` (one row per respondent × code) never leaves the workbench."""


def coding_tables(result: CodingResult, coding: Coding, survey: Survey) -> dict[str, pd.DataFrame]:
    """The coding's tables as published (shares in %, rounded; agreement rounded to 4 decimals; each table with the
    codebook version and the synthetic mark), by result name (``CODING_TABLES``)."""
    shares = result.shares.copy()
    for col in ("est", "se", "lci", "uci"):
        shares[col] = (100 * shares[col].astype("float64")).round(1)
    shares["deff"] = shares["deff"].astype("float64").round(2)
    agree = result.agreement.copy()
    for col in ("agreement", "expected", "kappa"):
        agree[col] = agree[col].astype("float64").round(4)
    agree["n"] = agree["n"].astype("int64")
    agree["codebook_version"] = coding.version
    agree["synthetic"] = survey.synthetic
    coded = result.coded.assign(codebook_version=coding.version)
    return {
        "survey_coded_shares": shares.reset_index(drop=True),
        "survey_coding_agreement": agree.reset_index(drop=True),
        "survey_quotes": result.quotes.reset_index(drop=True),
        "survey_coded_answers": coded.reset_index(drop=True),
    }


def write_coding(result: CodingResult, coding: Coding, survey: Survey, out: Path) -> list[Path]:
    """Write the coded shares, the agreement report and the quote bank (and the internal coded answers) as CSV under
    ``out``; byte-identical for the same inputs. Returns the files written."""
    out = Path(out)
    files = {**CODING_FILES, **INTERNAL_FILES}
    return [
        Path(
            write_text_atomic(out / files[CODING_TABLES[name]], safe_frame(f).to_csv(index=False, lineterminator="\n"))
        )
        for name, f in coding_tables(result, coding, survey).items()
    ]
