#!/bin/sh
# Starts fixring-sim --app fill as the acceptor on a free 127.0.0.1 port with
# the sessions fixring-netfuzz expects (GOOD, FZ1, FZPRE, GAPQ, GAPB, GAPL,
# SILENT), runs
# the fuzzer against it, then stops the simulator with SIGTERM and checks that
# it exits 0. The simulator is killed on any exit of this script.
# Usage: run_netfuzz.sh FIXRING_SIM FIXRING_NETFUZZ [MESSAGES] [SEED] [DICTIONARY] [ANON_LIMIT_MB]
#                       [MAX_PENDING] [PENDING_TIMEOUT_MS]
#   DICTIONARY  a FIX.4.4 DataDictionary file: the acceptor validates with it
#               (UseDataDictionary=Y); "-" or absent: UseDataDictionary=N. A
#               dictionary that does not exist skips the run (77).
#   ANON_LIMIT_MB  bound on the acceptor's RssAnon (default 64; sanitizer
#               builds need more for their shadow memory).
#   MAX_PENDING, PENDING_TIMEOUT_MS  FixringMaxPendingConnections and
#               FixringPendingTimeoutMs; "-" or absent: the defaults (64, 10000).
# Exit: the fuzzer's status, or 1 when the simulator did not start or stop cleanly.
set -u
. "$(dirname "$0")/../../tools/fixring-sim/sim_process.sh"
sim="$1"
fuzz="$2"
messages="${3:-100000}"
seed="${4:-1}"
dictionary="${5:--}"
anon_limit="${6:-64}"
max_pending="${7:--}"
pending_timeout="${8:--}"
if [ "$dictionary" != "-" ] && [ ! -f "$dictionary" ]; then
  echo "no dictionary at $dictionary: skipped"
  exit 77
fi
work=$(mktemp -d)
pid=""
fuzz_pid=""
cleanup() {
  if [ -n "$fuzz_pid" ] && kill -0 "$fuzz_pid" 2>/dev/null; then kill -KILL "$fuzz_pid" 2>/dev/null; fi
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
gap_limit=20
gap_bytes=8192
# Every fuzzer connection comes from 127.0.0.1: the per-address limit is
# lifted so that the held connections measure the shared limits.
pending_keys="FixringMaxPendingPerAddress=65535"
if [ "$max_pending" != "-" ]; then pending_keys="$pending_keys
FixringMaxPendingConnections=$max_pending"; else max_pending=64; fi
if [ "$pending_timeout" != "-" ]; then
  pending_keys="$pending_keys
FixringPendingTimeoutMs=$pending_timeout"
else
  pending_timeout=10000
fi
if [ "$dictionary" = "-" ]; then
  dictionary_keys="UseDataDictionary=N"
  validating=""
else
  dictionary_keys="UseDataDictionary=Y
DataDictionary=$dictionary"
  validating="--validating"
fi
cat > "$work/acceptor.cfg" <<CFG
[DEFAULT]
ConnectionType=acceptor
SenderCompID=FUZZACC
SocketAcceptAddress=127.0.0.1
SocketAcceptPort=$port
FileStorePath=$work/store
ResetOnLogon=Y
$dictionary_keys
$pending_keys

[SESSION]
BeginString=FIX.4.4
TargetCompID=GOOD

[SESSION]
BeginString=FIX.4.4
TargetCompID=FZ1

[SESSION]
BeginString=FIX.4.4
TargetCompID=FZPRE

[SESSION]
BeginString=FIX.4.4
TargetCompID=GAPQ
FixringMaxQueuedMessages=$gap_limit

[SESSION]
BeginString=FIX.4.4
TargetCompID=GAPB
FixringMaxQueuedBytes=$gap_bytes

[SESSION]
BeginString=FIX.4.4
TargetCompID=GAPL
FixringMaxQueuedMessages=$gap_limit
FixringQueueFull=logout

[SESSION]
BeginString=FIX.4.4
TargetCompID=SILENT
CFG
sim_start "$sim" "$work/acceptor.cfg" fill "$work/sim.log" || exit 1
# max_connections (64) and FixringMaxMessageBytes (65536) are the defaults of
# engine_options (engine.hpp) and session_settings (settings.hpp). The fuzzer
# runs in the background so that a signal to this script runs the cleanup at once.
"$fuzz" --port "$port" --pid "$pid" --seed "$seed" --messages "$messages" \
  --max-pending "$max_pending" --max-connections 64 --pending-timeout-ms "$pending_timeout" \
  --max-message-bytes 65536 --gap-queue-limit "$gap_limit" --gap-queue-bytes "$gap_bytes" \
  --rss-limit-mb "${NETFUZZ_RSS_LIMIT_MB:-512}" --anon-limit-mb "$anon_limit" $validating &
fuzz_pid=$!
wait "$fuzz_pid"
status=$?
fuzz_pid=""
sim_stop "$work/sim.log" || { [ "$status" = 0 ] && status=1; }
# A sanitizer report from the acceptor fails the run even when it kept going.
if grep -q -e "runtime error" -e "Sanitizer" "$work/sim.log"; then
  echo "fixring-sim reported a sanitizer error:"
  grep -A20 -e "runtime error" -e "Sanitizer" "$work/sim.log" | head -60
  status=1
fi
if [ -n "${NETFUZZ_SIM_LOG:-}" ]; then cp "$work/sim.log" "$NETFUZZ_SIM_LOG"; fi
exit "$status"
