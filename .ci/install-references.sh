#!/usr/bin/env bash
# Installs the reference libraries that `pb bench --references` and the reference variants run in the same job as
# ours: SciPy, scikit-learn and fastcluster from Debian, for Debian's /usr/bin/python3 (the drivers in
# benchmarks/references/ prefer that interpreter). Idempotent: does nothing when every package is installed.
set -euo pipefail
PACKAGES=(python3-numpy python3-scipy python3-sklearn python3-fastcluster)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-references: all present (${PACKAGES[*]})"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-references: installed ${missing[*]}"
