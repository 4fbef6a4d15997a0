#!/usr/bin/env bash
# Runs one libFuzzer target briefly over freshly generated seeds; meson test
# calls it for each target of suite 'fuzz' (tests/fuzz/meson.build).
#   run-target.sh BINARY NAME WORK_DIR
# FIXRING_FUZZ_SECONDS (default 20) bounds the run. New inputs the fuzzer finds
# stay in WORK_DIR/corpus/NAME for the next run; a crash is written to
# WORK_DIR/artifacts/NAME-crash-<sha1> and fails the test.
set -euo pipefail
bin=$1 name=$2 work=$3
here=${FIXRING_FUZZ_SOURCE:-$(cd "$(dirname "$0")" && pwd)}
seconds=${FIXRING_FUZZ_SECONDS:-20}
seeds=$work/seeds/$name
corpus=$work/corpus/$name
artifacts=$work/artifacts
rm -rf "$seeds"
mkdir -p "$seeds" "$corpus" "$artifacts"
python3 "$here/make_seeds.py" "$name" "$seeds"
# libFuzzer's own failure exit code is 77, which meson reads as "skipped":
# a crash must fail the test, so failures exit 1.
exec "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=30 -max_len=8192 -error_exitcode=1 \
  -print_final_stats=1 -artifact_prefix="$artifacts/$name-" "$corpus" "$seeds"
