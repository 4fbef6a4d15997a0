#!/usr/bin/env python3
"""Runs fixring-latency with tiny counts for raw, fixring and quickfix, once closed-loop
and once fixed-rate, then fixring against fixring-4 (--sessions 4), and checks
what it wrote: the JSON parses, every system has every field with a sane value,
every count is exactly the requested count, each fixring system proved its
stream complete (its verification line), the 1-vs-N table is printed, and the
SVG is well-formed XML with one line per system. Not a timing test."""
import json
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

FIELDS = ["count", "p50_us", "p99_us", "p999_us", "max_us", "throughput_msgs_per_s", "verification", "mode",
          "pinning"]
COUNT, WARMUP, STREAM = 2000, 200, 20000


def run(binary, out, extra, systems=("raw", "fixring", "quickfix"), expected=("raw", "fixring", "quickfix")):
    json_path, svg_path = out / "latency.json", out / "latency.svg"
    args = [binary, "--count", str(COUNT), "--warmup", str(WARMUP), "--stream-count", str(STREAM),
            "--systems", ",".join(systems), "--seconds", "20", "--json", str(json_path), "--plot", str(svg_path)] + extra
    proc = subprocess.run(args, capture_output=True, text=True, timeout=100)
    print(proc.stdout)
    if proc.returncode != 0:
        sys.exit(f"fixring-latency {' '.join(extra)} exited {proc.returncode}: {proc.stderr}")
    words = ["p50", "p99.9", "pinn", "fixring stream check: nothing lost"]
    words += ["relative to raw TCP"] if "raw" in systems else []
    words += ["sessions on one reactor against 1 session"] if "--sessions" in extra else []
    for word in words:
        if word not in proc.stdout:
            sys.exit(f"the output lacks '{word}'")
    report = json.loads(json_path.read_text())
    names = [s["name"] for s in report["systems"]]
    if names != list(expected):
        sys.exit(f"systems in the JSON are {names}, expected {list(expected)}")
    for s in report["systems"]:
        missing = [f for f in FIELDS if f not in s]
        if missing:
            sys.exit(f"{s['name']}: missing fields {missing}")
        if s["count"] != COUNT:
            sys.exit(f"{s['name']}: count {s['count']}, requested {COUNT}")
        if not 0 < s["p50_us"] <= s["p99_us"] <= s["p999_us"] <= s["max_us"]:
            sys.exit(f"{s['name']}: percentiles not ordered: {s}")
        if s["throughput_msgs_per_s"] <= 0:
            sys.exit(f"{s['name']}: no throughput")
        if ("fixed-rate" in s["mode"]) != ("--rate" in extra):
            sys.exit(f"{s['name']}: mode '{s['mode']}' does not match the run")
        if s["name"].startswith("fixring") and not s["verification"].startswith(f"nothing lost: {STREAM} of {STREAM}"):
            sys.exit(f"{s['name']}: no proof that the stream arrived complete: '{s['verification']}'")
    root = ET.parse(svg_path).getroot()
    lines = root.findall("{http://www.w3.org/2000/svg}polyline")
    if len(lines) != len(expected):
        sys.exit(f"the plot has {len(lines)} lines, expected {len(expected)}")


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        run(binary, out, [])
        run(binary, out, ["--rate", "20000"])
        run(binary, out, ["--sessions", "4"], systems=("fixring",), expected=("fixring", "fixring-4"))
    print("ok")


if __name__ == "__main__":
    main()
