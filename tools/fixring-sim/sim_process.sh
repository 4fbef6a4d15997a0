# POSIX sh helpers for scripts that run fixring-sim as a background acceptor.
# Source it, then:
#   sim_start SIM CONFIG APP LOG   starts SIM --config CONFIG --app APP with its
#                                  output in LOG, sets $pid, and waits up to 10 s
#                                  for its "configured" line; returns 1 (after
#                                  printing LOG) when it never says it.
#   sim_stop LOG                   SIGTERM, wait; returns 1 (after printing the
#                                  end of LOG) unless the simulator exited 0.

sim_start() {
  "$1" --config "$2" --app "$3" > "$4" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    if grep -q configured "$4" 2>/dev/null; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "fixring-sim did not start:"
  cat "$4"
  return 1
}

sim_stop() {
  kill -TERM "$pid"
  wait "$pid"
  sim_status=$?
  pid=""
  [ "$sim_status" = 0 ] && return 0
  echo "fixring-sim exited with $sim_status; its log:"
  tail -50 "$1"
  return 1
}
