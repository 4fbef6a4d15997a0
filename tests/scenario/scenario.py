#!/usr/bin/env python3
"""Issue 6 scenario tests: fixring-trader (initiator) against fixring-sim (the
LP, acceptor) as real processes on 127.0.0.1, each scenario asserting on both
journals (fixjournal) and both programs' outputs. See README.md here.

  python3 scenario.py NAME --sim PATH --trader PATH --fixjournal PATH [--keep] [--seed N]

Exit 0 passed, 1 failed (the failed check, the seed and the last log lines
are printed), 77 skipped.
"""

import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scenario_lib import (ScenarioFailure, check, check_orders_exactly_once, fix_field, main,  # noqa: E402
                          make_possdup, order_views, rss_kib)


def sim_help(sb):
    out = subprocess.run([sb.tools.sim, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return out.stdout.decode()


def has_sim_flag(sb, flag):
    return flag in sim_help(sb)


def app_log_lines(sb, kind="E"):
    try:
        with open(sb.app_log, "rb") as f:
            return sum(1 for line in f if line.startswith(kind.encode()))
    except OSError:
        return 0


def wait_app_log(sb, kind, count, timeout, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app_log_lines(sb, kind) >= count:
            return True
        if proc is not None and not proc.alive():
            return False
        time.sleep(0.005)
    return False


def finish_trader(sb, trader, timeout=45):
    rc = trader.wait(timeout)
    check(rc == 0, "fixring-trader exits 0: every order acknowledged and filled exactly once (status %s)" % rc)
    return sb.read_report()


def check_report_clean(rep, orders):
    check(rep["result"] == "finished", "trader report: result finished")
    check(rep["acknowledged"] == orders and rep["filled"] == orders,
          "trader report: %d acknowledged, %d filled of %d" % (rep["acknowledged"], rep["filled"], orders))
    check(rep["duplicate_acks"] == 0 and rep["duplicate_fills"] == 0 and rep["unknown_reports"] == 0,
          "trader report: no duplicate or unknown execution report reached the application")
    check(len(rep["sent_cl_ord_ids"]) == orders, "trader report: %d ClOrdIDs sent" % orders)


def verify_journals(sb):
    """fixjournal verify passes on the trader's journal and the sim's."""
    for j in (sb.trader_journal(), sb.sim_journal()):
        sb.verify_journal(j)


def sim_log_sessions(sim):
    """The sim's session lines (status changes and counters)."""
    return [l for l in sim.output().splitlines() if "SIM->TRADER" in l]


# ---------------------------------------------------------------- 1
def normal_flow(sb, rng):
    """Logon, 2000 orders closed loop, each New + Fill, Logout; no recovery at all."""
    orders = 2000
    sim = sb.start_sim()
    trader = sb.start_trader("--window", "1", "--max-seconds", "40", orders=orders)
    rep = finish_trader(sb, trader)
    sb.stop_sim(sim)
    check_report_clean(rep, orders)
    check(rep["logons"] == 1 and rep["disconnects"] == 0, "one logon, no disconnect")
    s = rep["session"]
    check(s["resend_requests_sent"] == 0 and s["resend_requests_received"] == 0 and s["gaps_detected"] == 0,
          "no ResendRequest either way, no gap")
    check_orders_exactly_once(sb, orders)
    verify_journals(sb)
    tr = sb.journal_records(sb.trader_journal())
    check(tr[0]["dir"] == "out" and tr[0]["msg_type"] == "A" and tr[0]["seq"] == 1,
          "trader journal starts with its Logon at MsgSeqNum 1")
    check([r["msg_type"] for r in tr[-2:]] == ["5", "5"], "trader journal ends with the Logout handshake")
    lines = sim_log_sessions(sim)
    check(any(" logon" in l for l in lines) and any(l.endswith(" logout") for l in lines),
          "sim log: logon and logout of FIX.4.4:SIM->TRADER")
    return 0


# ---------------------------------------------------------------- 2
def disconnect_mid_order(sb, rng):
    """The connection is cut in the middle of NewOrderSingle K1 (trader -> sim)
    and in the middle of the acknowledgement of order K2 (sim -> trader), by a
    proxy between them. Each lost message is recovered by ResendRequest after
    the reconnect; each order is acknowledged exactly once."""
    orders, k1, k2 = 1000, 300, 700
    seen = {"k1": False, "k2": False}

    def rules(direction, msg, state):
        if fix_field(msg, 43) == "Y":
            return [msg]
        mtype = fix_field(msg, 35)
        if direction == "up" and mtype == "D" and fix_field(msg, 11) == str(k1) and not seen["k1"]:
            seen["k1"] = True
            return "cut"
        if (direction == "down" and mtype == "8" and fix_field(msg, 11) == str(k2) and fix_field(msg, 150) == "0"
                and not seen["k2"]):
            seen["k2"] = True
            return "cut"
        return [msg]

    sim = sb.start_sim()
    px = sb.proxy(rules)
    sb.write_configs(connect_port=px.port)
    trader = sb.start_trader("--window", "1", "--max-seconds", "40", orders=orders)
    rep = finish_trader(sb, trader)
    sb.stop_sim(sim)
    check(px.state["cuts"] == 2 and px.state["connections"] >= 3,
          "the proxy cut two connections mid-message (%d connections)" % px.state["connections"])
    check_report_clean(rep, orders)
    check(rep["disconnects"] >= 2 and rep["logons"] >= 3, "trader: %d disconnects, %d logons"
          % (rep["disconnects"], rep["logons"]))
    v = check_orders_exactly_once(sb, orders)
    sim_recs = sb.journal_records(sb.sim_journal(), ["D", "2"])
    d1 = [r for r in sim_recs if r["dir"] == "in" and r["msg_type"] == "D" and r["f"].get(11) == str(k1)]
    check(len(d1) == 1 and d1[0]["f"].get(43) == "Y",
          "order %d, cut mid-message, reached the sim once, as a PossDup resend" % k1)
    check(any(r["dir"] == "out" and r["msg_type"] == "2" for r in sim_recs), "the sim sent a ResendRequest")
    tr_recs = sb.journal_records(sb.trader_journal(), ["8", "2"])
    a2 = [r for r in tr_recs if r["dir"] == "in" and r["msg_type"] == "8" and r["f"].get(11) == str(k2)
          and r["f"].get(150) == "0"]
    check(len(a2) == 1 and a2[0]["f"].get(43) == "Y",
          "the acknowledgement of order %d, cut mid-message, reached the trader once, as a PossDup resend" % k2)
    check(any(r["dir"] == "out" and r["msg_type"] == "2" for r in tr_recs), "the trader sent a ResendRequest")
    verify_journals(sb)
    return 0


# ---------------------------------------------------------------- 5
def rapid_orders(sb, rng):
    """100,000 orders pipelined (window 512): every one acknowledged and filled
    exactly once, in all four views."""
    orders = 100000
    sim = sb.start_sim()
    t0 = time.monotonic()
    trader = sb.start_trader("--window", "512", "--max-seconds", "40", orders=orders)
    rep = finish_trader(sb, trader, timeout=50)
    trade_s = time.monotonic() - t0
    sb.stop_sim(sim)
    print("  %d orders traded in %.2f s (%.0f orders/s, window 512)" % (orders, trade_s, orders / trade_s))
    check_report_clean(rep, orders)
    check(rep["disconnects"] == 0, "no disconnect under load")
    check_orders_exactly_once(sb, orders)
    verify_journals(sb)
    return 0


# ---------------------------------------------------------------- 7
def heartbeat_timeout(sb, rng):
    """HeartBtInt=1. The LP goes silent (SIGSTOP: its socket stays open, nothing
    is sent). The trader sends a TestRequest after 1.2 s of silence, gives up at
    2.4 s (heartbeat timeout), reconnects once the LP runs again (SIGCONT), and
    trading resumes to the last order."""
    orders = 3000
    sb.write_configs(heartbeat_s=1)
    sim = sb.start_sim()
    trader = sb.start_trader("--window", "1", "--max-seconds", "40", orders=orders)
    check(wait_app_log(sb, "E", 600, 20, trader), "trading started (300 orders)")
    sim.signal(signal.SIGSTOP)
    stopped_at = time.monotonic()
    check(trader.wait_for_line("nothing received from the counterparty in time", 10),
          "trader: heartbeat timeout while the LP is silent")
    silent_s = time.monotonic() - stopped_at
    sim.signal(signal.SIGCONT)
    rep = finish_trader(sb, trader)
    sb.stop_sim(sim)
    out = trader.output()
    check(out.find("test request sent") < out.find("nothing received from the counterparty"),
          "trader: the TestRequest came before the timeout")
    check(1.5 <= silent_s <= 6.0, "the timeout came %.1f s into the silence (2.4 x HeartBtInt expected)" % silent_s)
    check(rep["session"]["test_requests_sent"] >= 1, "trader report: TestRequest sent")
    check("nothing received from the counterparty in time" in rep["disconnect_reasons"],
          "trader report: disconnect reason heartbeat timeout")
    check(rep["logons"] >= 2, "trader logged on again (%d logons)" % rep["logons"])
    check_report_clean(rep, orders)
    check_orders_exactly_once(sb, orders)
    tr = sb.journal_records(sb.trader_journal(), ["1"])
    check(any(r["dir"] == "out" for r in tr), "trader journal: the TestRequest (35=1) is journaled")
    verify_journals(sb)
    return 0


# ---------------------------------------------------------------- 9
def truncate_last_exec_line(path):
    """Removes the app log's last ExecutionReport line (and what follows it):
    the state of a trader killed after the session journaled that message and
    before the application logged it, the one message the app log can lag."""
    with open(path, "rb") as f:
        data = f.read()
    cut = data.rfind(b"\nE ")
    if cut < 0:
        return False
    with open(path, "r+b") as f:
        f.truncate(cut + 1)
    return True


def crash_once(sb, rng, orders=5000, window=64, side=None):
    """One crash trial: SIGKILL of one side (random unless given) at a random
    point under load, restart from its journal, recovery by resend; every
    order acknowledged and filled exactly once in every view. When the trader
    is the one killed, half the trials also drop its app log's last
    ExecutionReport line, as if the kill fell between the journal write and
    the app-log write. Returns a dict describing the trial."""
    side = side or rng.choice(["sim", "trader"])
    lag = side == "trader" and rng.random() < 0.5
    # Kill once the app log holds a random share of its final ~2 lines per order.
    kill_after = rng.randint(20, int(orders * 2 * 0.9))
    sim = sb.start_sim()
    targs = ("--window", str(window), "--max-seconds", "45", "--ack-timeout-ms", "1500")
    trader = sb.start_trader(*targs, orders=orders)
    check(wait_app_log(sb, "E", kill_after, 30, trader), "load reached the kill point (%d execution reports)"
          % kill_after)
    if side == "sim":
        sim.signal(signal.SIGKILL)
        sim.wait(5)
        time.sleep(rng.uniform(0.0, 0.5))
        sim = sb.start_sim(log="sim-restarted.log")
    else:
        trader.signal(signal.SIGKILL)
        trader.wait(5)
        if lag:
            check(truncate_last_exec_line(sb.app_log), "app log: the last ExecutionReport line removed")
        time.sleep(rng.uniform(0.0, 0.3))
        trader = sb.start_trader(*targs, orders=orders, log="trader-restarted.log")
    rep = finish_trader(sb, trader)
    sb.stop_sim(sim)
    check_report_clean(rep, orders)
    v = check_orders_exactly_once(sb, orders)
    if lag:
        check(rep["applied_from_journal"] >= 1, "the restarted trader applied the unlogged message from its journal")
    verify_journals(sb)
    return {"side": side, "lag": lag, "kill_after": kill_after, "poss_resends": rep["poss_resends"],
            "applied_from_journal": rep["applied_from_journal"], "sim_possdup_orders": v["sim_in_possdup"]}


def crash_restart(sb, rng):
    """Scenario 9 once, at a random kill point on a random side."""
    t = crash_once(sb, rng, orders=10000)
    print("  trial: killed %(side)s (app log lag %(lag)s) after %(kill_after)d execution reports; %(applied_from_journal)d applied from "
          "the journal on restart, %(poss_resends)d PossResend, %(sim_possdup_orders)d orders resent as PossDup" % t)
    return 0


def require_sim_flags(sb, *flags):
    """77 (skip) unless fixring-sim has every flag (its LP behaviours)."""
    missing = [f for f in flags if not has_sim_flag(sb, f)]
    if missing:
        print("fixring-sim lacks %s: skipping" % ", ".join(missing))
        return False
    return True


def read_sim_stats(sb, path):
    with open(path) as f:
        return json.load(f)["sessions"][0]


def run_with_sim_stats(sb, sim_flags, trader_flags, orders=None):
    """Starts the sim with sim_flags and --stats-json, runs the trader with
    trader_flags (and orders) to its end and stops the sim; returns the sim,
    the trader's report and the sim's session stats."""
    stats = os.path.join(sb.dir, "sim-stats.json")
    sim = sb.start_sim(*sim_flags, "--stats-json", stats)
    trader = sb.start_trader(*trader_flags, orders=orders)
    rep = finish_trader(sb, trader)
    sb.stop_sim(sim)
    return sim, rep, read_sim_stats(sb, stats)


# ---------------------------------------------------------------- 2b
def disconnect_mid_message(sb, rng):
    """The LP cuts every connection after 700 application messages, half-way
    through the next one (sim --disconnect-mid-message-after 700; that message
    is journaled on its side). The trader reconnects each time, gets the torn
    message again by ResendRequest, and every order is acknowledged exactly once."""
    if not require_sim_flags(sb, "--disconnect-mid-message-after", "--stats-json"):
        return 77
    orders = 2000
    sim, rep, st = run_with_sim_stats(sb, ["--disconnect-mid-message-after", "700"],
                                      ["--window", "1", "--max-seconds", "40"], orders)
    check(st["disconnects_induced"] >= 3, "sim: %d connections cut mid-message" % st["disconnects_induced"])
    check(rep["disconnects"] == st["disconnects_induced"],
          "trader: one disconnect per cut (%d)" % rep["disconnects"])
    check(rep["session"]["resend_requests_sent"] >= st["disconnects_induced"],
          "trader: a ResendRequest after each cut (%d)" % rep["session"]["resend_requests_sent"])
    check_report_clean(rep, orders)
    check_orders_exactly_once(sb, orders)
    tr = sb.journal_records(sb.trader_journal(), ["8"])
    possdup = sum(1 for r in tr if r["dir"] == "in" and r["f"].get(43) == "Y")
    check(possdup >= st["disconnects_induced"], "trader journal: %d execution reports recovered as PossDup" % possdup)
    check("fault:" in sim.output(), "sim log: one line per induced fault")
    verify_journals(sb)
    return 0


# ---------------------------------------------------------------- 3
def md_gap(sb, rng):
    """Market data at 5000/s with a sequence gap every 400 application messages
    (sim --gap-every 400 --gap-size 3). The trader detects each gap, asks for
    it (ResendRequest), receives the SequenceReset-GapFill, and its application
    sees every RptSeq 1..8000 exactly once, in order."""
    if not require_sim_flags(sb, "--md-rate", "--gap-every", "--stats-json"):
        return 77
    count = 8000
    _, rep, st = run_with_sim_stats(
        sb, ["--md-rate", "5000", "--md-count", str(count), "--gap-every", "400", "--gap-size", "3"],
        ["--md", "--md-expect", str(count), "--max-seconds", "40"])
    md = rep["md"]
    check(st["gaps_induced"] >= 10, "sim: %d gaps induced (%d MsgSeqNums skipped)"
          % (st["gaps_induced"], st["msg_seq_nums_skipped"]))
    check(md["incrementals"] == count and md["rpt_seq_first"] == 1 and md["rpt_seq_last"] == count,
          "trader application: %d incrementals, RptSeq 1..%d" % (md["incrementals"], md["rpt_seq_last"]))
    check(md["rpt_seq_gaps"] == 0 and md["rpt_seq_duplicates"] == 0,
          "trader application: every RptSeq once, in order")
    check(rep["session"]["gaps_detected"] >= st["gaps_induced"] and
          rep["session"]["resend_requests_sent"] >= st["gaps_induced"],
          "trader: each gap detected and asked for (%d gaps, %d ResendRequests)"
          % (rep["session"]["gaps_detected"], rep["session"]["resend_requests_sent"]))
    tr = sb.journal_records(sb.trader_journal(), ["X", "4"])
    rpt = [int(r["f"][83]) for r in tr if r["dir"] == "in" and r["msg_type"] == "X" and 83 in r["f"]]
    check(rpt == list(range(1, count + 1)), "trader journal: incrementals RptSeq 1..%d, each once, in order" % count)
    fills = [r for r in tr if r["dir"] == "in" and r["msg_type"] == "4" and r["f"].get(123) == "Y"]
    check(len(fills) >= st["gaps_induced"], "trader journal: %d SequenceReset-GapFill received" % len(fills))
    check(st["md_incrementals_sent"] == count, "sim: %d incrementals sent" % st["md_incrementals_sent"])
    verify_journals(sb)
    return 0


# ---------------------------------------------------------------- 4
def lp_restart_reset(sb, rng):
    """The LP stops (SIGTERM: clean Logout) after ~800 orders and comes back
    with its sequence numbers reset (sim --restart-reset: Logon with
    ResetSeqNumFlag 141=Y). The trader accepts the reset (its journal starts a
    new epoch at MsgSeqNum 1) and trading resumes to the last order, each
    acknowledged exactly once."""
    if not require_sim_flags(sb, "--restart-reset"):
        return 77
    orders = 2000
    sim = sb.start_sim()
    trader = sb.start_trader("--window", "1", "--max-seconds", "40", "--ack-timeout-ms", "1500", orders=orders)
    check(wait_app_log(sb, "E", 1600, 20, trader), "trading under way (800 orders)")
    sb.stop_sim(sim)
    check(trader.wait_for_line("the counterparty logged out", 10), "trader: the LP logged out; it waits")
    before = len(trader.output())
    sim = sb.start_sim("--restart-reset", log="sim-restarted.log")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        after = trader.output()[before:]
        if "logon, next outbound" in after:
            break
        if "MsgSeqNum too low without PossDupFlag" in after:
            raise ScenarioFailure("the trader refused the restarted LP's Logon: MsgSeqNum too low")
        time.sleep(0.05)
    rep = finish_trader(sb, trader)
    sb.stop_sim(sim)
    check_report_clean(rep, orders)
    check(rep["logons"] >= 2, "trader logged on again (%d logons)" % rep["logons"])
    check_orders_exactly_once(sb, orders, allow_sim_repeats=rep["poss_resends"] > 0)
    tr = sb.journal_records(sb.trader_journal(), ["A"])
    reset_logons = [r for r in tr if r["dir"] == "in" and r["f"].get(141) == "Y"]
    check(len(reset_logons) == 1 and reset_logons[0]["seq"] == 1,
          "trader journal: the LP's Logon with ResetSeqNumFlag=Y at MsgSeqNum 1")
    check(max(r["epoch"] for r in tr) == 1, "trader journal: one sequence reset (epoch 1)")
    after = [r for r in sb.journal_records(sb.trader_journal(), ["D"]) if r["epoch"] == 1]
    check(len(after) > 0 and min(r["seq"] for r in after) >= 2,
          "trader journal: %d orders after the reset, numbered from the new epoch" % len(after))
    verify_journals(sb)
    return 0


# ---------------------------------------------------------------- 6
def md_flood_slow_consumer(sb, rng):
    """The LP floods 100,000 incrementals after logon (sim --flood) at a
    consumer that spends at least 10 us on each (trader --slow-consumer-us 10;
    with timer slack nearer 60 us), far slower than the LP writes.

    The rule: nothing is dropped and nobody is cut off; the LP writes only
    what the connection takes (TCP back-pressure), and what it has not
    written yet stays in its journal, not in memory.

    The bound, from /proc/PID/status every 100 ms of both processes, taken
    from the trader's logon on (engine buffers are allocated up front, before
    it): RssAnon, the memory a queue would grow, rises by less than 8 MiB in
    either process while ~14 MB of FIX goes through; RssFile (the mapped
    journal's page cache, which the kernel can reclaim) stays within the
    journal's mapped segment size plus 16 MiB (program and libraries)."""
    if not require_sim_flags(sb, "--flood", "--stats-json"):
        return 77
    count = 100000
    stats = os.path.join(sb.dir, "sim-stats.json")
    sim = sb.start_sim("--flood", str(count), "--stats-json", stats)
    trader = sb.start_trader("--md", "--md-expect", str(count), "--slow-consumer-us", "10", "--max-seconds", "50")
    check(trader.wait_for_line("logging_in", 15), "trader engine created and connecting")
    samples = {"sim": [], "trader": []}
    t0 = time.monotonic()
    while trader.alive():
        for name, p in (("sim", sim), ("trader", trader)):
            m = rss_kib(p.pid)
            if m:
                samples[name].append(m)
        time.sleep(0.1)
    flood_s = time.monotonic() - t0
    rep = finish_trader(sb, trader, timeout=5)
    sb.stop_sim(sim)
    st = read_sim_stats(sb, stats)
    md = rep["md"]
    check(md["incrementals"] == count and md["rpt_seq_last"] == count and md["rpt_seq_gaps"] == 0 and
          md["rpt_seq_duplicates"] == 0, "trader application: all %d flood messages, RptSeq 1..%d in order"
          % (count, count))
    check(st["flood_messages_sent"] == count, "sim: %d flood messages sent" % st["flood_messages_sent"])
    check(flood_s >= count * 10e-6, "the consumer was the bottleneck: %.1f s for %d messages" % (flood_s, count))
    check(rep["disconnects"] == 0, "the slow consumer was not cut off")
    for name in ("sim", "trader"):
        s = samples[name]
        check(len(s) >= 5, "%s: %d memory samples" % (name, len(s)))
        anon = [x["RssAnon"] for x in s]
        files = [x["RssFile"] for x in s]
        print("  %s: VmRSS %d..%d KiB, RssAnon %d..%d KiB, RssFile %d..%d KiB over %d samples"
              % (name, min(x["VmRSS"] for x in s), max(x["VmRSS"] for x in s), min(anon), max(anon), min(files),
                 max(files), len(s)))
        check(max(anon) - anon[0] < 8 * 1024, "%s: RssAnon grew by %d KiB (< 8 MiB) during the flood"
              % (name, max(anon) - anon[0]))
        journal = sb.sim_journal() if name == "sim" else sb.trader_journal()
        mapped_kib = sum(os.path.getsize(os.path.join(journal, f)) for f in os.listdir(journal)
                         if f.endswith(".fjseg")) // 1024
        limit = mapped_kib + 16 * 1024
        check(max(files) < limit, "%s: RssFile at most %d KiB (< %d KiB: journal mapping(s) + 16 MiB)"
              % (name, max(files), limit))
    verify_journals(sb)
    return 0


# ---------------------------------------------------------------- 7b
def heartbeat_drop(sb, rng):
    """HeartBtInt=1; the LP stops heartbeats and TestRequest answers 2 s after
    its first logon (sim --drop-heartbeats-after 2). The trader idles 4 s after
    400 fills: it sends a TestRequest, gets no answer, disconnects on its
    heartbeat timeout, logs on again (the LP behaves on later connections) and
    trading resumes."""
    if not require_sim_flags(sb, "--drop-heartbeats-after"):
        return 77
    orders = 1000
    sb.write_configs(heartbeat_s=1)
    sim = sb.start_sim("--drop-heartbeats-after", "2")
    trader = sb.start_trader("--window", "1", "--max-seconds", "40", "--pause-after-fills", "400", "--pause-ms",
                             "4000", orders=orders)
    rep = finish_trader(sb, trader)
    sb.stop_sim(sim)
    out = trader.output()
    check("nothing received from the counterparty in time" in rep["disconnect_reasons"],
          "trader: disconnected on its heartbeat timeout")
    check(0 <= out.find("test request sent") < out.find("nothing received from the counterparty"),
          "trader: a TestRequest went out before the timeout")
    check(rep["logons"] >= 2, "trader logged on again (%d logons)" % rep["logons"])
    check_report_clean(rep, orders)
    check_orders_exactly_once(sb, orders)
    tr = sb.journal_records(sb.trader_journal(), ["1", "0"])
    check(any(r["dir"] == "out" and r["msg_type"] == "1" for r in tr), "trader journal: TestRequest sent")
    verify_journals(sb)
    return 0


# ---------------------------------------------------------------- 8
def duplicates(sb, rng):
    """After every 7 application messages the LP sends an earlier one again as
    a possible duplicate (sim --duplicate-every 7: same MsgSeqNum, 43=Y, 122).
    The trader's session drops each; its application sees every execution
    report once."""
    if not require_sim_flags(sb, "--duplicate-every", "--stats-json"):
        return 77
    orders = 2000
    _, rep, st = run_with_sim_stats(sb, ["--duplicate-every", "7"], ["--window", "1", "--max-seconds", "40"], orders)
    check(st["duplicates_sent"] >= 500, "sim: %d PossDup duplicates sent" % st["duplicates_sent"])
    check(rep["session"]["duplicates_dropped"] == st["duplicates_sent"],
          "trader session: every duplicate dropped (%d)" % rep["session"]["duplicates_dropped"])
    check_report_clean(rep, orders)
    check(len(rep["exec_reports"]) == 2 * orders, "trader application: exactly %d execution reports" % (2 * orders))
    seqs = [e[0] for e in rep["exec_reports"]]
    check(len(set(seqs)) == len(seqs), "trader application: no MsgSeqNum delivered twice")
    check_orders_exactly_once(sb, orders)
    verify_journals(sb)
    return 0


# ---------------------------------------------------------------- 10
def disk_full(sb, rng):
    """The trader's journal lives on an 80 MiB tmpfs: its first 64 MiB segment
    fits, the next one cannot be created. Orders carry 12000 bytes of Text so
    the segment fills in seconds. The trader must notice before the journal
    refuses a write, stop sending, wait for the orders in flight, log out
    cleanly and exit 3 with a message naming the directory; nothing the LP
    acknowledged may be missing from the trader's application. Then the volume
    grows (remount) and the restarted trader completes the remaining orders,
    each exactly once."""
    vol = os.path.join(sb.dir, "trader-volume")
    os.makedirs(vol)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=80m", "tmpfs", vol], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    if r.returncode != 0:
        print("cannot mount a tmpfs (%s): skipping the disk-full scenario" % r.stdout.decode().strip())
        return 77
    sb.mounts.append(vol)
    sb.trader_journal_base = os.path.join(vol, "trader")
    sb.write_configs()
    orders = 7000
    sim = sb.start_sim()
    targs = ("--window", "16", "--pad-bytes", "12000", "--max-seconds", "40")
    trader = sb.start_trader(*targs, orders=orders)
    rc = trader.wait(50)
    out = trader.output()
    check(rc == 3, "trader exits 3, journal volume full (status %s)" % rc)
    check("journal volume full" in out and sb.trader_journal() in out,
          "trader: a clear error naming the journal directory and the free space")
    check("journal refused a write" not in out, "trader: stopped before the journal refused a write")
    rep = sb.read_report()
    check(rep["result"] == "volume_full", "trader report: result volume_full")
    check(0 < rep["acknowledged"] < orders, "trader report: %d of %d orders acknowledged before the stop"
          % (rep["acknowledged"], orders))
    tr = sb.journal_records(sb.trader_journal(), ["5"])
    check([r["dir"] for r in tr[-2:]] == ["out", "in"] and "journal volume full" in tr[-2]["f"].get(58, ""),
          "trader journal: our Logout (Text 'journal volume full') and the LP's answer")
    lines = sim_log_sessions(sim)
    check(any(l.endswith(" logout") for l in lines) and not any("connection lost" in l for l in lines),
          "sim log: a clean logout, no connection lost")
    v = order_views(sb, orders)
    sim_acked, app_acked = set(v["sim_out_ack"]), set(v["app_acks"])
    check(sim_acked == app_acked and all(n == 1 for n in v["app_acks"].values()),
          "every acknowledgement the LP sent (%d) reached the trader's application once" % len(sim_acked))
    check(set(v["tr_in_ack"]) == app_acked, "every applied acknowledgement is in the trader's journal")
    verify_journals(sb)
    r = subprocess.run(["mount", "-o", "remount,size=240m", vol], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    check(r.returncode == 0, "the volume grows to 240 MiB (%s)" % r.stdout.decode().strip())
    trader = sb.start_trader(*targs, orders=orders, log="trader-restarted.log")
    rep = finish_trader(sb, trader)
    sb.stop_sim(sim)
    check_report_clean(rep, orders)
    check_orders_exactly_once(sb, orders)
    verify_journals(sb)
    return 0


SCENARIOS = {
    "disk_full": disk_full,
    "disconnect_mid_message": disconnect_mid_message,
    "md_gap": md_gap,
    "lp_restart_reset": lp_restart_reset,
    "md_flood_slow_consumer": md_flood_slow_consumer,
    "heartbeat_drop": heartbeat_drop,
    "duplicates": duplicates,
    "normal_flow": normal_flow,
    "disconnect_mid_order": disconnect_mid_order,
    "rapid_orders": rapid_orders,
    "heartbeat_timeout": heartbeat_timeout,
    "crash_restart": crash_restart,
}

if __name__ == "__main__":
    sys.exit(main(SCENARIOS, sys.argv[1:]))
