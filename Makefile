# Two commands do all set-up on a fresh machine with Python 3.11+:
#   make run    start the dashboard on http://127.0.0.1:8501
#   make test   every test (browser tests need Debian's chromium: apt-get install chromium)
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench bench-load clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/borderwatch run

test: $(STAMP)
	$(BIN)/borderwatch fetch-geodata-source
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/bench_scale.py

bench-load: $(STAMP)
	$(BIN)/python bench/bench_load.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache screenshots
