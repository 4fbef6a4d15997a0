"""A raw-socket FIX.4.4 initiator and a fixring-sim launcher for the LP
simulator tests (tests/sim/test_sim.py).

The client frames what it reads by BodyLength, keeps the bytes of an
unfinished message (so a test can see a message cut in half), and sends
messages with its own MsgSeqNum counter. The launcher writes an acceptor
settings file on a free 127.0.0.1 port, starts fixring-sim with the given
flags, and kills it at the end whatever happens.
"""
import os
import signal
import socket
import subprocess
import tempfile
import time
from datetime import datetime, timezone

SOH = "\x01"

# Every Sim's directory (settings, log, journals, which are preallocated:
# tens of MB each); test_sim.py removes them after a passing test.
WORK_DIRS = []


def utc_now():
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H:%M:%S.%f")[:-3]


def encode(fields):
    """fields: list of (tag, value) from 35 on; adds 8, 9 and 10."""
    body = "".join(f"{t}={v}{SOH}" for t, v in fields)
    head = f"8=FIX.4.4{SOH}9={len(body.encode())}{SOH}"
    msg = (head + body).encode()
    return msg + f"10={sum(msg) % 256:03d}{SOH}".encode()


class Message:
    def __init__(self, raw):
        self.raw = raw
        self.fields = []
        for part in raw.decode("latin-1").split(SOH):
            if part:
                tag, _, value = part.partition("=")
                self.fields.append((int(tag), value))

    def get(self, tag, default=None):
        for t, v in self.fields:
            if t == tag:
                return v
        return default

    def all(self, tag):
        return [v for t, v in self.fields if t == tag]

    def tags(self):
        return [t for t, _ in self.fields]

    @property
    def type(self):
        return self.get(35)

    @property
    def seq(self):
        return int(self.get(34))

    def __repr__(self):
        return self.raw.decode("latin-1").replace(SOH, "|")


def frame(buf):
    """Length of the first complete message in buf, or 0."""
    if not buf.startswith(b"8="):
        return 0
    i = buf.find(b"\x019=")
    if i < 0:
        return 0
    j = buf.find(b"\x01", i + 3)
    if j < 0:
        return 0
    end = j + 1 + int(buf[i + 3:j]) + 7  # body, then "10=nnn<SOH>"
    return end if len(buf) >= end else 0


class Client:
    def __init__(self, port, sender="TRADER", target="SIM", next_seq=1):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sender, self.target = sender, target
        self.next_seq = next_seq
        self.buf = b""
        self.closed = False

    def send(self, msg_type, fields=(), seq=None, extra_header=()):
        s = self.next_seq if seq is None else seq
        if seq is None:
            self.next_seq += 1
        hdr = [(35, msg_type), (34, s), (49, self.sender), (52, utc_now()), (56, self.target)] + list(extra_header)
        self.sock.sendall(encode(hdr + list(fields)))

    def logon(self, heartbeat_s=30, reset=False, expect=True):
        fields = [(98, 0), (108, heartbeat_s)] + ([(141, "Y")] if reset else [])
        self.send("A", fields)
        if expect:
            m = self.recv(lambda m: m.type == "A", timeout=5)
            assert m is not None, "no Logon answer"
            return m

    def order(self, cl_ord_id, qty=100, px="1.2345", symbol="EUR/USD"):
        self.send("D", [(11, cl_ord_id), (21, 1), (38, qty), (40, 2), (44, px), (54, 1), (55, symbol),
                        (60, utc_now())])

    def recv_one(self, timeout):
        """The next message, None on timeout, or None with self.closed on EOF."""
        deadline = time.monotonic() + timeout
        while True:
            n = frame(self.buf)
            if n:
                raw, self.buf = self.buf[:n], self.buf[n:]
                return Message(raw)
            if self.closed:
                return None
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(1 << 20)
            except socket.timeout:
                return None
            except ConnectionResetError:
                data = b""
            if not data:
                self.closed = True
            self.buf += data

    def recv(self, pred=lambda m: True, timeout=5.0, keep=None):
        """The first message matching pred within timeout (others go to keep)."""
        deadline = time.monotonic() + timeout
        while True:
            m = self.recv_one(max(0.0, deadline - time.monotonic()))
            if m is None:
                return None
            if pred(m):
                return m
            if keep is not None:
                keep.append(m)

    def recv_all(self, duration):
        """Every message within duration seconds (stops early at EOF)."""
        out, deadline = [], time.monotonic() + duration
        while True:
            m = self.recv_one(max(0.0, deadline - time.monotonic()))
            if m is None:
                return out
            out.append(m)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Sim:
    """fixring-sim --app fill as acceptor SIM->TRADER (FIX.4.4) with flags."""

    def __init__(self, sim_path, flags, work=None, connect_port=None):
        """connect_port: the sim is an initiator connecting there (HeartBtInt 30)."""
        self.connect_port = connect_port
        self.sim_path = sim_path
        self.work = work or tempfile.mkdtemp(prefix="fixring-sim-test-")
        WORK_DIRS.append(self.work)
        self.flags = list(flags)
        self.proc = None
        self.port = None
        self.log_path = os.path.join(self.work, "sim.log")

    def start(self, extra_flags=()):
        for _ in range(3):
            self.port = free_port()
            cfg = os.path.join(self.work, "sim.cfg")
            if self.connect_port is None:
                transport = f"""ConnectionType=acceptor
SocketAcceptAddress=127.0.0.1
SocketAcceptPort={self.port}"""
            else:
                transport = f"""ConnectionType=initiator
SocketConnectHost=127.0.0.1
SocketConnectPort={self.connect_port}
HeartBtInt=30
ReconnectInterval=1"""
            with open(cfg, "w") as f:
                f.write(f"""[DEFAULT]
{transport}
FileStorePath={self.work}/journal
UseDataDictionary=N
[SESSION]
BeginString=FIX.4.4
SenderCompID=SIM
TargetCompID=TRADER
""")
            self.log = open(self.log_path, "a")
            offset = os.path.getsize(self.log_path)
            self.proc = subprocess.Popen([self.sim_path, "--config", cfg, "--app", "fill"] + self.flags +
                                         list(extra_flags), stdout=self.log, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                if "configured" in self.text()[offset:]:
                    return self
                time.sleep(0.05)
            self.kill()
        raise AssertionError("fixring-sim did not start:\n" + self.text())

    def text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def faults(self):
        return [l for l in self.text().splitlines() if l.startswith("fault: ")]

    def client(self, **kw):
        return Client(self.port, **kw)

    def stop(self, timeout=15):
        """SIGTERM; the exit status."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self.kill()

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0
