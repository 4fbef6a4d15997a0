#!/usr/bin/env python3
"""fixjournal CLI tests: the real binary on real journals.

usage: fixjournal_test.py FIXJOURNAL MAKE_JOURNAL [FIX44.xml]
Each test_* function names the behaviour it checks; any failure exits 1.
"""
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
# The LP simulator tests' helpers: one free_port for every Python test that
# starts an engine on loopback.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sim"))
from sim_client import free_port  # noqa: E402

FIXJOURNAL, MAKE_JOURNAL = sys.argv[1], sys.argv[2]
DICT = sys.argv[3] if len(sys.argv) > 3 and os.path.exists(sys.argv[3]) else None
ROUNDS = 30  # 30 orders in, 30 reports out, 3 heartbeats out


def run(*args, ok=True, **kw):
    p = subprocess.run([FIXJOURNAL, *args], capture_output=True, **kw)
    if ok and p.returncode != 0:
        raise AssertionError(f"fixjournal {' '.join(args)} exited {p.returncode}: {p.stderr.decode()}")
    return p


def make(dir_, count=ROUNDS, segment_bytes=64 * 1024):
    subprocess.run([MAKE_JOURNAL, dir_, str(count), str(segment_bytes)], check=True, capture_output=True)


def messages_json(journal, *extra):
    out = run("dump", "--json", journal, *extra).stdout.decode()
    return [json.loads(line) for line in out.splitlines()]


def record_offset(journal, direction, seq):
    for r in messages_json(journal, "--dir", direction):
        if r["seq"] == seq:
            return r["file"], r["offset"]
    raise AssertionError(f"no {direction} record {seq}")


def flip(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0x04]))


def test_help_on_every_subcommand(tmp):
    assert b"Usage" in run("--help").stdout
    for sub in ["ls", "dump", "follow", "stats", "verify", "export", "replay"]:
        p = run(sub, "--help")
        assert b"Usage" in p.stdout and b"journal" in p.stdout, sub


def test_ls_shows_session_epochs_and_ranges(tmp):
    j = os.path.join(tmp, "j")
    make(j)
    out = run("ls", tmp).stdout.decode()
    assert "FIX.4.4:CLIENT->BROKER" in out, out
    assert f"out 1..{ROUNDS + 3} ({ROUNDS + 3})" in out, out
    assert f"in 1..{ROUNDS} ({ROUNDS})" in out, out
    assert "2023-11-14T22:13:20" in out, out


def test_dump_prints_pipes_not_soh_and_no_colour_when_piped(tmp):
    j = os.path.join(tmp, "j")
    make(j)
    out = run("dump", j).stdout
    assert b"\x01" not in out and b"\x1b[" not in out
    lines = out.decode().splitlines()
    assert len(lines) == 2 * ROUNDS + 3, len(lines)
    assert any("35=D|" in l and "11=ORD1|" in l for l in lines)
    coloured = run("dump", "--color", "always", j).stdout
    assert b"\x1b[" in coloured


def test_dump_names_tags_and_enums_from_a_dictionary(tmp):
    if DICT is None:
        print("  (no FIX44.xml: dictionary names not checked)")
        return
    j = os.path.join(tmp, "j")
    make(j, 2)
    out = run("dump", "--dict", DICT, j).stdout.decode()
    assert "MsgType(35)=D" in out and "NewOrderSingle" in out, out
    assert "Side(54)=1" in out and "(BUY)" in out, out
    assert "ExecutionReport" in out


def test_dump_filters_by_direction_range_type_and_field(tmp):
    j = os.path.join(tmp, "j")
    make(j)
    got = messages_json(j, "--dir", "out", "--from", "5", "--to", "7")
    assert [r["seq"] for r in got] == [5, 6, 7] and all(r["dir"] == "out" for r in got), got
    assert len(messages_json(j, "--type", "0")) == 3
    got = messages_json(j, "--where", "11=ORD3")
    assert sorted(r["dir"] for r in got) == ["in", "out"], got
    assert dict((f[0], f[1]) for f in got[0]["fields"])[11] == "ORD3"
    t0 = "2023-11-14T22:13:20.005Z"
    got = messages_json(j, "--from-time", t0, "--dir", "in")
    assert got[0]["seq"] == 5, got[0]  # inbound n is stamped n ms after the base
    p = run("dump", "--dir", "sideways", j, ok=False)
    assert p.returncode == 2 and b"--dir" in p.stderr


def test_verify_passes_on_a_clean_journal(tmp):
    j = os.path.join(tmp, "j")
    make(j, 400)  # several 64 KiB segments
    assert len([f for f in os.listdir(j) if f.endswith(".fjseg")]) > 1
    p = run("verify", j)
    assert p.stdout.startswith(b"ok:"), p.stdout


