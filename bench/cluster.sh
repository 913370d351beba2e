#!/usr/bin/env bash
# Two concord nodes on one PostgreSQL and one Redis against one node on PostgreSQL, in one run
# (issue #19's benchmark).
#
# usage: bench/cluster.sh [CONCORD_BINARY]      (default: target/release/concord)
#
# Environment (all optional):
#   DURATION=20          seconds of writing per scenario
#   RATE=10              edits/s per room
#   ROOMS=10 CLIENTS=10  the latency scenario (R rooms x C clients)
#   TP_WRITERS=8 TP_WINDOW=4 TP_SECONDS=$DURATION   throughput scenario (TP_WRITERS=0: skip)
#   PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres   a role that may create databases
#   REDIS_URL=redis://127.0.0.1:6379/
#   PORT=17500           first port tried for the nodes
#   OUT=DIR              where results.jsonl and the logs go (default: a new dir under /tmp)
#   BENCH_ARGS="..."     extra arguments for every bench invocation
#
# 1. One node: a fresh PostgreSQL database, one `concord serve` on it (no Redis), a 1 s warm-up
#    that is not recorded, then R x C and the throughput scenario.
# 2. Two nodes: another fresh database, two `concord serve --cluster` on it sharing one Redis
#    channel (a new one per run), the ticket secret and the master key; each waited for until
#    its /readyz answers. The bench tool gets both URLs: each room's clients are split over the
#    two nodes (client i of room r on node (r + i) mod 2), so half of every room's readers are
#    on the other node than its writer; in the throughput scenario the writers are split over
#    the nodes and every room's observer is on the other node than its writer.
# At the end one table: latency p50/p99 (all readers, and the cross-node readers alone) and
# committed updates/s, one node vs two, with two-node/one-node ratios, and whether the target
# (cross-node p99 <= 1.5 x single-node p99) is met. "srv cpu%" is the CPU of all nodes
# together (of one core) over the bench run. Everything started is stopped and both databases
# are dropped on exit.
# Prerequisites: PostgreSQL and Redis on loopback, psql, curl, python3.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CONCORD=${1:-$ROOT/target/release/concord}
BENCH=${BENCH:-$ROOT/target/release/bench}
DURATION=${DURATION:-20}
RATE=${RATE:-10}
ROOMS=${ROOMS:-10}
CLIENTS=${CLIENTS:-10}
TP_WRITERS=${TP_WRITERS:-8}
TP_WINDOW=${TP_WINDOW:-4}
TP_SECONDS=${TP_SECONDS:-$DURATION}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/}
PORT=${PORT:-17500}
OUT=${OUT:-$(mktemp -d /tmp/concord-cluster-bench.XXXXXX)}
BENCH_ARGS=${BENCH_ARGS:-}
mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl
: >"$RESULTS"

log() { echo "[cluster.sh] $*" >&2; }
hex() { od -An -N8 -tx1 /dev/urandom | tr -d ' \n'; }

for tool in psql curl python3; do
  command -v $tool >/dev/null || { log "$tool is required"; exit 1; }
done
[ -x "$CONCORD" ] || { log "no concord binary at $CONCORD (cargo build --release -p server)"; exit 1; }
if [ ! -x "$BENCH" ]; then
  log "building bench"
  (cd "$ROOT" && nice -n 10 cargo build -p bench --release) || exit 1
fi
psql "$PG_ADMIN_URL" -Atqc 'select 1' >/dev/null || { log "PostgreSQL does not answer at $PG_ADMIN_URL"; exit 1; }

# Every node of a deployment shares these.
TICKET_SECRET=bench-cluster-ticket-secret-$(hex)$(hex)
MASTER_KEY=$(hex)$(hex)$(hex)$(hex)
CHANNEL=concord-bench-$(hex)

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Sets PICKED to a free port (no subshell: PORT must advance for the next node).
pick_port() {
  while ! port_free "$PORT"; do PORT=$((PORT + 1)); done
  PICKED=$PORT
  PORT=$((PORT + 1))
}

