# Two commands on a fresh machine: `make run` (the bot, reads .env) and `make test` (lint, types, tests).
# Each builds .venv from the hash-locked requirements when it is missing or the lock changed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint format bench sync clean

$(VENV)/.stamp-dev: requirements-dev.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else \
	  f"Tayori needs Python 3.11 or newer; $(PYTHON) is {sys.version.split()[0]}. Try: make PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	touch $@

run: $(VENV)/.stamp-dev
	$(PY) -m bot

sync: $(VENV)/.stamp-dev
	$(PY) -m bot sync

test: lint
	$(PY) -m pytest -q -p no:cacheprovider

lint: $(VENV)/.stamp-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(VENV)/.stamp-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(VENV)/.stamp-dev
	for f in bench/*.py; do $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV)