def test_verify_fails_naming_the_record_with_one_flipped_byte(tmp):
    j = os.path.join(tmp, "j")
    make(j, 400)
    path, offset = record_offset(j, "out", 123)
    flip(path, offset + 48 + 20)  # a byte of the FIX payload
    p = run("verify", j, ok=False)
    err = p.stderr.decode()
    assert p.returncode == 1, (p.returncode, err)
    assert path in err and f"offset {offset}" in err and "MsgSeqNum 123" in err, err


def test_verify_fails_on_a_flipped_header_byte_too(tmp):
    j = os.path.join(tmp, "j")
    make(j)
    path, offset = record_offset(j, "in", 4)
    flip(path, offset + 24)  # timestamp
    p = run("verify", j, ok=False)
    assert p.returncode == 1 and f"offset {offset}".encode() in p.stderr, p.stderr


def test_export_formats(tmp):
    j = os.path.join(tmp, "j")
    make(j)
    raw = run("export", "--format", "raw", j).stdout
    assert raw.count(b"\x0110=") == 2 * ROUNDS + 3
    assert raw.startswith(b"8=FIX.4.4\x01")
    csv = run("export", "--format", "csv", j).stdout.decode().splitlines()
    assert csv[0].startswith("session,time,timestamp_ns,dir"), csv[0]
    assert len(csv) == 1 + 2 * ROUNDS + 3
    out = os.path.join(tmp, "out.jsonl")
    run("export", "--format", "jsonl", "-o", out, "--dir", "in", j)
    with open(out) as f:
        rows = [json.loads(l) for l in f]
    assert [r["seq"] for r in rows] == list(range(1, ROUNDS + 1))


def test_stats_counts_types_and_latency(tmp):
    j = os.path.join(tmp, "j")
    make(j)
    out = run("stats", j).stdout.decode()
    assert f"messages: {2 * ROUNDS + 3} (in {ROUNDS}, out {ROUNDS + 3})" in out, out
    rows = {l.split()[0]: l.split()[1:3] for l in out.splitlines() if l.startswith("  ") and len(l.split()) >= 3}
    assert rows["D"] == [str(ROUNDS), "0"] and rows["8"] == ["0", str(ROUNDS)] and rows["0"] == ["0", "3"], rows
    assert "gaps: 0" in out
    assert f"({ROUNDS} pairs, ns): p50 250000" in out, out


def engine_tool(name):
    """fixring-sim / fixring-trader of the same build tree as FIXJOURNAL."""
    tools = os.path.dirname(os.path.dirname(os.path.abspath(FIXJOURNAL)))
    path = os.path.join(tools, name, name)
    return path if os.access(path, os.X_OK) else None


