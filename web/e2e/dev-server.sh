#!/usr/bin/env bash
# A seeded concord serving the current web client, for trying pages by hand (and by helpers
# writing the browser tests). Builds the client into its own directory, so several can run.
#
# usage: web/e2e/dev-server.sh PORT        then open http://127.0.0.1:PORT/ (users in seed/users.csv,
#                                          password "correct horse battery staple")
# The data directory /tmp/concord-dev-PORT is kept between runs; delete it to start afresh.
set -euo pipefail
port=${1:?port}
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${CONCORD_BIN:-$root/target/debug/concord}
data=/tmp/concord-dev-$port
web=/tmp/concord-web-$port
if [ ! -f "$data/.seeded" ]; then
  rm -rf "$data"
  "$root/web/e2e/seed.sh" "$bin" "$data"
  touch "$data/.seeded"
fi
(cd "$root/web" && npx vite build --outDir "$web" --emptyOutDir --logLevel warn)
exec "$bin" serve --listen "127.0.0.1:$port" --data-dir "$data" --web-dir "$web"
