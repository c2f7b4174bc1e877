#!/usr/bin/env bash
# `make test`: start whatever of the stack is not running, run the whole suite, then stop what
# this script started (and nothing that was already running). Exits with pytest's status.
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
make --no-print-directory up || { echo "[test] the stack did not come up; see .local/logs/" >&2; exit 1; }
mkdir -p test-artifacts
.venv/bin/python -m pytest "$@"
status=$?
if [[ $status -eq 5 ]]; then
  echo "[test] pytest collected no tests: that is a failure here" >&2
  status=1
fi
exit $status
