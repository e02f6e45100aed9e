#!/usr/bin/env bash
# CI: the Python client (clients/python). Installs it as a user would, with one pip command into
# a fresh virtual environment, then runs its own pytest suite serially and with pytest-xdist.
# The install builds the understudy binary with cargo in this repository's target/ (release
# profile), so after `cargo build --release` it only packs the binary (a few seconds).
#
#   .ci/python-client.sh      PYTHON=python3.x picks the interpreter (default python3)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv="$root/target/python-client-venv"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
# The suite tests the binary this install builds, never one named by the environment.
unset UNDERSTUDY_BIN UNDERSTUDY_URL UNDERSTUDY_ADMIN_TOKEN

echo "== python client: fresh virtual environment in target/python-client-venv"
rm -rf "$venv"
"${PYTHON:-python3}" -m venv "$venv"

echo "== python client: pip install ./clients/python pytest pytest-xdist requests"
started=$SECONDS
"$venv/bin/python" -m pip install --disable-pip-version-check --progress-bar off \
  ./clients/python pytest pytest-xdist requests
echo "   installed $("$venv/bin/understudy" --version) in $((SECONDS - started)) s"

# Both passes run even when the first fails, so one CI log shows both.
status=0
echo "== python client: pytest clients/python/tests"
"$venv/bin/python" -m pytest clients/python/tests || status=$?

echo "== python client: pytest -n 4 clients/python/tests (pytest-xdist)"
"$venv/bin/python" -m pytest -n 4 clients/python/tests || status=$?
exit "$status"
