#!/usr/bin/env bash
# Runs tests/browser/test_counselor.py: the demo's counselor screen in a real headless
# chromium (Debian's package) driven by Playwright for Python. Creates a venv under target/
# (reused across runs), installs the pinned requirements from PyPI, builds the hub if its
# binary is missing, runs pytest. Exit code: 0 when every test passed, non-zero otherwise.
#
# Environment:
#   MINWON_HUB_BIN  hub binary to test (default: $CARGO_TARGET_DIR or target/, debug/minwon-hub,
#                   built if missing)
#   CHROMIUM        browser executable (default: `chromium` on PATH)
#   PYTHON          interpreter for the venv (default: python3)
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO="$(pwd)"
PYTHON="${PYTHON:-python3}"
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
VENV="$TARGET/browser-venv"
REQ="$REPO/tests/browser/requirements.txt"

if [[ ! -x "$VENV/bin/python" ]]; then
  echo "== creating venv $VENV"
  "$PYTHON" -m venv "$VENV"
fi
STAMP="$VENV/.requirements.sha256"
WANT="$(sha256sum "$REQ" | cut -d' ' -f1)"
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$WANT" ]]; then
  echo "== installing $REQ (PyPI, wheels only)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    --only-binary=:all: -r "$REQ"
  echo "$WANT" > "$STAMP"
fi
if ! command -v "${CHROMIUM:-chromium}" >/dev/null; then
  echo "chromium not found: apt-get install -y chromium (or set CHROMIUM)" >&2
  exit 2
fi

export MINWON_HUB_BIN="${MINWON_HUB_BIN:-$TARGET/debug/minwon-hub}"
if [[ ! -x "$MINWON_HUB_BIN" ]]; then
  echo "== building minwon-hub"
  cargo build -p minwon-hub
fi

echo "== counselor screen in chromium against $MINWON_HUB_BIN"
exec "$VENV/bin/python" -m pytest -v -p no:cacheprovider "$REPO/tests/browser/test_counselor.py"
