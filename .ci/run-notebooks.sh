#!/usr/bin/env bash
# Executes every notebook under notebooks/ headless with the repo-local Deno kernelspec
# (notebooks/kernels/deno) through Debian's jupyter-nbconvert + nbclient; fails on any cell error.
# Executed copies go to ${NOTEBOOK_OUT:-out/notebooks} (the committed notebooks are not rewritten).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT=${NOTEBOOK_OUT:-$ROOT/out/notebooks}
PYTHON=/usr/bin/python3 # Debian's python3 with python3-nbconvert/nbclient (not a pyenv one first on PATH)
if ! "$PYTHON" -c "import nbconvert, nbclient" 2>/dev/null; then
  echo "run-notebooks: nbconvert/nbclient missing for $PYTHON: run .ci/install-report-deps.sh" >&2
  exit 1
fi
if ! command -v deno >/dev/null 2>&1; then
  echo "run-notebooks: deno not on PATH (the kernelspec runs \`deno jupyter --kernel\`)" >&2
  exit 1
fi
# Only the repo-local kernelspec: no user or system kernels are consulted.
export JUPYTER_PATH="$ROOT/notebooks"
export JUPYTER_CONFIG_DIR="$OUT/.jupyter-config"
export JUPYTER_DATA_DIR="$OUT/.jupyter-data"
export JUPYTER_RUNTIME_DIR="$OUT/.jupyter-runtime"
export JUPYTER_PLATFORM_DIRS=1
export NO_COLOR=1
mkdir -p "$OUT" "$JUPYTER_RUNTIME_DIR"
status=0
shopt -s nullglob
notebooks=(notebooks/*.ipynb)
if [ "${#notebooks[@]}" -eq 0 ]; then
  echo "run-notebooks: no notebooks found" >&2
  exit 1
fi
for nb in "${notebooks[@]}"; do
  echo "run-notebooks: executing $nb"
  start=$(date +%s)
  if "$PYTHON" -m nbconvert --to notebook --execute \
    --ExecutePreprocessor.kernel_name=deno \
    --ExecutePreprocessor.timeout="${NOTEBOOK_CELL_TIMEOUT:-600}" \
    --output-dir "$OUT" "$nb"; then
    echo "run-notebooks: ok $nb ($(($(date +%s) - start)) s)"
  else
    echo "run-notebooks: FAILED $nb" >&2
    status=1
  fi
done
exit $status
