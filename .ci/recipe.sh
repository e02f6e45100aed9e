#!/usr/bin/env bash
# CI: the GitHub Actions background-step recipe of docs/ci.md, run for real. Each command below
# is checked to appear verbatim in docs/ci.md, then run in the recipe's order: start the mock in
# the background, wait with `understudy healthcheck`, call a vendor (standing for the client's
# tests), keep the journal, stop. Installing is replaced by this checkout's release build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$SECONDS

# The recipe's commands, as docs/ci.md writes them.
start_mock='understudy > understudy.log 2>&1 &'
save_pid='echo $! > understudy.pid'
wait_ready='understudy healthcheck --wait 30'
keep_journal='curl -sS "http://127.0.0.1:$UNDERSTUDY_PORT/__admin/requests?limit=1000" > understudy-journal.json'
stop_mock='kill "$(cat understudy.pid)"'
for step in "$start_mock" "$save_pid" "$wait_ready" "$keep_journal" "$stop_mock"; do
  if ! grep -qF -- "$step" docs/ci.md; then
    echo "docs/ci.md no longer has the step: $step" >&2
    exit 1
  fi
done

cargo build --release --locked --quiet
export PATH="$root/target/release:$PATH"
work=$(mktemp -d)
cleanup() {
  if [ -f "$work/understudy.pid" ]; then
    kill "$(cat "$work/understudy.pid")" 2>/dev/null || true
  fi
  rm -rf "$work"
}
cd "$work"
# On a failure, what the mock printed.
trap 'status=$?; if [ "$status" != 0 ] && [ -f understudy.log ]; then cat understudy.log >&2; fi; cleanup' EXIT

# The job's variables (a free port rather than 4010, which may be taken on this machine).
UNDERSTUDY_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export UNDERSTUDY_PORT
export CONTACTS_API_URL="http://127.0.0.1:$UNDERSTUDY_PORT/autokonnect"
unset UNDERSTUDY_HOST UNDERSTUDY_ADMIN_TOKEN UNDERSTUDY_SEED UNDERSTUDY_DB

echo "== recipe: start Understudy in the background"
eval "$start_mock"
eval "$save_pid"

echo "== recipe: wait until it is ready"
eval "$wait_ready"

echo "== recipe: the client's tests (here: one vendor call)"
answer=$(curl -fsS -H 'Authorization: Bearer ak_live_northwind_4f9c2e7a' "$CONTACTS_API_URL/api/v1/contacts?limit=2")
python3 -c 'import json, sys; assert len(json.loads(sys.argv[1])["data"]) == 2, sys.argv[1]' "$answer"

echo "== recipe: keep the journal"
eval "$keep_journal"
python3 - <<'PY'
import json
requests = json.load(open("understudy-journal.json"))["requests"]
assert [(r["vendor"], r["method"], r["path"], r["status"]) for r in requests] == [
    ("autokonnect", "GET", "/api/v1/contacts", 200)
], requests
PY

echo "== recipe: stop Understudy"
pid=$(cat understudy.pid)
eval "$stop_mock"
for _ in $(seq 1 100); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
  echo "Understudy did not stop on SIGTERM" >&2
  exit 1
fi
rm understudy.pid
echo "recipe: 1 passed, 0 failed ($((SECONDS - started)) s)"
