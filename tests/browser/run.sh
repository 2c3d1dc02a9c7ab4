#!/usr/bin/env bash
# Runs the browser tests in a real headless browser (Debian's chromium, driven by Playwright
# for Python) against `minwon-hub demo`: tests/browser/test_console.py (the auditor's console)
# and tests/browser/test_counselor.py (the reference counselor screen).
# Creates a venv under target/ (reused across runs), installs tests/browser/requirements.txt
# from PyPI, builds the hub if its binary is missing, runs pytest.
#
# Needs the system packages `chromium` and `poppler-utils` (pdftoppm, for the printed review's
# picture); .ci/run installs them. Screenshots go to $MINWON_SCREENSHOT_DIR (default
# target/browser-shots).
#
# Environment:
#   MINWON_HUB_BIN         hub binary (default: target/debug/minwon-hub, built if missing)
#   MINWON_SCREENSHOT_DIR  where the screenshots go
#   PYTHON                 interpreter for the venv (default: python3)
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO="$(pwd)"
PYTHON="${PYTHON:-python3}"
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
VENV="$TARGET/browser-venv"
REQ="$REPO/tests/browser/requirements.txt"

if ! command -v chromium >/dev/null; then
  echo "chromium is not installed (apt-get install -y chromium)" >&2
  exit 2
fi
if [[ ! -x "$VENV/bin/python" ]]; then
  echo "== creating venv $VENV"
  "$PYTHON" -m venv "$VENV"
fi
STAMP="$VENV/.requirements.sha256"
WANT="$(cat "$REQ" "$REPO/tests/python/requirements.txt" | sha256sum | cut -d' ' -f1)"
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$WANT" ]]; then
  echo "== installing $REQ (PyPI, wheels only)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    --only-binary=:all: -r "$REQ"
  echo "$WANT" > "$STAMP"
fi

export MINWON_HUB_BIN="${MINWON_HUB_BIN:-$TARGET/debug/minwon-hub}"
if [[ ! -x "$MINWON_HUB_BIN" ]]; then
  echo "== building minwon-hub"
  cargo build -p minwon-hub
fi
export MINWON_SCREENSHOT_DIR="${MINWON_SCREENSHOT_DIR:-$TARGET/browser-shots}"
mkdir -p "$MINWON_SCREENSHOT_DIR"

echo "== console and counselor screen in headless chromium against $MINWON_HUB_BIN"
exec "$VENV/bin/python" -m pytest -v -p no:cacheprovider \
  "$REPO/tests/browser/test_console.py" "$REPO/tests/browser/test_counselor.py"
