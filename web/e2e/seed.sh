#!/usr/bin/env bash
# Seeds a concord data directory for browser tests and for trying the client by hand: the
# directory in seed/*.csv (a county bureau, a market department, a police sub-bureau, the city
# bureau, a sub-district office of the county (湖滨街道, for the dispute scenario), the county
# procuratorate (for the referral scenario, with the market department's officer 陈静 beside its
# head 李华); names in Chinese, as in production), every person's password set to $E2E_PASSWORD
# (default below), and an operator `operator`. Uses only the real admin CLI.
#
# usage: web/e2e/seed.sh CONCORD_BINARY DATA_DIR
set -euo pipefail
bin=${1:?concord binary}
data=${2:?data directory}
here=$(cd "$(dirname "$0")" && pwd)
password=${E2E_PASSWORD:-correct horse battery staple}
mkdir -p "$data"
# --init: the directory is new; every later command finds the database it made.
"$bin" admin import --init --data-dir "$data" \
  --regions "$here/seed/regions.csv" --orgs "$here/seed/orgs.csv" --users "$here/seed/users.csv" >/dev/null
for user in $(tail -n +2 "$here/seed/users.csv" | cut -d, -f2); do
  printf '%s\n' "$password" | "$bin" admin reset-password "$user" --password-stdin --data-dir "$data" >/dev/null
done
printf '%s\n' "$password" | "$bin" admin create-operator --username operator --name 系统管理员 \
  --password-stdin --data-dir "$data" >/dev/null
