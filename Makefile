# Two commands set everything up on a machine with only python3:
#   make demo   creates .venv, installs boombust, runs the main job on the bundled dataset
#   make test   creates .venv with the dev extras, runs ruff, mypy (strict) and pytest
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python

.PHONY: demo test lint typecheck pytest bench clean schema

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(BIN)/.installed-dev: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,fast,dask,dashboard]"
	touch $(BIN)/.installed $@

demo: $(BIN)/.installed
	$(BIN)/boombust data validate ai-2025
	$(BIN)/boombust score --compare ai-2025 dotcom-1999 insulin-1922
	$(BIN)/boombust stress ai-bust --paths 10000 --seed 2025 --report out/ai-bust-report.html
	@echo "report: out/ai-bust-report.html (open it in a browser); runs: .venv/bin/boombust runs list"

lint: $(BIN)/.installed-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(BIN)/.installed-dev
	$(BIN)/mypy

pytest: $(BIN)/.installed-dev
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

schema: $(BIN)/.installed
	$(BIN)/boombust data schema > schema/dataset.schema.json

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
