# Two commands on a fresh machine with python3 (3.11+) and make:
#   make run   - install, migrate, load demo data, serve http://127.0.0.1:8000 with a Celery worker and beat
#   make test  - run the test suite
# Everything installs from wheels (no compiler, no libpq headers needed).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock requirements-dev.lock | cksum | cut -d' ' -f1)
PIP    := $(BIN)/python -m pip --disable-pip-version-check
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install lint typecheck check clean lock worker web bench screenshots

$(STAMP): requirements.lock requirements-dev.lock
	@$(PYTHON) -c 'import sys; sys.exit("isecg needs Python 3.11 or newer" if sys.version_info < (3, 11) else 0)'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet --only-binary=:all: -r requirements-dev.lock
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Starting the Celery worker (with beat) and the web server on http://$(HOST):$(PORT)/ (Ctrl-C stops both)"
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/celery -A isecg worker --beat --loglevel=INFO --pool=solo --schedule=var/celerybeat-schedule & \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

web: install
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

worker: install
	$(BIN)/celery -A isecg worker --beat --loglevel=INFO --pool=solo

# Load benchmark against the framework's floor on the local PostgreSQL (README "Benchmark").
# BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/isecg_bench), BENCH_DURATION (s).
# Refresh docs/screenshots/ (the README's images) by running the browser journeys.
screenshots: install
	sh scripts/screenshots.sh

bench: install
	$(BIN)/python bench/run.py

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy isecg agencies consensus membership products meetings secretariat

check: lint
	$(BIN)/python manage.py makemigrations --check --dry-run

lock:
	rm -rf var/lock-venv && $(PYTHON) -m venv var/lock-venv
	var/lock-venv/bin/pip install --quiet --only-binary=:all: $$($(PYTHON) -c 'import tomllib; print(" ".join(tomllib.load(open("pyproject.toml","rb"))["project"]["dependencies"]))')
	(echo "# Runtime dependencies with every transitive pin. Regenerate with 'make lock'."; var/lock-venv/bin/pip freeze) > requirements.lock
	var/lock-venv/bin/pip install --quiet --only-binary=:all: $$($(PYTHON) -c 'import tomllib; print(" ".join(tomllib.load(open("pyproject.toml","rb"))["project"]["optional-dependencies"]["dev"]))')
	(echo "# Development and test dependencies (on top of requirements.lock). Regenerate with 'make lock'."; echo "-r requirements.lock"; var/lock-venv/bin/pip freeze | grep -vxF -f requirements.lock) > requirements-dev.lock
	rm -rf var/lock-venv

clean:
	rm -rf $(VENV) var/celery var/static
