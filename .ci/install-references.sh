#!/usr/bin/env bash
# Installs the reference libraries that `pb bench --references` and the reference variants run in the same job as
# ours: SciPy, scikit-learn and fastcluster from Debian, for Debian's /usr/bin/python3 (the drivers in
# benchmarks/references/ prefer that interpreter). Idempotent: does nothing when every package is installed.
set -euo pipefail
source "$(dirname "$0")/apt-install.sh"
apt_install install-references python3-numpy python3-scipy python3-sklearn python3-fastcluster
