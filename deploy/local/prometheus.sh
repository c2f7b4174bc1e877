#!/usr/bin/env bash
# Local Prometheus scraping the stack with deploy/prometheus (scrape config and alert rules).
# Usage: prometheus.sh start|stop|status.  Data in <repo>/.local/prometheus, log in
# .local/logs/prometheus.log, pid in .local/run/prometheus.pid; web on 127.0.0.1:9090
# (CAREPAY_PROMETHEUS_PORT). Without the `prometheus` binary (Debian's prometheus package) `start`
# says so and does nothing: the stack runs without it. With CAREPAY_METRICS_TOKEN set (the services'
# /metrics then want `Authorization: Bearer <it>`), it scrapes with that token, kept in a file only
# this user reads (.local/run/metrics-token) and named by `authorization: credentials_file`.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
LOCAL="$ROOT/.local"
CONFIG="$ROOT/deploy/prometheus/prometheus.yml"
DATA="$LOCAL/prometheus"
LOG="$LOCAL/logs/prometheus.log"
PID_FILE="$LOCAL/run/prometheus.pid"
HOST=127.0.0.1 PORT="${CAREPAY_PROMETHEUS_PORT:-9090}"
START_TIMEOUT=30 STOP_TIMEOUT=20

say() { echo "[prometheus] $*" >&2; }
# shellcheck source=lib.sh
source "$HERE/lib.sh"
die() { say "$*"; exit 1; }
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$PORT" 2>/dev/null; }

# Ours iff the recorded pid is alive and is a prometheus keeping its data in our directory (pid reuse).
our_pid() { recorded_pid "--storage.tsdb.path=$DATA"; }

cmd_start() {
  local pid
  if ! command -v prometheus >/dev/null; then
    say "not installed: the stack runs without it (Debian: apt-get install --no-install-recommends prometheus)"
    return 0
  fi
  if pid="$(our_pid)"; then say "already running (pid $pid) on http://$HOST:$PORT"; return 0; fi
  rm -f "$PID_FILE"
  if port_open; then
    # Debian's package may run its own system Prometheus on 9090: leave it be, and say how to run ours.
    say "$HOST:$PORT is in use by another process, not starting ours (set CAREPAY_PROMETHEUS_PORT, or stop it)"
    return 0
  fi
  mkdir -p "$DATA" "$LOCAL/logs" "$LOCAL/run"
  local config="$CONFIG"
  if [[ -n "${CAREPAY_METRICS_TOKEN:-}" ]]; then
    config="$LOCAL/run/prometheus.yml"
    (umask 077; printf '%s' "$CAREPAY_METRICS_TOKEN" >"$LOCAL/run/metrics-token")
    # The repository's config with the scrape token, its rule files named from where they are.
    sed -e "s|^  - rules/\*\.yml\$|  - $ROOT/deploy/prometheus/rules/*.yml|" \
        -e "s|^    metrics_path: /metrics\$|&\n    authorization:\n      credentials_file: $LOCAL/run/metrics-token|" \
        "$CONFIG" >"$config"
  fi
  promtool check config "$config" >/dev/null || die "$config is not valid: promtool check config $config"
  # setsid: it survives the calling shell or make being interrupted, like the rest of the stack.
  setsid prometheus --config.file="$config" --storage.tsdb.path="$DATA" --storage.tsdb.retention.time=15d \
    --web.listen-address="$HOST:$PORT" </dev/null >>"$LOG" 2>&1 &
  pid=$!
  echo "$pid" >"$PID_FILE"
  local t=0
  until curl -fsS "http://$HOST:$PORT/-/ready" >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then rm -f "$PID_FILE"; tail -n 20 "$LOG" >&2; die "exited during start-up (log: $LOG)"; fi
    (( t >= START_TIMEOUT )) && die "not ready within ${START_TIMEOUT}s (pid $pid left running; prometheus.sh stop)"
    sleep 1; t=$((t + 1))
  done
  say "ready on http://$HOST:$PORT (pid $pid): alerts at /alerts, scrape targets at /targets"
}

cmd_stop() {
  local pid
  if ! pid="$(our_pid)"; then rm -f "$PID_FILE"; say "not running"; return 0; fi
  terminate "$pid"
}

cmd_status() {
  local pid
  if pid="$(our_pid)"; then say "running (pid $pid) on http://$HOST:$PORT"
  else say "not running"; return 3; fi
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
