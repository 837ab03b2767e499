# The two commands that matter: `make run` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
STAMPS := .make
export FLASK_APP := app.py

.PHONY: run test lint format bench deps assets browser servers clean translations

deps: $(STAMPS)/python $(STAMPS)/node assets translations

$(STAMPS)/python: requirements.txt requirements-dev.txt
	@mkdir -p $(STAMPS)
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

$(STAMPS)/node: package.json package-lock.json
	@mkdir -p $(STAMPS)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# NHS.UK frontend's CSS (only the components the service uses, see static/scss/nhsuk.scss), its
# JavaScript bundled with ours (static/js/init.js), the passkeys script and its images, all served by this app: never
# from a CDN. Then every served file is fingerprinted and precompressed into static/dist/
# (diaspora/core/assets.py).
ASSET_SOURCES := $(shell find static/impact -type f)

assets: static/dist/manifest.json

static/nhsuk/nhsuk.css: static/scss/nhsuk.scss static/css/app.css static/css/rtl.css $(STAMPS)/node
	@mkdir -p static/nhsuk
	npx --no-install sass --pkg-importer=node --style=compressed --no-source-map --quiet-deps $< $@

static/nhsuk/frontend.js: static/js/init.js $(STAMPS)/node
	npx --no-install esbuild $< --bundle --minify --format=iife --target=es2020 \
	  --legal-comments=none --log-level=warning --outfile=$@

# Passkeys' script is loaded only by the pages that offer passkeys, as a module of its own.
static/nhsuk/passkeys.js: static/js/passkeys.js $(STAMPS)/node
	npx --no-install esbuild $< --minify --format=esm --target=es2020 \
	  --legal-comments=none --log-level=warning --outfile=$@

# The sign-up pages' script that fills in the browser's time zone, a module of its own too.
static/nhsuk/time-zone.js: static/js/time-zone.js $(STAMPS)/node
	npx --no-install esbuild $< --minify --format=esm --target=es2020 \
	  --legal-comments=none --log-level=warning --outfile=$@

static/dist/manifest.json: static/nhsuk/nhsuk.css static/nhsuk/frontend.js static/nhsuk/passkeys.js static/nhsuk/time-zone.js $(ASSET_SOURCES) $(STAMPS)/python
	@rm -rf static/nhsuk/assets && cp -r node_modules/nhsuk-frontend/dist/nhsuk/assets static/nhsuk/
	$(PY) -c 'from diaspora.core.assets import build; build()'

# The catalogues a translator reviews (translations/<lang>/LC_MESSAGES/messages.po) compiled to
# the .mo files the service reads; the .mo files are built, never committed. See README,
# "Languages".
CATALOGUES := $(wildcard translations/*/LC_MESSAGES/messages.po)

translations: $(CATALOGUES:.po=.mo)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(STAMPS)/python
	$(VENV)/bin/pybabel compile --statistics -i $< -o $@ -l $*

# Debian's chromium drives the browser tests. Installed when missing and the machine allows it;
# under CI a missing browser fails the run, elsewhere the browser tests skip and say why.
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing chromium for browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  elif [ "$$CI" = "true" ]; then \
	    echo "chromium is required for browser tests under CI" >&2; exit 1; \
	  else \
	    echo "chromium is not installed and cannot be installed here: browser tests will skip"; \
	  fi; \
	fi

# Debian's nginx balances the two web nodes of the deployment test, and postgresql-client's
# pg_dump and pg_restore make its backup round trip (docs/operations.md). Installed when missing
# and the machine allows it; under CI a missing one fails the run, elsewhere those tests skip
# and say why.
servers:
	@missing=""; \
	  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing=" nginx"; \
	  command -v pg_dump >/dev/null 2>&1 || missing="$$missing postgresql-client"; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	      echo "Installing$$missing for the deployment tests"; \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	    elif [ "$$CI" = "true" ]; then \
	      echo "Required for the deployment tests under CI:$$missing" >&2; exit 1; \
	    else \
	      echo "Not installed and cannot be installed here:$$missing (the deployment tests will skip)"; \
	    fi; \
	  fi

run: deps
	@mkdir -p instance
	$(FLASK) db upgrade
	@if [ ! -f instance/.demo-loaded ]; then $(FLASK) demo load && touch instance/.demo-loaded; fi
	@echo "Serving on http://127.0.0.1:5000 (emails are printed below). Ctrl-C stops everything."
	@echo "The scheduler sends reminders and other emails from the outbox every minute."
# Ctrl-C (or one of the three ending) stops the other two and ends quietly. The trap is cleared
# before it kills, and kills only this shell's own jobs: `kill 0` signalled the whole process
# group, this shell included, whose trap ran again for its own signal until bash overflowed
# its stack ("Segmentation fault").
	@stop() { trap - EXIT INT TERM; kill $$(jobs -p) 2>/dev/null; wait; }; \
	  trap 'stop; exit 0' INT TERM; trap stop EXIT; \
	  $(PY) -m aiosmtpd -n -c diaspora.notifications.console.Console -l 127.0.0.1:8025 & \
	  MAIL_SERVER=127.0.0.1 MAIL_PORT=8025 $(FLASK) run --host 127.0.0.1 --port 5000 & \
	  MAIL_SERVER=127.0.0.1 MAIL_PORT=8025 SERVICE_URL=http://127.0.0.1:5000 \
	  $(FLASK) scheduler run & \
	  wait -n

# Lint first: the package order and ruff are part of every test run, CI's included.
test: deps browser servers lint
	$(PY) -m pytest -n auto --dist worksteal

# The package order too (pyproject.toml, [tool.importlinter]): an upward import fails the lint.
lint: $(STAMPS)/python
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: $(STAMPS)/python
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Benchmarks load the app with Debian's wrk, installed when missing and the machine allows it.
# BENCH_DATABASE_URL (PostgreSQL, schema wiped) adds a run there; see bench/__init__.py.
# BENCH="web_bandwidth app_throughput" runs only those scenarios.
bench: deps
	@if ! command -v wrk >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing wrk for benchmarks"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	fi
	$(PY) -m bench $(BENCH)

clean:
	rm -rf $(STAMPS) static/nhsuk static/dist translations/*/LC_MESSAGES/*.mo
