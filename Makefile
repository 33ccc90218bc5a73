# The two commands: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMPS := $(VENV)/.stamps
VENDOR := syllabus/web/static/vendor

.PHONY: run test test-only lint format migrate system-deps assets install install-dev bench clean

## Serve web, API and jobs at http://127.0.0.1:8000 on the embedded defaults.
run: install assets
	$(BIN)/syllabus migrate
	$(BIN)/syllabus seed-demo --if-empty
	$(BIN)/syllabus serve

## Install everything and run the whole test suite.
test: install-dev assets system-deps test-only

test-only:
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Every scenario of PERFORMANCE.md; prints one table, writes bench/results/latest.md.
bench: $(STAMPS)/bench
	@command -v wrk >/dev/null || (apt-get update -q && apt-get install -y -q wrk)
	$(BIN)/python -m bench.run

$(STAMPS)/bench: pyproject.toml $(STAMPS)/dev
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev,bench]"
	@mkdir -p $(STAMPS) && touch $@

migrate: install
	$(BIN)/syllabus migrate

# Reinstall only when the dependency list changes, so later runs start in seconds.
$(STAMPS)/runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/dev: pyproject.toml $(STAMPS)/runtime
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	@mkdir -p $(STAMPS) && touch $@

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip

install: $(STAMPS)/runtime
install-dev: $(STAMPS)/dev

# Front-end libraries come from npm into a git-ignored folder.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(VENDOR)/.stamp: node_modules/.package-lock.json scripts/vendor-assets.sh
	bash scripts/vendor-assets.sh
	@touch $@

assets: $(VENDOR)/.stamp

# Chromium (browser tests) and redis-server (Redis-backed kit tests) from Debian.
system-deps:
	@bash scripts/system-deps.sh

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache .mypy_cache .ruff_cache
