#!/bin/sh
# End-to-end check of the embedding example: fixring-sim --app fill as the
# exchange on a free 127.0.0.1 port, example-strategy sending three orders;
# passes when every order is filled and the simulator exits 0 on SIGTERM.
# Usage: run_example.sh FIXRING_SIM EXAMPLE_STRATEGY
set -u
sim="$1"
strategy="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/exchange.cfg" <<CFG
[DEFAULT]
ConnectionType=acceptor
SocketAcceptAddress=127.0.0.1
SocketAcceptPort=$port
FileStorePath=$work/exchange
UseDataDictionary=N
[SESSION]
BeginString=FIX.4.4
SenderCompID=EXCHANGE
TargetCompID=STRATEGY
CFG
cat > "$work/strategy.cfg" <<CFG
[DEFAULT]
ConnectionType=initiator
SocketConnectHost=127.0.0.1
SocketConnectPort=$port
HeartBtInt=30
FileStorePath=$work/strategy
UseDataDictionary=N
[SESSION]
BeginString=FIX.4.4
SenderCompID=STRATEGY
TargetCompID=EXCHANGE
CFG
"$sim" --config "$work/exchange.cfg" --app fill > "$work/sim.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  grep -q configured "$work/sim.log" 2>/dev/null && break
  sleep 0.1
done
timeout 30 "$strategy" --config "$work/strategy.cfg" --orders 3 > "$work/strategy.log" 2>&1
strategy_status=$?
kill -TERM "$pid"
wait "$pid"
sim_status=$?
cat "$work/strategy.log"
cat "$work/sim.log"
[ "$strategy_status" = 0 ] || { echo "example-strategy exited with $strategy_status"; exit 1; }
[ "$sim_status" = 0 ] || { echo "fixring-sim exited with $sim_status"; exit 1; }
grep -q "3 of 3 orders filled" "$work/strategy.log" || { echo "not every order was filled"; exit 1; }
grep -q "EXCHANGE->STRATEGY logon" "$work/sim.log" || { echo "the simulator printed no logon"; exit 1; }
exit 0
