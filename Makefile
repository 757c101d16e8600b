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

.PHONY: install run test lint format clean

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
	@echo "Opsgate: http://$(HOST):$(PORT)/  (admin: /admin/, API docs: /api/docs/, health: /health)"
	@echo "Ctrl-C stops the web server and the worker."
	@bash -c 'trap "kill 0" INT TERM EXIT; \
		$(RUN_ENV) $(BIN)/python manage.py qcluster & \
		$(RUN_ENV) $(BIN)/gunicorn config.wsgi --bind $(HOST):$(PORT) --workers 2 --access-logfile - & \
		wait'

test: install
	$(BIN)/pytest -q -n 2

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var
