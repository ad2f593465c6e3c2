# policywatch: `make run` (set up, then monitor the policies in config.toml) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?= config.toml
PYTEST_ARGS ?=

.PHONY: run check-once test check lint typecheck serve bench clean

$(BIN)/policywatch: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

## Set up, initialise the SQLite database and run the daemon on config.toml.
run: $(BIN)/policywatch
	$(BIN)/policywatch --help >/dev/null
	$(BIN)/policywatch init --config $(CONFIG)
	$(BIN)/policywatch run --config $(CONFIG)

## One pass over every policy, then exit (what cron would run).
check-once: $(BIN)/policywatch
	$(BIN)/policywatch init --config $(CONFIG)
	$(BIN)/policywatch check --config $(CONFIG)

## Set up and run the whole test suite.
test: $(BIN)/policywatch
	$(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS)

## Lint and type-check.
check: $(BIN)/policywatch
	$(BIN)/ruff check monitor storage notifiers tests bench
	$(BIN)/mypy

serve: $(BIN)/policywatch
	$(BIN)/policywatch serve --config $(CONFIG)

bench: $(BIN)/policywatch
	$(BIN)/python bench/diff_bench.py
	$(BIN)/python bench/materiality_eval.py
	$(BIN)/python bench/check_bench.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
