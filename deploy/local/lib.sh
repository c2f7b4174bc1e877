# Shared by the deploy/local scripts that run a process of their own (kafka.sh, prometheus.sh). Each
# sets PID_FILE and STOP_TIMEOUT and defines say() before sourcing this file.

# The recorded pid, iff it is alive and its command line matches the pattern $1: a pid file can outlive
# its process, and the pid be reused by another.
recorded_pid() {
  local pid
  [[ -f "$PID_FILE" ]] || return 1
  pid="$(cat "$PID_FILE")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$1" || return 1
  echo "$pid"
}

# SIGTERM pid $1, SIGKILL if it is still alive after STOP_TIMEOUT seconds; then forget its pid file.
terminate() {
  local pid="$1" t=0
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do
    if (( t >= STOP_TIMEOUT )); then say "still alive after ${STOP_TIMEOUT}s, sending SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
    sleep 1; t=$((t + 1))
  done
  rm -f "$PID_FILE"
  say "stopped"
}
