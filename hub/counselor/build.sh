#!/usr/bin/env bash
# Rebuilds the counselor screen's committed assets in hub/counselor/dist/ (embedded in the hub
# binary by hub/src/counselor.rs): type-checks src/ with the TypeScript client's compiler,
# bundles src/main.ts with the client (clients/typescript/src) by esbuild, copies the page and
# the styles. Installs the client's npm dependencies (npm ci) when they are missing.
# Run after changing hub/counselor/src or clients/typescript, then rebuild the hub.
# OUT: where to write (default hub/counselor/dist; CI builds elsewhere to compare).
set -euo pipefail
cd "$(dirname "$0")"
HERE="$(pwd)"
OUT="${OUT:-$HERE/dist}"
CLIENT="$HERE/../../clients/typescript"
if [[ ! -x "$CLIENT/node_modules/.bin/esbuild" ]]; then
  (cd "$CLIENT" && npm ci --no-audit --no-fund)
fi
"$CLIENT/node_modules/.bin/tsc" -p "$HERE/tsconfig.json"
mkdir -p "$OUT"
"$CLIENT/node_modules/.bin/esbuild" src/main.ts --bundle --format=esm --target=es2022 \
  --minify --legal-comments=none --charset=utf8 --outfile="$OUT/app.js" --log-level=warning
cp src/index.html "$OUT/index.html"
cp src/style.css "$OUT/app.css"
cp src/favicon.svg "$OUT/favicon.svg"
echo "counselor screen built: $(wc -c < "$OUT/app.js") bytes of JS in $OUT"
