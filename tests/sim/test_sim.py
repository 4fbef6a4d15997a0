#!/usr/bin/env python3
"""fixring-sim's LP behaviours, each checked on the wire against a raw-socket
client (sim_client.py): one real fixring-sim process per test on 127.0.0.1.

Usage: test_sim.py FIXRING_SIM FIXJOURNAL TEST_NAME
"""
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sim_client import Client, Sim, WORK_DIRS, frame  # noqa: E402

SIM = FIXJOURNAL = None
TESTS = {}


def test(fn):
    TESTS[fn.__name__] = fn
    return fn


@contextlib.contextmanager
def running(sim):
    """sim started for the with block and killed after it, whatever happens."""
    sim.start()
    try:
        yield sim
    finally:
        sim.kill()


@contextlib.contextmanager
def logged_on(flags, **logon_args):
    """A running sim with flags and a client it answered a Logon from:
    (sim, client, the Logon answer)."""
    with running(Sim(SIM, flags)) as sim:
        c = sim.client()
        yield sim, c, c.logon(**logon_args)


def fnv1a64(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def reports_for(client, count, timeout=10):
    """count ExecutionReports (other application messages are an error)."""
    out = []
    while len(out) < count:
        m = client.recv(lambda m: m.type not in ("0", "1"), timeout=timeout)
        assert m is not None, f"only {len(out)} of {count} ExecutionReports arrived"
        assert m.type == "8", f"unexpected message {m}"
        out.append(m)
    return out


def rejected_ids(seed, orders):
    """ClOrdIDs rejected by a sim with --reject-ratio 0.3 --seed seed."""
    with logged_on(["--reject-ratio", "0.3", "--seed", str(seed)]) as (_, c, _):
        for i in range(orders):
            c.order(f"O{i}")
        rejected = set()
        answered = {}
        # An order is either rejected (one report) or New + Fill (two).
        deadline = time.monotonic() + 20
        while len(answered) < orders or any(v == "0" for v in answered.values()):
            m = c.recv(lambda m: m.type == "8", timeout=max(0.1, deadline - time.monotonic()))
            assert m is not None, f"answers stopped after {len(answered)} orders"
            cid, st = m.get(11), m.get(39)
            if st == "8":
                assert m.get(150) == "8" and m.get(58), f"reject without ExecType 8 or Text: {m}"
                assert cid not in answered, f"{cid} rejected after another report"
                rejected.add(cid)
            answered[cid] = st
        return rejected


@test
def reject_ratio_rejects_that_share_of_orders_the_same_for_a_seed():
    orders = 300
    first = rejected_ids(7, orders)
    share = len(first) / orders
    assert 0.22 <= share <= 0.38, f"rejected share {share:.3f} with --reject-ratio 0.3"
    again = rejected_ids(7, orders)
    assert first == again, "the same seed chose different orders to reject"
    other = rejected_ids(8, orders)
    assert other != first, "another seed chose exactly the same orders"


@test
def partial_fill_sends_new_then_partials_then_the_last_fill():
    with logged_on(["--fill", "partial:3"]) as (_, c, _):
        c.order("P1", qty=100)
        r = reports_for(c, 4)
        assert [(m.get(150), m.get(39)) for m in r] == [("0", "0"), ("F", "1"), ("F", "1"), ("F", "2")], r
        assert [m.get(32) for m in r[1:]] == ["33", "33", "34"], r
        assert [m.get(14) for m in r] == ["0", "33", "66", "100"], r
        assert [m.get(151) for m in r] == ["100", "67", "34", "0"], r
        assert all(m.get(11) == "P1" for m in r)
        # Two units in three fills: two fills of one, never an empty fill.
        c.order("P2", qty=2)
        r = reports_for(c, 3)
        assert [(m.get(39), m.get(32), m.get(14), m.get(151)) for m in r[1:]] == [("1", "1", "1", "1"),
                                                                                  ("2", "1", "2", "0")], r


@test
def cancel_mode_sends_new_then_canceled():
    with logged_on(["--fill", "cancel"]) as (_, c, _):
        c.order("C1", qty=50)
        r = reports_for(c, 2)
        assert [(m.get(150), m.get(39)) for m in r] == [("0", "0"), ("4", "4")], r
        assert r[1].get(14) == "0" and r[1].get(151) == "0", r[1]
        assert c.recv(lambda m: m.type == "8", timeout=0.5) is None, "a report after Canceled"


@test
def fill_latency_delays_every_answer_by_at_least_the_latency():
    with logged_on(["--fill-latency-us", "300000"]) as (_, c, _):
        for i in range(3):
            t0 = time.monotonic()
            c.order(f"L{i}")
            new = c.recv(lambda m: m.type == "8", timeout=5)
            waited = time.monotonic() - t0
            assert new is not None and new.get(39) == "0", new
            assert waited >= 0.3, f"answer after {waited * 1e3:.1f} ms, latency 300 ms"
            assert waited < 2.0, f"answer after {waited:.2f} s"
            fill = c.recv(lambda m: m.type == "8", timeout=1)
            assert fill is not None and fill.get(39) == "2", fill
        # Heartbeats and the session keep working while orders wait: a TestRequest
        # sent during the delay is answered before the order's report.
        c.order("L9")
        c.send("1", [(112, "PING")])
        first = c.recv(lambda m: m.type in ("0", "8"), timeout=5)
        assert first.type == "0" and first.get(112) == "PING", f"reactor blocked during the latency: {first}"


@test
def market_data_snapshot_then_incrementals_with_rpt_seq_at_the_rate():
    with logged_on(["--md-rate", "50", "--md-symbols", "EUR/USD,USD/JPY", "--md-count", "40"]) as (_, c, _):
        msgs = []
        while len([m for _, m in msgs if m.type == "X"]) < 40:
            m = c.recv(lambda m: m.type in ("W", "X"), timeout=5)
            assert m is not None, f"market data stopped after {len(msgs)} messages"
            msgs.append((time.monotonic(), m))
        ws = [m for _, m in msgs if m.type == "W"]
        xs = [(t, m) for t, m in msgs if m.type == "X"]
        assert [m.type for _, m in msgs[:2]] == ["W", "W"], "the snapshots do not come first"
        assert [m.get(55) for m in ws] == ["EUR/USD", "USD/JPY"]
        for w in ws:
            body = [t for t in w.tags() if t not in (8, 9, 35, 34, 49, 52, 56, 10)]
            assert body == [55, 268, 269, 270, 271, 269, 270, 271], f"W field order {body}"
            assert w.get(268) == "2" and w.all(269) == ["0", "1"]
        assert [int(m.get(83)) for _, m in xs] == list(range(1, 41)), "RptSeq not 1..40"
        for _, x in xs:
            body = [t for t in x.tags() if t not in (8, 9, 35, 34, 49, 52, 56, 10)]
            assert body == [268, 279, 269, 55, 270, 271, 83], f"X field order {body}"
        assert [m.get(55) for _, m in xs[:4]] == ["EUR/USD", "USD/JPY", "EUR/USD", "USD/JPY"]
        span = xs[-1][0] - xs[0][0]
        assert 0.5 <= span <= 1.6, f"40 incrementals at 50/s took {span:.2f} s"
        assert c.recv(lambda m: m.type == "X", timeout=0.5) is None, "more than --md-count incrementals"


@test
def gap_every_skips_msg_seq_nums_that_a_resend_request_gets_as_gap_fill():
    with logged_on(["--gap-every", "3", "--gap-size", "2"]) as (sim, c, logon):
        expected = logon.seq + 1
        c.order("G1")
        c.order("G2")
        got = []
        while len(got) < 4:
            m = c.recv(lambda m: m.type == "8", timeout=5)
            assert m is not None, "reports stopped"
            got.append(m)
        seqs = [m.seq for m in got]
        # Reports 1..3 in order, then two numbers skipped before the fourth.
        assert seqs[:3] == [expected, expected + 1, expected + 2], seqs
        assert seqs[3] == expected + 5, f"no gap of 2 after 3 application messages: {seqs}"
        c.send("2", [(7, expected + 3), (16, 0)])
        fill = c.recv(lambda m: m.type == "4", timeout=5)
        assert fill is not None, "no SequenceReset for the skipped numbers"
        assert fill.seq == expected + 3 and fill.get(123) == "Y" and fill.get(43) == "Y", fill
        assert int(fill.get(36)) == expected + 5, fill
        assert any("fault: skip 2 outbound MsgSeqNums on FIX.4.4:SIM->TRADER at" in f for f in sim.faults()), \
            sim.text()


@test
def heartbeats_stop_after_the_delay_on_the_first_connection_only():
    with logged_on(["--drop-heartbeats-after", "2"], heartbeat_s=1) as (sim, c, _):
        t0 = time.monotonic()
        beats_before = 0
        while time.monotonic() - t0 < 1.8:
            m = c.recv(lambda m: m.type == "0", timeout=0.3)
            beats_before += m is not None
            c.send("0")
        assert beats_before >= 1, "no Heartbeat before the drop"
        # Past the drop (2 s after logon, on the sim's 1 ms tick): whatever
        # the sim wrote before it is read and set aside.
        while time.monotonic() - t0 < 2.8:
            c.recv_all(0.2)
            c.send("0")
        c.send("1", [(112, "AFTER")])
        beats_after = 0
        t1 = time.monotonic()
        while time.monotonic() - t1 < 2.0:
            m = c.recv(lambda m: m.type == "0", timeout=0.4)
            beats_after += m is not None
            c.send("0")  # we keep the session alive ourselves
        assert beats_after == 0, f"{beats_after} Heartbeats after the drop"
        assert any("fault: heartbeats" in f for f in sim.faults()), sim.text()
        c.close()
        time.sleep(0.3)
        c2 = sim.client(next_seq=c.next_seq)
        c2.logon(heartbeat_s=1)
        c2.send("1", [(112, "AGAIN")])
        m = c2.recv(lambda m: m.type == "0" and m.get(112) == "AGAIN", timeout=3)
        assert m is not None, "the second connection's TestRequest went unanswered"


@test
def disconnect_mid_message_writes_half_then_closes_and_resends_it():
    with logged_on(["--disconnect-mid-message-after", "1"]) as (sim, c, _):
        c.order("M1")
        new = c.recv(lambda m: m.type == "8", timeout=5)
        assert new is not None and new.get(39) == "0", new
        rest = c.recv_all(3)
        assert c.closed, "the connection stayed open"
        assert all(m.type != "5" for m in rest), "a Logout before the cut"
        half = c.buf
        assert half.startswith(b"8=FIX.4.4\x01") and frame(half) == 0, f"not half a message: {half!r}"
        cut_seq = int(half.split(b"\x0134=")[1].split(b"\x01")[0])
        assert cut_seq == new.seq + 1, (cut_seq, new.seq)
        time.sleep(0.3)
        c2 = sim.client(next_seq=c.next_seq)
        logon = c2.logon()
        assert logon.seq > cut_seq, "the cut message did not use its MsgSeqNum"
        c2.send("2", [(7, cut_seq), (16, 0)])
        again = c2.recv(lambda m: m.type == "8", timeout=5)
        assert again is not None, "the cut message was not resent"
        assert again.seq == cut_seq and again.get(43) == "Y" and again.get(39) == "2", again
        # The half on the wire is the first half of what the journal holds.
        journaled = subprocess.run([FIXJOURNAL, "export", os.path.join(sim.work, "journal"), "--dir", "out",
                                    "--from", str(cut_seq), "--to", str(cut_seq), "--format", "raw"],
                                   capture_output=True, timeout=20).stdout
        assert journaled.startswith(half) and len(half) * 2 <= len(journaled.rstrip(b"\n")) + 1, \
            (half, journaled)
        assert any("then disconnected without Logout" in f for f in sim.faults()), sim.text()


@test
def duplicate_every_resends_a_message_with_possdup_and_orig_sending_time():
    with logged_on(["--duplicate-every", "2"]) as (sim, c, _):
        c.order("D1")
        r = reports_for(c, 3)
        assert [m.get(39) for m in r] == ["0", "2", "2"], r
        orig, dup = r[1], r[2]
        assert dup.seq == orig.seq, "the duplicate has another MsgSeqNum"
        assert dup.get(43) == "Y" and orig.get(43) is None, dup
        assert dup.get(122) == orig.get(52), f"OrigSendingTime {dup.get(122)} vs SendingTime {orig.get(52)}"
        assert dup.get(17) == orig.get(17), "the duplicate's body differs"
        assert any("fault: duplicate of MsgSeqNum" in f for f in sim.faults()), sim.text()


@test
def restart_reset_starts_from_one_with_reset_seq_num_flag():
    with logged_on([]) as (sim, c, _):
        for i in range(3):
            c.order(f"R{i}")
        reports_for(c, 6)
        assert sim.stop() == 0
        c.close()
        # Restarted with --restart-reset; the peer asks for a reset too: the
        # Logon answer carries 141=Y at MsgSeqNum 1.
        sim.flags = ["--restart-reset"]
        sim.start()
        c = sim.client(next_seq=1)
        logon = c.logon(reset=True)
        assert logon.seq == 1 and logon.get(141) == "Y", logon
        c.order("R9")
        r = reports_for(c, 2)
        assert r[0].seq == 2, r[0]
        assert sim.stop() == 0
        c.close()
        # Restarted again; this peer does not reset: the sim answers its Logon
        # in sequence (not "too low"), then sends an in-session reset, a
        # Logon 141=Y at MsgSeqNum 1, and asks for nothing to be resent.
        sim.start()
        c = sim.client(next_seq=3)
        answer = c.logon()
        assert answer.seq > 1 and answer.get(141) is None, answer
        seen = []
        reset = c.recv(lambda m: m.type == "A", timeout=5, keep=seen)
        assert not any(m.type == "2" for m in seen), f"a ResendRequest around the reset: {seen}"
        assert reset is not None and reset.get(141) == "Y" and reset.seq == 1, reset
        c.next_seq = 1
        c.send("A", [(98, 0), (108, 30), (141, "Y")])
        c.order("R10")
        r = reports_for(c, 2)
        assert r[0].seq == 2 and r[0].get(11) == "R10", r[0]
        assert any("in-session sequence reset" in f for f in sim.faults()), sim.text()


def accept_sim_logon(listener):
    """Accepts the initiator sim's connection and reads its Logon."""
    listener.settimeout(20)
    conn, _ = listener.accept()
    c = Client.__new__(Client)
    c.sock, c.sender, c.target, c.next_seq, c.buf, c.closed = conn, "TRADER", "SIM", 1, b"", False
    logon = c.recv(lambda m: m.type == "A", timeout=10)
    assert logon is not None, "the initiator sim sent no Logon"
    return c, logon


@test
def restart_reset_initiator_logs_on_at_one_with_reset_seq_num_flag():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    sim = Sim(SIM, [], connect_port=listener.getsockname()[1])
    with contextlib.closing(listener), running(sim):
        c, logon = accept_sim_logon(listener)
        assert logon.seq == 1 and logon.get(141) is None, logon
        c.send("A", [(98, 0), (108, 30)])
        c.order("I1")  # the initiator sim fills it: its numbers move on
        reports_for(c, 2)
        assert sim.stop() == 0
        c.close()
        sim.flags = ["--restart-reset"]
        sim.start()
        c, logon = accept_sim_logon(listener)
        assert logon.seq == 1 and logon.get(141) == "Y", f"not a reset Logon: {logon}"
        assert any("Logon with ResetSeqNumFlag=Y" in f for f in sim.faults()), sim.text()


@test
def flood_delivers_every_message_in_rpt_seq_order():
    n = 20000
    with logged_on(["--flood", str(n)]) as (_, c, _):
        rpt = 0
        deadline = time.monotonic() + 40
        while rpt < n and time.monotonic() < deadline:
            m = c.recv_one(5)
            assert m is not None, f"flood stopped at RptSeq {rpt}"
            if m.type != "X":
                continue
            assert int(m.get(83)) == rpt + 1, f"RptSeq {m.get(83)} after {rpt}"
            rpt += 1
        assert rpt == n, f"{rpt} of {n} flood messages"
        assert c.recv(lambda m: m.type == "X", timeout=0.5) is None, "more than --flood messages"


@test
def flood_stops_at_back_pressure_when_the_reader_stalls():
    # Two million messages asked for, a client that never reads: the sim may
    # only sequence what the socket, the send queue and one tick's batch hold.
    n = 2000000
    sim = Sim(SIM, ["--flood", str(n)])
    stats = os.path.join(sim.work, "stats.json")
    sim.flags += ["--stats-json", stats]
    with running(sim):
        c = sim.client()
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        c.logon()
        time.sleep(0.5)
        rss0 = sim.rss_kib()
        time.sleep(1.5)
        rss1 = sim.rss_kib()
        assert rss1 - rss0 < 8 * 1024, f"sim RSS grew {rss1 - rss0} KiB while the reader stalled"
        assert sim.stop(timeout=30) == 0, "the sim did not exit 0 on SIGTERM with a stalled peer"
        s = json.load(open(stats))["sessions"][0]
        assert 0 < s["flood_messages_sent"] < 100000, \
            f"{s['flood_messages_sent']} flood messages sequenced for a reader that never read"


@test
def stats_json_counts_orders_reports_and_cl_ord_ids_at_a_clean_exit():
    work_stats = None
    sim = Sim(SIM, ["--reject-ratio", "0.5", "--seed", "3"])
    work_stats = os.path.join(sim.work, "stats.json")
    sim.flags += ["--stats-json", work_stats]
    with running(sim):
        c = sim.client()
        c.logon()
        ids = [f"S{i}" for i in range(20)]
        for i in ids:
            c.order(i)
        counts = {}
        done = set()
        while len(done) < len(ids):
            m = c.recv(lambda m: m.type == "8", timeout=5)
            assert m is not None, "reports stopped"
            counts[m.get(150)] = counts.get(m.get(150), 0) + 1
            if m.get(39) in ("2", "8"):
                done.add(m.get(11))
        assert sim.stop() == 0, "the sim did not exit 0 on SIGTERM"
        assert c.recv(lambda m: m.type == "5", timeout=3) is not None, "no Logout on SIGTERM"
        s = json.load(open(work_stats))["sessions"][0]
        assert s["session"] == "FIX.4.4:SIM->TRADER"
        assert s["orders_received"] == 20
        assert s["exec_reports_by_exec_type"] == counts, (s["exec_reports_by_exec_type"], counts)
        assert s["orders_rejected"] == counts.get("8", 0)
        assert s["cl_ord_ids"]["count"] == 20
        assert int(s["cl_ord_ids"]["checksum"], 16) == sum(fnv1a64(i) for i in ids) % (1 << 64)
        for k in ("md_messages_sent", "gaps_induced", "duplicates_sent", "disconnects_induced"):
            assert s[k] == 0, (k, s[k])


@test
def bad_flag_values_are_refused_with_a_message():
    cases = [
        (["--reject-ratio", "1.5"], "--reject-ratio: must be in [0,1]"),
        (["--fill", "partial:0"], "--fill must be full, partial:N"),
        (["--fill", "sometimes"], "--fill must be full, partial:N"),
        (["--md-rate", "10", "--md-symbols", "A,,B"], "--md-symbols must be a comma-separated list"),
        (["--flood", "0"], "--flood: must be in [1,2000000]"),
        (["--gap-size", "3"], "--gap-size needs --gap-every"),
        (["--gap-every", "0"], "--gap-every: must be at least 1"),
    ]
    for flags, text in cases:
        r = subprocess.run([SIM, "--config", "/nonexistent.cfg", "--app", "fill"] + flags, capture_output=True,
                           text=True, timeout=10)
        assert r.returncode != 0, f"{flags} accepted"
        assert text in r.stdout + r.stderr, f"{flags}: {r.stdout + r.stderr!r}"
    r = subprocess.run([SIM, "--config", "/nonexistent.cfg", "--app", "echo", "--flood", "5"], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode != 0 and "need --app fill" in r.stderr, r.stderr


def main():
    global SIM, FIXJOURNAL
    SIM, FIXJOURNAL, name = sys.argv[1], sys.argv[2], sys.argv[3]
    t0 = time.monotonic()
    try:
        TESTS[name]()
    except BaseException:
        print("kept for inspection: " + " ".join(WORK_DIRS))
        raise
    for d in WORK_DIRS:
        shutil.rmtree(d, ignore_errors=True)
    print(f"{name}: ok ({time.monotonic() - t0:.1f} s)")


if __name__ == "__main__":
    main()