def test_stats_on_an_engine_journal_has_no_missing_numbers_and_real_latency(tmp):
    sim, trader = engine_tool("fixring-sim"), engine_tool("fixring-trader")
    if sim is None or trader is None:
        print("  (fixring-sim or fixring-trader not built: engine journal not checked)")
        return
    port = free_port()
    common = "UseDataDictionary=N\nLogoutTimeout=2\n"
    with open(os.path.join(tmp, "exchange.cfg"), "w") as f:
        f.write(f"[DEFAULT]\nConnectionType=acceptor\nSocketAcceptAddress=127.0.0.1\nSocketAcceptPort={port}\n"
                f"FileStorePath={tmp}/exchange\n{common}[SESSION]\nBeginString=FIX.4.4\n"
                "SenderCompID=EXCHANGE\nTargetCompID=TRADER\n")
    with open(os.path.join(tmp, "trader.cfg"), "w") as f:
        f.write(f"[DEFAULT]\nConnectionType=initiator\nSocketConnectHost=127.0.0.1\nSocketConnectPort={port}\n"
                f"HeartBtInt=30\nFileStorePath={tmp}/trader\nFixringReconnectInitialMs=100\n"
                f"FixringReconnectMaxMs=200\n{common}[SESSION]\nBeginString=FIX.4.4\n"
                "SenderCompID=TRADER\nTargetCompID=EXCHANGE\n")
    log = open(os.path.join(tmp, "exchange.log"), "w")
    exchange = subprocess.Popen([sim, "--config", os.path.join(tmp, "exchange.cfg"), "--app", "fill",
                                 "--max-seconds", "50"], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with open(os.path.join(tmp, "exchange.log")) as f:
                if "configured" in f.read():
                    break
            assert exchange.poll() is None, "fixring-sim exited at start"
            time.sleep(0.05)
        # The trader skips outbound MsgSeqNums before order 50: the exchange
        # asks for the gap and gets a SequenceReset-GapFill.
        t = subprocess.run([trader, "--config", os.path.join(tmp, "trader.cfg"), "--orders", "100",
                            "--gap-at", "50", "--max-seconds", "40"], capture_output=True, timeout=50)
        assert t.returncode == 0, t.stdout.decode() + t.stderr.decode()
    finally:
        exchange.terminate()
        try:
            exchange.wait(timeout=10)
        except subprocess.TimeoutExpired:
            exchange.kill()
            exchange.wait()
        log.close()
    journal = os.path.join(tmp, "exchange")
    out = run("stats", journal).stdout.decode()
    assert "gaps: 0 (0 missing MsgSeqNums)" in out, out
    rows = {l.split()[0]: l.split()[1:3] for l in out.splitlines() if l.startswith("  ") and len(l.split()) >= 3}
    assert int(rows["4"][0]) >= 1 and int(rows["D"][0]) == 100, rows  # the GapFill journaled
    lat = [l for l in out.splitlines() if l.startswith("in->out latency (")]
    assert lat, out
    p50 = int(lat[0].split("p50 ")[1].split()[0])
    assert 0 < p50 < 1_000_000_000, lat[0]
    assert "(100 pairs" in lat[0], lat[0]


def test_clear_errors_for_missing_foreign_and_truncated_files(tmp):
    p = run("dump", os.path.join(tmp, "nope"), ok=False)
    assert p.returncode == 2 and b"no such file" in p.stderr, p.stderr
    foreign = os.path.join(tmp, "foreign")
    os.mkdir(foreign)
    with open(os.path.join(foreign, "0000000000000001.fjseg"), "wb") as f:
        f.write(b"not a journal at all" * 100)
    p = run("verify", foreign, ok=False)
    assert p.returncode == 2 and b"not a fixring journal" in p.stderr, p.stderr
    j = os.path.join(tmp, "j")
    make(j)
    seg = os.path.join(j, "0000000000000001.fjseg")
    os.truncate(seg, 1000)
    p = run("ls", j, ok=False)
    assert p.returncode == 2 and b"truncated" in p.stderr and seg.encode() in p.stderr, p.stderr
    os.truncate(seg, 100)
    p = run("dump", seg, ok=False)
    assert p.returncode == 2 and b"truncated" in p.stderr, p.stderr
    empty = os.path.join(tmp, "empty")
    os.mkdir(empty)
    p = run("stats", empty, ok=False)
    assert p.returncode == 2 and b"not a fixring journal" in p.stderr, p.stderr


def test_follow_prints_records_appended_by_a_live_writer(tmp):
    j = os.path.join(tmp, "j")
    make(j, 5)
    follower = subprocess.Popen([FIXJOURNAL, "follow", "--json", "--timeout-ms", "10000", "--max", "20", j],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.3)
    make(j, 10)  # 10 in + 10 out + 1 heartbeat, appended while follow runs
    out, err = follower.communicate(timeout=20)
    rows = [json.loads(l) for l in out.decode().splitlines()]
    assert follower.returncode == 0, err
    assert len(rows) == 20, len(rows)
    assert rows[0]["dir"] == "in" and rows[0]["seq"] == 6, rows[0]  # nothing from before it started


def test_replay_to_stdout_and_tcp_matches_export(tmp):
    j = os.path.join(tmp, "j")
    make(j)
    expected = run("export", "--format", "raw", "--dir", "out", j).stdout
    assert run("replay", "--dir", "out", j).stdout == expected
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    received = bytearray()

    def serve():
        c, _ = srv.accept()
        while True:
            b = c.recv(65536)
            if not b:
                break
            received.extend(b)
        c.close()

    t = threading.Thread(target=serve)
    t.start()
    run("replay", "--dir", "out", "--target", f"127.0.0.1:{srv.getsockname()[1]}", j)
    t.join(10)
    srv.close()
    assert bytes(received) == expected


def test_replay_at_recorded_pace_takes_the_recorded_time(tmp):
    j = os.path.join(tmp, "j")
    make(j, 40)  # inbound orders 1 ms apart: 39 ms from first to last
    t0 = time.monotonic()
    run("replay", "--dir", "in", "--pace", "recorded", j)
    recorded = time.monotonic() - t0
    t0 = time.monotonic()
    run("replay", "--dir", "in", "--pace", "recorded", "--speed", "0.5", j)
    slowed = time.monotonic() - t0
    assert recorded >= 0.039, recorded
    assert slowed >= 0.078, slowed


def main():
    failed = 0
    tests = [(n, f) for n, f in globals().items() if n.startswith("test_")]
    for name, fn in tests:
        tmp = tempfile.mkdtemp(prefix="fixjournal-test-")
        try:
            fn(tmp)
            print(f"ok   {name}")
        except Exception as e:  # report every failing behaviour, not just the first
            failed += 1
            print(f"FAIL {name}: {e!r}")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(tests) - failed}/{len(tests)} passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
