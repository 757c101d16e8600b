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

# `make run`'s web server and worker. In a terminal they run as a job of their own (`set -m` below, with
# the terminal on bash's stderr, where job control looks for it), so Ctrl-C reaches them and not make,
# and make ends with their status. A signal stops both (SIGTERM: the worker lets the tasks in hand finish
# within OPSGATE_WORKER_GRACE_SECONDS) and waits for them: exit 0. If one of them ends by itself, the
# other is stopped and make fails with that one's status.
define RUN_BOTH
$(BIN)/python manage.py qcluster & worker=$$!
$(BIN)/gunicorn config.wsgi --bind $(HOST):$(PORT) --workers 2 --access-logfile - --no-control-socket & web=$$!
stop() { trap "" INT TERM HUP; kill -TERM "$$web" "$$worker" 2>/dev/null; wait "$$web" "$$worker"; exit 0; }
trap stop INT TERM HUP
wait -n "$$web" "$$worker"; status=$$?
trap "" INT TERM HUP
echo "make run: a server exited by itself (status $$status); stopping the other" >&2
kill -TERM "$$web" "$$worker" 2>/dev/null; wait
exit $$(( status ? status : 1 ))
endef
export RUN_BOTH

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
	@$(RUN_ENV) bash -c 'exec 3>&2; if { : >/dev/tty; } 2>/dev/null; then exec 2>/dev/tty; set -m; fi; \
		bash -c "$$RUN_BOTH" 2>&3'

browser:
	@[ -x $(CHROMIUM) ] || { echo "Installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: install browser
	$(BIN)/pytest -q -n 2

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var
