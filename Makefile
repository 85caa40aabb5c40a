# The two set-up commands: `make run` and `make test`. Everything installs into the project folder.
#   make run    serve the demo province as production does on the embedded default (SQLite): debug off,
#               the Chinese 400/403/404/500 pages, static files by WhiteNoise, gunicorn on 127.0.0.1:$(PORT),
#               a db_worker beside it for background tasks
#   make dev    the same data for developers: Django's runserver with DEBUG on (autoreload, debug pages)
#   make test   the whole suite (pytest, browser tests in headless Chromium)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
DEMO_MEMBERS ?= 2000

.PHONY: run dev test install install-test fonts assets keys db lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

# A CJK font for PDFs (党费收据): Debian's fonts-wqy-zenhei, embedded (subset) into each PDF.
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
fonts:
	@if [ ! -f $(CJK_FONT) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's fonts-wqy-zenhei for PDF receipts"; \
	    (apt-get install -y -qq fonts-wqy-zenhei >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq fonts-wqy-zenhei)); \
	  else echo "NOTE: $(CJK_FONT) is missing and we are not root: PDF receipts need a CJK font (DANGWU_CJK_FONT)"; fi; \
	fi

install: $(VENV)/.installed node_modules/.installed fonts

install-test: $(VENV)/.installed-test node_modules/.installed fonts
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    (apt-get install -y -qq chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium)); \
	  else echo "NOTE: /usr/bin/chromium is missing and we are not root: browser tests will be skipped"; fi; \
	fi

keys:
	$(PY) scripts/make_keys.py

db: install keys
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --members $(DEMO_MEMBERS) --seed 2026 --if-empty

# What `make run` serves with: the embedded default settings, debug off whatever the shell exports.
# dangwu/core/tests/test_error_pages.py reads this line and checks the error pages under exactly it.
RUN_ENV := DJANGO_SETTINGS_MODULE=dangwu.settings DANGWU_DEBUG=0
# The worker's id: before it starts, recover_interrupted_work fails what a worker of that id was
# running when it died (a run it will never finish), then every 5 minutes any run whose heartbeat
# stopped, and deletes the uploads no run needs (decision 0021; deploy/dangwu-worker.service).
WORKER_ID ?= dangwu-run-$(PORT)
# gunicorn, as in production (deploy/dangwu.service); threads serve the progress bars' polls meanwhile.
GUNICORN_ARGS ?= --workers 2 --threads 4 --timeout 120 --access-logfile -

run: db
	@echo "Serving on http://127.0.0.1:$(PORT)  (demo accounts: see README.md, password dangwu-demo-2026)"
	@echo "Background tasks (roster imports): a db_worker runs beside the server and stops with it"
	@$(RUN_ENV) $(PY) manage.py recover_interrupted_work --worker-id $(WORKER_ID)
	@$(RUN_ENV) $(PY) manage.py db_worker --interval 1 --worker-id $(WORKER_ID) & worker=$$!; \
	  $(RUN_ENV) $(PY) manage.py recover_interrupted_work --repeat 300 >/dev/null & recovery=$$!; \
	  trap 'kill $$worker $$recovery 2>/dev/null' EXIT INT TERM; \
	  $(RUN_ENV) $(VENV)/bin/gunicorn dangwu.wsgi:application --bind 127.0.0.1:$(PORT) $(GUNICORN_ARGS)

# For developers: runserver with DEBUG on (autoreload, Django's debug pages), the db_worker beside it.
dev: db
	@echo "Developer server on http://127.0.0.1:$(PORT) with DEBUG on (never expose it: debug pages list the URLs)"
	@DANGWU_DEBUG=1 $(PY) manage.py recover_interrupted_work --worker-id $(WORKER_ID)
	@DANGWU_DEBUG=1 $(PY) manage.py db_worker --interval 1 --worker-id $(WORKER_ID) & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  DANGWU_DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install-test
	$(PY) -m pytest -q -n 2 --dist loadgroup

# ruff; mypy over every app's rules and services whatever their file names (rules.py, *_rules.py,
# services.py, *_services.py, modules of rules/ and services/ packages, any module that writes
# audit entries) and core's contracts;
# the layer contracts of pyproject.toml (lint-imports: core imports no app, orgs no members …).
TYPED := $(shell find dangwu -path '*/tests' -prune -o -path '*/migrations' -prune -o \
	\( -name 'rules.py' -o -name '*_rules.py' -o -name 'services.py' -o -name '*_services.py' \
	   -o -path '*/rules/*.py' -o -path '*/services/*.py' \) -print) \
	$(shell grep -rlE --include='*.py' '@audited|audit[.]record' dangwu | grep -v '/tests/') \
	dangwu/core/audit.py dangwu/core/access.py dangwu/core/registries.py dangwu/core/rollups.py dangwu/core/dates.py \
	dangwu/core/text.py dangwu/core/tasks.py dangwu/core/spreadsheets.py
lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy $(sort $(TYPED))
	$(VENV)/bin/lint-imports

# make bench [SCALE=full|small|<members>]: on PostgreSQL (DATABASE_URL, default dangwu_bench on the
# local server; dangwu_bench_small, dangwu_bench_<members> for the other scales); creates the
# database when missing, migrates, loads a generated province, prints figures beside their limits
# and writes docs/performance.md. Not part of make test. BENCH_ARGS=--reuse keeps a loaded province.
SCALE ?= full
bench: install-test keys
	$(if $(DATABASE_URL),DATABASE_URL=$(DATABASE_URL)) $(PY) bench/run.py --scale $(SCALE) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules staticfiles
