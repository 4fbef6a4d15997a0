#!/bin/bash
# fixring against QuickFIX/C++ over loopback, one direction per run:
#   a  fixring initiator (fixring-interop-peer) <-> QuickFIX acceptor (qf-peer echo)
#   b  QuickFIX initiator (qf-peer orders) <-> fixring acceptor (fixring-interop-peer)
# Each run, on one fixring journal and one QuickFIX FileStore throughout:
#   1. logon, 300 NewOrderSingles answered, with a gap forced on each side
#      (fixring: session::skip_outbound_sequence; QuickFIX: its next sender
#      MsgSeqNum raised) and healed by ResendRequest + SequenceReset-GapFill,
#      then Logout;
#   2. a clean restart of each side: the next logon continues the persisted
#      sequence numbers (no reset);
#   3. a crash of the fixring side (_Exit mid-stream) and a restart on its
#      journal: what it missed, and what it sent but the peer never got, is
#      resent (PossDup, ResendRequest), every order answered exactly once;
#   4. the same crash and restart of the QuickFIX side;
#   5. fixjournal verify, stats and dump over fixring's journal, checked
#      against what both peers printed.
# Both sides validate what they receive against a dictionary: fixring its
# built-in one; QuickFIX the QuickFIX-format FIXnn.xml in QF_SPEC_DIR when that
# is given (../shared/conformance/spec), else nothing. No Reject may be sent.
# Usage: fixring_interop_test.sh a|b BEGINSTRING QF_PEER FIXRING_PEER FIXJOURNAL [QF_SPEC_DIR]
# INTEROP_KEEP_WORK=1 keeps the work directory (journal, QuickFIX store and
# message log, every program's output) for a look afterwards.
set -euo pipefail

