# Two commands: `make run` sets everything up and serves the app; `make test` runs the suite.
# Needs only Python 3.11+ on the PATH (as python3, or say PYTHON=/path/to/python).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# SECRET_KEY from the environment if set, else from the git-ignored .secret_key made below.
MANAGE := SECRET_KEY="$${SECRET_KEY:-$$(cat .secret_key)}" $(BIN)/python manage.py
SEED   := case-of-military-1937
HOST   ?= 127.0.0.1:8000

.PHONY: run test lint setup seed migrate backup restore clean

# `make restore` replaces the whole database, so it needs the backup named; say so before
# migrating anything.
ifneq ($(filter restore,$(MAKECMDGOALS)),)
ifeq ($(strip $(FILE)),)
$(error Usage: make restore FILE=backups/annotator-<UTC time>.json.gz (replaces the whole database with that backup))
endif
endif

# One background worker (large CSV imports and exports) runs beside the web server; Ctrl-C
# stops both (the trap also stops the worker when the server exits on its own).
run: setup seed
	$(MANAGE) clean_jobs
	@echo "Serving on http://$(HOST)/ (staff data entry at http://$(HOST)/admin/), one background worker beside it; Ctrl-C stops both."
	@DEBUG=1 $(MANAGE) db_worker --no-reload & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(MANAGE) runserver $(HOST)

# One pytest worker per core (pytest-xdist); PYTEST_ARGS=-n0 runs them in this process.
PYTEST_ARGS ?= -n auto
test: $(VENV)/.dev-installed .secret_key
	SECRET_KEY="$${SECRET_KEY:-$$(cat .secret_key)}" $(BIN)/pytest $(PYTEST_ARGS)

# ruff (lint and format, pyproject.toml) over everything, mypy with django-stubs over claims/ and
# annotator/ (its settings module needs a SECRET_KEY to load).
lint: $(VENV)/.dev-installed .secret_key
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	SECRET_KEY="$${SECRET_KEY:-$$(cat .secret_key)}" $(BIN)/mypy

setup: $(VENV)/.installed .secret_key migrate

migrate: $(VENV)/.installed .secret_key
	$(MANAGE) migrate --noinput

# Loading again updates the seeded rows in place (natural keys), so it never duplicates.
seed: migrate
	$(MANAGE) seed $(SEED)
	$(MANAGE) demo_accounts --address $(HOST)

# The whole database to backups/annotator-<UTC time>.json.gz (or to FILE=path); prints the path.
backup: $(VENV)/.installed .secret_key
	$(MANAGE) backup $(if $(FILE),"$(FILE)")

# Replace the whole database with the backup FILE, in one transaction. Migrating first lets a
# new, empty database take the backup; the user named the file, so restore does not ask again.
restore: migrate
	$(MANAGE) restore --yes "$(FILE)"

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed, this is " + sys.version'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

.secret_key:
	umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache test-artifacts
