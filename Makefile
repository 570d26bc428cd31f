# Quick start:  make run   (set up and run everything on a fresh machine)
#               make test  (run every test)
SHELL := /bin/bash
PYTHON313 := $(shell for p in python3.13 $$HOME/.pyenv/versions/3.13*/bin/python3.13 /usr/local/bin/python3.13 /usr/bin/python3.13; do \
	if $$p -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' >/dev/null 2>&1; then echo $$p; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)
TEST_SETTINGS := config.settings.test

.PHONY: install browser run migrate test lint stop bench bench-smoke clean

$(STAMP): requirements.txt requirements-dev.txt
	@test -n "$(PYTHON313)" || { echo "Python 3.13 is required (python3.13 not found)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON313) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

# Page tests drive Debian's Chromium through Playwright; install it when it is missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "Chromium is missing: run 'sudo apt-get install -y chromium' (browser tests need it)"; exit 1; \
		fi; }

migrate: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py audit_reseal

# Serves the site and the API on http://127.0.0.1:8000 with a Celery worker (and beat),
# after loading the demo data; without a Stripe key, a local Stripe test server too.
run: migrate
	@bin/run

# The tests run at a fixed moment (tests/helpers/clock.py); PYTEST_ARGS=--at=2026-12-07T01:00:00Z runs
# them all at another. They use a Redis of their own, never the one of `make run`.
test: install browser
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(BIN)/python -m pytest $(PYTEST_ARGS)
	@$(MAKE) --no-print-directory bench-smoke

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: install
	@for script in bench/[!_]*.py; do [ -e "$$script" ] || continue; echo "== $$script"; $(BIN)/python "$$script" || exit 1; done

# Every benchmark at a tiny size, in a database of its own (bench/_django.py), so that none
# stops working unnoticed: each must run through to its figures. Part of `make test`.
bench-smoke: install
	@for script in bench/[!_]*.py; do [ -e "$$script" ] || continue; echo "== $$script (smoke)"; \
		BENCH_SIZE=smoke $(BIN)/python "$$script" || { echo "bench smoke run failed: $$script"; exit 1; }; done

# Stops the embedded PostgreSQL and Redis started when no DATABASE_URL / REDIS_URL is set.
stop:
	-$(BIN)/python -m config.embedded stop

clean: stop
	rm -rf $(VENV) .data .pytest_cache .ruff_cache
