# Shell helpers shared by the interop scripts. Source it after defining
# fail MESSAGE (prints what the script knows and exits 1).

# Prints every non-empty *.out and *.err file of $work to stderr under its
# name: what a fail() shows of the programs a script ran.
show_outputs() {
  local f
  for f in "$work"/*.out "$work"/*.err; do
    if [[ -s $f ]]; then echo "--- $f" >&2; cat "$f" >&2; fi
  done
}

# value of KEY=... on the last line of FILE that matches REGEX: kv FILE REGEX KEY
kv() { sed -n "/$2/s/.* $3=\([^ ]*\).*/\1/p" "$1" | tail -1; }
expect_eq() { [[ "$2" == "$3" ]] || fail "$1: got '$2', expected '$3'"; }
expect_ge() { [[ -n "$2" && "$2" -ge "$3" ]] || fail "$1: got '$2', expected at least $3"; }

# A free port below the ephemeral range: initiators keep connecting while an
# acceptor is down, and an ephemeral source port equal to the destination
# would connect to itself and take the port from the acceptor's restart.
free_port_below_ephemeral() {
  python3 - <<'PY'
import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for _ in range(200):
    p = random.randrange(max(1024, low - 12000), low)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break
PY
}

# Waits up to 10 s until PORT is (listening) or is not (closed) in LISTEN
# state in /proc/net/tcp; returns 1 when it never gets there.
port_state_within_10s() {  # PORT listening|closed
  python3 - "$1" "$2" <<'PY'
import sys, time
port, want = ":%04X" % int(sys.argv[1]), sys.argv[2] == "listening"
for _ in range(1000):
    with open("/proc/net/tcp") as f:
        rows = [line.split() for line in f.readlines()[1:]]
    if any(row[1].endswith(port) and row[3] == "0A" for row in rows) == want:
        sys.exit(0)
    time.sleep(0.01)
sys.exit(1)
PY
}
