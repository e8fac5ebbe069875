#!/usr/bin/env bash
# Side-by-side: `ovfpipe lint` (one process, --format json --descriptor-only) against
# the DMTF envelope XSD (xmllint --schema, offline through the corpus catalog) on
# every OVF descriptor of ../shared/corpus. Prints agreement counts and each
# disagreement with its reviewed reason (bench/xsd-agreement-reasons.yaml);
# unexplained ones are printed as such (exit 1), with lines ready to review.
# Usage: bench/xsd-agreement.sh [--corpus DIR] [--reasons FILE] [--markdown docs/xsd-agreement.md]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
echo "== building dist/" >&2
(cd "$ROOT" && npx tsc -p . >/dev/null) || echo "note: tsc reported type errors; using what it emitted" >&2
exec node "$ROOT/bench/xsd-agreement.mjs" "$@"
