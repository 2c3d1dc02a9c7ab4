#!/usr/bin/env bash
# Rebuilds the counselor screen's committed assets in hub/counselor/dist/ (embedded in the hub
# binary by hub/src/counselor.rs): type-checks src/ with the TypeScript client's compiler,
# bundles src/main.ts with the client (clients/typescript/src) by esbuild, copies the page and
# the styles. Installs the client's npm dependencies (npm ci) when they are missing.
# Run after changing hub/counselor/src or clients/typescript, then rebuild the hub.
set -euo pipefail
cd "$(dirname "$0")"
HERE="$(pwd)"
CLIENT="$HERE/../../clients/typescript"
if [[ ! -x "$CLIENT/node_modules/.bin/esbuild" ]]; then
  (cd "$CLIENT" && npm ci --no-audit --no-fund)
fi
"$CLIENT/node_modules/.bin/tsc" -p "$HERE/tsconfig.json"
mkdir -p dist
"$CLIENT/node_modules/.bin/esbuild" src/main.ts --bundle --format=esm --target=es2022 \
  --minify --legal-comments=none --charset=utf8 --outfile=dist/app.js --log-level=warning
cp src/index.html dist/index.html
cp src/style.css dist/app.css
cp src/favicon.svg dist/favicon.svg
echo "counselor screen built: $(wc -c < dist/app.js) bytes of JS in $HERE/dist"
