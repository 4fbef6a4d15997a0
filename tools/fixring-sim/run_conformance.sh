#!/bin/sh
# Socket-level run of the FIX session acceptance suite: writes the acceptor
# settings ../shared/conformance/README.md describes, starts fixring-sim --app
# echo on a free 127.0.0.1 port, runs defrun.py (strict) over fix42, fix44,
# fix50sp2 and validate, stops the simulator with SIGTERM.
# Usage: run_conformance.sh FIXRING_SIM CONFORMANCE_DIR
# Exit: defrun.py's status; 77 (skipped) when CONFORMANCE_DIR is absent.
set -u
. "$(dirname "$0")/sim_process.sh"
sim="$1"
conf="$2"
if [ ! -f "$conf/defrun.py" ]; then
  echo "no acceptance suite at $conf: skipped"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
spec="$conf/spec"
cat > "$work/acceptor.cfg" <<CFG
[DEFAULT]
ConnectionType=acceptor
SenderCompID=ISLD
SocketAcceptAddress=127.0.0.1
SocketAcceptPort=$port
FileStorePath=$work/store
ResetOnLogon=Y
CheckLatency=Y
MaxLatency=120
UseDataDictionary=Y

[SESSION]
BeginString=FIX.4.2
TargetCompID=TW42
DataDictionary=$spec/FIX42.xml

[SESSION]
BeginString=FIX.4.4
TargetCompID=TW44
DataDictionary=$spec/FIX44.xml

[SESSION]
BeginString=FIXT.1.1
TargetCompID=TW50SP2
TransportDataDictionary=$spec/FIXT11.xml
AppDataDictionary=$spec/FIX50SP2.xml
DefaultApplVerID=9

[SESSION]
BeginString=FIX.4.4
TargetCompID=TW
DataDictionary=$spec/FIX44.xml

[SESSION]
BeginString=FIX.4.4
TargetCompID=NO_CHECK_FIELDS_HAVE_VALUES
DataDictionary=$spec/FIX44.xml
ValidateFieldsHaveValues=N
CFG
if ! sim_start "$sim" "$work/acceptor.cfg" echo "$work/sim.log"; then
  kill "$pid" 2>/dev/null
  exit 1
fi
python3 "$conf/defrun.py" 127.0.0.1 "$port" "$conf/server/fix42" "$conf/server/fix44" \
  "$conf/server/fix50sp2" "$conf/server/validate"
status=$?
sim_stop "$work/sim.log" || { [ "$status" = 0 ] && status=1; }
if [ -n "${FIXRING_CONFORMANCE_LOG:-}" ]; then cp "$work/sim.log" "$FIXRING_CONFORMANCE_LOG"; fi
exit "$status"
