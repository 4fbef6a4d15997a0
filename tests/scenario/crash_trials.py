#!/usr/bin/env python3
"""Scenario 9, N times: each trial SIGKILLs fixring-sim or fixring-trader (random
side) at a random point under load (5000 orders, window 64), restarts it from
its journal, and checks that every order was acknowledged and filled exactly
once in the trader's application, both journals and the trader's report. A
documented long run, not a CI test (README.md has the command and result).

  python3 tests/scenario/crash_trials.py N --sim S --trader T --fixjournal J [--seed BASE]

Prints one line per trial and a final line
  crash trials: N run, P passed, F failed (lost 0, duplicated 0), seeds BASE..BASE+N-1
Exit 0 when every trial passed.
"""

import argparse
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scenario  # noqa: E402
from scenario_lib import Sandbox, ScenarioFailure, Tools  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("trials", type=int)
    ap.add_argument("--sim", required=True)
    ap.add_argument("--trader", required=True)
    ap.add_argument("--fixjournal", required=True)
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--orders", type=int, default=5000)
    a = ap.parse_args()
    tools = Tools(os.path.abspath(a.sim), os.path.abspath(a.trader), os.path.abspath(a.fixjournal))
    passed, failed, sides = 0, [], {"sim": 0, "trader": 0}
    lagged, from_journal, poss_resends = 0, 0, 0
    start = time.monotonic()
    for i in range(a.trials):
        seed = a.seed + i
        rng = random.Random(seed)
        sb = Sandbox("crash-trial-%d" % seed, tools)
        ok = False
        t0 = time.monotonic()
        try:
            # The checks print one "ok:" line each; a trial's summary is enough here.
            with open(os.devnull, "w") as quiet:
                saved, sys.stdout = sys.stdout, quiet
                try:
                    t = scenario.crash_once(sb, rng, orders=a.orders)
                finally:
                    sys.stdout = saved
            ok = True
            passed += 1
            sides[t["side"]] += 1
            lagged += t["lag"]
            from_journal += t["applied_from_journal"]
            poss_resends += t["poss_resends"]
            print("trial %3d seed %d: PASS killed %-6s after %5d execution reports, app-log lag %-5s, %d applied "
                  "from journal, %d PossResend, %d orders resent as PossDup (%.1f s)"
                  % (i + 1, seed, t["side"], t["kill_after"], t["lag"], t["applied_from_journal"], t["poss_resends"],
                     t["sim_possdup_orders"], time.monotonic() - t0), flush=True)
        except ScenarioFailure as e:
            failed.append(seed)
            print("trial %3d seed %d: FAIL %s (kept in %s)" % (i + 1, seed, e, sb.dir), flush=True)
        finally:
            sb.close(ok)
    print("crash trials: %d run, %d passed, %d failed (lost 0, duplicated 0 in every passing trial), sim killed %d, "
          "trader killed %d (%d with the app log one message behind its journal), %d messages applied from the "
          "journal, %d PossResend, seeds %d..%d, %.0f s%s"
          % (a.trials, passed, len(failed), sides["sim"], sides["trader"], lagged, from_journal, poss_resends,
             a.seed, a.seed + a.trials - 1, time.monotonic() - start,
             "" if not failed else "; failed seeds " + ",".join(map(str, failed))), flush=True)
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
