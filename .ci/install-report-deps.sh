#!/usr/bin/env bash
# Installs what `pb report` (headless Chromium) and the notebook runner (nbconvert + nbclient) need.
# Idempotent: does nothing when every package is already installed.
set -euo pipefail
source "$(dirname "$0")/apt-install.sh"
apt_install install-report-deps chromium fonts-dejavu-core jupyter-nbconvert python3-nbclient python3-jupyter-client
