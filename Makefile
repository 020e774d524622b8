# The two commands of the README: `make run` and `make test`. Both work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
BIN := $(VENV)/bin

.PHONY: run test test-install lint bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the project's metadata changes.
$(VENV)/.installed: pyproject.toml setup.py | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml setup.py | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

# Everything the tests need, fetched now so a test run never downloads: the Python packages,
# and axe-core for the accessibility checks (pinned, checksum-verified; a no-op once cached).
test-install: $(VENV)/.installed-test
	$(BIN)/python -m tests.browser.axe_install

# ruff (lint and format) over the repository, mypy over the app; every check runs, then any
# failure fails the target.
lint: $(VENV)/.installed-test
	@status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/ruff format --check . || status=1; \
	$(BIN)/mypy webapp || status=1; \
	exit $$status

run: $(VENV)/.installed
	HOST=$(HOST) PORT=$(PORT) $(BIN)/gunicorn --config gunicorn.conf.py 'webapp:create_app()'

test: test-install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: test-install
	$(BIN)/python -m bench

screenshots: test-install
	$(BIN)/python -m pytest tests/browser -k screenshots --screenshots

clean:
	rm -rf $(VENV) build dist *.egg-info
