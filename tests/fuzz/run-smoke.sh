#!/usr/bin/env bash
# Fuzz smoke: builds the libFuzzer targets in a clang tree and runs each one
# briefly (FIXRING_FUZZ_SECONDS, default 20) through meson test, suite 'fuzz'.
#   tests/fuzz/run-smoke.sh [BUILD_DIR]      (default build-fuzz)
# The results land in BUILD_DIR/meson-logs/testlog.json, which
# tools/test_summary.py counts. Without clang++ (or libFuzzer) it writes a
# testlog.json holding one skipped entry and exits 0.
set -uo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-build-fuzz}
# A log left by an earlier run must not count if this one fails to build.
rm -f "$dir/meson-logs/testlog.json"

skip() {  # reason
  echo "fuzz smoke skipped: $1"
  mkdir -p "$dir/meson-logs"
  printf '{"name": "fuzz-smoke", "result": "SKIP", "stdout": "%s"}\n' "$1" >"$dir/meson-logs/testlog.json"
  exit 0
}

cxx=""
for c in clang++ clang++-14 clang++-15 clang++-16; do
  if command -v "$c" >/dev/null 2>&1; then cxx=$c; break; fi
done
[[ -n $cxx ]] || skip "clang++ is not installed"
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' >/tmp/fixring-fuzz-probe.$$.cpp
if ! "$cxx" -fsanitize=fuzzer,address,undefined /tmp/fixring-fuzz-probe.$$.cpp -o /tmp/fixring-fuzz-probe.$$ 2>/dev/null; then
  rm -f /tmp/fixring-fuzz-probe.$$*
  skip "$cxx cannot link -fsanitize=fuzzer (libclang-rt-dev missing)"
fi
rm -f /tmp/fixring-fuzz-probe.$$*

if [[ ! -f $dir/build.ninja ]]; then
  CXX=$cxx meson setup "$dir" --buildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false \
    -Dbenchmarks=disabled -Dquickfix_peer=disabled >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; exit 1; }
fi
targets=(tests/fuzz/fuzz_frame tests/fuzz/fuzz_validate tests/fuzz/fuzz_session tests/fuzz/fuzz_journal
         tests/fuzz/fuzz_settings tests/fuzz/fuzz_tzif)
echo "== fuzz: build (${dir})"
ninja -C "$dir" -j"$(nproc)" "${targets[@]}" >"$dir.build.log" 2>&1 || { tail -40 "$dir.build.log"; echo "== fuzz: BUILD FAILED"; exit 1; }
echo "== fuzz: run each target for ${FIXRING_FUZZ_SECONDS:-20} s"
# --no-rebuild: only the fuzz targets are built in this tree, not the suites.
meson test -C "$dir" --suite fuzz --no-rebuild --num-processes "$(nproc)" --print-errorlogs 2>&1 | grep -vE '^\s*$' | tail -n 40
