# The two commands of the README: `make run` and `make test`. Both work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
BIN := $(VENV)/bin

.PHONY: run test test-install lint bench screenshots clean catalogs

# The compiled catalogues (issue 23): .po files are committed, .mo files are built here (and
# by setup.py into the wheel), never committed.
MO := $(patsubst %.po,%.mo,$(wildcard webapp/translations/*/LC_MESSAGES/messages.po))

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
test-install: $(VENV)/.installed-test $(MO)
	$(BIN)/python -m tests.browser.axe_install

# ruff (lint and format) over the repository, mypy over the app; every check runs, then any
# failure fails the target.
lint: $(VENV)/.installed-test
	@status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/ruff format --check . || status=1; \
	$(BIN)/mypy webapp || status=1; \
	exit $$status

run: $(VENV)/.installed $(MO)
	HOST=$(HOST) PORT=$(PORT) $(BIN)/gunicorn --config gunicorn.conf.py 'webapp:create_app()'

test: test-install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: test-install
	$(BIN)/python -m bench

# docs/screenshots/: the walk through in English, and the German pictures (de-*.png) of the
# languages test's German run.
screenshots: test-install
	$(BIN)/python -m pytest tests/browser -k 'screenshots or (test_languages and de-browser-language)' --screenshots

%.mo: %.po | $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

# After changing texts: extract every marked text and merge it into the three catalogues.
catalogs: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg --sort-output -o webapp/translations/messages.pot .
	$(BIN)/pybabel update -i webapp/translations/messages.pot -d webapp/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) build dist *.egg-info webapp/translations/*/LC_MESSAGES/*.mo
