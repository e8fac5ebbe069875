#!/usr/bin/env bash
# Linearity bench (issue #18, docs/linearity.md): lints descriptors whose
# pathological parts grow (long unit strings, 10k–100k Items, Files and
# Properties, long attribute values and text) and prints time and peak RSS
# against size; a step whose time per unit grows more than 2x is flagged
# and the script exits 1. Not a timed test. Local only; a few minutes at most.
# Usage: bench/linearity.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
test -f "$ROOT/dist/index.js" || (cd "$ROOT" && npm run build >/dev/null)
echo "== ovfpipe lint --descriptor-only, JSON output, one fresh node process per measurement ($(nproc) cores, node $(node --version))"
exec node "$ROOT/bench/linearity.mjs"
