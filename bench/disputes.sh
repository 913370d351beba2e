#!/usr/bin/env bash
# Issue #17's benchmark: the bureau's dispute desk, the dispute statistics, raising and
# escalating, with 10,000 disputes in a province-sized directory, on SQLite and on PostgreSQL,
# with the release build of concord (see BENCHMARKS.md, "Jurisdiction disputes").
#
# usage: bench/disputes.sh        (environment: ENGINES="sqlite postgres", PGHOST, PGUSER,
#                                  DISPUTE_ARGS="--disputes 10000 ..." passed on to dispute-bench)
# Needs a PostgreSQL server reachable with `createdb`/`dropdb` (loopback, trust auth here).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
cargo build --release -q -p server -p bench
ENGINES=${ENGINES:-"sqlite postgres"}
export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-postgres}

for engine in $ENGINES; do
    case $engine in
    sqlite)
        target/release/dispute-bench ${DISPUTE_ARGS:-}
        ;;
    postgres)
        db="concord_dispute_bench_$$"
        dropdb --if-exists "$db" && createdb "$db"
        target/release/dispute-bench --database-url "postgres://$PGUSER@$PGHOST/$db" ${DISPUTE_ARGS:-}
        dropdb "$db"
        ;;
    esac
done
