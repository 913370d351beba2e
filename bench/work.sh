#!/usr/bin/env bash
# Issue #4's benchmark: tasks, notifications, live push and the job worker, on SQLite and on
# PostgreSQL, with the release build of concord (see BENCHMARKS.md, "Supervision machinery").
#
# usage: bench/work.sh            (environment: ENGINES="sqlite postgres", PGHOST, PGUSER,
#                                  WORK_ARGS="--bodies 1000 ..." passed on to work-bench)
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
        target/release/work-bench ${WORK_ARGS:-}
        ;;
    postgres)
        db="concord_work_bench_$$"
        dropdb --if-exists "$db" && createdb "$db"
        target/release/work-bench --database-url "postgres://$PGUSER@$PGHOST/$db" ${WORK_ARGS:-}
        dropdb "$db"
        ;;
    esac
done
