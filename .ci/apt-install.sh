#!/usr/bin/env bash
# apt_install NAME PACKAGE...: installs the Debian packages that are missing (one `apt-get update` only when
# something is), and says which. Sourced by the .ci/install-*.sh scripts, so each keeps only its package list.
apt_install() {
  local name=$1 p
  shift
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    echo "${name}: all present ($*)"
    return 0
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  echo "${name}: installed ${missing[*]}"
}
