# policywatch: `make run` (set up, then monitor the policies in config.toml) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?= config.toml
PYTEST_ARGS ?=

# pipefail: a failing install fails the target even though its output goes through the filter below.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c

PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check --no-input
# Some machines' pip config lists extra index folders (file:///...) that do not exist for every package, and
# pip then warns once per package. Those lines are about the machine, not the project: drop exactly them,
# and let every other line (real warnings and errors) through.
PIP_NOISE := { grep -v "^WARNING: Location 'file:.*' is ignored: it is neither a file nor a directory\.$$" || true; }

.PHONY: run check-once test check lint typecheck docs docs-serve serve demo bench clean

$(BIN)/policywatch: pyproject.toml
	@echo "setting up $(VENV) (first run only; a few minutes)"
	@$(PYTHON) -m venv $(VENV)
	@$(PIP) install --upgrade pip 2>&1 | $(PIP_NOISE)
	@$(PIP) install -e '.[dev]' 2>&1 | $(PIP_NOISE)
	@touch $@

## Set up, initialise the SQLite database and run the daemon on config.toml.
run: $(BIN)/policywatch
	@$(BIN)/policywatch init --config $(CONFIG)
	@$(BIN)/policywatch run --config $(CONFIG)

## One pass over every policy, then exit (what cron would run).
check-once: $(BIN)/policywatch
	@$(BIN)/policywatch init --config $(CONFIG)
	@$(BIN)/policywatch check --config $(CONFIG)

## Set up and run the whole test suite.
test: $(BIN)/policywatch
	@$(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS)

## Lint, type-check and build the documentation strictly.
check: lint typecheck docs

lint: $(BIN)/policywatch
	$(BIN)/ruff check monitor storage notifiers tests bench

typecheck: $(BIN)/policywatch
	$(BIN)/mypy

## The manual as a static site in site/ (MkDocs, material theme); --strict fails on any broken link.
docs: $(BIN)/policywatch
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

docs-serve: $(BIN)/policywatch
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

serve: $(BIN)/policywatch
	$(BIN)/policywatch serve --config $(CONFIG)

## A throwaway database of real policy histories, served at http://127.0.0.1:8080.
demo: $(BIN)/policywatch
	$(BIN)/policywatch demo

bench: $(BIN)/policywatch
	$(BIN)/python bench/cli_bench.py
	$(BIN)/python bench/diff_bench.py
	$(BIN)/python bench/materiality_eval.py
	$(BIN)/python bench/check_bench.py

clean:
	rm -rf $(VENV) build site *.egg-info .pytest_cache .mypy_cache .ruff_cache
