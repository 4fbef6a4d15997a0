#!/usr/bin/env bash
# Installs the Debian packages fixring builds, tests and benchmarks with, when
# any is missing. Sourced by tools/test.sh and tools/demo.sh.
fixring_packages=(
  g++ meson ninja-build pkg-config cmake python3
  liburing-dev libssl-dev libpugixml-dev libmimalloc-dev libcli11-dev
  catch2 libbenchmark-dev libquickfix-dev tzdata
  clang-14 libclang-rt-14-dev  # libFuzzer, for the fuzz smoke (tests/fuzz)
)

fixring_install_deps() {
  local missing=()
  for p in "${fixring_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  echo "fixring: installing missing packages: ${missing[*]}"
  local sudo=()
  if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null || { echo "fixring: run as root or install: ${missing[*]}" >&2; return 1; }
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update -qq || { echo "fixring: apt-get update failed" >&2; return 1; }
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || { echo "fixring: apt-get install failed for: ${missing[*]}" >&2; return 1; }
}
