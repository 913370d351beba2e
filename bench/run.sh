#!/usr/bin/env bash
# Side-by-side load run: concord vs @y/websocket-server vs Hocuspocus vs y-sweet (if built).
#
# usage: bench/run.sh [CONCORD_BINARY]          (default: target/release/concord)
#
# Environment (all optional):
#   DURATION=20          seconds of writing per latency scenario
#   RATE=10              edits/s per room
#   SCENARIOS="1x2 10x10 50x20 1x200"   RxC latency scenarios
#   TP_WRITERS=8 TP_WINDOW=4 TP_SECONDS=$DURATION   throughput scenario (TP_WRITERS=0: skip)
#   SERVERS="concord yws hocuspocus ysweet"   which servers to run (missing ones are skipped);
#                        add concord-pg for concord on the local PostgreSQL (a fresh database per
#                        scenario, made and dropped with createdb/dropdb: PGHOST, PGUSER)
#   PORT=17400           first port tried for the servers
#   OUT=DIR              where results.jsonl and logs go (default: a new dir under /tmp)
#   BENCH_ARGS="..."     extra arguments for every bench invocation
#   DATA_ROOT=/tmp       where concord's data directory is made (/dev/shm: storage without disk cost)
#
# Each server is started fresh for every scenario (so RSS is per scenario), warmed up with a
# 1-room/2-client run of 1 s that is not recorded, measured, and stopped. At the end one table
# is printed with concord/best-peer ratios for latency p50 and p99 and for throughput.
# Prerequisites: node + npm (peers are installed with `npm ci` in bench/peers when missing),
# curl (y-sweet docs are created over its HTTP API before clients connect).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS=$ROOT/bench/peers
CONCORD=${1:-$ROOT/target/release/concord}
BENCH=${BENCH:-$ROOT/target/release/bench}
YSWEET=${YSWEET:-$PEERS/y-sweet-bin/bin/y-sweet}
DURATION=${DURATION:-20}
RATE=${RATE:-10}
SCENARIOS=${SCENARIOS:-"1x2 10x10 50x20 1x200"}
TP_WRITERS=${TP_WRITERS:-8}
TP_WINDOW=${TP_WINDOW:-4}
TP_SECONDS=${TP_SECONDS:-$DURATION}
SERVERS=${SERVERS:-"concord yws hocuspocus ysweet"}
PORT=${PORT:-17400}
OUT=${OUT:-$(mktemp -d /tmp/concord-bench.XXXXXX)}
BENCH_ARGS=${BENCH_ARGS:-}
mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl
: >"$RESULTS"

log() { echo "[run.sh] $*" >&2; }

if [ ! -x "$BENCH" ]; then
  log "building bench"
  (cd "$ROOT" && nice -n 10 cargo build -p bench --release) || exit 1
fi
need_node=0
for s in $SERVERS; do case $s in yws | hocuspocus) need_node=1 ;; esac; done
if [ $need_node = 1 ] && [ ! -d "$PEERS/node_modules" ]; then
  log "installing peers (npm ci)"
  (cd "$PEERS" && npm ci --no-audit --no-fund >&2) || exit 1