direction=$1 begin=$2 qf_peer=$3 fr_peer=$4 fixjournal=$5 qf_spec_dir=${6:-}
[[ $direction == a || $direction == b ]] || { echo "direction must be a or b" >&2; exit 2; }
work=$(mktemp -d /tmp/fixring-interop-XXXXXX)
# Background children not yet waited for (a reaped pid may belong to someone
# else by the time the trap runs, so it leaves this set when waited for).
declare -A live=()
cleanup() {
  for p in "${!live[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  if [[ -n ${INTEROP_KEEP_WORK:-} ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

fail() {
  echo "FAIL ($direction $begin): $*" >&2
  for f in "$work"/*.out "$work"/*.err; do
    [[ -s $f ]] || continue
    echo "--- $f (without the per-order lines)" >&2
    grep -Ev '^(sent|fill|order|report) ' "$f" >&2 || true
  done
  exit 1
}

source "$(dirname "$0")/lib.sh"
# asserts that the sorted word lists $2 and $3 are equal
same_ids() {
  diff <(echo "$2") <(echo "$3") > "$work/diff.txt" || fail "$1 ($(head -c 300 "$work/diff.txt" | tr '\n' ' '))"
}
wait_listen() { port_state_within_10s "$1" listening || fail "nothing listens on port $1"; }
# A fixring process that exited (crashed, above all) may hold its listening
# socket for some milliseconds more: the kernel tears its io_uring (which holds
# the socket) down asynchronously, and a successor's bind then fails with
# EADDRINUSE. A supervisor restarting fixring has to wait the same way.
wait_not_listening() {
  port_state_within_10s "$1" closed || fail "port $1 still listening 10 s after the acceptor exited"
}
# waits (at most 20 s) for a line matching REGEX in FILE
wait_line() {
  for _ in $(seq 2000); do grep -Eq "$2" "$1" 2>/dev/null && return 0; sleep 0.01; done
  fail "no line /$2/ in $1"
}

# waits (at most 20 s) for COUNT lines matching REGEX in FILE
wait_count() {
  for _ in $(seq 2000); do
    [[ $(grep -Ec "$2" "$1" 2>/dev/null || true) -ge $3 ]] && return 0
    sleep 0.01
  done
  fail "fewer than $3 lines /$2/ in $1"
}

# A GapFill over a forced gap: "sequence-reset <dir> NAME new_seq=N gap_fill=Y"
# in FILE with N from TO to TO + 2. It can run past TO because a resend
# gap-fills admin messages too: when the peer's own ResendRequest (or a
# Heartbeat) went out right after the skipped numbers, which depends on how
# far the orders were pipelined when each side saw its gap, the same GapFill
# covers it.
expect_gap_fill() {  # FILE sent|received NAME TO WHAT
  local n
  n=$(sed -n "s/^sequence-reset $2 $3 new_seq=\([0-9]*\) gap_fill=Y\$/\1/p" "$1" | head -1)
  [[ -n $n && $n -ge $4 && $n -le $(($4 + 2)) ]] || fail "$5: no GapFill to $4 (got '${n}')"
}

# "NEXT_OUT/NEXT_IN": the sequence numbers fixring run RUN printed on its last
# LINE (start, exit or crash) line.
seq_pair() {  # RUN LINE
  echo "$(kv "$work/$1.out" "^$2 " next_out)/$(kv "$work/$1.out" "^$2 " next_in)"
}

# Both gaps of run 1 healed, as QuickFIX's output QF_OUT shows: fixring's
# (SKIP_TO is its next MsgSeqNum after the 5 it skipped) asked for by QuickFIX
# and gap-filled; QuickFIX's (skipped after order 200) asked for by fixring
# and gap-filled.
expect_both_gaps_healed() {  # QF_OUT SKIP_TO
  local qf_out=$1 skip_to=$2 qf_skip_to
  grep -q "^resend-request sent $qf_name begin=$((skip_to - 5)) " "$qf_out" ||
    fail "QuickFIX did not ask for fixring's skipped MsgSeqNums $((skip_to - 5))..$((skip_to - 1))"
  expect_gap_fill "$qf_out" received "$qf_name" "$skip_to" "QuickFIX did not get fixring's GapFill"
  qf_skip_to=$(kv "$qf_out" '^skip 5 after 200 ' next_sender_seq)
  grep -q "^resend-request received $qf_name begin=$((qf_skip_to - 5)) " "$qf_out" ||
    fail "fixring did not ask for QuickFIX's skipped MsgSeqNums $((qf_skip_to - 5))..$((qf_skip_to - 1))"
  expect_gap_fill "$qf_out" sent "$qf_name" "$qf_skip_to" "QuickFIX sent no GapFill"
}

port=$(free_port_below_ephemeral)
[[ -n $port ]] || fail "no free port below the ephemeral range"
if [[ $direction == a ]]; then fr_role=initiator qf_role=acceptor; else fr_role=acceptor qf_role=initiator; fi

{
  echo "[DEFAULT]"
  echo "ConnectionType=$fr_role"
  if [[ $fr_role == initiator ]]; then
    echo "SocketConnectHost=127.0.0.1"
    echo "SocketConnectPort=$port"
    echo "FixringReconnectInitialMs=200"
    echo "FixringReconnectMaxMs=500"
  else
    echo "SocketAcceptAddress=127.0.0.1"
    echo "SocketAcceptPort=$port"
  fi
  echo "HeartBtInt=30"
  echo "FileStorePath=$work/fixring-journal"
  echo "UseDataDictionary=Y"
  echo "[SESSION]"
  echo "BeginString=$begin"
  echo "SenderCompID=FIXRING"
  echo "TargetCompID=QFPEER"
} > "$work/fixring.cfg"
{
  echo "[DEFAULT]"
  echo "ConnectionType=$qf_role"
  if [[ $qf_role == initiator ]]; then
    echo "SocketConnectHost=127.0.0.1"
    echo "SocketConnectPort=$port"
    echo "ReconnectInterval=1"
  else
    echo "SocketAcceptPort=$port"
  fi
  echo "FileStorePath=$work/qf-store"
  echo "FileLogPath=$work/qf-log"
  echo "SocketNodelay=Y"
  echo "StartTime=00:00:00"
  echo "EndTime=00:00:00"
  echo "HeartBtInt=30"
  if [[ -n $qf_spec_dir ]]; then
    echo "UseDataDictionary=Y"
    echo "DataDictionary=$qf_spec_dir/${begin//./}.xml"
  else
    echo "UseDataDictionary=N"
  fi
  echo "[SESSION]"
  echo "BeginString=$begin"
  echo "SenderCompID=QFPEER"
  echo "TargetCompID=FIXRING"
} > "$work/qf.cfg"

fr_name="$begin:FIXRING->QFPEER"
qf_name="$begin:QFPEER->FIXRING"
# The per-order lines of every run, checked at the end.
fr_runs=() qf_runs=()

# start_bg NAME CMD...: runs CMD in the background, output in $work/NAME.out/.err
start_bg() {
  local name=$1; shift
  "$@" > "$work/$name.out" 2> "$work/$name.err" &
  last_pid=$!
  live[$last_pid]=1
}
# wait_rc PID EXPECTED WHAT
wait_rc() {
  local rc=0
  wait "$1" || rc=$?
  unset "live[$1]"
  [[ $rc -eq $2 ]] || fail "$3 exited $rc, expected $2"
}

if [[ $direction == a ]]; then
  # ---- a: fixring initiator, QuickFIX acceptor ----
  start_bg qa1 "$qf_peer" --max-seconds 55 "$work/qf.cfg" echo --skip-after-order 200:5 --crash-on-order 750
  qa1=$last_pid
  qf_runs+=(qa1)
  wait_listen "$port"

  # 1. logon, 300 orders, a gap forced each way, logout.
  timeout 30 "$fr_peer" --config "$work/fixring.cfg" --orders 300 --first-id 1 --skip-before-order 100:5 \
    > "$work/r1.out" 2> "$work/r1.err" || fail "run 1 of fixring did not finish (exit $?)"
  fr_runs+=(r1)
  expect_eq "r1: fresh journal" "$(seq_pair r1 start)" "1/1"
  expect_eq "r1: fills" "$(kv "$work/r1.out" '^summary ' fills)" 300
  expect_eq "r1: clean logout" "$(kv "$work/r1.out" '^summary ' clean_logout)" Y
  # fixring's gap: QuickFIX asks from the first skipped number and is gap-filled
  # up to the number order 100 went out with. QuickFIX's gap: fixring asks from
  # the first skipped number, QuickFIX gap-fills.
  expect_both_gaps_healed "$work/qa1.out" "$(kv "$work/r1.out" '^skip 5 before 100 ' next_out)"
  expect_ge "r1: ResendRequests fixring sent" "$(kv "$work/r1.out" '^summary ' resend_requests_sent)" 1
  expect_ge "r1: SequenceResets fixring received" "$(kv "$work/r1.out" '^summary ' sequence_resets_received)" 1
  expect_ge "r1: ResendRequests fixring received" "$(kv "$work/r1.out" '^summary ' resend_requests_received)" 1
  expect_ge "r1: GapFills fixring sent" "$(kv "$work/r1.out" '^summary ' sequence_resets_sent)" 1
  wait_line "$work/qa1.out" "^logout $qf_name\$"

  # 2. fixring restarts on its journal (QuickFIX stays up), then crashes after
  # the fill of order 450 with up to 20 orders in flight.
  rc=0
  timeout 30 "$fr_peer" --config "$work/fixring.cfg" --orders 300 --first-id 301 --crash-after-fill 450 \
    > "$work/r2.out" 2> "$work/r2.err" || rc=$?
  fr_runs+=(r2)
  expect_eq "r2: exit code of the simulated crash" "$rc" 3
  expect_eq "r2: sequence numbers kept across the restart" "$(seq_pair r2 start)" "$(seq_pair r1 exit)"
  # QuickFIX logged the restarted fixring on without a reset: it expected
  # fixring's Logon at the number fixring's journal kept.
  expect_eq "QuickFIX's view of the restarted fixring's Logon" \
    "$(grep "^logon $qf_name " "$work/qa1.out" | sed -n 2p | sed 's/.*next_target_seq=//')" \
    "$(( $(kv "$work/r2.out" '^start ' next_out) + 1 ))"
  sent_r2=$(grep -c '^sent ' "$work/r2.out")
  filled_r2=$(grep -c '^fill ' "$work/r2.out")
  outstanding=$((sent_r2 - filled_r2))
  expect_ge "r2: orders in flight at the crash" "$outstanding" 1

  # 3. fixring restarts after the crash and must get the fills of the orders in
  # flight; QuickFIX then crashes on order 750 and restarts on its store.
  start_bg r3 "$fr_peer" --config "$work/fixring.cfg" --orders 300 --first-id 601 --await-fills "$outstanding" \
    --max-seconds 40
  r3=$last_pid
  fr_runs+=(r3)
  wait_rc "$qa1" 3 "QuickFIX acceptor (crash drill on order 750)"
  grep -q '^crash on order 750 ' "$work/qa1.out" || fail "QuickFIX did not crash on order 750"
  start_bg qa2 "$qf_peer" --max-seconds 40 "$work/qf.cfg" echo
  qa2=$last_pid
  qf_runs+=(qa2)
  wait_rc "$r3" 0 "fixring run 3 (after its crash, through QuickFIX's crash)"
  expect_eq "r3: sequence numbers kept across the crash" "$(seq_pair r3 start)" "$(seq_pair r2 crash)"
  expect_eq "r3: fills of run 2's orders in flight" "$(kv "$work/r3.out" '^summary ' foreign_fills)" "$outstanding"
  expect_eq "r3: logons (before and after QuickFIX's crash)" "$(kv "$work/r3.out" '^summary ' logons)" 2
  expect_eq "r3: clean logout" "$(kv "$work/r3.out" '^summary ' clean_logout)" Y
  # After fixring's crash, what was in flight came back by a resend one way or
  # the other: fixring asked for fills it missed, or QuickFIX asked for orders
  # it never got (which of the two depends on where the crash cut the stream).
  r3_rr_sent=$(kv "$work/r3.out" '^summary ' resend_requests_sent)
  r3_possdup=$(kv "$work/r3.out" '^summary ' possdup_fills)
  [[ $r3_rr_sent -ge 1 && $r3_possdup -ge 1 ]] || grep -q '^order [0-9]* possdup=Y' "$work/qa1.out" ||
    fail "r3: the orders in flight at fixring's crash came back without any resend"
  # QuickFIX's restart: it kept its numbers, asked fixring for everything from
  # order 750's MsgSeqNum (consumed only after fromApp, so never), and got it.
  crash_target=$(kv "$work/qa1.out" '^crash on order 750 ' next_target_seq)
  crash_sender=$(kv "$work/qa1.out" '^crash on order 750 ' next_sender_seq)
  # Its Logon answer went out at the persisted number, then the ResendRequest
  # (QuickFIX sends that before it calls onLogon).
  expect_eq "QuickFIX's sender MsgSeqNum after its restart" \
    "$(kv "$work/qa2.out" "^logon $qf_name " next_sender_seq)" "$((crash_sender + 2))"
  grep -q "^resend-request sent $qf_name begin=$crash_target " "$work/qa2.out" ||
    fail "the restarted QuickFIX did not ask for MsgSeqNum $crash_target onwards"
  expect_ge "r3: ResendRequests fixring answered" "$(kv "$work/r3.out" '^summary ' resend_requests_received)" 1
  expect_ge "r3: messages fixring resent" "$(kv "$work/r3.out" '^summary ' messages_resent)" 1
  grep -q '^order 750 possdup=Y$' "$work/qa2.out" || fail "order 750 did not come back to QuickFIX as a PossDup resend"
  wait_line "$work/qa2.out" "^logout $qf_name\$"
  # Clean Logouts: fixring's (runs 1 and 3) each answered by QuickFIX.
  for q in qa1 qa2; do
    expect_eq "$q: Logouts received" "$(grep -c "^logout-message received $qf_name\$" "$work/$q.out")" 1
    expect_eq "$q: Logouts sent" "$(grep -c "^logout-message sent $qf_name\$" "$work/$q.out")" 1
  done
  kill -TERM "$qa2"
  wait_rc "$qa2" 0 "QuickFIX acceptor on SIGTERM"

  # Every order sent was filled exactly once, and QuickFIX answered each once.
  sent_ids=$(for r in "${fr_runs[@]}"; do grep '^sent ' "$work/$r.out"; done | awk '{print $2}' | sort -n)
  fill_ids=$(for r in "${fr_runs[@]}"; do grep '^fill ' "$work/$r.out"; done | awk '{print $2}' | sort -n)
  answered=$(for r in "${qf_runs[@]}"; do grep '^order ' "$work/$r.out"; done | awk '{print $2}' | sort -n)
  same_ids "fixring's fills are not its orders, each once" "$sent_ids" "$fill_ids"
  same_ids "QuickFIX did not answer each of fixring's orders once" "$sent_ids" "$answered"
  for r in "${fr_runs[@]}"; do
    grep -Eq '^(duplicate|unknown)-fill ' "$work/$r.out" && fail "$r: a duplicate or unknown fill"
  done
  for r in "${qf_runs[@]}"; do grep -q '^reject ' "$work/$r.out" && fail "$r: QuickFIX sent or received a Reject"; done
  for r in "${fr_runs[@]}"; do
    grep -Eq '^summary .* rejects_(sent|received)=[1-9]' "$work/$r.out" && fail "$r: fixring sent or received a Reject"
  done
  expected_out=$(echo "$sent_ids" | wc -l)
  expected_in=$(echo "$fill_ids" | wc -l)
  out_type=D in_type=8
else
  # ---- b: QuickFIX initiator, fixring acceptor ----
  start_bg f1 "$fr_peer" --config "$work/fixring.cfg" --skip-after-order 100:5 --max-seconds 40
  f1=$last_pid
  fr_runs+=(f1)
  wait_listen "$port"

  # 1. logon, 300 orders, a gap forced each way, logout.
  timeout 30 "$qf_peer" --max-seconds 25 "$work/qf.cfg" orders 300 --first-id 1 --skip-after-order 200:5 \
    > "$work/q1.out" 2> "$work/q1.err" || fail "QuickFIX run 1 did not get its 300 fills (exit $?)"
  qf_runs+=(q1)
  grep -q "^logon $qf_name next_sender_seq=2 next_target_seq=2$" "$work/q1.out" || fail "q1: no fresh logon"
  expect_both_gaps_healed "$work/q1.out" "$(kv "$work/f1.out" '^skip 5 after 100 ' next_out)"
  grep -q "^logout $qf_name\$" "$work/q1.out" || fail "q1: no logout"
  wait_line "$work/f1.out" "^status $fr_name logged_out "

  # 2. fixring stops cleanly (SIGTERM) and restarts on its journal; QuickFIX
  # restarts on its store and sends 300 more; fixring crashes after answering
  # order 450, while QuickFIX's burst of orders is still coming in.
  kill -TERM "$f1"
  wait_rc "$f1" 0 "fixring acceptor on SIGTERM"
  expect_eq "f1: orders answered" "$(kv "$work/f1.out" '^summary ' orders)" 300
  expect_ge "f1: ResendRequests fixring sent" "$(kv "$work/f1.out" '^summary ' resend_requests_sent)" 1
  expect_ge "f1: GapFills fixring sent" "$(kv "$work/f1.out" '^summary ' sequence_resets_sent)" 1
  expect_eq "f1: QuickFIX's Logout answered" \
    "$(kv "$work/f1.out" '^summary ' logouts_received)/$(kv "$work/f1.out" '^summary ' logouts_sent)" 1/1
  wait_not_listening "$port"
  start_bg f2 "$fr_peer" --config "$work/fixring.cfg" --crash-after-order 450 --max-seconds 40
  f2=$last_pid
  fr_runs+=(f2)
  wait_listen "$port"
  expect_eq "f2: sequence numbers kept across the restart" "$(seq_pair f2 start)" "$(seq_pair f1 exit)"
  start_bg q2 "$qf_peer" --max-seconds 40 "$work/qf.cfg" orders 300 --first-id 301
  q2=$last_pid
  qf_runs+=(q2)
  wait_rc "$f2" 3 "fixring acceptor (crash drill after order 450)"
  expect_eq "QuickFIX's sender MsgSeqNum after its restart" \
    "$(grep "^logon $qf_name " "$work/q2.out" | head -1 | sed 's/.*next_sender_seq=\([0-9]*\).*/\1/')" \
    "$(( $(kv "$work/q1.out" '^exit ' next_sender_seq) + 1 ))"

  # 3. fixring restarts after the crash: it asks for the orders it never read.
  wait_not_listening "$port"
  start_bg f3 "$fr_peer" --config "$work/fixring.cfg" --max-seconds 45
  f3=$last_pid
  fr_runs+=(f3)
  wait_rc "$q2" 0 "QuickFIX run 2 (through fixring's crash)"
  expect_eq "f3: sequence numbers kept across the crash" "$(seq_pair f3 start)" "$(seq_pair f2 crash)"
  grep -q "^resend-request received $qf_name begin=$(kv "$work/f2.out" '^crash ' next_in) " "$work/q2.out" ||
    fail "the restarted fixring did not ask for MsgSeqNum $(kv "$work/f2.out" '^crash ' next_in) onwards"
  grep -q '^order 451 possdup=Y$' "$work/f3.out" || fail "order 451 did not come back to fixring as a PossDup resend"

  # 4. QuickFIX crashes on the first report of order 750 and restarts on its
  # store: it asks fixring for everything from that report on.
  rc=0
  timeout 30 "$qf_peer" --max-seconds 25 "$work/qf.cfg" orders 300 --first-id 601 --crash-on-report 750 \
    > "$work/q3.out" 2> "$work/q3.err" || rc=$?
  qf_runs+=(q3)
  expect_eq "q3: exit code of the simulated crash" "$rc" 3
  filled_q3=$(awk '$1 == "report" && $3 == "status=2" && $2 >= 601 && $2 <= 900' "$work/q3.out" | wc -l)
  crash_target=$(kv "$work/q3.out" '^crash on report 750 ' next_target_seq)
  timeout 30 "$qf_peer" --max-seconds 25 "$work/qf.cfg" orders 50 --first-id 901 --await-reports $((300 - filled_q3)) \
    > "$work/q4.out" 2> "$work/q4.err" || fail "QuickFIX run 4 did not get the fills it missed (exit $?)"
  qf_runs+=(q4)
  expect_eq "QuickFIX's target MsgSeqNum after its crash" \
    "$(grep "^logon $qf_name " "$work/q4.out" | head -1 | sed 's/.*next_target_seq=//')" "$crash_target"
  grep -q "^resend-request sent $qf_name begin=$crash_target " "$work/q4.out" ||
    fail "the restarted QuickFIX did not ask for MsgSeqNum $crash_target onwards"
  grep -q '^report 750 status=0 possdup=Y$' "$work/q4.out" || fail "order 750's report did not come back as a PossDup resend"
  wait_count "$work/f3.out" "^status $fr_name logged_out " 2
  kill -TERM "$f3"
  wait_rc "$f3" 0 "fixring acceptor on SIGTERM"
  expect_eq "f3: logons (QuickFIX runs 2, 3 and 4)" "$(kv "$work/f3.out" '^summary ' logons)" 3
  expect_eq "f3: Logouts completed (QuickFIX runs 2 and 4)" "$(kv "$work/f3.out" '^summary ' logouts_completed)" 2
  expect_eq "f3: Logouts received" "$(kv "$work/f3.out" '^summary ' logouts_received)" 2
  expect_eq "f3: Logouts sent" "$(kv "$work/f3.out" '^summary ' logouts_sent)" 2
  # Clean Logouts: QuickFIX's (runs 1, 2 and 4) each answered by fixring.
  for q in q1 q2 q4; do
    expect_eq "$q: Logouts sent" "$(grep -c "^logout-message sent $qf_name\$" "$work/$q.out")" 1
    expect_eq "$q: Logouts received" "$(grep -c "^logout-message received $qf_name\$" "$work/$q.out")" 1
  done

  # Every order QuickFIX sent was answered exactly once by fixring, and QuickFIX
  # got exactly one New and one Fill for each.
  sent_ids=$( (seq 1 300; seq 301 600; seq 601 900; seq 901 950) | sort -n)
  answered=$(for r in "${fr_runs[@]}"; do grep '^order ' "$work/$r.out"; done | awk '{print $2}' | sort -n)
  news=$(for r in "${qf_runs[@]}"; do grep '^report [0-9]* status=0 ' "$work/$r.out"; done | awk '{print $2}' | sort -n)
  fill_ids=$(for r in "${qf_runs[@]}"; do grep '^report [0-9]* status=2 ' "$work/$r.out"; done | awk '{print $2}' | sort -n)
  same_ids "fixring did not answer each of QuickFIX's orders once" "$sent_ids" "$answered"
  same_ids "QuickFIX did not get one New per order" "$sent_ids" "$news"
  same_ids "QuickFIX did not get one Fill per order" "$sent_ids" "$fill_ids"
  for r in "${fr_runs[@]}"; do
    grep -q '^duplicate-order ' "$work/$r.out" && fail "$r: fixring got an order twice"
    grep -Eq '^summary .* rejects_(sent|received)=[1-9]' "$work/$r.out" && fail "$r: fixring sent or received a Reject"
  done
  for r in "${qf_runs[@]}"; do grep -q '^reject ' "$work/$r.out" && fail "$r: QuickFIX sent or received a Reject"; done
  expected_out=$(( $(echo "$sent_ids" | wc -l) * 2 ))
  expected_in=$(echo "$sent_ids" | wc -l)
  out_type=8 in_type=D
fi

# 5. fixring's journal: sound, and it holds what the peers say went over.
"$fixjournal" verify "$work/fixring-journal" > "$work/verify.out" 2>&1 || fail "fixjournal verify failed"
"$fixjournal" stats "$work/fixring-journal" > "$work/stats.out" 2>&1 || fail "fixjournal stats failed"
"$fixjournal" dump --json "$work/fixring-journal" > "$work/dump.jsonl" 2> "$work/dump.err" || fail "fixjournal dump failed"
row() { awk -v t="$1" '$1 == t {print $2 "/" $3}' "$work/stats.out"; }
expect_eq "journal: $out_type out / in" "$(row "$out_type" | cut -d/ -f2)" "$expected_out"
expect_eq "journal: $in_type in" "$(row "$in_type" | cut -d/ -f1)" "$expected_in"
rr_sent=0 rr_received=0
for r in "${fr_runs[@]}"; do
  s=$(kv "$work/$r.out" '^summary ' resend_requests_sent) && rr_sent=$((rr_sent + ${s:-0}))
  s=$(kv "$work/$r.out" '^summary ' resend_requests_received) && rr_received=$((rr_received + ${s:-0}))
done
# A crashed run prints no summary; its ResendRequests are in the journal all the same.
journal_rr=$(sed -n 's/.*ResendRequest in \([0-9]*\), out \([0-9]*\),.*/\1 \2/p' "$work/stats.out")
[[ -n $journal_rr ]] || fail "fixjournal stats printed no resend line"
expect_ge "journal: ResendRequests received" "${journal_rr% *}" "$rr_received"
expect_ge "journal: ResendRequests sent" "${journal_rr#* }" "$rr_sent"
python3 - "$work/dump.jsonl" <<'EOF' || fail "fixjournal dump: sequence numbers reset or out of order"
import json, sys
last = {"in": 0, "out": 0}
resets = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("kind") != "message":
        continue
    fields = dict((t, v) for t, v in r["fields"])
    if fields.get(141) == "Y" or (r["msg_type"] == "4" and fields.get(123) != "Y"):
        resets += 1
    if r["seq"] <= last[r["dir"]]:
        print("%s MsgSeqNum %d after %d" % (r["dir"], r["seq"], last[r["dir"]]))
        sys.exit(1)
    last[r["dir"]] = r["seq"]
if resets:
    print("%d sequence resets" % resets)
    sys.exit(1)
EOF
echo "ok ($direction $begin): $(echo "$sent_ids" | wc -l) orders answered once across crashes and restarts; gaps healed both ways"
