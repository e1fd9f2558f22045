#!/usr/bin/env bash
# Installs what `pb report` (headless Chromium) and the notebook runner (nbconvert + nbclient) need.
# Idempotent: does nothing when every package is already installed.
set -euo pipefail
PACKAGES=(chromium fonts-dejavu-core jupyter-nbconvert python3-nbclient python3-jupyter-client)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-report-deps: all present (${PACKAGES[*]})"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-report-deps: installed ${missing[*]}"