DBS=()
PIDS=()
DIRS=()
# Creates a fresh database and sets DB_URL to it (no subshell: DBS must remember it for the drop).
fresh_db() {
  local name
  name=concord_bench_$(hex)
  psql "$PG_ADMIN_URL" -Atqc "create database $name" >/dev/null || return 1
  DBS+=("$name")
  DB_URL="${PG_ADMIN_URL%/*}/$name"
}

# start_node DB_URL NAME [extra serve flags...] -> appends to PIDS, sets NODE_PORT.
# `{port}` in a flag stands for the node's own port (for --public-url).
start_node() {
  local db=$1 name=$2 p dir pid a extra=()
  shift 2
  pick_port
  p=$PICKED
  for a in "$@"; do extra+=("${a//\{port\}/$p}"); done
  dir=$(mktemp -d /tmp/concord-cluster-data.XXXXXX)
  DIRS+=("$dir")
  RUST_LOG=warn "$CONCORD" serve --listen "127.0.0.1:$p" --data-dir "$dir" --database-url "$db" \
    --ticket-secret "$TICKET_SECRET" --master-key "$MASTER_KEY" --shutdown-grace-secs 2 \
    "${extra[@]}" >>"$OUT/$name.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 300); do
    if curl -sf "http://127.0.0.1:$p/readyz" >/dev/null 2>&1; then
      NODE_PORT=$p
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  log "$name did not become ready (see $OUT/$name.log)"
  return 1
}

stop_nodes() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  PIDS=()
}

