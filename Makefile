# citybank — the Makefile calls the `citybank` command; the command never calls make.
# `make help` lists the targets.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CITYBANK := $(BIN)/citybank
STAMP := $(VENV)/.installed
YEAR ?=
JOBS ?=
YEAR_ARG := $(if $(YEAR),--year $(YEAR))
JOBS_ARG := $(if $(JOBS),--jobs $(JOBS))
export MPLBACKEND := Agg
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.DEFAULT_GOAL := help
.PHONY: help setup report data build render test test-fast reference lab lint bench clean

help: ## list the targets with what they do
	@echo "citybank — reproducible reporting workbench. Targets:"
	@grep -hE '^[a-z][a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*?## "}{printf "  make %-10s %s\n", $$1, $$2}'
	@echo "Variables: YEAR=2024 (default: params/city.yml), JOBS=N (worker processes)"

setup: $(STAMP) ## create .venv and install the workbench (a no-op when already done)

$(STAMP): pyproject.toml package-lock.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (citybank)" >/dev/null
	@# axe-core for the browser tests' accessibility checks (package.json, pinned by package-lock.json)
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error; \
	 else echo "npm not found: the accessibility browser tests will skip (apt-get install npm)"; fi
	@touch $(STAMP)

data: setup ## sample data if data/raw is empty, then ingest, compute and publish the year
	$(CITYBANK) prepare $(YEAR_ARG)

build: data ## execute the year's notebooks (incremental, parallel)
	$(CITYBANK) build $(YEAR_ARG) $(JOBS_ARG)

report: setup ## the main job: data, notebooks, and the report in PL/EN/DE (HTML, PDF, DOCX)
	$(CITYBANK) report $(YEAR_ARG) $(JOBS_ARG)

render: setup ## render the report from the executed notebooks
	$(CITYBANK) render $(YEAR_ARG)

NBVAL := --nbval-lax --nbval-sanitize-with tests/reference/sanitize.cfg
DOCTEST := --doctest-modules lib/citybank --ignore=lib/citybank/__main__.py

test: data ## run every test: unit, doctests, every notebook under nbval, reference notebooks compared, end-to-end
	$(BIN)/python -m pytest -n 2 --dist loadfile --durations=25 $(NBVAL) $(DOCTEST) tests notebooks

test-fast: data ## the tests without the slow end-to-end ones
	$(BIN)/python -m pytest -n 2 --dist loadfile $(NBVAL) $(DOCTEST) -m "not slow" tests notebooks

reference: data ## refresh the stored reference notebooks (review `git diff tests/reference` after)
	$(BIN)/python -m citybank.reference

# JupyterLab serves notebooks/ and its file browser opens on the workshops (tests/test_jupyter_server.py reads this)
LAB_FLAGS := --ServerApp.root_dir=notebooks --FileContentsManager.preferred_dir=workshops

lab: setup ## JupyterLab on this repository's environment, opened on the workshops (notebooks/workshops)
	$(BIN)/jupyter lab $(LAB_FLAGS)

lint: setup ## ruff on code and notebooks, notebook outputs stripped, no large files (no network needed)
	$(BIN)/ruff check lib tests benchmarks notebooks
	$(BIN)/ruff format --check lib tests benchmarks
	$(BIN)/python -m citybank.hygiene

bench: data ## benchmarks: the whole year's build against a plain papermill loop; BDL ingest speed; ranking all gminas vs one; survey stages; 5 and 20 gminas, local and Dask
	$(BIN)/python benchmarks/bench_runner.py
	$(BIN)/python benchmarks/bench_bdl_ingest.py
	$(BIN)/python benchmarks/bench_ranking.py
	$(BIN)/python benchmarks/bench_survey.py
	$(BIN)/python benchmarks/bench_gminas.py

clean: ## remove generated outputs (bank, results, reports, build state); never touches data/raw
	rm -rf data/bank data/quality data/results build
	find reports -mindepth 1 -maxdepth 1 -type d -name '[0-9]*' -exec rm -rf {} +
