#!/bin/bash
# An idle session between a QuickFIX initiator (HeartBtInt=1) and a fixring
# acceptor: each side sends a TestRequest right after logon and must get a
# Heartbeat echoing its TestReqID; for about 3 s both send their periodic
# Heartbeats and neither times the other out; then QuickFIX logs out and
# fixring answers.
# Usage: heartbeat_test.sh BEGINSTRING QF_PEER FIXRING_PEER
set -euo pipefail

begin=$1 qf_peer=$2 fr_peer=$3
work=$(mktemp -d /tmp/fixring-heartbeat-XXXXXX)
fr_pid=
cleanup() {
  if [[ -n $fr_pid ]]; then kill -KILL "$fr_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL ($begin): $*" >&2
  show_outputs
  exit 1
}
source "$(dirname "$0")/lib.sh"

port=$(free_port_below_ephemeral)
[[ -n $port ]] || fail "no free port below the ephemeral range"

cat > "$work/fixring.cfg" <<EOF
[DEFAULT]
ConnectionType=acceptor
SocketAcceptAddress=127.0.0.1
SocketAcceptPort=$port
FileStorePath=$work/fixring-journal
UseDataDictionary=Y
[SESSION]
BeginString=$begin
SenderCompID=FIXRING
TargetCompID=QFPEER
EOF
cat > "$work/qf.cfg" <<EOF
[DEFAULT]
ConnectionType=initiator
SocketConnectHost=127.0.0.1
SocketConnectPort=$port
ReconnectInterval=1
FileStorePath=$work/qf-store
StartTime=00:00:00
EndTime=00:00:00
HeartBtInt=1
UseDataDictionary=N
SocketNodelay=Y
[SESSION]
BeginString=$begin
SenderCompID=QFPEER
TargetCompID=FIXRING
EOF

"$fr_peer" --config "$work/fixring.cfg" --test-request FR-PING --max-seconds 30 > "$work/fixring.out" 2> "$work/fixring.err" &
fr_pid=$!
port_state_within_10s "$port" listening || fail "fixring did not listen on port $port"

# echo mode on an initiator: stays logged on, idle, until --max-seconds, then logs out.
"$qf_peer" --max-seconds 3.5 --test-request QF-PING "$work/qf.cfg" echo > "$work/qf.out" 2> "$work/qf.err" ||
  fail "qf-peer failed"
for _ in $(seq 500); do grep -q "^status .* logged_out " "$work/fixring.out" && break; sleep 0.01; done
kill -TERM "$fr_pid"
rc=0
wait "$fr_pid" || rc=$?
fr_pid=
expect_eq "fixring acceptor exit on SIGTERM" "$rc" 0

name="$begin:QFPEER->FIXRING"
grep -q "^test-request sent $name test_req_id=QF-PING$" "$work/qf.out" || fail "QuickFIX sent no TestRequest"
grep -q "^heartbeat received $name test_req_id=QF-PING$" "$work/qf.out" ||
  fail "fixring did not answer QuickFIX's TestRequest with a Heartbeat carrying its TestReqID"
grep -q "^test-request received $name test_req_id=FR-PING$" "$work/qf.out" || fail "QuickFIX got no TestRequest"
grep -q "^heartbeat sent $name test_req_id=FR-PING$" "$work/qf.out" ||
  fail "QuickFIX did not answer fixring's TestRequest with a Heartbeat carrying its TestReqID"
grep -q "^test-request sent FR-PING$" "$work/fixring.out" || fail "fixring did not send its TestRequest"
# About 3 s idle at HeartBtInt=1: at least two periodic Heartbeats each way.
expect_ge "periodic Heartbeats fixring sent" "$(grep -c "^heartbeat received $name test_req_id=\$" "$work/qf.out")" 2
expect_ge "periodic Heartbeats QuickFIX sent" "$(grep -c "^heartbeat sent $name test_req_id=\$" "$work/qf.out")" 2
expect_ge "fixring: Heartbeats received" "$(kv "$work/fixring.out" '^summary ' heartbeats_received)" 3
expect_ge "fixring: TestRequests received" "$(kv "$work/fixring.out" '^summary ' test_requests_received)" 1
expect_eq "fixring: logons (no timeout, no reconnect)" "$(kv "$work/fixring.out" '^summary ' logons)" 1
expect_eq "fixring: session errors" "$(kv "$work/fixring.out" '^summary ' session_errors)" 0
expect_eq "fixring: Rejects sent/received" \
  "$(kv "$work/fixring.out" '^summary ' rejects_sent)/$(kv "$work/fixring.out" '^summary ' rejects_received)" 0/0
expect_eq "fixring: Logout answered" \
  "$(kv "$work/fixring.out" '^summary ' logouts_received)/$(kv "$work/fixring.out" '^summary ' logouts_sent)" 1/1
grep -q '^reject ' "$work/qf.out" && fail "QuickFIX sent or received a Reject"
[[ $(grep -c "^logon $name " "$work/qf.out") -eq 1 ]] || fail "QuickFIX logged on more than once"
grep -q "^logout-message received $name\$" "$work/qf.out" || fail "QuickFIX's Logout was not answered"
echo "ok ($begin): TestRequests answered both ways, Heartbeats every second, clean Logout"
