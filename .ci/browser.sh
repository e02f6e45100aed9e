#!/usr/bin/env bash
# CI: the dashboard (/__admin/ui) in a real browser. Headless Chromium from Debian's `chromium`
# package, driven by `playwright-core` from npm (it never downloads a browser of its own), against
# the release binary on free ports: one server as started by default, one with --admin-token.
# The test is tests/browser/dashboard.test.mjs (node's built-in test runner); it saves a
# screenshot of each view under target/browser-screenshots/.
#
#   bash .ci/browser.sh        needs node >= 20 and npm; installs chromium with apt-get if missing
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$SECONDS
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
tools="$CARGO_TARGET_DIR/browser-test"
shots="$CARGO_TARGET_DIR/browser-screenshots"
logs="$CARGO_TARGET_DIR/browser-logs"
# The version the test was written against; bump deliberately.
playwright_version=1.65.1

if [ ! -x /usr/bin/chromium ]; then
  echo "== browser: apt-get install chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
echo "   $(/usr/bin/chromium --version 2>/dev/null || echo 'chromium (version unknown)')"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "node and npm are required" >&2
  exit 1
fi
installed=$(node -p "require('$tools/node_modules/playwright-core/package.json').version" 2>/dev/null || true)
if [ "$installed" != "$playwright_version" ]; then
  echo "== browser: npm install playwright-core@$playwright_version into target/browser-test"
  mkdir -p "$tools"
  [ -f "$tools/package.json" ] || echo '{"private": true}' >"$tools/package.json"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$tools" --no-audit --no-fund \
    --loglevel=error "playwright-core@$playwright_version"
fi

echo "== browser: cargo build --release --locked --bin understudy"
cargo build --release --locked --bin understudy
bin="$CARGO_TARGET_DIR/release/understudy"

rm -rf "$shots" "$logs"
mkdir -p "$shots" "$logs"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

# Starts the binary on a free port with the given flags, in this shell so that cleanup stops
# it; its base URL goes into the variable named first.
start_server() {
  local into=$1 log=$2
  shift 2
  "$bin" --port 0 "$@" >"$log" 2>&1 &
  pids+=($!)
  local line
  for _ in $(seq 100); do
    line=$(head -n 1 "$log")
    if [[ $line == "Understudy listening on http://"* ]]; then
      printf -v "$into" '%s' "${line#Understudy listening on }"
      return
    fi
    sleep 0.1
  done
  echo "the server did not start; its output:" >&2
  cat "$log" >&2
  exit 1
}

start_server UNDERSTUDY_URL "$logs/server.log"
echo "   server: $UNDERSTUDY_URL"
export UNDERSTUDY_URL
UNDERSTUDY_ADMIN_TOKEN="browser-test-$RANDOM$RANDOM"
start_server UNDERSTUDY_TOKEN_URL "$logs/server-token.log" --admin-token "$UNDERSTUDY_ADMIN_TOKEN"
echo "   server with --admin-token: $UNDERSTUDY_TOKEN_URL"
export UNDERSTUDY_ADMIN_TOKEN UNDERSTUDY_TOKEN_URL

echo "== browser: node --test tests/browser/dashboard.test.mjs"
status=0
BROWSER_TEST_MODULES="$tools/node_modules" SCREENSHOT_DIR="$shots" \
  node --test --test-reporter=spec tests/browser/dashboard.test.mjs || status=$?
echo "   screenshots: $(ls "$shots" | tr '\n' ' ')"
echo "   browser test took $((SECONDS - started)) s in all"
exit "$status"
