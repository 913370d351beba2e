#!/usr/bin/env bash
# Issues #24 and #22: a ~20 MB document and many clients joining it at once, on concord
# (SQLite, its defaults), @y/websocket-server and y-sweet in the same run (see BENCHMARKS.md,
# "A large document and a join storm").
#
# usage: bench/storm.sh
# environment: SERVERS="concord yws ysweet", MB=20, CLIENTS=150 (raw clients: the server's
#              cost), APPLY_CLIENTS=40 (clients that apply the state with yrs, slowed by their
#              own CPU; 0 skips), JOINS=5, PRESENCE_CLIENTS=500 (0 skips), PRESENCE_SECONDS=60,
#              OUT=DIR, NO_BUILD=1, DATA_ROOT=/tmp, CACHE=/tmp/storm-bench-cache (the generated
#              document, reused by every server and run), LARGE=0 (skips the large document:
#              seed, joins and storms), MEMORY_CONNECTIONS=1000 and MEMORY_DOCUMENTS=1000 (memory
#              per idle connection and per small document, first on a fresh server; 0 skips
#              that phase, both 0 the mode),
#              UNLOAD_WAIT=45 (seconds before reading what the unloaded documents left)
# y-sweet runs when built into bench/peers/y-sweet-bin
# (cargo install y-sweet --locked --version 0.9.1 --root bench/peers/y-sweet-bin).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
[ -n "${NO_BUILD:-}" ] || cargo build --release -q -p server -p bench
SERVERS=${SERVERS:-"concord yws ysweet"}
MB=${MB:-20}
CLIENTS=${CLIENTS:-150}
APPLY_CLIENTS=${APPLY_CLIENTS:-40}
JOINS=${JOINS:-5}
PRESENCE_CLIENTS=${PRESENCE_CLIENTS:-500}
PRESENCE_SECONDS=${PRESENCE_SECONDS:-60}
LARGE=${LARGE:-1}
MEMORY_CONNECTIONS=${MEMORY_CONNECTIONS:-1000}
MEMORY_DOCUMENTS=${MEMORY_DOCUMENTS:-1000}
UNLOAD_WAIT=${UNLOAD_WAIT:-45}
OUT=${OUT:-$(mktemp -d /tmp/storm-bench.XXXXXX)}
mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl
: >"$RESULTS"
BENCH=$TARGET/release/storm-bench
CONCORD=$TARGET/release/concord
PEERS=$ROOT/bench/peers
YSWEET=${YSWEET:-$PEERS/y-sweet-bin/bin/y-sweet}

