#!/usr/bin/env bash
# Local single-node Kafka (KRaft) from Maven Central jars.  Usage: kafka.sh setup|start|stop|status|lib
# (`lib` resolves the jars if need be and prints their directory: tests start brokers of their own from it).
# All state lives in <repo>/.local: kafka/lib-* (jars), kafka/data, logs/kafka.log, run/kafka.pid.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
LOCAL="$ROOT/.local"
POM="$HERE/kafka-pom.xml"
HOST=127.0.0.1 PORT=9092 CONTROLLER_PORT=9093
PID_FILE="$LOCAL/run/kafka.pid"
DATA_DIR="$LOCAL/kafka/data"
LOG_DIR="$LOCAL/logs"
PROPS="$LOCAL/kafka/server.properties"
START_TIMEOUT=90 STOP_TIMEOUT=30

say() { echo "[kafka] $*" >&2; }
# shellcheck source=lib.sh
source "$HERE/lib.sh"
die() { say "$*"; exit 1; }

# The jar dir is keyed by Kafka version + POM hash, so editing the POM re-resolves.
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM")"
LIB_DIR="$LOCAL/kafka/lib-$KAFKA_VERSION-$(sha1sum "$POM" | cut -c1-8)"
JAVA_OPTS=(-Xms512m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true
           "-Dlog4j2.configurationFile=$HERE/log4j2.properties" "-Dkafka.logs.dir=$LOG_DIR")

# An external cluster (e.g. CI service) means there is nothing for us to run.
external() {
  local bs="${KAFKA_BOOTSTRAP_SERVERS:-}"
  [[ -n "$bs" && "$bs" != "127.0.0.1:$PORT" && "$bs" != "localhost:$PORT" ]]
}

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null; }

# Our broker is running iff the recorded pid is alive and really is kafka.Kafka (pid reuse).
our_pid() { recorded_pid 'kafka\.Kafka'; }

cmd_setup() {
  local v
  v="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\)[."].*/\1/p' | head -1 || true)"
  if [[ -z "$v" || "$v" -lt 17 ]] || ! command -v mvn >/dev/null; then
    die "need Java >= 17 and Maven: apt-get install -y openjdk-17-jdk-headless maven (found java='${v:-none}', mvn=$(command -v mvn || echo none))"
  fi
  if [[ -f "$LIB_DIR/.complete" ]]; then return 0; fi
  say "resolving Kafka $KAFKA_VERSION jars from Maven Central into ${LIB_DIR#"$ROOT"/} ..."
  rm -rf "$LIB_DIR" && mkdir -p "$LIB_DIR"
  # -f with an absolute POM: works from any cwd.
  mvn -B -q -f "$POM" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$LIB_DIR" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2 ||
    die "mvn failed to resolve the Kafka jars"  # (sed strips Debian Maven's stray colour codes)
  touch "$LIB_DIR/.complete"
  # Drop jar dirs of other versions.
  find "$LOCAL/kafka" -maxdepth 1 -name 'lib-*' ! -path "$LIB_DIR" -exec rm -rf {} +
  say "jars ready ($(find "$LIB_DIR" -name "*.jar" | wc -l) jars)"
}

cmd_start() {
  if external; then say "using external cluster $KAFKA_BOOTSTRAP_SERVERS; not starting a local broker"; return 0; fi
  cmd_setup
  local pid
  if pid="$(our_pid)"; then
    if port_open "$PORT"; then say "already running (pid $pid) on $HOST:$PORT"; return 0; fi
  else
    rm -f "$PID_FILE"
    for p in "$PORT" "$CONTROLLER_PORT"; do
      port_open "$p" && die "port $HOST:$p is already in use by another process (not our broker); stop it or set KAFKA_BOOTSTRAP_SERVERS"
    done
    mkdir -p "$DATA_DIR" "$LOG_DIR" "$LOCAL/run"
    sed "s|^log.dirs=.*|log.dirs=$DATA_DIR|" "$HERE/server.properties" >"$PROPS"
    if [[ ! -f "$DATA_DIR/meta.properties" ]]; then
      local cluster_id
      cluster_id="$(java "${JAVA_OPTS[@]}" -cp "$LIB_DIR/*" kafka.tools.StorageTool random-uuid)"
      say "formatting storage (cluster id $cluster_id)"
      # --standalone: this node is the sole voter of a dynamic KRaft quorum.
      java "${JAVA_OPTS[@]}" -cp "$LIB_DIR/*" kafka.tools.StorageTool format -t "$cluster_id" \
        -c "$PROPS" --standalone --ignore-formatted >"$LOG_DIR/kafka-format.log" 2>&1 ||
        { cat "$LOG_DIR/kafka-format.log" >&2; die "storage format failed"; }
    fi
    # setsid: the broker survives the calling shell/make being interrupted.
    setsid java "${JAVA_OPTS[@]}" -Dkafka.log.appender=FILE -Dkafka.log.level=INFO -cp "$LIB_DIR/*" kafka.Kafka "$PROPS" \
      </dev/null >>"$LOG_DIR/kafka.out" 2>&1 &
    pid=$!
    echo "$pid" >"$PID_FILE"
    say "started Kafka $KAFKA_VERSION (pid $pid), waiting for $HOST:$PORT ..."
  fi
  local t=0
  until port_open "$PORT"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"; tail -n 30 "$LOG_DIR/kafka.out" "$LOG_DIR/kafka.log" >&2 2>/dev/null || true
      die "broker exited during start-up (logs: .local/logs/kafka.log, kafka.out)"
    fi
    if (( t >= START_TIMEOUT )); then
      tail -n 30 "$LOG_DIR/kafka.out" "$LOG_DIR/kafka.log" >&2 2>/dev/null || true
      die "broker did not answer on $HOST:$PORT within ${START_TIMEOUT}s (pid $pid left running; kafka.sh stop)"
    fi
    sleep 1; t=$((t + 1))
  done
  say "ready on $HOST:$PORT after ${t}s"
}

cmd_stop() {
  if external; then say "using external cluster $KAFKA_BOOTSTRAP_SERVERS; nothing to stop"; return 0; fi
  local pid
  if ! pid="$(our_pid)"; then rm -f "$PID_FILE"; say "not running"; return 0; fi
  say "stopping pid $pid ..."
  terminate "$pid"
}

cmd_status() {
  if external; then say "using external cluster $KAFKA_BOOTSTRAP_SERVERS"; return 0; fi
  local pid
  if pid="$(our_pid)" && port_open "$PORT"; then say "running (pid $pid) on $HOST:$PORT, Kafka $KAFKA_VERSION"
  elif [[ -n "${pid:-}" ]]; then say "starting (pid $pid), $HOST:$PORT not answering yet"; return 1
  elif port_open "$PORT"; then say "not ours: $HOST:$PORT is answered by another process"; return 1
  else say "not running"; return 3; fi
}

case "${1:-}" in
  setup) cmd_setup ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  lib) cmd_setup && echo "$LIB_DIR" ;;
  *) echo "usage: $0 setup|start|stop|status|lib" >&2; exit 2 ;;
esac
