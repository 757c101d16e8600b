#!/usr/bin/env bash
# Schemathesis against a live server: a fresh PostgreSQL database, gunicorn with DEBUG off, an admin
# API key, every operation of /api/schema/, all checks, a bounded number of examples; zero failures.
# Every check runs (Schemathesis' default; `--checks all` is not passed because a command-line list
# of checks would override the per-operation settings). Those settings, and the reason for each
# exception to "every check everywhere", are in .ci/schemathesis.toml.
#
# Two passes over the same server. The first draws text without NUL and runs every check; the
# second draws NUL too and runs every check but positive_data_acceptance: every text input refuses
# NUL (PostgreSQL text cannot hold it) and JSON Schema cannot say so of free-form values.
#
# The run cannot revoke its own key: it authenticates with one admin key, and the revoke operation
# (DELETE /api/v1/api-keys/{key_id}) only ever gets the id of a second, sacrificial admin key, whatever
# a phase generated or a link suggested (the toml pins that path parameter).
#
# Environment: SCHEMATHESIS_MAX_EXAMPLES (per operation and phase, default 100), SCHEMATHESIS_SEED,
# SCHEMATHESIS_REPORT_DIR (JUnit reports and the server log are kept there), PGHOST, PGPORT, PGUSER.
# Arguments are passed to both passes.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.venv/bin
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
DB=opsgate_schemathesis_$$
WORK=$(mktemp -d -t opsgate-schemathesis.XXXXXX)
SERVER_PID=""

cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ -n "${SCHEMATHESIS_REPORT_DIR:-}" ]; then
    mkdir -p "$SCHEMATHESIS_REPORT_DIR" && cp "$WORK/gunicorn.log" "$SCHEMATHESIS_REPORT_DIR/" 2>/dev/null || true
  fi
  dropdb -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" --if-exists "$DB" || true
  rm -rf "$WORK"
}
trap cleanup EXIT

export DEBUG=0
export SECRET_KEY="schemathesis-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB"
export OPSGATE_DATA_DIR="$WORK/data"  # the generated JWT and Fernet keys, the file cache
export ALLOWED_HOSTS=127.0.0.1
export LOG_LEVEL=WARNING
export OPSGATE_BUILD_START_RATE=100000/min  # fuzzing starts far more builds than an executor

createdb -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" "$DB"
$BIN/python manage.py migrate --noinput -v0

key() {  # NAME: an admin key of the schemathesis tenant; the raw key is the last line printed
  $BIN/python manage.py create_api_key --tenant schemathesis --user schemathesis --role admin \
    --create --name "$1" 2>/dev/null | tail -n 1
}
export SCHEMATHESIS_RUN_KEY SCHEMATHESIS_SPARE_KEY_ID
SCHEMATHESIS_RUN_KEY=$(key "schemathesis run")
key "schemathesis revocation target" >/dev/null
SCHEMATHESIS_SPARE_KEY_ID=$($BIN/python manage.py shell -v 0 -c \
  "from tenancy.models import ApiKey; print(ApiKey.objects.get(name='schemathesis revocation target').pk)")

PORT=$($BIN/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
$BIN/gunicorn config.wsgi --bind "127.0.0.1:$PORT" --workers 2 --timeout 30 --no-control-socket \
  2>"$WORK/gunicorn.log" &
SERVER_PID=$!

run_pass() {  # NAME, then options for this pass
  local name=$1
  shift
  local reports=()
  if [ -n "${SCHEMATHESIS_REPORT_DIR:-}" ]; then
    reports=(--report junit --report-dir "$SCHEMATHESIS_REPORT_DIR/$name")
  fi
  echo "== schemathesis: $name"
  $BIN/schemathesis --config-file .ci/schemathesis.toml run "$BASE/api/schema/" \
    --wait-for-schema 30 \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-100}" \
    ${SCHEMATHESIS_SEED:+--seed "$SCHEMATHESIS_SEED"} \
    --workers 2 \
    --request-timeout 20 \
    --generation-database none \
    --no-color "${reports[@]}" "$@" "${EXTRA[@]}"
}

EXTRA=("$@")  # this script's arguments go to both passes (e.g. --include-path-regex '^/v1/runs')
started=$(date +%s)
status=0
run_pass all-checks || status=$?
run_pass with-nul --generation-allow-x00 true --exclude-checks positive_data_acceptance \
  --phases examples,coverage,fuzzing || status=$?
echo "schemathesis: exit $status after $(($(date +%s) - started)) s"
if [ "$status" -ne 0 ] && grep -q "Traceback" "$WORK/gunicorn.log"; then
  echo "== server errors (gunicorn log)"
  grep -B2 -A30 "Traceback" "$WORK/gunicorn.log" | tail -n 200
fi
exit "$status"
