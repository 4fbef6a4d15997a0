#!/usr/bin/env bash
# fixring's whole test suite, from a fresh Debian machine: installs what is
# missing, builds a release tree and an ASan+UBSan tree, runs every suite in
# both, and ends with one line "N passed, N failed".
#   tools/test.sh            everything
#   tools/test.sh --quick    release tree only
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source tools/deps.sh
fixring_install_deps || exit 1

quick=0
[[ ${1:-} == --quick ]] && quick=1
jobs=$(nproc)

configure() {  # dir, meson options...
  local dir=$1; shift
  if [[ -f $dir/build.ninja ]]; then
    meson configure "$dir" "$@" >/dev/null || return 1
  else
    meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
  fi
}

run_tree() {  # name, dir, meson options...
  local name=$1 dir=$2; shift 2
  echo "== $name: configure and build ($dir)"
  configure "$dir" "$@" || return 1
  ninja -C "$dir" -j"$jobs" >"$dir.build.log" 2>&1 || { tail -50 "$dir.build.log"; echo "== $name: BUILD FAILED"; return 1; }
  echo "== $name: test"
  meson test -C "$dir" --num-processes "$jobs" --print-errorlogs --timeout-multiplier "${TIMEOUT_MULTIPLIER:-1}" \
    2>&1 | grep -vE '^\s*$' | tail -n 60
  return 0
}

status=0
run_tree release build --buildtype=release || status=1
logs=(build/meson-logs/testlog.json)
if ((quick == 0)); then
  # Sanitizers slow the suites down; meson's timeouts are scaled for them.
  TIMEOUT_MULTIPLIER=4 run_tree asan+ubsan build-asan --buildtype=debug -Db_sanitize=address,undefined \
    -Db_lundef=false -Dbenchmarks=disabled || status=1
  logs+=(build-asan/meson-logs/testlog.json)
fi

# --- ThreadSanitizer: the code that crosses threads ---
# The SPSC ring's stress tests and the engine's producer-ring cases (another
# thread sending into the reactor) in a -Db_sanitize=thread tree; only those
# targets are built, so this costs a couple of minutes.
if ((quick == 0)); then
  echo "== tsan: configure and build (build-tsan)"
  if configure build-tsan --buildtype=debug -Db_sanitize=thread -Db_lundef=false -Dbenchmarks=disabled &&
     ninja -C build-tsan -j"$jobs" tests/reactor/spsc_ring_tests tests/engine/engine_socket_tests \
       >build-tsan.build.log 2>&1; then
    echo "== tsan: test"
    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" meson test -C build-tsan --no-rebuild \
      --print-errorlogs --timeout-multiplier 4 spsc_ring engine_sockets 2>&1 | grep -vE '^\s*$' | tail -n 30
    logs+=(build-tsan/meson-logs/testlog.json)
  else
    tail -50 build-tsan.build.log; echo "== tsan: BUILD FAILED"; status=1
  fi
fi
# --- end ThreadSanitizer ---

# --- fuzz smoke (tests/fuzz) ---
# Each libFuzzer target for FIXRING_FUZZ_SECONDS (default 20) in a clang tree;
# recorded as skipped when clang++ or libFuzzer is missing.
if ((quick == 0)); then
  tests/fuzz/run-smoke.sh build-fuzz || status=1
  logs+=(build-fuzz/meson-logs/testlog.json)
fi
# --- end fuzz smoke ---
python3 tools/test_summary.py "${logs[@]}" || status=1
exit $status
