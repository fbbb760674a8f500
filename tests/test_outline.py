"""The outline (one list of pages, in report order) and the dependencies recorded while a page runs.

The outline: the plan, the lineage and the book list the same pages in the same order, each notebook kind has its
template and its facts, and nothing else in ``lib/`` names page ids or templates. Recorded dependencies: what a
page reads is noted (opens, the paths layer, the registry's optional files, cached values), stored with the task,
and a change to any of it makes exactly the pages that read it stale — the ranking of the category and ISO pages
included, which their declared inputs never named.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from citybank import reads, views
from citybank.lineage import dataset_lineage
from citybank.params import load_params
from citybank.params.outline import FILE_KINDS, NOTEBOOK_KINDS, outline, page_id, page_order, template
from citybank.paths import Paths
from citybank.render import book
from citybank.runner import Task, depfile, plan, run_tasks, status
from citybank.runner.cache import Hasher, recorded_reads, stale_reasons

LIB = Path(__file__).resolve().parents[1] / "lib" / "citybank"
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


# ---------------------------------------------------------------- the outline


def _book(reg):
    cats = [(slug, c.name.model_dump()) for slug, c in reg.categories.items()]
    inp = book.BookInputs(
        Paths(Path(".")), 2024, reg.city.name, cats, book.iso_catalogue(reg.extra["iso37120"], []), True, reg
    )
    return book.chapter_plan(inp, "en")


def test_the_plan_the_lineage_and_the_book_follow_the_outline_in_report_order(reg):
    pages = outline(reg)
    ids = [p.id for p in pages]
    cats = list(reg.categories)
    themes = [str(t["id"]) for t in reg.extra["survey"]["themes"]]
    # the printed report's order: residents second, the survey after strategy and before consistency
    assert ids[: 2 + len(cats) + 3] == ["overview", "residents", *(f"category-{c}" for c in cats), "iso-overview",
                                        "iso-theme-5", "iso-5.1"]  # fmt: skip
    tail = ["strategy", "survey-overview", *(f"survey-{t}" for t in themes), "consistency"]
    assert ids[-len(tail) - 3 :] == [*tail, "quality", "downloads", "methodology"]
    iso = [p for p in pages if p.section == "iso"]
    assert len([p for p in iso if p.kind == "iso_indicator"]) == len(reg.extra["iso37120"]["indicators"])
    at = ids.index("iso-9.5.2")  # numeric clause order: theme 9 before theme 10 (a string sort would not)
    assert ids[at : at + 3] == ["iso-9.5.2", "iso-theme-10", "iso-10.1"]
    assert next(p for p in iso if p.id == "iso-10.1").group == "iso-theme-10"

    for lang in reg.city.languages:  # the runner: one task per notebook page and language, in that order
        assert [t.id.split("/", 1)[1] for t in plan(2024, reg) if t.id.startswith(f"{lang}/")] == page_order(reg)
    assert [p.id for p in pages if p.notebook] == page_order(reg)
    assert [p.id for p, _ in _book(reg)] == ids  # the book: every page, notebooks and files
    order = {p: i for i, p in enumerate(ids)}
    for lin in dataset_lineage(reg).values():  # the lineage names pages of the outline, in its order
        assert list(lin.pages) == sorted(lin.pages, key=order.__getitem__)


def test_a_survey_theme_and_a_category_of_its_own_notebook(reg):
    titles = {p.id: title for p, title in _book(reg)}
    assert titles["survey-services"] == "Public services" and titles["survey-overview"] == "Residents' survey"
    assert titles["iso-theme-5"] == "5. Economy" and titles["iso-5.1"].startswith("5.1 ")
    spec = next(p for p in outline(reg) if p.id == "survey-services")
    assert (spec.kind, spec.template, dict(spec.parameters), spec.group) == (
        "survey_theme", "survey_theme.ipynb", {"theme": "services"}, "survey-overview")  # fmt: skip
    assert page_id("category", "ludnosc") == "category-ludnosc" and page_id("iso_overview") == "iso-overview"


def test_every_notebook_kind_has_its_template_and_its_facts(reg):
    kinds = {p.kind for p in outline(reg)}
    assert kinds == set(NOTEBOOK_KINDS) | set(FILE_KINDS)  # the sample has every kind of page
    for kind in NOTEBOOK_KINDS:
        assert (NOTEBOOKS / template(kind)).is_file(), kind
    assert set(views.PAGE_FACTS) == set(NOTEBOOK_KINDS)
    with pytest.raises(ValueError, match="not a notebook page kind"):
        template("quality")


# Collections of page kinds allowed outside the outline: the facts per kind (checked against the outline above), the
# renderer's chapter titles by section, and any module's ``__all__`` (names of modules and functions).
ALLOWED = {("views/__init__.py", "PAGE_FACTS"), ("render/strings.py", "I18N_KEYS")}


def _page_literals(path: Path, base: Path = LIB) -> list[str]:
    """Page ids, templates and lists of page kinds written in a module (docstrings aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rel = path.relative_to(base).as_posix()
    docstrings = {
        id(n.body[0].value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)
    }  # fmt: skip
    allowed = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Assign) for t in n.targets
               if isinstance(t, ast.Name) and ((rel, t.id) in ALLOWED or t.id == "__all__")}  # fmt: skip
    prefixes = ("category-", "iso-", "survey-")
    templates = {f"{k}.ipynb" for k in NOTEBOOK_KINDS}
    found = []
    for n in ast.walk(tree):
        text = None
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings:
            text = n.value
        elif isinstance(n, ast.JoinedStr) and n.values and isinstance(n.values[0], ast.Constant):
            text = str(n.values[0].value)
        if text is not None and (text.startswith(prefixes) or text in templates):
            found.append(f"{rel}:{n.lineno}: {text!r}")
        if isinstance(n, ast.Set | ast.List | ast.Tuple | ast.Dict) and id(n) not in allowed:
            items = n.keys if isinstance(n, ast.Dict) else n.elts
            kinds = [i.value for i in items if isinstance(i, ast.Constant) and i.value in NOTEBOOK_KINDS]
            if len(kinds) >= 3:
                found.append(f"{rel}:{n.lineno}: a list of page kinds {kinds}")
    return sorted(set(found))  # an f-string's first part is seen twice


