# Quick start: `make run` (portal + worker on SQLite with demo data) and `make test` (the suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
# `make run` is a local development setup: DEBUG on, the contracts' "Auth: None" reads public, and
# workflows may call this machine (the demo workflows call the portal's own /demo/echo).
RUN_ENV := DEBUG=1 OPSGATE_PUBLIC_READ=1 OPSGATE_EGRESS_ALLOW=127.0.0.1 OPSGATE_BASE_URL=http://$(HOST):$(PORT)

# Browser tests drive Debian's Chromium; it is installed from the distribution when missing (never a
# browser downloaded by a test tool).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install browser run test lint format clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput -v0
	$(RUN_ENV) $(BIN)/python manage.py demo
	@echo ""
	@echo "Opsgate portal: http://$(HOST):$(PORT)/portal/  (admin: /admin/, API docs: /api/docs/, health: /health)"
	@echo "Ctrl-C stops the web server and the worker."
	@bash -c 'trap "kill 0" INT TERM EXIT; \
		$(RUN_ENV) $(BIN)/python manage.py qcluster & \
		$(RUN_ENV) $(BIN)/gunicorn config.wsgi --bind $(HOST):$(PORT) --workers 2 --access-logfile - & \
		wait'

browser:
	@[ -x $(CHROMIUM) ] || { echo "Installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: install browser
	$(BIN)/pytest -q -n 2

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var
