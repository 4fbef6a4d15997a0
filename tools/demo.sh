#!/usr/bin/env bash
# The README's main command: bash tools/demo.sh (from the repository root).
#
# On a Debian machine it installs whatever package is missing (tools/deps.sh),
# builds the three programs it needs in the release tree build/, then on
# 127.0.0.1 starts fixring-sim --app fill as the exchange (acceptor) and
# fixring-trader as the strategy (initiator), which logs on and trades orders
# closed-loop. Half way the trader forces a sequence gap inside the session:
# it skips 5 outbound MsgSeqNums (session core skip_outbound_sequence), the
# exchange sees the next order's MsgSeqNum too high and sends a ResendRequest,
# the trader's session answers with a SequenceReset-GapFill, and the queued
# order goes through, all without a re-logon. Then the trader logs out and
# prints the round-trip latency percentiles. The simulator is stopped with
# SIGTERM (it logs out cleanly) and both journals are listed and verified.
#
# Settings, logs and journals of each run stay in build/demo/<UTC timestamp>/.
# Environment: DEMO_ORDERS (default 20000), DEMO_GAP_AT (default half of it),
# DEMO_BUILD_DIR (default build: the release tree to build and run from).
# Exit status: 0 when every step worked; non-zero, with the reason, otherwise.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
orders=${DEMO_ORDERS:-20000}
gap_at=${DEMO_GAP_AT:-$((orders / 2))}
build=${DEMO_BUILD_DIR:-build}

step() { printf '\n== %s\n' "$*"; }
die() { printf '\ndemo: FAILED: %s\n' "$*" >&2; exit 1; }

step "dependencies"
# shellcheck source=tools/deps.sh
source tools/deps.sh
fixring_install_deps || die "could not install the packages tools/deps.sh lists"
echo "all packages present"

step "build (release tree $build/: fixring-sim, fixring-trader, fixjournal)"
if [[ ! -f $build/build.ninja ]]; then
  meson setup "$build" --buildtype=release >/dev/null || die "meson setup $build failed"
fi
sim=$build/tools/fixring-sim/fixring-sim
trader=$build/tools/fixring-trader/fixring-trader
fixjournal=$build/tools/fixjournal/fixjournal
jobs=$(nproc 2>/dev/null || echo 2)
ninja -C "$build" -j"$jobs" "${sim#"$build"/}" "${trader#"$build"/}" "${fixjournal#"$build"/}" >"$build/demo-build.log" 2>&1 \
  || { tail -40 "$build/demo-build.log" >&2; die "the build failed (full log: $build/demo-build.log)"; }
echo "built $sim, $trader, $fixjournal"

run=$root/$build/demo/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$run"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') \
  || die "no free 127.0.0.1 port"

# Both sides busy-poll their own core; a machine with one core cannot give
# each side a core, so there both run unpinned and sleep when idle.
cores=$(nproc 2>/dev/null || echo 1)
if ((cores >= 2)); then
  pin_sim=(taskset -c 1)
  pin_trader=(taskset -c 0)
  busy=Y
  placement="exchange (fixring-sim) pinned to core 1, trader (fixring-trader) pinned to core 0; both busy-poll, so the two cores are needed"
else
  pin_sim=()
  pin_trader=()
  busy=N
  placement="only $cores core available: both sides run unpinned and sleep when idle (latency figures are not representative)"
fi
command -v taskset >/dev/null || { pin_sim=(); pin_trader=(); placement="taskset not found: both sides run unpinned"; }

cat >"$run/exchange.cfg" <<CFG
[DEFAULT]
ConnectionType=acceptor
SocketAcceptAddress=127.0.0.1
SocketAcceptPort=$port
FileStorePath=$run/journals/exchange
UseDataDictionary=N
FixringBusyPoll=$busy
LogoutTimeout=5
[SESSION]
BeginString=FIX.4.4
SenderCompID=EXCHANGE
TargetCompID=TRADER
CFG
cat >"$run/trader.cfg" <<CFG
[DEFAULT]
ConnectionType=initiator
SocketConnectHost=127.0.0.1
SocketConnectPort=$port
HeartBtInt=30
FileStorePath=$run/journals/trader
UseDataDictionary=N
FixringBusyPoll=$busy
FixringReconnectInitialMs=100
FixringReconnectMaxMs=500
LogoutTimeout=5
[SESSION]
BeginString=FIX.4.4
SenderCompID=TRADER
TargetCompID=EXCHANGE
CFG

