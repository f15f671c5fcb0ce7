# Klantenportaal — the two commands: `make run` and `make test` (see README).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
TOOLS := .tools
BUN_VERSION := 1.4.5
# axe-core for the accessibility browser test (tests/e2e/core/test_accessibility.py), pinned.
AXE_VERSION := 4.14.1
# Lighthouse for the first-paint rows of `make bench`, pinned.
LIGHTHOUSE_VERSION := 12.8.2
PORT ?= 3000

# Reflex must not call out to the internet: no telemetry, no version check,
# no registry probe (we name the registry npm is configured with), no bun
# install script (bun comes from the npm registry into .tools/).
export PATH := $(CURDIR)/$(TOOLS)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export NPM_CONFIG_REGISTRY ?= $(shell npm config get registry 2>/dev/null)
export PORT

.PHONY: run test lint setup setup-dev migrate demo frontend chromium deploy-tools clean bench

# The UI texts: gettext catalogs, compiled with Babel whenever a .po is newer than its .mo
# (portal_app/core/services/i18n.py does the same on import when a .mo is missing or old).
PO_FILES := $(wildcard portal_app/locale/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

setup: $(VENV)/.installed $(TOOLS)/.bun-$(BUN_VERSION) $(MO_FILES)

portal_app/locale/%/LC_MESSAGES/messages.mo: portal_app/locale/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(VENV)/bin/pybabel compile --domain messages --directory portal_app/locale --locale $* --statistics

# Tests, lint and the benchmark also need requirements-dev.txt.
setup-dev: setup $(VENV)/.installed-dev

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

# The browser test injects this file into each page; never fetched while the tests run.
$(TOOLS)/.axe-core-$(AXE_VERSION):
	@mkdir -p $(TOOLS)
	npm install --silent --no-audit --no-fund --save-exact --prefix $(TOOLS) axe-core@$(AXE_VERSION)
	@test -s $(TOOLS)/node_modules/axe-core/axe.min.js
	@touch $@

# Lighthouse for `make bench` (first-paint rows, bench/lighthouse.py), pinned; it drives
# Debian's chromium (CHROME_PATH), never a downloaded browser.
$(TOOLS)/.lighthouse-$(LIGHTHOUSE_VERSION):
	@mkdir -p $(TOOLS)
	npm install --silent --no-audit --no-fund --save-exact --prefix $(TOOLS) lighthouse@$(LIGHTHOUSE_VERSION)
	@$(TOOLS)/node_modules/.bin/lighthouse --version >/dev/null
	@touch $@

$(TOOLS)/.bun-$(BUN_VERSION):
	@mkdir -p $(TOOLS)
	npm install --silent --no-audit --no-fund --prefix $(TOOLS) bun@$(BUN_VERSION)
	@$(TOOLS)/node_modules/.bin/bun --version >/dev/null
	@touch $@

migrate: setup
	$(PY) -m portal_app.cli migrate

demo: migrate
	$(PY) -m portal_app.cli seed-demo --if-empty

run: demo
	@echo
	@echo "  Klantenportaal: http://localhost:$(PORT)"
	@echo "  Demo logins (password Portaal-Demo-2026): jansen@example.nl, info@bakkerbv.example.nl,"
	@echo "  inkoop@bakkerbv.example.nl, notaris@example.nl (admin), medewerker@example.nl (behandelaar)"
	@echo
	$(PY) scripts/prod_server.py run --port $(PORT)

# The frontend production build, only when its inputs changed (stamp in .web/build/).
frontend: setup
	$(PY) scripts/prod_server.py build

chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Debian's chromium: run 'sudo apt-get install chromium' and try again." >&2; exit 1; \
	  fi; \
	fi

# The proxy and service tools the deploy/ tests check the shipped configs with (and run
# Caddy in front of the portal): Debian's caddy and nginx, installed with apt-get as root.
deploy-tools:
	@if ! command -v caddy >/dev/null 2>&1 || ! { command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx; }; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's caddy and nginx for the deploy tests..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq caddy nginx >/dev/null; \
	  else \
	    echo "The deploy tests need caddy and nginx: run 'sudo apt-get install caddy nginx' (skipped locally, required on CI)." >&2; \
	  fi; \
	fi

# Unit and integration tests first, one process (timing comparisons need a quiet machine);
# then the browser tests, one file per worker (E2E_WORKERS, default 2): the module-scoped
# portals start while the other worker's browser waits, and both share one frontend build.
E2E_WORKERS ?= 2
test: setup-dev chromium deploy-tools $(TOOLS)/.axe-core-$(AXE_VERSION)
	@status=0; \
	$(PY) -m pytest -q -ra tests/unit tests/integration || status=$$?; \
	$(PY) -m pytest -q -ra -n $(E2E_WORKERS) --dist loadfile tests/e2e || status=$$?; \
	exit $$status

# ruff (lint and format check) and mypy (strict on services and models; pyproject.toml)
lint: setup-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

clean:
	rm -rf .web $(TOOLS) $(VENV) .pytest-data

# Benchmark (not a test): the portal against a bare Reflex app, one table with ratios
# (bench/README.md). BENCH_QUICK=1 for small counts, BENCH_MODES=sqlite for one mode.
bench: setup-dev chromium $(TOOLS)/.lighthouse-$(LIGHTHOUSE_VERSION)
	CHROME_PATH=/usr/bin/chromium $(PY) bench/run_bench.py
