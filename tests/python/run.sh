#!/usr/bin/env bash
# Runs tests/python/test_grpcio.py: the hub called by Python grpcio (an independent gRPC
# implementation). Creates a venv under target/ (reused across runs), installs the pinned
# requirements from PyPI, builds the hub if its binary is missing, runs pytest.
# Exit code: 0 when every test passed, non-zero otherwise.
#
# Environment:
#   MINWON_HUB_BIN  hub binary to test (default: $CARGO_TARGET_DIR or target/, debug/minwon-hub,
#                   built if missing)
#   PYTHON          interpreter for the venv (default: python3; CPython 3.11 is what the
#                   requirements are pinned for)
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO="$(pwd)"
PYTHON="${PYTHON:-python3}"
# Honour CARGO_TARGET_DIR, as cargo does.
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
VENV="$TARGET/python-venv"
REQ="$REPO/tests/python/requirements.txt"

if [[ ! -x "$VENV/bin/python" ]]; then
  echo "== creating venv $VENV"
  "$PYTHON" -m venv "$VENV"
fi
# Reinstall only when requirements.txt changed since the last successful install.
STAMP="$VENV/.requirements.sha256"
WANT="$(sha256sum "$REQ" | cut -d' ' -f1)"
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

echo "== grpcio e2e against $MINWON_HUB_BIN"
# -p no:cacheprovider: no .pytest_cache in the source tree. pytest's summary line gives the
# pass/fail counts; its exit code is this script's.
exec "$VENV/bin/python" -m pytest -v -p no:cacheprovider "$REPO/tests/python/test_grpcio.py"
