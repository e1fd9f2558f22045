#!/usr/bin/env bash
# Installs a software Vulkan driver (Mesa lavapipe) so that WebGPU in Deno finds an adapter ("llvmpipe",
# a fallback adapter) and the ort-web:webgpu backend can be tested without a GPU. On a machine with a real GPU
# the vendor's Vulkan driver is picked first; lavapipe stays a fallback. Idempotent.
set -euo pipefail
PACKAGES=(mesa-vulkan-drivers libvulkan1)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-gpu: all present (${PACKAGES[*]})"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-gpu: installed ${missing[*]}"
