#!/usr/bin/env bash
# Issue #18's benchmark: a joint investigation group's dossier (12 sections of 200 KB, 30
# clients, 3 per body, each editing its own body's section at 2 edits/s) on concord over SQLite
# and PostgreSQL and, in the same run, the same load on @y/websocket-server (see BENCHMARKS.md,
# "Joint investigation dossier").
#
# usage: bench/dossier.sh   (environment: ENGINES="sqlite postgres yws", PGHOST, PGUSER,
#                             DOSSIER_ARGS="--seconds 25 ..." passed on to every dossier-bench
#                             run, OUT=DIR for results.jsonl, NO_BUILD=1 to skip cargo,
#                             NICE=-10 to run the servers and the tool at that priority)
# Needs a PostgreSQL server reachable with `createdb`/`dropdb` (loopback, trust auth here), and
# node + npm for the peer (installed with `npm ci` in bench/peers when missing).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
[ -n "${NO_BUILD:-}" ] || cargo build --release -q -p server -p bench
ENGINES=${ENGINES:-"sqlite postgres yws"}
export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-postgres}
OUT=${OUT:-$(mktemp -d /tmp/dossier-bench.XXXXXX)}
mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl
: >"$RESULTS"
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BENCH=$TARGET/release/dossier-bench
PEERS=$ROOT/bench/peers
NICE=${NICE:-0}

# One run; its JSON line goes to results.jsonl. A failed run (exit 2) is still reported.
run() {
    # shellcheck disable=SC2086
    nice -n "$NICE" "$BENCH" "$@" --concord "$TARGET/release/concord" ${DOSSIER_ARGS:-} >>"$RESULTS" || echo "[dossier.sh] run $* exited $?" >&2
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

for engine in $ENGINES; do
    echo "[dossier.sh] $engine, load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    case $engine in
    sqlite)
        run
        ;;
    postgres)
        db="concord_dossier_bench_$$"
        dropdb --if-exists "$db" && createdb "$db"
        run --database-url "postgres://$PGUSER@$PGHOST/$db"
        dropdb "$db" || echo "[dossier.sh] could not drop $db" >&2
        ;;
    yws)
        [ -d "$PEERS/node_modules" ] || (cd "$PEERS" && npm ci --no-audit --no-fund >&2)
        port=17600
        while ! port_free $port; do port=$((port + 1)); done
        (cd "$PEERS" && PORT=$port HOST=127.0.0.1 exec nice -n "$NICE" node ywebsocket.mjs) >"$OUT/yws.log" 2>&1 &
        pid=$!
        for _ in $(seq 1 100); do port_free $port || break; sleep 0.1; done
        run --peer-url "ws://127.0.0.1:$port" --peer-pid "$pid"
        kill "$pid"
        wait "$pid" 2>/dev/null || true
        ;;
    esac
done

echo "[dossier.sh] done, load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "results: $RESULTS"
"$BENCH" report "$RESULTS"
