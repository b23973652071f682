#!/usr/bin/env bash
# Install the Debian packages slkv builds against, when any is missing. Sourced by
# quickstart.sh and test.sh; safe to run on its own.
set -euo pipefail

slkv_packages=(build-essential cmake ninja-build pkg-config git unzip python3 python3-pip python3-venv
  libopenblas-dev libhdf5-dev nlohmann-json3-dev libcli11-dev libpcre2-dev libxxhash-dev
  libgtest-dev libgmock-dev clang-format
  libdnnl-dev  # optional (SLKV_ONEDNN=AUTO): packed prefill weights
  libopenmpi-dev openmpi-bin)  # optional (SLKV_MPI=AUTO); 12.5 MB download, so CI runs the MPI tests

slkv_install_deps() {
  local missing=()
  for p in "${slkv_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "deps.sh: installing ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then slkv_install_deps; fi
