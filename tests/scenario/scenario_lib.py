"""Shared machinery of the scenario tests: a sandbox per run (settings files,
journals, logs), the two processes (fixring-sim as the LP, fixring-trader as
the initiator), a FIX-aware TCP proxy that can cut, drop or duplicate
messages, memory sampling from /proc, and readers of both journals (through
fixjournal) and of the trader's app log and report.

Python 3 standard library only. Every child process is killed when the run
ends, whatever the outcome (Sandbox.close, also on exceptions and signals).
"""

import csv
import io
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

SOH = b"\x01"


# The tags the checks read: MsgSeqNum, ClOrdID, OrdStatus, PossDupFlag,
# PossResend, OrigSendingTime, ExecType, RptSeq, NewSeqNo, GapFillFlag,
# ResetSeqNumFlag, Text, BeginSeqNo, EndSeqNo, TestReqID.
KEY_FIELDS = re.compile(r"(?:^|\|)(34|11|39|43|97|122|150|83|36|123|141|58|7|16|112)=([^|]*)")


class ScenarioFailure(Exception):
    pass


def check(cond, what):
    """An assertion that names the behaviour it checks."""
    if not cond:
        raise ScenarioFailure(what)
    print("  ok: " + what, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proc:
    """One child process with its output in a log file."""

    def __init__(self, name, argv, log_path, env=None):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.log_file = open(log_path, "ab")
        self.p = subprocess.Popen(argv, stdout=self.log_file, stderr=subprocess.STDOUT, env=env,
                                  start_new_session=True)
        self.pid = self.p.pid

    def alive(self):
        return self.p.poll() is None

    def signal(self, sig):
        if self.alive():
            os.kill(self.pid, sig)

    def wait(self, timeout):
        try:
            return self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ScenarioFailure("%s did not exit within %.0f s (log %s)" % (self.name, timeout, self.log_path))

    def kill(self):
        if self.alive():
            try:
                os.kill(self.pid, signal.SIGCONT)
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.p.wait()
        self.log_file.close()

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_for_line(self, text, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return True
            if not self.alive():
                return text in self.output()
            time.sleep(0.02)
        return False


def rss_kib(pid):
    """VmRSS, RssAnon and RssFile of a process in KiB (None when it is gone)."""
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                for key in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
                    if line.startswith(key + ":"):
                        out[key] = int(line.split()[1])
    except OSError:
        return None
    return out


class Sandbox:
    """A scenario run: its directory, ports, settings files and processes."""

    def __init__(self, name, tools, keep=False):
        self.name = name
        self.tools = tools
        base = os.environ.get("FIXRING_SCENARIO_DIR") or tempfile.gettempdir()
        os.makedirs(base, exist_ok=True)
        self.dir = tempfile.mkdtemp(prefix="fixring-%s-" % name, dir=base)
        self.keep = keep
        self.procs = []
        self.proxies = []
        self.mounts = []
        self.port = free_port()
        self.sim_journal_base = os.path.join(self.dir, "journals", "sim")
        self.trader_journal_base = os.path.join(self.dir, "journals", "trader")
        self.app_log = os.path.join(self.dir, "trader-app.log")
        self.report = os.path.join(self.dir, "trader-report.json")
        self.sim_cfg = os.path.join(self.dir, "sim.cfg")
        self.trader_cfg = os.path.join(self.dir, "trader.cfg")
        self.write_configs()
        print("scenario %s: directory %s" % (name, self.dir), flush=True)

    # ---- settings ----

    def write_configs(self, heartbeat_s=30, connect_port=None, trader_extra="", sim_extra=""):
        with open(self.sim_cfg, "w") as f:
            f.write("[DEFAULT]\nConnectionType=acceptor\nSocketAcceptAddress=127.0.0.1\n"
                    "SocketAcceptPort=%d\nFileStorePath=%s\nUseDataDictionary=N\nLogoutTimeout=5\n%s"
                    "[SESSION]\nBeginString=FIX.4.4\nSenderCompID=SIM\nTargetCompID=TRADER\n"
                    % (self.port, self.sim_journal_base, sim_extra))
        with open(self.trader_cfg, "w") as f:
            f.write("[DEFAULT]\nConnectionType=initiator\nSocketConnectHost=127.0.0.1\nSocketConnectPort=%d\n"
                    "HeartBtInt=%d\nFileStorePath=%s\nUseDataDictionary=N\nFixringReconnectInitialMs=100\n"
                    "FixringReconnectMaxMs=500\nLogoutTimeout=5\nLogonTimeout=5\n%s"
                    "[SESSION]\nBeginString=FIX.4.4\nSenderCompID=TRADER\nTargetCompID=SIM\n"
                    % (connect_port or self.port, heartbeat_s, self.trader_journal_base, trader_extra))

    def sim_journal(self):
        return os.path.join(self.sim_journal_base, "FIX.4.4-SIM--TRADER")

    def trader_journal(self):
        return os.path.join(self.trader_journal_base, "FIX.4.4-TRADER--SIM")

    # ---- processes ----

    def start_sim(self, *flags, app="fill", log="sim.log"):
        argv = [self.tools.sim, "--config", self.sim_cfg, "--app", app, "--max-seconds", "300"] + list(flags)
        p = Proc("fixring-sim", argv, os.path.join(self.dir, log))
        self.procs.append(p)
        if not p.wait_for_line("configured", 15):
            raise ScenarioFailure("fixring-sim did not start:\n" + p.output()[-3000:])
        return p

    def start_trader(self, *flags, log="trader.log", orders=None):
        argv = [self.tools.trader, "--config", self.trader_cfg, "--app-log", self.app_log, "--report", self.report]
        if orders is not None:
            argv += ["--orders", str(orders)]
        argv += list(flags)
        p = Proc("fixring-trader", argv, os.path.join(self.dir, log))
        self.procs.append(p)
        return p

    def stop_sim(self, sim, timeout=15):
        """SIGTERM: the sim logs out and exits 0."""
        sim.signal(signal.SIGTERM)
        rc = sim.wait(timeout)
        check(rc == 0, "fixring-sim exits 0 after SIGTERM (status %s)" % rc)

    def proxy(self, rules):
        """A cuttable FIX proxy in front of the sim; the trader connects to it."""
        px = FixProxy(self.port, rules)
        self.proxies.append(px)
        return px

    def close(self, ok):
        for px in self.proxies:
            px.stop()
        for p in self.procs:
            p.kill()
        for m in reversed(self.mounts):
            subprocess.call(["umount", "-l", m], stderr=subprocess.DEVNULL)
        if ok and not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)
        elif not ok:
            print("scenario %s: logs and journals kept in %s" % (self.name, self.dir), flush=True)

    # ---- outputs ----

    def read_report(self):
        with open(self.report) as f:
            return json.load(f)

    def read_app_log(self):
        """(execution reports, sends) from the trader's app log."""
        execs, sends = [], []
        with open(self.app_log) as f:
            for line in f:
                if not line.endswith("\n"):
                    break
                parts = line.split()
                if parts[0] == "E":
                    execs.append({"in_seq": int(parts[1]), "hash": parts[2], "id": int(parts[3]),
                                  "exec_type": parts[4], "ord_status": parts[5], "poss_dup": parts[6] == "1",
                                  "origin": parts[7]})
                elif parts[0] == "S":
                    sends.append((int(parts[1]), parts[2] == "1"))
        return execs, sends

    def journal_records(self, journal, types=None):
        """Message records of a journal (fixjournal export --format csv, which
        is quicker to read back than dump --json for 10^5 records): dicts with
        dir, epoch, seq, msg_type, flags and f (first value of each of the
        KEY_FIELDS tags)."""
        argv = [self.tools.fixjournal, "export", "--format", "csv", journal]
        for t in types or []:
            argv += ["--type", t]
        out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        if out.returncode != 0:
            raise ScenarioFailure("fixjournal export %s failed: %s" % (journal, out.stderr.decode()[-2000:]))
        recs = []
        lines = out.stdout.decode("utf-8", "replace").splitlines()
        if not lines:
            return recs
        header = lines[0].split(",")
        col = {name: i for i, name in enumerate(header)}
        c_dir, c_epoch, c_seq, c_type, c_flags, c_msg = (col["dir"], col["epoch"], col["seq"], col["msg_type"],
                                                          col["flags"], col["message"])
        # The columns before the message hold no commas (session names, times,
        # numbers, a file path under our own directory), so a bounded split is
        # exact and much quicker than the csv module for 10^5 rows; the message
        # column is the quoted rest.
        simple = c_msg == len(header) - 1 and "," not in self.dir
        rows = (line.split(",", c_msg) for line in lines[1:]) if simple else \
            csv.reader(io.StringIO("\n".join(lines[1:])))
        for row in rows:
            msg = row[c_msg]
            fields = {}
            for tag, value in KEY_FIELDS.findall(msg):
                fields.setdefault(int(tag), value)
            recs.append({"dir": row[c_dir], "epoch": int(row[c_epoch]), "seq": int(row[c_seq]),
                         "msg_type": row[c_type].strip('"'), "flags": row[c_flags], "f": fields})
        return recs

    def verify_journal(self, journal):
        out = subprocess.run([self.tools.fixjournal, "verify", journal], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, timeout=120)
        text = out.stdout.decode().strip()
        check(out.returncode == 0, "fixjournal verify %s: %s" % (os.path.basename(journal), text.splitlines()[-1]
                                                                   if text else "(no output)"))
        return text

    def journal_stats(self, journal):
        out = subprocess.run([self.tools.fixjournal, "stats", journal], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, timeout=120)
        return out.stdout.decode()


class Tools:
    def __init__(self, sim, trader, fixjournal):
        self.sim, self.trader, self.fixjournal = sim, trader, fixjournal


# ---- exactly-once checks over all four views ----

def order_views(sb, orders):
    """Counts per ClOrdID in the app log, both journals and the report."""
    execs, _ = sb.read_app_log()
    app_acks, app_fills = {}, {}
    for e in execs:
        if e["exec_type"] == "0":
            app_acks[e["id"]] = app_acks.get(e["id"], 0) + 1
        if e["ord_status"] == "2":
            app_fills[e["id"]] = app_fills.get(e["id"], 0) + 1
    tr = sb.journal_records(sb.trader_journal(), ["D", "8"])
    tr_out_d, tr_in_ack, tr_in_fill = {}, {}, {}
    tr_possresend = 0
    for r in tr:
        cid = int(r["f"].get(11, "0"))
        if r["dir"] == "out" and r["msg_type"] == "D":
            if r["f"].get(97) == "Y":
                tr_possresend += 1
            else:
                tr_out_d[cid] = tr_out_d.get(cid, 0) + 1
        elif r["dir"] == "in" and r["msg_type"] == "8":
            if r["f"].get(150) == "0":
                tr_in_ack[cid] = tr_in_ack.get(cid, 0) + 1
            if r["f"].get(39) == "2":
                tr_in_fill[cid] = tr_in_fill.get(cid, 0) + 1
    sim = sb.journal_records(sb.sim_journal(), ["D", "8"])
    sim_in_d, sim_out_ack, sim_in_possdup = {}, {}, 0
    sim_possresend = 0
    for r in sim:
        cid = int(r["f"].get(11, "0"))
        if r["dir"] == "in" and r["msg_type"] == "D":
            if r["f"].get(43) == "Y":
                sim_in_possdup += 1
            if r["f"].get(97) == "Y":
                sim_possresend += 1
            else:
                sim_in_d[cid] = sim_in_d.get(cid, 0) + 1
        elif r["dir"] == "out" and r["msg_type"] == "8" and r["f"].get(150) == "0":
            sim_out_ack[cid] = sim_out_ack.get(cid, 0) + 1
    return {"app_acks": app_acks, "app_fills": app_fills, "tr_out_d": tr_out_d, "tr_in_ack": tr_in_ack,
            "tr_in_fill": tr_in_fill, "tr_possresend": tr_possresend, "sim_in_d": sim_in_d,
            "sim_out_ack": sim_out_ack, "sim_in_possdup": sim_in_possdup, "sim_possresend": sim_possresend}


def exactly_once(counts, orders):
    """(missing, duplicated) ClOrdIDs of one view."""
    missing = [i for i in range(1, orders + 1) if counts.get(i, 0) == 0]
    dup = [i for i, n in counts.items() if n > 1]
    extra = [i for i in counts if i < 1 or i > orders]
    return missing, dup + extra


def check_orders_exactly_once(sb, orders, allow_sim_repeats=False):
    """Every order acknowledged and filled exactly once, in every view."""
    v = order_views(sb, orders)
    for key, what in (("app_acks", "trader application: one acknowledgement (150=0) per ClOrdID"),
                      ("app_fills", "trader application: one fill (39=2) per ClOrdID"),
                      ("tr_out_d", "trader outbound journal: one NewOrderSingle per ClOrdID"),
                      ("tr_in_ack", "trader inbound journal: one acknowledgement per ClOrdID"),
                      ("tr_in_fill", "trader inbound journal: one fill per ClOrdID"),
                      ("sim_in_d", "sim inbound journal: each ClOrdID received once (PossResend copies aside)"),
                      ("sim_out_ack", "sim outbound journal: one acknowledgement per ClOrdID")):
        missing, dup = exactly_once(v[key], orders)
        if allow_sim_repeats and key in ("sim_out_ack",):
            dup = []
        check(not missing and not dup, "%s (%d orders; missing %s, duplicated %s)"
              % (what, orders, missing[:5], dup[:5]))
    return v


# ---- a FIX-aware proxy ----

def split_messages(buf):
    """Whole FIX messages at the front of buf, and the rest."""
    msgs = []
    while True:
        start = buf.find(b"8=FIX")
        if start < 0:
            return msgs, buf
        if start > 0:
            buf = buf[start:]
        end = buf.find(SOH + b"10=")
        if end < 0 or len(buf) < end + 8:
            return msgs, buf
        stop = end + 8  # <SOH>10=nnn<SOH>
        msgs.append(buf[:stop])
        buf = buf[stop:]


def fix_field(msg, tag):
    key = SOH + str(tag).encode() + b"="
    i = msg.find(key)
    if i < 0:
        return None
    j = msg.find(SOH, i + len(key))
    return msg[i + len(key):j].decode()


def make_possdup(msg):
    """The same message with PossDupFlag(43)=Y and OrigSendingTime(122) =
    its SendingTime, BodyLength and CheckSum recomputed (what a resend looks like)."""
    sending = fix_field(msg, 52)
    body_start = msg.find(SOH + b"35=") + 1
    body_end = msg.rfind(SOH + b"10=") + 1
    body = msg[body_start:body_end]
    i = body.find(SOH + b"49=")
    body = body[:i + 1] + b"43=Y" + SOH + body[i + 1:]
    i = body.find(SOH + b"56=")
    j = body.find(SOH, i + 1)
    body = body[:j + 1] + b"122=" + sending.encode() + SOH + body[j + 1:]
    head = b"8=" + fix_field(b"\x01" + msg, 8).encode() + SOH + b"9=" + str(len(body)).encode() + SOH
    whole = head + body
    return whole + b"10=%03d" % (sum(whole) % 256) + SOH


class FixProxy:
    """Listens on a free 127.0.0.1 port and relays each connection to the
    target port. For every whole FIX message, rules(direction, msg, state)
    answers a list of byte strings to forward, or the string "cut" (forward
    the first half of msg, then close both sides), "cut-before" (close without
    forwarding). direction: "up" (trader -> sim) or "down" (sim -> trader)."""

    def __init__(self, target_port, rules):
        self.target_port = target_port
        self.rules = rules
        self.lock = threading.Lock()
        self.state = {"connections": 0, "cuts": 0}
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.stopping = False
        self.live = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stopping:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            for s in (client, upstream):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self.lock:
                self.state["connections"] += 1
                pair = [client, upstream, False]
                self.live.append(pair)
            threading.Thread(target=self._pump, args=(pair, client, upstream, "up"), daemon=True).start()
            threading.Thread(target=self._pump, args=(pair, upstream, client, "down"), daemon=True).start()

    def _close(self, pair):
        with self.lock:
            if pair[2]:
                return
            pair[2] = True
        for s in pair[:2]:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def cut_all(self):
        with self.lock:
            pairs = list(self.live)
        for p in pairs:
            self._close(p)

    def _pump(self, pair, src, dst, direction):
        buf = b""
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                buf += data
                msgs, buf = split_messages(buf)
                out = []
                for m in msgs:
                    with self.lock:
                        action = self.rules(direction, m, self.state)
                    if action == "cut":
                        out.append(m[:len(m) // 2])
                        dst.sendall(b"".join(out))
                        with self.lock:
                            self.state["cuts"] += 1
                        self._close(pair)
                        return
                    if action == "cut-before":
                        dst.sendall(b"".join(out))
                        with self.lock:
                            self.state["cuts"] += 1
                        self._close(pair)
                        return
                    out.extend(action)
                if out:
                    dst.sendall(b"".join(out))
        except OSError:
            pass
        self._close(pair)

    def stop(self):
        self.stopping = True
        try:
            self.listener.close()
        except OSError:
            pass
        self.cut_all()


def main(scenarios, argv):
    """python3 scenario.py NAME --sim S --trader T --fixjournal J [--keep]"""
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("name", choices=sorted(scenarios))
    ap.add_argument("--sim", required=True)
    ap.add_argument("--trader", required=True)
    ap.add_argument("--fixjournal", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the run directory even when it passes")
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args(argv)
    tools = Tools(os.path.abspath(a.sim), os.path.abspath(a.trader), os.path.abspath(a.fixjournal))
    seed = a.seed if a.seed is not None else int(time.time() * 1000) % 1000000
    rng = random.Random(seed)
    sb = Sandbox(a.name, tools, keep=a.keep)
    ok = False

    def on_signal(signum, _frame):
        raise ScenarioFailure("interrupted by signal %d" % signum)

    signal.signal(signal.SIGTERM, on_signal)
    start = time.monotonic()
    skipped = False
    try:
        result = scenarios[a.name](sb, rng)
        skipped = result == 77
        ok = True
    except ScenarioFailure as e:
        print("FAILED: %s (seed %d)" % (e, seed), flush=True)
        for p in sb.procs:
            print("---- %s (%s), last lines:" % (p.name, p.log_path))
            print("\n".join(p.output().splitlines()[-25:]))
        result = 1
    finally:
        sb.close(ok)
    elapsed = time.monotonic() - start
    if skipped:
        print("scenario %s: SKIPPED (%.1f s)" % (a.name, elapsed), flush=True)
        return 77
    print("scenario %s: %s in %.1f s" % (a.name, "PASSED" if ok else "FAILED", elapsed), flush=True)
    return 0 if ok else 1
