"""The plan of a year: one task per notebook execution, and the inputs each task depends on (the one place
dependencies are decided: :func:`task_inputs`). See the package docstring."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..params import expand_files, load_params, registry
from ..params.outline import PageSpec, notebook_pages
from ..paths import RESULT_FILES, SURVEY_TABLES, notebooks_folder


@dataclass(frozen=True)
class Task:
    """One notebook execution. Paths are relative to ``root`` (the repository root)."""

    id: str
    notebook: str
    parameters: dict[str, Any]
    inputs: tuple[str, ...]
    output: str
    year: int
    root: Path = field(compare=False)
    state_dir: str = field(default="", compare=False)

    def path(self, rel: str) -> Path:
        return self.root / rel

    @property
    def build_dir(self) -> Path:
        return self.root / (self.state_dir or f"build/{self.year}")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "notebook": self.notebook,
            "parameters": self.parameters,
            "inputs": list(self.inputs),
            "output": self.output,
        }


def _dataset_files(reg, ds) -> list[str]:
    return [f"data/raw/{rel}" for rel, _ in expand_files(ds)]


def task_inputs(reg, section: str, year: int, notebook: str, category: str | None = None) -> tuple[str, ...]:
    """The files a task is declared to depend on (relative to the root), by the page's ``section`` in the outline
    (``citybank.params.outline``) — every declared rule lives here. They are a floor: what the task's notebook
    actually reads is recorded while it runs and added to them (``citybank.runner.depfile``).

    The bank and the result files are deterministic functions of the raw files, params and lib code (all
    hashed), so a category page depends on its own datasets' raw files (plus the population dataset used to
    compare peers per resident) rather than on the whole bank: re-ingesting after one provider's file
    changed re-executes that provider's category pages, the overview, and the pages of results it changed.
    """
    common = [
        notebook,
        "params/city.yml",
        f"params/years/{year}.yml",
        "params/categories.yml",
        "params/variables.yml",
        "params/providers.yml",
    ]
    extra: list[str] = []
    if section == "categories":
        wanted = {ds.id for ds in reg.datasets_in(category)}
        wanted |= {ds.id for ds in reg.datasets.values() if "population_total" in ds.variables}
        for ds in sorted((reg.datasets[i] for i in wanted), key=lambda d: d.id):
            extra += [f"params/datasets/{ds.id}.yml", *_dataset_files(reg, ds)]
    elif section == "overview":
        extra.append("data/bank/bank.parquet")
        for ds in sorted(reg.datasets.values(), key=lambda d: d.id):
            extra += [f"params/datasets/{ds.id}.yml", *_dataset_files(reg, ds)]
        extra += [f"data/results/{name}" for name in RESULT_FILES.values()]
    elif section == "iso":
        extra += [
            "params/iso37120.yml",
            f"data/results/{RESULT_FILES['indicators']}",
            *(f"params/datasets/{i}.yml" for i in sorted(reg.datasets)),
        ]
    elif section in ("strategy", "consistency"):
        extra += [f"params/{section}.yml", f"data/results/{RESULT_FILES[section]}"]
    elif section == "residents":  # the datasets of the figures' variables (an indicator's: of its inputs)
        # params/residents.yml as load_params validated it (read as data: the plan never re-validates)
        iso = {str(i.get("id")): i for i in (reg.extra.get("iso37120") or {}).get("indicators") or []}
        wanted: set[str] = set()
        for fig in (reg.extra.get("residents") or {}).get("figures") or []:
            formula = (iso.get(str(fig.get("indicator"))) or {}).get("formula") or {}
            wanted |= {fig["variable"]} if fig.get("variable") else set(formula.get("numerator") or [])
            wanted |= set(formula.get("denominator") or [])
        extra += ["params/residents.yml", "params/iso37120.yml", f"data/results/{RESULT_FILES['indicators']}"]
        for ds in sorted(reg.datasets.values(), key=lambda d: d.id):
            if wanted & set(ds.variables):
                extra += [f"params/datasets/{ds.id}.yml", *_dataset_files(reg, ds)]
    elif section == "survey":  # the survey stage's tables, the codebook's labels, the strategy's survey indicators
        extra += ["params/survey.yml", "params/survey_coding.yml", "params/strategy.yml",
                  f"data/results/{RESULT_FILES['strategy']}"]  # fmt: skip
        extra += [f"data/results/survey/{name}.parquet" for name in SURVEY_TABLES]
    return tuple(dict.fromkeys(common + extra))


def plan(year: int, reg=None) -> list[Task]:
    """Every notebook task of ``year``: per language of params/city.yml, one per notebook page of the outline, in
    report order (``citybank.params.outline``)."""
    if reg is None:
        reg = registry()
    root = Path(reg.root).resolve().parent
    pages = notebook_pages(reg)
    inputs: dict[str, tuple[str, ...]] = {}

    def task(lang: str, page: PageSpec) -> Task:
        assert page.template is not None
        # relative to the root in the workbench; a gmina workspace uses the code checkout's templates (absolute)
        nb = (
            f"notebooks/{page.template}"
            if (root / "notebooks").is_dir()
            else str(notebooks_folder(root) / page.template)
        )
        if page.id not in inputs:  # the same in every language
            inputs[page.id] = task_inputs(reg, page.section, year, nb, page.parameters.get("category"))
        return Task(
            id=f"{lang}/{page.id}",
            notebook=nb,
            parameters={"year": int(year), "lang": lang, **page.parameters},
            inputs=inputs[page.id],
            output=f"reports/{year}/notebooks/{lang}/{page.id}.ipynb",
            year=int(year),
            root=root,
        )

    return [task(lang, page) for lang in reg.city.languages for page in pages]


def plan_gminas(year: int, gminas: Mapping[str, str | Path]) -> list[Task]:
    """One build of several gminas: ``gminas`` maps a TERC code to its *workbench root* — a folder holding the
    gmina's ``params/`` (as ``citybank new-city`` writes it) and its ``data/``. Each gmina's tasks are those
    of :func:`plan` on its own params, with

    * the id prefixed by the code (``2469011/pl/overview``), so the build's results and failures say whose;
    * root = the gmina's workbench: outputs in ``<root>/reports/<Y>/notebooks/``, state, logs and failed
      notebooks in ``<root>/build/<Y>/`` (each gmina's cache is its own: adding a gmina re-runs nothing of
      the others), and the warm process that runs it points at that root (its params, bank and results);
    * the notebooks of the workbench's own ``notebooks/`` when it has one, else the code checkout's, named by
      absolute path (:func:`citybank.paths.notebooks_folder`) — one template, many gminas.

    Gminas are planned in the order given, each one's tasks together (a warm process switches root once
    per gmina)."""
    tasks: list[Task] = []
    for code, folder in gminas.items():
        root = Path(folder).resolve()
        if not (root / "params" / "city.yml").is_file():
            raise UserError(
                f"gmina {code}: no params/city.yml in {root}; write its params folder first with "
                f"`citybank new-city --terc {code} --out {root / 'params'}`"
            )
        for t in plan(year, load_params(root / "params")):
            tasks.append(dataclasses.replace(t, id=f"{code}/{t.id}", root=root))
    return tasks


def synthetic_plan(n: int, root: Path, year: int = 2024) -> list[Task]:
    """``n`` tasks of the test notebook ``tests/data/notebooks/page.ipynb`` (for benchmarks without the
    real notebooks): parameters cycle through languages and fake categories; inputs ``values.csv`` and one
    of six "raw datasets" ``data/raw/synthetic/d<i % 6>.csv`` (so that changing one re-runs a sixth)."""
    nb = "tests/data/notebooks/page.ipynb"
    data = "tests/data/notebooks/values.csv"
    langs = ("pl", "en", "de")
    tasks = []
    for i in range(n):
        lang = langs[i % 3]
        name = f"page-{i:03d}"
        tasks.append(Task(
            id=f"{lang}/{name}", notebook=nb,
            parameters={"year": year, "lang": lang, "category": f"c{i:03d}", "data_file": str(root / data)},
            inputs=(nb, data, f"data/raw/synthetic/d{i % 6}.csv"), output=f"reports/{year}/notebooks/{lang}/{name}.ipynb", year=year, root=root,
        ))  # fmt: skip
    return tasks