def test_nothing_but_the_outline_lists_pages():
    found = [hit for p in sorted(LIB.rglob("*.py")) if p != LIB / "params" / "outline.py" for hit in _page_literals(p)]
    assert found == [], (
        "pages named outside citybank/params/outline.py (use outline(), page_id(), template()):\n" + "\n".join(found)
    )


def test_the_check_sees_a_page_list(tmp_path):
    (tmp_path / "x.py").write_text('"""category-x in a docstring"""\nSECTIONS = {"overview", "residents", "strategy"}\n'
                                   'A = f"iso-{1}"\nB = "survey_theme.ipynb"\nC = {"overview", "quality"}\n')  # fmt: skip
    assert [h.split(": ", 1)[0] for h in _page_literals(tmp_path / "x.py", tmp_path)] == ["x.py:2", "x.py:3", "x.py:4"]


# ---------------------------------------------------------------- recording what is read


def test_opens_for_reading_are_recorded_writes_are_not(tmp_path):
    reads.watch_opens()
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text("a\n")
    with reads.recording() as got:
        src.read_text()
        out.write_text("b\n")
    outside = tmp_path / "later.txt"
    outside.write_text("c")
    outside.read_text()  # no recording active: nothing noted
    assert got == {str(src)}


def test_a_cached_value_counts_as_read_by_every_later_caller(tmp_path):
    reads.watch_opens()
    data = tmp_path / "values.json"
    data.write_text("[1, 2]")

    @functools.cache
    def values() -> list[int]:
        return json.loads(data.read_text())

    replayed = reads.replaying(values)
    with reads.recording() as first:
        assert replayed() == [1, 2]
    with reads.recording() as second:  # from the cache: no file opened, still read
        assert replayed() == [1, 2]
    assert first == second == {str(data)}


