#!/usr/bin/env bash
# CI for the TypeScript client: installs the locked npm dependencies (npm ci; npm's own cache
# in ~/.npm makes repeat runs offline), checks that the committed generated code (src/gen) and
# the counselor screen's committed assets (hub/counselor/dist) match their sources, builds the
# package and runs its tests (Node's test runner) against the real demo hub.
# Exit code: 0 when everything passed, non-zero otherwise.
#
# Environment:
#   MINWON_HUB_BIN  hub binary to test (default: $CARGO_TARGET_DIR or target/, debug/minwon-hub)
set -euo pipefail
cd "$(dirname "$0")"
HERE="$(pwd)"
REPO="$(cd ../.. && pwd)"
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
export MINWON_HUB_BIN="${MINWON_HUB_BIN:-$TARGET/debug/minwon-hub}"

echo "== npm ci (clients/typescript)"
npm ci --no-audit --no-fund --prefer-offline

FRESH="$(mktemp -d)"
trap 'rm -rf "$FRESH"' EXIT
echo "== generated code matches proto/ (else run clients/typescript/regenerate.sh)"
npx buf generate ../../proto --template buf.gen.yaml -o "$FRESH"
diff -r src/gen "$FRESH/src/gen"
echo "== counselor screen assets match hub/counselor/src (else run clients/typescript/regenerate.sh)"
OUT="$FRESH/counselor" "$REPO/hub/counselor/build.sh"
diff -r "$REPO/hub/counselor/dist" "$FRESH/counselor"

echo "== node --test against the demo ($MINWON_HUB_BIN)"
npm test