log() { echo "[storm.sh] $*" >&2; }
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() {
    local p=17700
    while ! port_free $p; do p=$((p + 1)); done
    echo $p
}
wait_port() { # port pid
    for _ in $(seq 1 300); do
        port_free "$1" || return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
# run LABEL ARGS...: one storm-bench command; its JSON line goes to results.jsonl.
run() {
    local label=$1
    shift
    "$BENCH" "$@" --label "$label" >>"$RESULTS" || log "storm-bench $* exited $?"
    tail -n 1 "$RESULTS" >&2
}

# Every client of the run comes from 127.0.0.1, as an office behind one NAT address would: the
# limit on connections from one address that have not sent their request yet (64) is raised so
# that 500 clients may connect at once.
concord_start() { # port dir -> PID
    "$CONCORD" serve --listen "127.0.0.1:$1" --data-dir "$2" \
        --max-waiting-connections-per-address 1024 >>"$OUT/concord.log" 2>&1 &
    PID=$!
    wait_port "$1" "$PID"
}

for server in $SERVERS; do
    log "$server, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    port=$(pick_port)
    case $server in
    concord)
        dir=$(mktemp -d "${DATA_ROOT:-/tmp}/storm-concord.XXXXXX")
        concord_start "$port" "$dir"
        "$CONCORD" admin ticket storm --user bench --access write --ttl-secs 7200 \
            --data-dir "$dir" | tail -n 1 >"$OUT/ticket"
        "$CONCORD" admin ticket presence --user bench --access write --ttl-secs 7200 \
            --data-dir "$dir" | tail -n 1 >"$OUT/ticket-presence"
        "$CONCORD" admin ticket memory --user bench --access write --ttl-secs 7200 \
            --data-dir "$dir" | tail -n 1 >"$OUT/ticket-memory"
        : >"$OUT/tickets-docs"
        for n in $(seq 0 $((MEMORY_DOCUMENTS - 1))); do
            "$CONCORD" admin ticket "mem-$n" --user bench --access write --ttl-secs 7200 \
                --data-dir "$dir" | tail -n 1 >>"$OUT/tickets-docs"
        done
        target=(--url "ws://127.0.0.1:$port/ws/docs/storm?ticket={ticket}" --ticket "@$OUT/ticket")
        presence=(--url "ws://127.0.0.1:$port/ws/docs/presence?ticket={ticket}" --ticket "@$OUT/ticket-presence")
        memory=(--url "ws://127.0.0.1:$port/ws/docs/memory?ticket={ticket}" --ticket "@$OUT/ticket-memory"
            --doc-url "ws://127.0.0.1:$port/ws/docs/mem-{n}?ticket={ticket}" --doc-tickets "$OUT/tickets-docs")
        ;;
    yws)
        [ -d "$PEERS/node_modules" ] || (cd "$PEERS" && npm ci --no-audit --no-fund >&2)
        (cd "$PEERS" && PORT=$port HOST=127.0.0.1 exec node ywebsocket.mjs) >"$OUT/yws.log" 2>&1 &
        PID=$!
        wait_port "$port" "$PID"
        target=(--url "ws://127.0.0.1:$port/storm")
        presence=(--url "ws://127.0.0.1:$port/presence")
        memory=(--url "ws://127.0.0.1:$port/memory" --doc-url "ws://127.0.0.1:$port/mem-{n}")
        ;;
    ysweet)
        if [ ! -x "$YSWEET" ]; then
            log "y-sweet is not built ($YSWEET): cargo install y-sweet --locked --version 0.9.1 --root bench/peers/y-sweet-bin"
            continue
        fi
        # No store argument = documents in memory; no --auth = no tokens needed.
        RUST_LOG=warn "$YSWEET" serve --host 127.0.0.1 --port "$port" >"$OUT/ysweet.log" 2>&1 &
        PID=$!
        wait_port "$port" "$PID"
        # Documents are made first: concurrent first connections to an unknown one race there.
        for doc in storm presence memory $(seq -f 'mem-%g' 0 $((MEMORY_DOCUMENTS - 1))); do
            curl -sf -X POST -H 'content-type: application/json' -d "{\"docId\":\"$doc\"}" \
                "http://127.0.0.1:$port/doc/new" >/dev/null
        done
        target=(--url "ws://127.0.0.1:$port/d/storm/ws/storm")
        presence=(--url "ws://127.0.0.1:$port/d/presence/ws/presence")
        memory=(--url "ws://127.0.0.1:$port/d/memory/ws/memory" --doc-url "ws://127.0.0.1:$port/d/mem-{n}/ws/mem-{n}")
        ;;
    *)
        log "unknown server $server"
        continue
        ;;
    esac
    if [ "$MEMORY_CONNECTIONS" -gt 0 ] || [ "$MEMORY_DOCUMENTS" -gt 0 ]; then
        run "$server" memory "${memory[@]}" --connections "$MEMORY_CONNECTIONS" \
            --documents "$MEMORY_DOCUMENTS" --unload-wait "$UNLOAD_WAIT" --server-pid "$PID"
    fi
    if [ "$LARGE" = 1 ]; then
        run "$server" seed "${target[@]}" --mb "$MB" --cache "${CACHE:-/tmp/storm-bench-cache}"
        run "$server" join "${target[@]}" --count "$JOINS"
        run "$server" storm "${target[@]}" --clients "$CLIENTS" --server-pid "$PID"
    fi
    if [ "$LARGE" = 1 ] && [ "$APPLY_CLIENTS" -gt 0 ]; then
        run "$server" storm "${target[@]}" --clients "$APPLY_CLIENTS" --apply --server-pid "$PID"
    fi
    if [ "$PRESENCE_CLIENTS" -gt 0 ]; then
        run "$server" presence "${presence[@]}" --clients "$PRESENCE_CLIENTS" \
            --seconds "$PRESENCE_SECONDS" --server-pid "$PID"
    fi
    kill "$PID"
    wait "$PID" 2>/dev/null || true
    if [ "$server" = concord ] && [ "$LARGE" = 1 ]; then
        # The cold join: the first join after a restart loads the document from storage.
        concord_start "$port" "$dir"
        run "$server-cold" join "${target[@]}" --count 1
        kill "$PID"
        wait "$PID" 2>/dev/null || true
    fi
    [ "$server" != concord ] || rm -rf "$dir"
done

log "done, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "results: $RESULTS"