sim_pid=
cleanup() {
  if [[ -n $sim_pid ]] && kill -0 "$sim_pid" 2>/dev/null; then
    kill -TERM "$sim_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$sim_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$sim_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "run directory $run"
echo "loopback endpoint: 127.0.0.1:$port"
echo "CPU placement: $placement"
if [[ -r /proc/loadavg ]]; then
  read -r load _ </proc/loadavg
  echo "load average (1 min): $load on $cores core(s); other work on these cores shows up in the latency tail"
fi

step "exchange: fixring-sim --app fill (acceptor)"
"${pin_sim[@]}" "$sim" --config "$run/exchange.cfg" --app fill --max-seconds 120 >"$run/exchange.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 100); do
  grep -q configured "$run/exchange.log" 2>/dev/null && break
  kill -0 "$sim_pid" 2>/dev/null || { cat "$run/exchange.log" >&2; die "fixring-sim exited at start"; }
  sleep 0.1
done
grep -q configured "$run/exchange.log" || { cat "$run/exchange.log" >&2; die "fixring-sim did not start within 10 s"; }
sed 's/^/  exchange | /' "$run/exchange.log"

step "trader: fixring-trader --orders $orders --gap-at $gap_at (initiator): logon, traffic, a forced gap at order $gap_at and its recovery, logout"
set +e
timeout 70 "${pin_trader[@]}" "$trader" --config "$run/trader.cfg" --orders "$orders" --gap-at "$gap_at" \
  --json "$run/latency.json" --max-seconds 50 2>&1 | tee "$run/trader.log" | sed 's/^/  trader   | /'
trader_status=${PIPESTATUS[0]}
set -e
((trader_status == 0)) || die "fixring-trader exited with status $trader_status (log: $run/trader.log, exchange: $run/exchange.log)"

step "exchange: SIGTERM (it logs out any session still logged on, then exits 0)"
lines_before=$(wc -l <"$run/exchange.log")
kill -TERM "$sim_pid"
for _ in $(seq 1 100); do kill -0 "$sim_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$sim_pid" 2>/dev/null && die "fixring-sim did not exit within 10 s of SIGTERM (log: $run/exchange.log)"
set +e
wait "$sim_pid"
sim_status=$?
set -e
sim_pid=
tail -n +"$((lines_before + 1))" "$run/exchange.log" | sed 's/^/  exchange | /'
((sim_status == 0)) || die "fixring-sim exited with status $sim_status (log: $run/exchange.log)"

step "the gap and its recovery, from both sides"
grep -E 'forced gap|resend request|gap fill|gap recovered' "$run/trader.log" | sed 's/^/  trader   | /' || true
grep -E 'resend request|sequence reset|gap detected' "$run/exchange.log" | sed 's/^/  exchange | /' || true
grep -q 'gap recovered' "$run/trader.log" || die "the forced gap was not recovered by ResendRequest + GapFill (log: $run/trader.log)"
"$fixjournal" dump --type 2 --type 4 "$run/journals/trader" | sed 's/^/  trader journal   | /' || true
"$fixjournal" dump --type 2 --type 4 "$run/journals/exchange" | sed 's/^/  exchange journal | /' || true

step "the exchange's view of the session lifecycle (from its log)"
grep -E 'logon|logout|resend|sequence reset|gap' "$run/exchange.log" | sed 's/^/  exchange | /' || true

step "latency summary (NewOrderSingle sent -> fill received, CLOCK_MONOTONIC, exact percentiles of all samples)"
grep -E '^round trip|orders filled,' "$run/trader.log" | sed 's/^/  /'
echo "  json: $run/latency.json"

step "journals: fixjournal ls"
"$fixjournal" ls "$run/journals/exchange" "$run/journals/trader" | sed 's/^/  /' \
  || die "fixjournal ls failed"

step "journals: fixjournal verify"
for side in exchange trader; do
  set +e
  out=$("$fixjournal" verify "$run/journals/$side" 2>&1)
  status=$?
  set -e
  printf '%s\n' "$out" | sed "s/^/  $side: /"
  ((status == 0)) || die "fixjournal verify found a fault in $run/journals/$side"
done

step "done"
echo "  journals:  $run/journals/exchange  (acceptor EXCHANGE->TRADER)"
echo "             $run/journals/trader    (initiator TRADER->EXCHANGE)"
echo "  logs:      $run/exchange.log  $run/trader.log"
echo "  disk:      $(du -sh "$run" | cut -f1) in $run (journal segments are preallocated; rm -rf $build/demo to reclaim)"
echo "  inspect:   $fixjournal dump $run/journals/trader | less"
echo "             $fixjournal stats $run/journals/exchange"
