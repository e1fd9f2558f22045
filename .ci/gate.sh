#!/usr/bin/env bash
# CI benchmark gate: runs the CI suite and compares it with the committed baseline.
# Exit 0 pass, 1 regression (or failed runs), 2 usage error. Called by .ci/run when present.
set -uo pipefail
cd "$(dirname "$0")/.."
DENO="${DENO:-npx -y deno@2.9.6}"
out="$(mktemp -d)/ci"
$DENO task pb run experiments/ci.json --out "$out" --quiet || exit 1
$DENO task pb gate --baseline benchmarks/baselines/ci.json --current "$out" --rules experiments/ci.rules.json