fi

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() {
  while ! port_free "$PORT"; do PORT=$((PORT + 1)); done
  echo "$PORT"
  PORT=$((PORT + 1))
}
wait_port() { # port pid
  for _ in $(seq 1 200); do
    port_free "$1" || return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

SRV_PID=""
SRV_DIR=""
SRV_DB=""
export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-postgres}
# start_server NAME -> sets SRV_PID, URL, FRAMING, TICKET_CMD
start_server() {
  local name=$1 p
  p=$(pick_port)
  TICKET_CMD=""
  FRAMING=yws
  case $name in
    concord)
      SRV_DIR=$(mktemp -d "${DATA_ROOT:-/tmp}/concord-bench-data.XXXXXX")
      "$CONCORD" serve --listen "127.0.0.1:$p" --data-dir "$SRV_DIR" >>"$OUT/$name.log" 2>&1 &
      SRV_PID=$!
      URL="ws://127.0.0.1:$p/ws/docs/{doc}?ticket={ticket}"
      TICKET_CMD="'$CONCORD' admin ticket {doc} --user bench --access write --data-dir '$SRV_DIR'"
      ;;
    concord-pg)
      SRV_DIR=$(mktemp -d "${DATA_ROOT:-/tmp}/concord-bench-data.XXXXXX")
      SRV_DB=concord_run_bench_$$
      dropdb --if-exists "$SRV_DB" && createdb "$SRV_DB" || return 1
      DATABASE_URL="postgres://$PGUSER@$PGHOST/$SRV_DB" \
        "$CONCORD" serve --listen "127.0.0.1:$p" --data-dir "$SRV_DIR" >>"$OUT/$name.log" 2>&1 &
      SRV_PID=$!
      URL="ws://127.0.0.1:$p/ws/docs/{doc}?ticket={ticket}"
      # A ticket needs only the data directory's secret, not the database.
      TICKET_CMD="'$CONCORD' admin ticket {doc} --user bench --access write --data-dir '$SRV_DIR'"
      ;;
    yws)
      (cd "$PEERS" && PORT=$p HOST=127.0.0.1 exec node ywebsocket.mjs) >>"$OUT/$name.log" 2>&1 &
      SRV_PID=$!
      URL="ws://127.0.0.1:$p/{doc}"
      ;;
    hocuspocus)
      (cd "$PEERS" && PORT=$p HOST=127.0.0.1 exec node hocuspocus.mjs) >>"$OUT/$name.log" 2>&1 &
      SRV_PID=$!
      URL="ws://127.0.0.1:$p"
      FRAMING=hocuspocus
      ;;
    ysweet)
      # No store argument = documents in memory; no --auth = no tokens needed.
      RUST_LOG=warn "$YSWEET" serve --host 127.0.0.1 --port "$p" >>"$OUT/$name.log" 2>&1 &
      SRV_PID=$!
      URL="ws://127.0.0.1:$p/d/{doc}/ws/{doc}"
      # Create each doc first: concurrent first connections to an unknown doc race in y-sweet.
      TICKET_CMD="curl -sf -X POST -H 'content-type: application/json' -d '{\"docId\":\"{doc}\"}' http://127.0.0.1:$p/doc/new"
      ;;
  esac
  if ! wait_port "$p" "$SRV_PID"; then
    log "$name did not start (see $OUT/$name.log)"
    stop_server
    return 1
  fi
}

stop_server() {
  if [ -n "$SRV_PID" ]; then
    kill "$SRV_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$SRV_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SRV_PID" 2>/dev/null
    wait "$SRV_PID" 2>/dev/null
  fi
  SRV_PID=""
  if [ -n "$SRV_DIR" ]; then rm -rf "$SRV_DIR"; fi
  SRV_DIR=""
  if [ -n "$SRV_DB" ]; then dropdb --if-exists "$SRV_DB" || log "could not drop $SRV_DB"; fi
  SRV_DB=""
}
trap 'stop_server' EXIT
trap 'exit 130' INT TERM

bench_run() { # name, extra args...
  local name=$1
  shift
  local tc=()
  [ -n "$TICKET_CMD" ] && tc=(--ticket-cmd "$TICKET_CMD")
  # shellcheck disable=SC2086
  "$BENCH" --url "$URL" --framing "$FRAMING" "${tc[@]}" --label "$name" $BENCH_ARGS "$@"
}

available() {
  case $1 in
    concord) [ -x "$CONCORD" ] ;;
    concord-pg) [ -x "$CONCORD" ] && command -v createdb >/dev/null ;;
    yws | hocuspocus) command -v node >/dev/null ;;
    ysweet) [ -x "$YSWEET" ] && command -v curl >/dev/null ;;
    *) return 1 ;;
  esac
}

run_one() { # name, scenario args...
  local name=$1
  shift
  start_server "$name" || return 1
  bench_run "$name" --rooms 1 --clients 2 --seconds 1 --drain-seconds 2 --json >/dev/null 2>&1 # warm-up
  bench_run "$name" --server-pid "$SRV_PID" --json "$@" >>"$RESULTS" 2>>"$OUT/bench.err"
  local rc=$?
  tail -n 1 "$RESULTS" | "$BENCH" report - | sed -n 2p >&2
  [ $rc -eq 0 ] || log "$name: scenario $* FAILED (rc=$rc)"
  stop_server
  sleep 1
}

for name in $SERVERS; do
  if ! available "$name"; then
    log "skipping $name (not available)"
    continue
  fi
  log "=== $name"
  for sc in $SCENARIOS; do
    r=${sc%x*}
    c=${sc#*x}
    run_one "$name" --rooms "$r" --clients "$c" --rate "$RATE" --seconds "$DURATION"
  done
  if [ "$TP_WRITERS" -gt 0 ]; then
    run_one "$name" --mode throughput --writers "$TP_WRITERS" --window "$TP_WINDOW" --seconds "$TP_SECONDS"
  fi
done

echo
echo "results: $RESULTS"
"$BENCH" report "$RESULTS" --subject concord
case " $SERVERS " in
  *" concord-pg "*)
    echo
    "$BENCH" report "$RESULTS" --subject concord-pg | sed -n '/^ratios/,$p'
    ;;
esac
