#!/usr/bin/env bash
# Installs a software Vulkan driver (Mesa lavapipe) so that WebGPU in Deno finds an adapter ("llvmpipe",
# a fallback adapter) and the ort-web:webgpu backend can be tested without a GPU. On a machine with a real GPU
# the vendor's Vulkan driver is picked first; lavapipe stays a fallback. Idempotent.
set -euo pipefail
source "$(dirname "$0")/apt-install.sh"
apt_install install-gpu mesa-vulkan-drivers libvulkan1
