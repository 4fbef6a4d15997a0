#!/bin/bash
# Proves the QuickFIX peers against each other, so that a failing fixring
# interop test points at fixring, not at its peer. A qf-peer acceptor (echo)
# serves three qf-peer initiator runs over loopback:
#   1. logon, 1000 NewOrderSingles all filled, logout;
#   2. a restart: the initiator logs on with the sequence numbers its FileStore kept;
#   3. a forced gap: the initiator's stored next sender number is raised by 5, so
#      the acceptor asks for a resend and the initiator gap-fills it.
# Usage: qf_peer_test.sh PATH/TO/qf-peer
set -euo pipefail

peer=$1
work=$(mktemp -d /tmp/qf-peer-test-XXXXXX)
acceptor_pid=
cleanup() {
  if [[ -n $acceptor_pid ]]; then kill "$acceptor_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  show_outputs
  exit 1
}
source "$(dirname "$0")/lib.sh"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cat > "$work/acceptor.cfg" <<EOF
[DEFAULT]
ConnectionType=acceptor
SocketAcceptPort=$port
FileStorePath=$work/acceptor-store
StartTime=00:00:00
EndTime=00:00:00
HeartBtInt=30
UseDataDictionary=N

[SESSION]
BeginString=FIX.4.4
SenderCompID=BROKER1
TargetCompID=CLIENT1
EOF

cat > "$work/initiator.cfg" <<EOF
[DEFAULT]
ConnectionType=initiator
SocketConnectHost=127.0.0.1
SocketConnectPort=$port
FileStorePath=$work/initiator-store
StartTime=00:00:00
EndTime=00:00:00
HeartBtInt=30
ReconnectInterval=1
UseDataDictionary=N

[SESSION]
BeginString=FIX.4.4
SenderCompID=CLIENT1
TargetCompID=BROKER1
EOF

"$peer" --max-seconds 90 "$work/acceptor.cfg" echo > "$work/acceptor.out" 2> "$work/acceptor.err" &
acceptor_pid=$!

# Start the initiator only once the acceptor listens: an early connection would
# be dropped and the retry would log on with sequence number 2, not 1.
port_state_within_10s "$port" listening || fail "the acceptor did not listen on port $port"

# 1. logon, 1000 orders, logout
"$peer" --max-seconds 30 "$work/initiator.cfg" orders 1000 > "$work/run1.out" 2> "$work/run1.err" ||
  fail "the first initiator run did not get its 1000 ExecutionReports"
grep -q '^logon FIX.4.4:CLIENT1->BROKER1 next_sender_seq=2 ' "$work/run1.out" || fail "run 1: no fresh logon"
grep -q '^orders complete 1000$' "$work/run1.out" || fail "run 1: orders not complete"
grep -q '^logout FIX.4.4:CLIENT1->BROKER1$' "$work/run1.out" || fail "run 1: no logout"

# 2. restart: Logon 1 + 1000 orders + Logout 1002 were sent, so the next Logon is
# 1003 and the sender number after it at least 1004.
"$peer" --max-seconds 30 "$work/initiator.cfg" orders 10 > "$work/run2.out" 2> "$work/run2.err" ||
  fail "the restarted initiator did not get its 10 ExecutionReports"
next=$(sed -n 's/^logon FIX.4.4:CLIENT1->BROKER1 next_sender_seq=\([0-9]*\) .*/\1/p' "$work/run2.out")
[[ -n $next && $next -ge 1004 ]] || fail "run 2: sequence numbers did not persist (next_sender_seq=$next)"
grep -q '^resend-request' "$work/run2.out" && fail "run 2: a resend without a gap"

# 3. forced gap: raise the initiator's stored next sender number by 5.
seqnums=$(ls "$work"/initiator-store/*.seqnums)
python3 - "$seqnums" <<'EOF'
import sys
path = sys.argv[1]
sender, target = (int(x) for x in open(path).read().split(":"))
open(path, "w").write("%010d : %010d" % (sender + 5, target))
EOF
"$peer" --max-seconds 30 "$work/initiator.cfg" orders 10 > "$work/run3.out" 2> "$work/run3.err" ||
  fail "the initiator with a gap did not get its 10 ExecutionReports"
grep -q '^resend-request received FIX.4.4:CLIENT1->BROKER1 ' "$work/run3.out" || fail "run 3: no ResendRequest received"
grep -q '^sequence-reset sent FIX.4.4:CLIENT1->BROKER1 .*gap_fill=Y$' "$work/run3.out" || fail "run 3: no gap fill sent"
grep -q '^orders complete 10$' "$work/run3.out" || fail "run 3: orders not complete after the gap"

kill -TERM "$acceptor_pid"
wait "$acceptor_pid" || fail "the acceptor did not exit cleanly on SIGTERM"
acceptor_pid=
[[ $(grep -c '^logon FIX.4.4:BROKER1->CLIENT1 ' "$work/acceptor.out") -eq 3 ]] || fail "acceptor: not 3 logons"
[[ $(grep -c '^logout FIX.4.4:BROKER1->CLIENT1$' "$work/acceptor.out") -eq 3 ]] || fail "acceptor: not 3 logouts"
grep -q '^resend-request sent FIX.4.4:BROKER1->CLIENT1 ' "$work/acceptor.out" || fail "acceptor: sent no ResendRequest"
grep -q '^sequence-reset received FIX.4.4:BROKER1->CLIENT1 .*gap_fill=Y$' "$work/acceptor.out" ||
  fail "acceptor: received no gap fill"
echo "ok: 1000 orders, restart with persisted sequence numbers, gap healed"