def test_the_paths_layer_and_the_registry_note_what_is_asked_for(params_copy, tmp_path):
    reg = load_params(params_copy)
    with reads.recording() as got:
        reg.extra.get("national")
        _ = "residents" in reg.extra
        Paths(tmp_path).result("ranking")
        Paths(tmp_path).survey_result("survey_shares")
    assert got == {str(params_copy / "national.yml"), str(params_copy / "residents.yml"),
                   str(tmp_path / "data/results/ranking.parquet"),
                   str(tmp_path / "data/results/survey/survey_shares.parquet")}  # fmt: skip
    with reads.recording() as got:
        list(reg.extra)  # iterating names reads no file
    assert got == set()


def test_the_depfile_keeps_the_workbench_inputs(tmp_path):
    root = tmp_path / "wb"
    (root / "params").mkdir(parents=True)
    elsewhere = tmp_path / "shared-data"
    (elsewhere / "results").mkdir(parents=True)
    (root / "data").symlink_to(elsewhere)  # a linked data folder is read under its real path
    lines = [root / "params/national.yml", elsewhere / "results/ranking.parquet", root / "data/bank/bank.parquet",
             root / "notebooks/category.ipynb", Path("/usr/lib/python3.11/os.py"), root / "params/../data/raw/x.csv"]  # fmt: skip
    dep = tmp_path / "task.reads"
    dep.write_text("".join(f"{p}\n" for p in lines))
    assert depfile.read(dep, root) == ["data/raw/x.csv", "data/results/ranking.parquet", "params/national.yml"]
    assert not dep.exists()


def test_a_change_to_a_recorded_input_makes_the_task_stale_and_says_which(tmp_path):
    (tmp_path / "data/results").mkdir(parents=True)
    ranking = tmp_path / "data/results/ranking.parquet"
    ranking.write_bytes(b"v1")
    (tmp_path / "out.ipynb").write_text("{}")
    task = Task("pl/category-x", "nb.ipynb", {}, ("nb.ipynb",), "out.ipynb", 2024, tmp_path)
    key = {"inputs": {}}
    entry = {"key": key, "output_sha256": hashlib.sha256(b"{}").hexdigest()}
    entry.update(recorded_reads(task, key, ["data/results/ranking.parquet"], Hasher()))
    assert entry["reads"] == {"data/results/ranking.parquet": hashlib.sha256(b"v1").hexdigest()}
    same = stale_reasons(task, {**key, "notebook_code": None, "parameters": None, "lib": None, "packages": None},
                         {**entry, "key": {**key, "notebook_code": None, "parameters": None, "lib": None, "packages": None}},
                         Hasher())  # fmt: skip
    assert same == []
    ranking.write_bytes(b"v2")
    full = {**key, "notebook_code": None, "parameters": None, "lib": None, "packages": None}
    assert stale_reasons(task, full, {**entry, "key": full}, Hasher()) == [
        "input data/results/ranking.parquet changed (recorded: the task read it)"]  # fmt: skip
    ranking.unlink()
    assert stale_reasons(task, full, {**entry, "key": full}, Hasher()) == [
        "input data/results/ranking.parquet removed (recorded: the task read it)"]  # fmt: skip


# ---------------------------------------------------------------- a real build: exactly the pages that read a file

PAGES = ["overview", "residents", "category-ludnosc", "iso-overview", "iso-5.1", "strategy", "survey-overview",
         "survey-city_life", "consistency"]  # fmt: skip
