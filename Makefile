# One entry point per job: `make demo` crawls the example site, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_PORT ?= 8000
DEMO_DB ?= sqlite:///corpus.db

.PHONY: demo test lint bench clean

$(BIN)/yuliao: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/yuliao
	$(BIN)/python -m examples.demo --port $(DEMO_PORT) --db "$(DEMO_DB)"

lint: $(BIN)/yuliao
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: $(BIN)/yuliao
	for script in bench/bench_*.py; do $(BIN)/python "$$script" || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
