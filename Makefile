# Two commands matter: `make run` and `make test`. Both work on a fresh machine
# that has Python 3.11 and make, and create .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test faults lint format check-migrations ci clean

# The stamp files make a second run skip the install unless requirements changed.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.run-installed

# PORT goes to every command: links in emails and the printed survey link follow it
# (SITE_URL, unless set). The demo logins are written to a file and printed by runserver
# once it is listening, so they are the last thing on the screen.
DEMO_SUMMARY := var/demo-logins.txt
run: $(VENV)/.run-installed
	DEBUG=$${DEBUG:-1} PORT=$(PORT) $(BIN)/python manage.py migrate --noinput -v 0
	DEBUG=$${DEBUG:-1} PORT=$(PORT) $(BIN)/python manage.py seed_demo --summary-file $(DEMO_SUMMARY)
	DEBUG=$${DEBUG:-1} PORT=$(PORT) $(BIN)/python manage.py runserver $(HOST):$(PORT) --then-print $(DEMO_SUMMARY)

# PYTEST_ADDOPTS passes extra flags, e.g. PYTEST_ADDOPTS="-k import". The suite runs in
# TEST_PROCESSES processes (pytest-xdist; each has its own test database and Redis
# database, config/settings/test.py); worksteal hands a finished process the other's
# remaining tests, so one long browser walk does not hold the run up.
TEST_PROCESSES ?= 2
test: $(VENV)/.dev-installed
	PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 $(BIN)/pytest -n $(TEST_PROCESSES) --dist worksteal

# Fault tests that restart the machine's PostgreSQL: needs root, DATABASE_URL and
# CELERY_BROKER_URL. See RELIABILITY.md.
faults: $(VENV)/.dev-installed
	PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 $(BIN)/pytest -m faults tests/faults

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python .ci/check_translations.py

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* var staticfiles
