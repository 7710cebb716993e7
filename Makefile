# Concierge Desk — the two quick-start commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: demo test install lint bench clean

$(STAMP): pyproject.toml requirements/lock.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-compile --disable-pip-version-check -c requirements/lock.txt -e '.[postgres,test,dev]'
	$(BIN)/python -m dispatch.warmup
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install the pinned stack

demo: $(STAMP) ## build a fresh demo database and open the app on it
	$(BIN)/concierge demo

test: $(STAMP) ## the full test suite; PostgreSQL too (a throw-away cluster when PostgreSQL is installed)
	@.ci/pg-cluster run -- $(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: $(STAMP) ## ruff, import-linter contracts, mypy
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(STAMP) ## benchmarks (slow; see bench/README.md)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
