#!/usr/bin/env bash
# CI benchmark gate: runs the CI suite (each run timed in pairs with the reference workload, A B A B …) and compares
# it with the committed baseline. Exit 0 pass, 1 regression (or failed runs), 2 usage error. Called by .ci/run.
# Refresh the baseline deliberately (3 sweeps of unchanged code: one for the baseline, two A/A for the noise band):
#   for k in 1 2 3; do deno task pb run experiments/ci.json --out out/ci-aa$k --quiet; done
#   deno task pb gate --baseline benchmarks/baselines/ci.json --current out/ci-aa1 --aa out/ci-aa2 --aa out/ci-aa3 \
#     --update-baseline
set -uo pipefail
cd "$(dirname "$0")/.."
DENO="${DENO:-npx -y deno@2.9.6}"
out="$(mktemp -d)/ci"
start=$SECONDS
$DENO task pb run experiments/ci.json --out "$out" --quiet || exit 1
$DENO task pb gate --baseline benchmarks/baselines/ci.json --current "$out" --rules experiments/ci.rules.json
rc=$?
echo "benchmark gate: $((SECONDS - start)) s (load $(cut -d' ' -f1-3 /proc/loadavg))"
exit $rc
