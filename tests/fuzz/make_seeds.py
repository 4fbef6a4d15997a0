#!/usr/bin/env python3
"""Writes the seed corpus of one fuzz target into a directory.

    make_seeds.py TARGET OUT_DIR

TARGET is frame, validate, session, journal, settings or tzif. Seeds are built
from real FIX messages: a fixed set of session and application messages, plus
the inbound messages of the acceptance suite (../shared/conformance/server/fix44)
when FIXRING_CONFORMANCE_DIR points at it. Nothing binary is kept in the
repository; the byte layouts here follow the comments at the top of each
fuzz_*.cpp file.
"""
import glob
import os
import struct
import sys

SOH = "\x01"
TIME = "20260101-12:00:00.000"

BUILTIN = [
    "8=FIX.4.4|35=A|34=1|49=INIT|52=<TIME>|56=ACC|98=0|108=30|",
    "8=FIX.4.4|35=A|34=1|49=INIT|52=<TIME>|56=ACC|98=0|108=30|141=Y|95=4|96=a\x01b=|",
    "8=FIX.4.4|35=0|34=2|49=INIT|52=<TIME>|56=ACC|",
    "8=FIX.4.4|35=1|34=3|49=INIT|52=<TIME>|56=ACC|112=TEST|",
    "8=FIX.4.4|35=2|34=4|49=INIT|52=<TIME>|56=ACC|7=1|16=0|",
    "8=FIX.4.4|35=4|34=5|43=Y|49=INIT|52=<TIME>|56=ACC|122=<TIME>|123=Y|36=9|",
    "8=FIX.4.4|35=5|34=6|49=INIT|52=<TIME>|56=ACC|58=bye|",
    "8=FIX.4.4|35=D|34=7|49=INIT|52=<TIME>|56=ACC|11=ORD1|18=1 G|453=2|448=FIRM|447=D|452=1|448=CL|447=D|452=3|"
    "55=EUR/USD|54=1|60=<TIME>|38=1000000|40=2|44=1.08125|432=20260102|200=202603|",
    "8=FIX.4.4|35=W|34=8|49=ACC|52=<TIME>|56=INIT|55=EUR/USD|268=3|269=0|270=1.0812|271=5000000|"
    "269=1|270=1.0813|271=3000000|453=1|448=LP|447=D|452=1|269=2|270=1.08125|271=1000000|",
    "8=FIX.4.4|35=3|34=9|49=ACC|52=<TIME>|56=INIT|45=7|58=Value is incorrect (out of range) for this tag|"
    "371=54|372=D|373=5|",
    "8=FIX.4.2|35=8|34=10|49=ACC|52=20260101-12:00:00|56=INIT|37=X1|11=ORD1|17=E1|20=0|39=0|150=0|55=EUR/USD|"
    "54=1|38=100|14=0|6=0|151=100|",
    "8=FIXT.1.1|35=A|34=1|49=INIT|52=<TIME>|56=ACC|98=0|108=30|1137=9|",
]


def wire(readable):
    s = readable.replace("<TIME>", TIME).replace("|", SOH)
    return s


def fix(readable):
    """Adds BodyLength(9) and CheckSum(10) to '8=...|35=...|...|'."""
    s = wire(readable)
    first = s.index(SOH) + 1
    head, body = s[:first], s[first:]
    out = head + "9=" + str(len(body.encode("latin-1"))) + SOH + body
    cks = sum(out.encode("latin-1")) % 256
    return out + "10=%03d" % cks + SOH


def conformance_messages():
    root = os.environ.get("FIXRING_CONFORMANCE_DIR", "")
    out = []
    for path in sorted(glob.glob(os.path.join(root, "server", "fix44", "*.def")) if root else []):
        with open(path, encoding="latin-1") as f:
            for line in f:
                line = line.rstrip("\n")
                # Inbound lines that carry neither 9 nor 10: the runner adds them.
                if line.startswith("I8=") and SOH + "9=" not in line and SOH + "10=" not in line:
                    readable = line[1:].replace(SOH, "|")
                    out.append(readable if readable.endswith("|") else readable + "|")
    return out


def readable_messages():
    return BUILTIN + conformance_messages()[:200]


def body_of(readable):
    """The part after BeginString: what fuzz_validate's mode 2 frames itself."""
    s = readable.replace("<TIME>", TIME)
    return s[s.index("|") + 1:]


def write(out_dir, name, data):
    if isinstance(data, str):
        data = data.encode("latin-1")
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(data)


def seeds_frame(out):
    msgs = [fix(m) for m in readable_messages()]
    stream = "".join(msgs[:12])
    write(out, "whole", b"\x00\x00" + stream.encode("latin-1"))
    write(out, "chunked", bytes([3, 0, 9, 60, 1]) + stream.encode("latin-1"))
    garbled = msgs[0][:30] + "garbage" + SOH + msgs[1] + msgs[2].replace("10=", "10=9") + msgs[3]
    write(out, "garbled", bytes([2, 0, 16, 3]) + garbled.encode("latin-1"))
    write(out, "small-limit", bytes([1, 0x90, 40]) + stream.encode("latin-1"))
    for i, m in enumerate(msgs):
        write(out, "msg-%03d" % i, bytes([i % 4, 0]) + bytes(range(1, i % 4 + 1)) + m.encode("latin-1"))