ALL = set(PAGES)
SURVEY = {"survey-overview", "survey-city_life"}
# file → the pages (of PAGES) that read it, from what each page shows; "recorded" marks what only the recording knows
STALE = {
    # the ranking among gminas: category and ISO indicator pages (recorded), the overview (declares every result)
    "data/results/ranking.parquet": {"overview", "category-ludnosc", "iso-5.1"},
    "params/national.yml": {"category-ludnosc", "iso-5.1"},  # recorded: the ranking's measures and source
    "data/results/indicators.parquet": {"overview", "residents", "iso-overview", "iso-5.1"},
    "data/results/strategy.parquet": {"overview", "strategy"} | SURVEY,
    "data/results/consistency.parquet": {"overview", "consistency"},
    "data/results/survey/survey_shares.parquet": {"overview"} | SURVEY,
    "data/results/survey/survey_weights.parquet": SURVEY,
    # the ISO catalogue: its pages, the residents' figures, the ranking's ISO measures (category), the strategy's
    # ISO indicators (strategy, and the survey pages that show the strategy's survey indicators) — recorded
    "params/iso37120.yml": {"residents", "iso-overview", "iso-5.1", "category-ludnosc", "strategy"} | SURVEY,
    "params/survey.yml": {"strategy"} | SURVEY,  # recorded for strategy: its indicators may be survey questions
    "params/strategy.yml": {"strategy"} | SURVEY,
    "params/consistency.yml": {"consistency"},
    "params/residents.yml": {"residents"},
    "params/city.yml": ALL,
    "data/raw/SAMPLE.yml": ALL,  # recorded: every page says that the data are the bundled sample
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sample's pages of one language, one per kind, built by the runner in a workbench of their own (params,
    results and raw files copied, so that the test may change them; bank, notebooks and ../shared linked)."""
    src = LIB.parents[1]
    if not (src / "data/bank/bank.parquet").is_file() or not (src / "data/results/ranking.parquet").is_file():
        pytest.skip("needs the sample's bank and results: run `citybank prepare` first")
    if not (src.parent / "shared" / "data" / "bdl_exports").is_dir():
        pytest.skip("needs ../shared (the national exports the ranking is read from)")
    root = tmp_path_factory.mktemp("outline") / "wb"
    root.mkdir()
    (root.parent / "shared").symlink_to(src.parent / "shared")  # params/national.yml: folders ../shared/…
    shutil.copytree(src / "params", root / "params")
    for name in ("results", "raw"):
        shutil.copytree(src / "data" / name, root / "data" / name)
    for name in ("bank", "quality"):
        (root / "data" / name).symlink_to(src / "data" / name)
    (root / "notebooks").symlink_to(src / "notebooks")
    (root / "pyproject.toml").symlink_to(src / "pyproject.toml")
    tasks = [
        t for t in plan(2024, load_params(root / "params")) if t.id.split("/", 1)[1] in PAGES and t.id.startswith("pl/")
    ]
    assert {t.root for t in tasks} == {root.resolve()}
    res = run_tasks(tasks, jobs=2, progress=False)
    assert res.failures == [] and len(res.executed) == len(PAGES)
    return root, tasks


@pytest.mark.slow
@pytest.mark.parametrize("rel", sorted(STALE))
def test_changing_a_file_makes_exactly_the_pages_that_read_it_stale(built, rel):
    root, tasks = built
    assert not any(status(tasks).values())
    path = root / rel
    before = path.read_bytes()
    try:
        path.write_bytes(before + (b"\n# changed\n" if rel.endswith(".yml") else b"changed"))
        why = {t.id.split("/", 1)[1]: r for t, r in zip(tasks, status(tasks).values(), strict=True)}
        assert {p for p, r in why.items() if r} == STALE[rel]
        for page in STALE[rel]:
            assert any(rel in reason for reason in why[page]), (page, why[page])
    finally:
        path.write_bytes(before)
    assert not any(status(tasks).values())


@pytest.mark.slow
def test_the_ranking_was_recorded_not_declared(built):
    root, tasks = built
    state = json.loads((root / "build/2024/state.json").read_text(encoding="utf-8"))["tasks"]
    for page in ("category-ludnosc", "iso-5.1"):
        task = next(t for t in tasks if t.id == f"pl/{page}")
        assert "data/results/ranking.parquet" not in task.inputs and "params/national.yml" not in task.inputs
        assert {"data/results/ranking.parquet", "params/national.yml"} <= set(state[f"pl/{page}"]["reads"])
