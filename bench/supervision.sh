#!/usr/bin/env bash
# Issue #21's benchmark: the bureau's supervision desk and the region's figures (JSON, CSV,
# .xlsx, the dispute and referral statistics) for a city region, on a province-sized data set
# (1,000 bodies, 100,000 tasks, 1,000,000 notices with ~1,900,000 receipts, 10,000 disputes,
# 20,000 referrals), on SQLite and on PostgreSQL, against the release `concord serve`
# (see BENCHMARKS.md, "Supervision desk and figures at province size").
#
# usage: bench/supervision.sh     (environment: ENGINES="sqlite postgres", PGHOST, PGUSER,
#                                  REQUESTS=300 per route, SEED_SCALE=1 for a smaller set,
#                                  CONCORD=target/release/concord to skip the build,
#                                  KEEP=1 to keep the data sets)
# Needs python3 (its sqlite3 module loads SQLite; no sqlite3 shell needed) and a PostgreSQL server
# reachable with `createdb`/`dropdb`/`psql` (loopback, trust auth here).
#
# Each engine: the server makes the schema (its migrations) on an empty database and stops;
# bench/supervision_seed.py loads the data set in bulk (same seeded generator for both);
# the server starts again on it (SQLite with its default synchronous=FULL) and
# bench/supervision_measure.py measures over HTTP.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
CONCORD=${CONCORD:-}
if [ -z "$CONCORD" ]; then
    cargo build --release -q -p server --bin concord
    CONCORD=target/release/concord
fi
ENGINES=${ENGINES:-"sqlite postgres"}
export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-postgres}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/concord-supervision-bench.XXXXXX")
PID=
cleanup() {
    if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
    if [ -z "${KEEP:-}" ]; then
        rm -rf "$WORK"
        dropdb --if-exists "concord_supervision_bench_$$" 2>/dev/null || true
    fi
}
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

serve() { # data_dir [database_url]
    local p; p=$(port)
    BASE="http://127.0.0.1:$p"
    if [ -n "${2:-}" ]; then
        DATABASE_URL="$2" RUST_LOG=warn "$CONCORD" serve --listen "127.0.0.1:$p" --data-dir "$1" >/dev/null &
    else
        env -u DATABASE_URL RUST_LOG=warn "$CONCORD" serve --listen "127.0.0.1:$p" --data-dir "$1" >/dev/null &
    fi
    PID=$!
    for _ in $(seq 600); do
        curl -fs "$BASE/readyz" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "concord did not become ready" >&2
    exit 1
}

stop() { kill "$PID"; wait "$PID" || true; PID=; }

now_ms() { python3 -c 'import time; print(int(time.time()*1000))'; }

for engine in $ENGINES; do
    dir="$WORK/$engine"
    mkdir -p "$dir"
    url=
    if [ "$engine" = postgres ]; then
        db="concord_supervision_bench_$$"
        dropdb --if-exists "$db" && createdb "$db"
        url="postgres://$PGUSER@$PGHOST/$db"
    fi
    serve "$dir" "$url" && stop # the schema: the server's own migrations
    t0=$(date +%s.%N)
    if [ "$engine" = sqlite ]; then
        python3 bench/supervision_seed.py sqlite "$dir/concord.db" "$(now_ms)" >"$WORK/cookies-$engine"
        size=$(du -sh "$dir" | cut -f1)
    else
        python3 bench/supervision_seed.py postgres "$url" "$(now_ms)" >"$WORK/cookies-$engine"
        size=$(psql -Atc "select pg_size_pretty(pg_database_size('$db'))" "$db")
    fi
    echo "{\"engine\": \"$engine\", \"phase\": \"seed\", \"seconds\": $(echo "$(date +%s.%N) - $t0" | bc), \"size\": \"$size\"}"
    serve "$dir" "$url"
    python3 bench/supervision_measure.py "$BASE" "$WORK/cookies-$engine" "$engine"
    stop
    if [ -z "${KEEP:-}" ]; then
        rm -rf "$dir"
        [ "$engine" = postgres ] && dropdb "$db"
    fi
done
