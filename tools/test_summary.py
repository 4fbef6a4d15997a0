#!/usr/bin/env python3
"""Reads meson testlog.json files and prints one closing line: "N passed, N failed".

A Catch2 executable counts as its test cases (from its own summary line), a
conformance runner as its scripts; any other test counts as one. Skipped tests (exit 77) are reported as skipped. A
missing log (a tree that did not build) counts as a failure.
"""
import json
import re
import sys

CATCH_ALL = re.compile(r"All tests passed \(\d+ assertions? in (\d+) test cases?\)")
CATCH_SOME = re.compile(r"test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed")
# Conformance runners close with "conformance: N passed, N failed" (one per script).
SCRIPTS = re.compile(r"^conformance: (\d+) passed, (\d+) failed", re.M)


def count(entry):
    out = entry.get("stdout", "") or ""
    result = entry.get("result", "")
    if result == "SKIP":
        return 0, 0, 1
    m = SCRIPTS.search(out)
    if m:
        passed, failed = int(m.group(1)), int(m.group(2))
        if result != "OK" and failed == 0:
            failed = 1
        return passed, failed, 0
    m = CATCH_SOME.search(out)
    if m:
        passed, failed = int(m.group(2)), int(m.group(3))
        if result != "OK" and failed == 0:
            failed = 1
        return passed, failed, 0
    m = CATCH_ALL.search(out)
    if m:
        return (int(m.group(1)), 0, 0) if result == "OK" else (0, 1, 0)
    return (1, 0, 0) if result in ("OK", "EXPECTEDFAIL") else (0, 1, 0)


def print_tail(entry, lines=40):
    """The end of a failed test's output, so that a CI log cut to its last
    lines still says what failed and where."""
    out = (entry.get("stdout", "") or "").rstrip().splitlines()
    for line in out[-lines:]:
        print(f"  | {line}")


def main(paths):
    passed = failed = skipped = 0
    for path in paths:
        try:
            with open(path) as f:
                entries = [json.loads(line) for line in f if line.strip()]
        except OSError:
            print(f"no test log at {path}: that tree did not build or run")
            failed += 1
            continue
        for e in entries:
            p, fl, s = count(e)
            passed += p
            failed += fl
            skipped += s
            if fl:
                print(f"FAILED: {e.get('name')} ({path})")
                print_tail(e)
    line = f"{passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
