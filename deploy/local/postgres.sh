#!/usr/bin/env bash
# Project-private PostgreSQL cluster for local dev/test.  Usage: postgres.sh setup|start|stop|status
# Data in <repo>/.local/pg/data, socket in <repo>/.local/pg, log in .local/logs/postgres.log.
# Never touches the Debian system cluster (/etc/postgresql/*/main).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
LOCAL="$ROOT/.local"
PG_DIR="$LOCAL/pg"
DATA="$PG_DIR/data"
LOG="$LOCAL/logs/postgres.log"
PORT="${PGPORT:-5432}"
SOCK="$PG_DIR"
# Unix socket paths are limited to ~107 bytes; fall back to /tmp for deep clones.
if (( ${#SOCK} > 90 )); then SOCK="/tmp/carepay-pg-$(echo "$ROOT" | sha1sum | cut -c1-8)"; fi
URL="postgresql://carepay:carepay@127.0.0.1:$PORT/carepay"

say() { echo "[postgres] $*" >&2; }
die() { say "$*"; exit 1; }

# Postgres refuses to run as root: as root, run its tools as the `postgres` OS user.
if [[ $EUID -eq 0 ]]; then AS_PG=(runuser -u postgres --); else AS_PG=(); fi

# Binaries matching an existing data dir, else the newest installed major version.
pg_bin() {
  if [[ -f "$DATA/PG_VERSION" ]]; then
    local v; v="$(cat "$DATA/PG_VERSION")"
    [[ -x "/usr/lib/postgresql/$v/bin/postgres" ]] ||
      die "$DATA was created by PostgreSQL $v but its binaries are missing: apt-get install -y postgresql-$v (or delete .local/pg to start over)"
    echo "/usr/lib/postgresql/$v/bin"
  else
    find /usr/lib/postgresql -maxdepth 3 -path '*/bin/postgres' 2>/dev/null | sort -V | tail -1 | xargs -r dirname
  fi
}

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT" 2>/dev/null; }
running() { [[ -f "$DATA/postmaster.pid" ]] && "${AS_PG[@]}" "$PGBIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1; }

install_binaries() {
  if [[ -n "$(pg_bin)" ]]; then return 0; fi
  [[ $EUID -eq 0 && -f /etc/debian_version ]] ||
    die "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/postgres): run as root: apt-get install -y postgresql"
  say "installing PostgreSQL with apt-get ..."
  # Keep the package from creating (and starting) the system 'main' cluster on our port.
  local dropin=/etc/postgresql-common/createcluster.d/carepay-no-main.conf
  mkdir -p "$(dirname "$dropin")" && echo "create_main_cluster = false" >"$dropin"
  DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2 || { rm -f "$dropin"; die "apt-get install postgresql failed"; }
  rm -f "$dropin"
  [[ -n "$(pg_bin)" ]] || die "postgresql installed but no server binaries found"
}

# As root, the postgres user must be able to reach .local/pg: give o+x (search only) to
# any ancestor directory that lacks it, e.g. a clone under /root.
make_traversable() {
  [[ $EUID -eq 0 ]] || return 0
  local d="$PG_DIR"
  while [[ "$d" != "/" ]]; do
    d="$(dirname "$d")"
    if [[ -z "$(find "$d" -maxdepth 0 -perm -o=x)" ]]; then say "chmod o+x $d (so the postgres user can reach .local/pg)"; chmod o+x "$d"; fi
  done
}

cmd_setup() {
  if [[ -n "${DATABASE_URL:-}" ]]; then say "DATABASE_URL is set; using that database, nothing to set up"; return 0; fi
  install_binaries
  PGBIN="$(pg_bin)"
  mkdir -p "$PG_DIR" "$SOCK" "$LOCAL/logs" "$LOCAL/run"
  touch "$LOG"
  if [[ $EUID -eq 0 ]]; then chown postgres:postgres "$PG_DIR" "$SOCK" "$LOG"; make_traversable; fi
  if [[ ! -f "$DATA/PG_VERSION" ]]; then
    say "initdb $DATA ($("$PGBIN/postgres" --version))"
    local locale=C; locale -a 2>/dev/null | grep -qix 'c.utf-\?8' && locale=C.UTF-8
    # trust on the unix socket (admin tasks below); passwords over TCP, as the app connects.
    "${AS_PG[@]}" "$PGBIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale="$locale" \
      --auth-local=trust --auth-host=scram-sha-256 >>"$LOG" 2>&1 || { tail -n 20 "$LOG" >&2; die "initdb failed"; }
    echo "include_if_exists = 'carepay.conf'" | "${AS_PG[@]}" tee -a "$DATA/postgresql.conf" >/dev/null
  fi
}

# Rewritten on every start so PGPORT changes apply. fsync stays on: we test crash safety.
write_conf() {
  "${AS_PG[@]}" tee "$DATA/carepay.conf" >/dev/null <<CONF
# Written by deploy/local/postgres.sh on each start; edit the script, not this file.
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCK'
max_connections = 300
shared_buffers = 256MB
fsync = on
synchronous_commit = on
full_page_writes = on
# A bulk load (a backlog of call-monitoring records, a county's self-billing) writes ~25 MB of WAL a
# second: at the default 1GB a checkpoint started every ~18 s, and each one makes the next change of
# every page write a whole page image into the WAL again. Recovery after a crash replays more WAL.
max_wal_size = 4GB
checkpoint_timeout = 15min
CONF
}

ensure_role_and_db() {
  "${AS_PG[@]}" "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U postgres -d postgres >/dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'carepay') THEN
    CREATE ROLE carepay LOGIN CREATEDB PASSWORD 'carepay';
  ELSE
    ALTER ROLE carepay LOGIN CREATEDB PASSWORD 'carepay';
  END IF;
END $$;
SELECT 'CREATE DATABASE carepay OWNER carepay' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'carepay')\gexec
SQL
}

cmd_start() {
  if [[ -n "${DATABASE_URL:-}" ]]; then say "DATABASE_URL is set; using that database, not starting a local one"; return 0; fi
  cmd_setup
  if running; then
    say "already running (pid $(head -1 "$DATA/postmaster.pid")) on 127.0.0.1:$PORT"
  else
    port_open && die "port 127.0.0.1:$PORT is already in use by another process (not our cluster); stop it, or set PGPORT or DATABASE_URL"
    write_conf
    "${AS_PG[@]}" "$PGBIN/pg_ctl" start -w -t 60 -D "$DATA" -l "$LOG" >/dev/null ||
      { tail -n 20 "$LOG" >&2; die "pg_ctl start failed (log: .local/logs/postgres.log)"; }
    head -1 "$DATA/postmaster.pid" >"$LOCAL/run/postgres.pid"
    say "started (pid $(cat "$LOCAL/run/postgres.pid")) on 127.0.0.1:$PORT"
  fi
  ensure_role_and_db
  say "ready: $URL"
}

cmd_stop() {
  if [[ -n "${DATABASE_URL:-}" ]]; then say "DATABASE_URL is set; nothing to stop"; return 0; fi
  PGBIN="$(pg_bin)"
  if [[ -n "$PGBIN" ]] && running; then
    "${AS_PG[@]}" "$PGBIN/pg_ctl" stop -w -D "$DATA" -m fast >/dev/null
    say "stopped"
  else
    say "not running"
  fi
  rm -f "$LOCAL/run/postgres.pid"
}

# For benchmarks: write back now what earlier work left dirty, so its checkpoint does not fall inside
# the next measurement.
cmd_checkpoint() {
  if [[ -n "${DATABASE_URL:-}" ]]; then say "DATABASE_URL is set; not ours to checkpoint"; return 0; fi
  PGBIN="$(pg_bin)"
  running || { say "not running"; return 3; }
  "${AS_PG[@]}" "$PGBIN/psql" -X -q -h "$SOCK" -p "$PORT" -U postgres -d postgres -c CHECKPOINT
}

cmd_status() {
  if [[ -n "${DATABASE_URL:-}" ]]; then say "DATABASE_URL is set; using that database"; return 0; fi
  PGBIN="$(pg_bin)"
  if [[ -n "$PGBIN" ]] && running; then say "running (pid $(head -1 "$DATA/postmaster.pid")): $URL"
  elif port_open; then say "not ours: 127.0.0.1:$PORT is answered by another process"; return 1
  else say "not running"; return 3; fi
}

case "${1:-}" in
  setup) cmd_setup ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  checkpoint) cmd_checkpoint ;;
  *) echo "usage: $0 setup|start|stop|status|checkpoint" >&2; exit 2 ;;
esac
