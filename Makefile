# make demo / make test work on a fresh machine with Python 3.11+; `make test` uses the services
# listed in the README (PostgreSQL, Mosquitto, NATS on 127.0.0.1). Nothing is installed system-wide:
# machine setup (Debian's Chromium for the browser tests) lives in .ci/run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/monetiot demo

test: $(STAMP)
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/ruff format --check src tests $(wildcard bench)

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/ingest.py --quick --json bench/results/ingest.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