def seeds_validate(out):
    for i, m in enumerate(readable_messages()):
        if not m.startswith("8=FIX.4.4"):
            continue
        write(out, "small-%03d" % i, b"\x02\x00\x00" + body_of(m).encode("latin-1"))
        write(out, "fix44-%03d" % i, b"\x03\x00\x00" + body_of(m).encode("latin-1"))
        write(out, "raw-%03d" % i, b"\x01\x00\x00" + fix(m).encode("latin-1"))


def u16(v):
    return struct.pack("<H", v)


def seeds_session(out):
    logon = b"\x00" + u16(0xFFFF) + b"\x01" + u16(0xFFFF)
    trade = b"\x05" + b"\x00" + u16(0xFFFF) + b"\x06" + b"\x01" + u16(0xFFFF)
    heartbeat = b"\x04" + u16(300) + b"\x00" + u16(0xFFFF) + b"\x01" + u16(0xFFFF)
    silence = b"\x0f" + u16(10)
    write(out, "logon", b"\x00" + logon)
    write(out, "trade", b"\x00" + logon + trade * 3 + heartbeat)
    write(out, "gap", b"\x00" + logon + b"\x05\x05\x05" + b"\x00" + u16(40) + b"\x00" + u16(0xFFFF) + b"\x01" + u16(0xFFFF))
    write(out, "back-pressure", b"\x00" + logon + b"\x0a\x00\x05\x05\x0a\x00" + b"\x00" + u16(0xFFFF))
    write(out, "logout", b"\x02" + logon + trade + b"\x07\x00" + b"\x00" + u16(0xFFFF) + b"\x01" + u16(0xFFFF))
    write(out, "reset", b"\x01" + logon + trade + b"\x08\x01" + b"\x01" + u16(0xFFFF) + b"\x00" + u16(0xFFFF))
    write(out, "reconnect", b"\x10" + logon + trade + b"\x09" + logon + trade)
    write(out, "crash", b"\x88" + logon + trade * 2 + b"\x0e\x01" + logon + trade)
    write(out, "timeout", b"\x00" + logon + silence + silence)
    # Forged messages: ResendRequest, SequenceReset, too high, too low, PossDup.
    forged = b""
    for t, off, flags in ((2, 0, 0x80), (4, 0, 0x40), (7, 5, 0), (7, -3 & 0xFF, 0), (7, -1 & 0xFF, 3), (6, 0, 0x30)):
        forged += b"\x0b" + bytes([t, off, flags, 0])
    write(out, "forged", b"\x20" + logon + forged + b"\x01" + u16(0xFFFF))
    for i, m in enumerate(readable_messages()[:40]):
        raw = fix(m).encode("latin-1")[:255]
        write(out, "raw-%02d" % i, b"\x00" + logon + b"\x02" + bytes([len(raw)]) + raw + b"\x01" + u16(0xFFFF))


def seeds_journal(out):
    write(out, "clean", bytes([10, 10, 4, 0]))
    write(out, "segments", bytes([95, 95, 255, 0]))
    write(out, "reset", bytes([40, 30, 8, 1]))
    write(out, "markers", bytes([40, 30, 8, 14]))
    # flip a byte in the first record's header, the segment header, the tail
    write(out, "flip-record", bytes([20, 20, 4, 0, 0, 0]) + struct.pack("<I", 256 + 5) + b"\x40")
    write(out, "flip-header", bytes([20, 20, 4, 0, 0, 0]) + struct.pack("<I", 8) + b"\x01")
    write(out, "truncate", bytes([95, 95, 200, 0, 1, 1]) + struct.pack("<I", 40000))
    write(out, "append", bytes([5, 5, 4, 0, 2, 0, 16]) + b"FJ\x01\x01" + bytes(12))
    write(out, "overwrite", bytes([30, 0, 4, 0, 3, 0]) + struct.pack("<I", 2000) + bytes([8]) + b"\xff" * 8)


def seeds_settings(out):
    here = os.environ.get("FIXRING_FUZZ_SOURCE", os.path.dirname(os.path.abspath(__file__)))
    for path in sorted(glob.glob(os.path.join(here, "..", "config", "examples", "*.cfg"))):
        with open(path, "rb") as f:
            write(out, os.path.basename(path), f.read())
    write(out, "minimal", "[DEFAULT]\nConnectionType=initiator\nHeartBtInt=${SET}\n[SESSION]\nBeginString=FIX.4.4\n")


def seeds_tzif(out):
    for zone in ("UTC", "Europe/London", "America/New_York", "Asia/Tokyo", "Australia/Lord_Howe"):
        path = os.path.join("/usr/share/zoneinfo", zone)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                write(out, zone.replace("/", "_"), f.read())
    write(out, "tiny", b"TZif2" + bytes(43))


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    target, out = argv[1], argv[2]
    os.makedirs(out, exist_ok=True)
    makers = {"frame": seeds_frame, "validate": seeds_validate, "session": seeds_session,
              "journal": seeds_journal, "settings": seeds_settings, "tzif": seeds_tzif}
    if target not in makers:
        print("unknown target " + target, file=sys.stderr)
        return 2
    makers[target](out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