cleanup() {
  stop_nodes
  local d
  for d in "${DIRS[@]}"; do rm -rf "$d"; done
  for d in "${DBS[@]}"; do
    psql "$PG_ADMIN_URL" -Atqc "drop database if exists $d with (force)" >/dev/null ||
      log "could not drop database $d"
  done
  DIRS=()
  DBS=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# CPU ticks (utime + stime) of all running nodes together.
nodes_ticks() {
  local pid t=0 f
  for pid in "${PIDS[@]}"; do
    f=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    f=${f##*) }
    # shellcheck disable=SC2086
    set -- $f
    t=$((t + ${12} + ${13}))
  done
  echo $t
}

URLS=()
bench_run() { # label, extra args...
  local label=$1 u urls=()
  shift
  for u in "${URLS[@]}"; do urls+=(--url "$u"); done
  # shellcheck disable=SC2086
  "$BENCH" "${urls[@]}" --label "$label" \
    --ticket-cmd "'$CONCORD' admin ticket {doc} --user bench --access write --ticket-secret '$TICKET_SECRET' --data-dir '${DIRS[0]}'" \
    $BENCH_ARGS "$@"
}

# run_scenario LABEL scenario args... : one recorded run, with the nodes' CPU added to its line.
run_scenario() {
  local label=$1 t0 t1 c0 c1 line rc
  shift
  t0=$(date +%s.%N)
  c0=$(nodes_ticks)
  line=$(bench_run "$label" --json "$@" 2>>"$OUT/bench.err")
  rc=$?
  c1=$(nodes_ticks)
  t1=$(date +%s.%N)
  [ -n "$line" ] || { log "$label: scenario $* produced no result (rc=$rc, see $OUT/bench.err)"; return 1; }
  echo "$line" | python3 -c '
import json, sys
o = json.loads(sys.stdin.read())
c0, c1, t0, t1 = (float(x) for x in sys.argv[1:5])
o["nodes_cpu_pct"] = round((c1 - c0) / 100.0 / (t1 - t0) * 100.0, 1)
print(json.dumps(o))' "$c0" "$c1" "$t0" "$t1" >>"$RESULTS"
  tail -n 1 "$RESULTS" | "$BENCH" report - | sed -n 2p >&2
  [ $rc -eq 0 ] || log "$label: scenario $* FAILED (rc=$rc)"
}

run_all() { # label
  local label=$1
  bench_run "$label" --rooms 1 --clients 2 --seconds 1 --drain-seconds 2 --json >/dev/null 2>&1 # warm-up
  run_scenario "$label" --rooms "$ROOMS" --clients "$CLIENTS" --rate "$RATE" --seconds "$DURATION"
  if [ "$TP_WRITERS" -gt 0 ]; then
    run_scenario "$label" --mode throughput --writers "$TP_WRITERS" --window "$TP_WINDOW" --seconds "$TP_SECONDS"
  fi
}

log "=== one node on PostgreSQL"
fresh_db || { log "could not create a database"; exit 1; }
start_node "$DB_URL" one-node || exit 1
URLS=("ws://127.0.0.1:$NODE_PORT/ws/docs/{doc}?ticket={ticket}")
run_all one-node
stop_nodes
sleep 1

log "=== two nodes on one PostgreSQL and one Redis (channel $CHANNEL)"
fresh_db || { log "could not create a database"; exit 1; }
URLS=()
for n in a b; do
  start_node "$DB_URL" "node-$n" --cluster --redis-url "$REDIS_URL" --redis-channel "$CHANNEL" \
    --public-url "http://127.0.0.1:{port}" || exit 1
  URLS+=("ws://127.0.0.1:$NODE_PORT/ws/docs/{doc}?ticket={ticket}")
done
run_all two-nodes
stop_nodes

echo
echo "results: $RESULTS"
"$BENCH" report "$RESULTS" --subject two-nodes
echo
python3 - "$RESULTS" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
def get(label, mode):
    return next((o for o in rows if o["label"] == label and o["mode"] == mode), None)
def f(x):
    return "-" if x is None else (f"{x:.0f}" if x >= 100 else f"{x:.2f}")
def ratio(a, b):
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}"
print(f"{'':44} {'one node':>10} {'two nodes':>10} {'two/one':>8}")
one, two = get("one-node", "latency"), get("two-nodes", "latency")
verdict = None
if one and two:
    sc = one["scenario"]
    for q in ("p50", "p99"):
        a, b = one["latency_ms"][q], two["latency_ms"][q]
        print(f"{sc + ' latency ' + q + ' ms (all readers)':44} {f(a):>10} {f(b):>10} {ratio(b, a):>8}")
    for q in ("p50", "p99"):
        a, b = one["latency_ms"][q], (two.get("latency_cross_ms") or {}).get(q)
        print(f"{sc + ' latency ' + q + ' ms (cross-node readers)':44} {f(a):>10} {f(b):>10} {ratio(b, a):>8}")
    print(f"{sc + ' srv cpu% (all nodes)':44} {f(one.get('nodes_cpu_pct')):>10} {f(two.get('nodes_cpu_pct')):>10}")
    print(f"{sc + ' result':44} {one['result']:>10} {two['result']:>10}")
    b = (two.get("latency_cross_ms") or {}).get("p99")
    a = one["latency_ms"]["p99"]
    if a and b:
        verdict = b <= 1.5 * a
one, two = get("one-node", "throughput"), get("two-nodes", "throughput")
if one and two:
    sc = one["scenario"]
    a, b = one["throughput_ups"], two["throughput_ups"]
    print(f"{sc + ' committed upd/s':44} {f(a):>10} {f(b):>10} {ratio(b, a):>8}")
    print(f"{sc + ' srv cpu% (all nodes)':44} {f(one.get('nodes_cpu_pct')):>10} {f(two.get('nodes_cpu_pct')):>10}")
    print(f"{sc + ' result':44} {one['result']:>10} {two['result']:>10}")
print()
if verdict is None:
    print("target cross-node p99 <= 1.5 x single-node p99: no result")
else:
    print(f"target cross-node p99 <= 1.5 x single-node p99: {'met' if verdict else 'NOT met'}")
EOF
