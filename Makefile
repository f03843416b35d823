# IC Portal. `make run` starts the portal with demo data; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-test assets migrate demo worker beat lint format clean bench \
	docs docs-screenshots

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PIP) install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed assets
install-test: $(VENV)/.installed-test assets

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# Third-party assets come from the npm registry through package-lock.json and are
# copied into static/vendor (ignored by git), never committed, never from a CDN.
static/vendor/.copied: node_modules/.package-lock.json
	rm -rf static/vendor && mkdir -p static/vendor/uswds
	cp -r node_modules/@uswds/uswds/dist/css node_modules/@uswds/uswds/dist/js \
	      node_modules/@uswds/uswds/dist/img node_modules/@uswds/uswds/dist/fonts static/vendor/uswds/
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
	touch $@

assets: static/vendor/.copied

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

# The web server, a Celery worker and beat. Without REDIS_URL or CELERY_BROKER_URL the
# broker is kombu's filesystem transport (.run/broker): nothing else to install or start.
run: demo
	@echo "IC Portal on http://$(HOST):$(PORT)/ with a worker and beat (Ctrl-C stops all three)"
	CELERY_BROKER_URL="$${CELERY_BROKER_URL:-$${REDIS_URL:-filesystem://}}" \
	  $(PY) manage.py runportal $(HOST):$(PORT)

test: install-test
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Office-scale benchmark on a separate PostgreSQL database (see README, "Benchmark").
bench: install-test
	command -v wrk >/dev/null || (apt-get install -y -qq wrk >/dev/null 2>&1 || echo "wrk missing: load test skipped")
	$(PY) -m tests.bench.run

# The documentation site (docs/, mkdocs.yml) into site/; strict: a broken link fails.
docs: install-test
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

# Retakes the user guide's screenshots (docs/img/) from the demo in Debian's Chromium.
docs-screenshots: install-test
	$(PY) scripts/docs_screenshots.py

worker: install
	$(VENV)/bin/celery -A icportal worker -Q celery,packets --loglevel=info

beat: install
	$(VENV)/bin/celery -A icportal beat --loglevel=info

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-test
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles site

# Backup and restore (see README, "Backup and restore"). Both read DATABASE_URL and
# MEDIA_ROOT like the portal: `make backup`, then
# `make restore BACKUP=backups/icportal-... [DATABASE_URL=...] [MEDIA_ROOT=...] [FORCE=1]`.
.PHONY: backup restore
BACKUP_DIR ?= backups

backup: $(VENV)/.installed
	$(PY) manage.py backup --output "$(BACKUP_DIR)"

restore: $(VENV)/.installed
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=backups/icportal-... [DATABASE_URL=...] [MEDIA_ROOT=...] [FORCE=1]" >&2; exit 2; }
	$(PY) manage.py restore "$(BACKUP)" $(if $(filter 1 yes true,$(FORCE)),--force)
