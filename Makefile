# Guide's everyday commands (the README's two commands need nothing but Python and this repository).
# `make help` lists them. Every target uses the project's venv (.venv), created by `make venv`.

PY ?= .venv/bin/python
GUIDE ?= .venv/bin/guide

.PHONY: help venv test test-fast lint fmt types bench classifier app serve evaluate clean

help:  ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

venv:  ## create .venv and install Guide with its test dependencies
	python3 -m venv .venv && .venv/bin/pip install -q -e ".[test]"

test:  ## the whole suite (what .ci/run calls, after lint and types)
	$(PY) -m pytest

test-fast:  ## the suite without the slow tests (servers, browsers, large models)
	$(PY) -m pytest -m "not slow"

lint:  ## ruff: lint and format check
	$(PY) -m ruff check guide tests benchmarks evaluation scripts
	$(PY) -m ruff format --check guide tests benchmarks evaluation scripts

fmt:  ## ruff: fix what can be fixed, then format
	$(PY) -m ruff check --fix guide tests benchmarks evaluation scripts
	$(PY) -m ruff format guide tests benchmarks evaluation scripts

types:  ## mypy on the package
	$(PY) -m mypy guide

bench:  ## Guide beside the plain retriever: cold start, warm latency, memory, API load
	$(PY) benchmarks/bench_all.py

classifier:  ## retrain and ship the crisis classifier (corpus/models) after changing its examples
	$(PY) scripts/ship_classifier.py

app:  ## the web interface on http://127.0.0.1:8501
	$(GUIDE) app

serve:  ## the HTTP API on http://127.0.0.1:8000 (OpenAPI page at /docs)
	$(GUIDE) serve

evaluate:  ## the evaluation suite, small set (reports/<timestamp>/)
	$(GUIDE) evaluate --set small

clean:  ## reports and caches (never the index: `guide index --rebuild` rebuilds it)
	rm -rf reports .pytest_cache .ruff_cache .mypy_cache
