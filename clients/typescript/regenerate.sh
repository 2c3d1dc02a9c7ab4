#!/usr/bin/env bash
# After a change to proto/ (or to the client's helpers, or to hub/counselor/src): regenerates
# the client's code from proto/ into src/gen, type-checks and builds the package, and rebuilds
# the counselor screen's committed assets (hub/counselor/dist). Commit what changed, then
# rebuild the hub (it embeds the screen).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --prefer-offline
npm run generate
npm run build
../../hub/counselor/build.sh
git -C ../.. status --short -- clients/typescript/src hub/counselor/dist
