#!/usr/bin/env bash
# `make test`: start whatever of the stack is not running, run the whole suite, then stop what
# this script started (and nothing that was already running). Exits non-zero if any test failed.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

was_running() { [[ -f ".local/run/$1.pid" ]] && kill -0 "$(cat ".local/run/$1.pid")" 2>/dev/null; }
started_kafka=0 started_pg=0 started_services=0
was_running kafka || started_kafka=1
was_running postgres || started_pg=1
was_running requests || started_services=1

cleanup() {
  [[ $started_services -eq 1 ]] && .venv/bin/carepay stack down >/dev/null
  [[ $started_kafka -eq 1 ]] && deploy/local/kafka.sh stop
  [[ $started_pg -eq 1 ]] && deploy/local/postgres.sh stop
}
trap cleanup EXIT

# Periodic jobs (missed visits, SLA breaches) tick faster on a test stack so tests wait seconds, not minutes.
export CAREPAY_DELIVERY_MISSED_EVERY_SECONDS="${CAREPAY_DELIVERY_MISSED_EVERY_SECONDS:-5}"
export CAREPAY_QUERIES_SLA_EVERY_S="${CAREPAY_QUERIES_SLA_EVERY_S:-5}"

deploy/local/prereqs.sh --for-tests || exit 1
mkdir -p test-artifacts .local/logs

pytest_status() {  # pytest's exit status, where collecting no tests is a failure too
  local status=$1
  if [[ $status -eq 5 ]]; then
    echo "[test] pytest collected no tests: that is a failure here" >&2
    status=1
  fi
  return "$status"
}

if [[ $# -gt 0 ]]; then  # the tests named: the stack first, then those
  make --no-print-directory up || { echo "[test] the stack did not come up; see .local/logs/" >&2; exit 1; }
  .venv/bin/python -m pytest "$@"
  pytest_status $?
  exit $?
fi

# Everything: the unit and database tiers need only Postgres, so they run while Kafka and the services start
# (the stack's start and those tiers overlap instead of adding up); the stack's tests follow once it is ready.
deploy/local/postgres.sh start || exit 1
make --no-print-directory up > .local/logs/make-up.log 2>&1 &
up_pid=$!
.venv/bin/python -m pytest tests/unit tests/db
pytest_status $?
tiers=$?
if ! wait "$up_pid"; then
  tail -n 30 .local/logs/make-up.log >&2
  echo "[test] the stack did not come up; see .local/logs/" >&2
  exit 1
fi
cat .local/logs/make-up.log
# tests/api (the fuzz of a clean stack) is make test-api's: the demo month's fuzz, last here, asks more of every
# operation, and make test keeps under 15 minutes.
.venv/bin/python -m pytest --ignore=tests/unit --ignore=tests/db --ignore=tests/api
pytest_status $?
stack_tests=$?
(( tiers == 0 && stack_tests == 0 ))
