// fixring-trader: the initiator of the README's demo (tools/demo.sh) and of the
// scenario tests (tests/scenario).
//
//   fixring-trader --config FILE --orders N [--window W] [--gap-at K]
//                  [--app-log FILE] [--report FILE] [--json FILE] [--max-seconds S]
//   fixring-trader --config FILE --md [--md-expect M] [--slow-consumer-us U] ...
//
// Orders. Builds an engine from the settings file (its first session must be
// an initiator), logs on and sends NewOrderSingles with ClOrdID 1..N, at most
// W of them unfilled at any time (W = 1: closed loop, order i+1 goes out when
// the fill of order i arrived). Each round trip, first send to fill, is timed
// with CLOCK_MONOTONIC; the exact percentiles of all samples are printed.
// Exit 0 only when every order was acknowledged and filled exactly once and the
// final Logout was answered.
//
// What "acknowledged" means here: the trader's application has applied an
// ExecutionReport with ExecType(150)=0 (New) for that ClOrdID and written it
// to its app log; "filled": one with OrdStatus(39)=2. Both are counted per
// ClOrdID; a second one for the same ClOrdID is a duplicate and fails the run.
//
// Survives the connection: a disconnect, a heartbeat timeout or a counterparty
// Logout leaves the engine reconnecting (backoff from the settings) and the
// trader resumes once logged on again; the session recovers lost messages by
// ResendRequest both ways. An order still unacknowledged --ack-timeout-ms
// after it was sent, with the session logged on and no inbound gap open, is
// sent again with PossResend(97)=Y and the same ClOrdID (FIX's
// application-level resend; the counterparty decides by ClOrdID). That covers
// an acceptor that journaled the order and died before answering it.
//
// Restart-safe (--app-log FILE). Each applied ExecutionReport is appended to
// the app log with one write(2) before the application acts on it, so a
// SIGKILL loses at most the line being written. The session journals every
// inbound message before it hands it to the application, so the journal is
// ahead of the app log by at most that one message. At start the trader
// reads the app log (acknowledgements and fills so far, and the identity of
// the last applied message: its MsgSeqNum and a hash of its bytes), then
// reads its own journal: the orders sent are the NewOrderSingles in the
// outbound journal (the journal, not the app log, decides what was sent: a
// journaled order goes out by resend if the kill came before the socket
// write), and every inbound ExecutionReport after the last applied one is
// applied now, marked "journal" in the log. Orders not in the journal are
// sent after logon. See tests/scenario/README.md.
//
// --gap-at K skips gap_size_msgs outbound MsgSeqNums inside the session
// (session core skip_outbound_sequence) just before order K: the acceptor sees
// the gap, sends a ResendRequest, and the trader's session answers with a
// SequenceReset-GapFill; trading carries on over it with no re-logon.
//
// --pause-after-fills K --pause-ms T: once K orders are filled, no order goes
// out for T ms (an idle, logged-on session: heartbeats and test requests only).
//
// --md counts market data instead of trading: snapshots (35=W) and
// incrementals (35=X), checking that RptSeq(83) goes up by exactly one per
// incremental (duplicates, gaps and reversals are counted; a drop back to 1
// after a logon is a restart of the counterparty's feed and is counted as
// such). --slow-consumer-us U makes the application spend U microseconds on
// each market-data message (the reactor thread sleeps: the socket fills and
// TCP back-pressure reaches the sender). --md-expect M logs out after M
// incrementals.
//
// Journal volume (disk full). Every 5 ms the trader checks the filesystem
// holding its journal: when it has less free space than one journal segment
// (so the next segment cannot be created) and the current segment has less
// than journal_reserve_bytes left, it stops sending orders, waits (bounded)
// for the acknowledgements of those in flight, logs out with Text "journal
// volume full" and exits 3 naming the directory and the free space. Should
// the session still fail on a refused journal write (session_error
// store_failure), the trader stops at once, exits 3, and ignores any message
// delivered after that failure: it was not journaled, so the counterparty
// will resend it after the restart.
//
// Prints every session status change and every protocol counter that moved.
// Exit codes: 0 done; 1 failed (the reason is printed); 2 bad arguments;
// 3 journal volume full.
#include <fcntl.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "fixring/codec/frame.hpp"
#include "fixring/codec/message.hpp"
#include "fixring/codec/types.hpp"
#include "fixring/engine/engine.hpp"
#include "fixring/store/journal_reader.hpp"

namespace {

using namespace fixring;

struct trader_app;
using trader_engine = engine::engine<trader_app>;

constexpr std::uint64_t gap_size_msgs = 5;   // MsgSeqNums skipped by the forced gap
constexpr engine::session_handle session = 0;
// Below this much room left in the current journal segment, with no room on
// the volume for the next segment, the trader logs out (thousands of messages).
constexpr std::uint64_t journal_reserve_bytes = 4u << 20;
constexpr std::int64_t drain_timeout_ns = 3'000'000'000;  // in-flight orders, before the volume-full Logout

[[nodiscard]] std::int64_t clock_ns(clockid_t id) noexcept {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void print_event(std::string_view what) {
  char ts[32];
  const std::size_t n = codec::format_utc_timestamp(ts, clock_ns(CLOCK_REALTIME), codec::time_precision::ms);
  std::printf("%.*s trader: %.*s\n", static_cast<int>(n), ts, static_cast<int>(what.size()), what.data());
  std::fflush(stdout);
}

// FNV-1a over a message's bytes: with its MsgSeqNum, the identity of one
// delivered message, comparable between the app log and the journal.
[[nodiscard]] std::uint64_t message_hash(std::string_view bytes) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

enum class run_state : std::uint8_t {
  running,
  draining,     // journal volume nearly full: no new orders, waiting for acks, then Logout
  logging_out,  // our final Logout is out
  finished,     // every order filled (or M incrementals) and the Logout answered
  volume_full,  // logged out (or failed) because the journal volume is full
  failed,
};

struct options {
  int orders = 1000;
  int window = 1;
  int gap_at = 0;
  int ack_timeout_ms = 3000;
  int pad_bytes = 0;
  bool md = false;
  std::uint64_t md_expect = 0;
  int slow_consumer_us = 0;
  int pause_after_fills = 0;  // 0: never
  int pause_ms = 0;
};

// One applied ExecutionReport, for the report.
struct exec_record {
  std::uint64_t in_seq;
  std::uint32_t cl_ord_id;
  char exec_type;
  char ord_status;
  bool poss_dup;
  bool from_journal;
};

// The append-only app log. One line per event, each written by one write(2)
// on an O_APPEND descriptor, so a killed process leaves whole lines (a torn
// last line, which has no '\n', is ignored when read back).
//   E <in_seq> <hash hex> <ClOrdID> <ExecType> <OrdStatus> <PossDup 0|1> <live|journal>
//   S <ClOrdID> <0|1 PossResend>
class app_log {
 public:
  bool open(const std::string& path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    return fd_ >= 0;
  }
  ~app_log() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] bool enabled() const noexcept { return fd_ >= 0; }
  // false when the line could not be written whole.
  bool line(const char* text, int len) noexcept {
    if (fd_ < 0) return true;
    return len > 0 && ::write(fd_, text, static_cast<std::size_t>(len)) == len;
  }

 private:
  int fd_ = -1;
};

// Callbacks run on the reactor thread, which is main's thread here (the
// trader drives the engine with poll_once), so nothing is shared across threads.
struct trader_app {
  trader_engine* eng = nullptr;
  options opt;
  app_log log;
  std::string journal_dir;

  // Orders, by ClOrdID (index 0 unused).
  int next_order = 1;                 // next ClOrdID never sent
  int unfilled_sent = 0;              // sent and not yet filled
  int acked = 0;
  int filled = 0;
  int lowest_unacked = 1;             // scan start for the PossResend rule
  std::vector<std::int64_t> first_sent_ns;  // monotonic, this process; 0: sent by an earlier run
  std::vector<std::int64_t> last_sent_ns;   // monotonic, for the PossResend rule
  std::vector<std::uint8_t> sent;
  std::vector<std::uint8_t> acks;
  std::vector<std::uint8_t> fills;
  std::vector<std::int64_t> round_trip_ns;
  std::vector<exec_record> execs;
  std::uint64_t duplicate_acks = 0;
  std::uint64_t duplicate_fills = 0;
  std::uint64_t unknown_reports = 0;
  std::uint64_t rejected_orders = 0;
  std::uint64_t poss_resends = 0;
  std::uint64_t restored_from_app_log = 0;
  std::uint64_t applied_from_journal = 0;
  std::uint64_t ignored_unjournaled = 0;
  std::uint64_t last_in_seq = 0;      // of the last applied message
  std::uint64_t last_hash = 0;

  // Market data.
  std::uint64_t md_snapshots = 0;
  std::uint64_t md_incrementals = 0;
  std::uint64_t rpt_seq_first = 0;
  std::uint64_t rpt_seq_last = 0;
  std::uint64_t rpt_seq_gaps = 0;        // jumps forward
  std::uint64_t rpt_seq_missing = 0;     // numbers jumped over
  std::uint64_t rpt_seq_duplicates = 0;  // at or below the last one (not a restart)
  std::uint64_t rpt_seq_restarts = 0;    // back to 1 after a logon
  bool md_fresh_logon = false;

  // Session life.
  std::uint64_t logons = 0;
  std::uint64_t disconnects = 0;
  std::vector<std::string> disconnect_reasons;
  std::int64_t active_since_ns = 0;  // monotonic; 0 while not logged on
  bool paused_once = false;
  std::int64_t pause_until_ns = 0;  // monotonic; no new orders before it
  bool gap_forced = false;
  bool gap_reported = false;
  engine::session_stats gap_baseline{};
  std::int64_t drain_deadline_ns = 0;
  std::int64_t next_slow_check_ns = 0;
  std::optional<store::journal_reader> own_journal;  // follows our journal, for the volume check
  std::uint64_t segment_used_bytes = 0;
  std::uint64_t segment_capacity_bytes = 0;
  run_state state = run_state::running;
  std::string failure;
  engine::session_stats seen{};

  [[nodiscard]] bool stopped() const noexcept {
    return state == run_state::finished || state == run_state::volume_full || state == run_state::failed;
  }

  void fail(std::string why) {
    if (stopped()) return;
    failure = std::move(why);
    state = run_state::failed;
    print_event("error: " + failure);
  }

  void size_for(int orders) {
    const auto n = static_cast<std::size_t>(orders) + 1;
    first_sent_ns.assign(n, 0);
    last_sent_ns.assign(n, 0);
    sent.assign(n, 0);
    acks.assign(n, 0);
    fills.assign(n, 0);
    round_trip_ns.reserve(n);
    execs.reserve(2 * n + 64);
  }

  [[nodiscard]] bool logged_on() const noexcept {
    return eng != nullptr && eng->status(session) == engine::session_status::active;
  }

  // ---- orders ----

  [[nodiscard]] bool send_order(int i, bool poss_resend) noexcept {
    engine::header_fields h;
    h.poss_resend = poss_resend;
    const int pad = opt.pad_bytes;
    const engine::send_result r = eng->send(
        session, "D",
        [i, pad](codec::encoder& e) noexcept {
          e.add_uint(11, static_cast<std::uint64_t>(i));             // ClOrdID
          e.add(21, "1");                                            // HandlInst
          e.add(38, "100");                                          // OrderQty
          e.add(40, "2");                                            // OrdType limit
          e.add_uint(44, 100 + static_cast<std::uint64_t>(i % 50));  // Price
          e.add(54, "1");                                            // Side buy
          e.add(55, "FIXR");                                         // Symbol
          if (pad > 0) {
            static const std::string padding(65536, 'x');
            e.add(58, std::string_view(padding.data(), static_cast<std::size_t>(pad)));  // Text
          }
          e.add_timestamp(60, clock_ns(CLOCK_REALTIME), codec::time_precision::ms);  // TransactTime
        },
        h);
    switch (r) {
      case engine::send_result::sent:
      case engine::send_result::queued:
      case engine::send_result::closed:  // journaled: the resend after reconnecting delivers it
        break;
      case engine::send_result::not_logged_on: return false;
      default:
        fail("NewOrderSingle " + std::to_string(i) + " not sent (send_result " + std::to_string(static_cast<int>(r)) +
             ")");
        return false;
    }
    const std::int64_t now = clock_ns(CLOCK_MONOTONIC);
    const auto id = static_cast<std::size_t>(i);
    if (!poss_resend) {
      sent[id] = 1;
      first_sent_ns[id] = now;
      ++unfilled_sent;
    } else {
      ++poss_resends;
    }
    last_sent_ns[id] = now;
    char line[48];
    (void)log.line(line, std::snprintf(line, sizeof line, "S %d %d\n", i, poss_resend ? 1 : 0));
    return true;
  }

  // Sends orders while the window has room.
  void pump() noexcept {
    if (opt.md || state != run_state::running || !logged_on()) return;
    if (opt.pause_after_fills > 0 && !paused_once && filled >= opt.pause_after_fills) {
      paused_once = true;
      pause_until_ns = clock_ns(CLOCK_MONOTONIC) + static_cast<std::int64_t>(opt.pause_ms) * 1'000'000;
      print_event("pausing orders for " + std::to_string(opt.pause_ms) + " ms after " + std::to_string(filled) +
                  " fills (the session stays logged on, idle)");
    }
    if (pause_until_ns != 0) {
      if (clock_ns(CLOCK_MONOTONIC) < pause_until_ns) return;
      pause_until_ns = 0;
      print_event("pause over: orders resume");
    }
    while (next_order <= opt.orders && unfilled_sent < opt.window) {
      if (next_order == opt.gap_at && !gap_forced) force_gap();
      if (!send_order(next_order, false)) return;
      ++next_order;
    }
    maybe_finish();
  }

  void force_gap() noexcept {
    gap_forced = true;
    auto& core = eng->session_core(session);
    const std::uint64_t from = core.next_outbound_seq();
    gap_baseline = core.stats();
    if (core.skip_outbound_sequence(gap_size_msgs) != engine::send_result::sent) {
      fail("skip_outbound_sequence refused");
      return;
    }
    print_event("order " + std::to_string(next_order) + ": forced gap, " + std::to_string(gap_size_msgs) +
                " outbound MsgSeqNums skipped in session (next outbound " + std::to_string(from) + " -> " +
                std::to_string(core.next_outbound_seq()) + "); the exchange must ask for them");
  }

  void maybe_finish() noexcept {
    if (state != run_state::running || !logged_on()) return;
    const bool done = opt.md ? (opt.md_expect != 0 && md_incrementals >= opt.md_expect)
                             : (next_order > opt.orders && filled == opt.orders && acked == opt.orders);
    if (!done) return;
    if (opt.md) {
      print_event("market data: " + std::to_string(md_incrementals) + " incrementals received; logout");
    } else {
      print_event("all " + std::to_string(opt.orders) + " orders acknowledged and filled; logout");
    }
    state = run_state::logging_out;
    const engine::send_result r = eng->logout(session, "done");
    if (r != engine::send_result::sent && r != engine::send_result::queued) fail("the final Logout could not be sent");
  }

  // ---- inbound ----

  void on_message(engine::session_handle, const codec::message& m, std::int64_t) noexcept {
    const engine::session_status st = eng->status(session);
    if (st == engine::session_status::error && eng->session_core(session).last_error() == engine::session_error::store_failure) {
      ++ignored_unjournaled;  // not in the journal: the counterparty resends it after a restart
      return;
    }
    const std::string_view type = m.msg_type();
    if (type == "8") {
      on_exec_report(m, false);
      maybe_finish();
      pump();
    } else if (type == "X" || type == "W") {
      on_market_data(m);
      maybe_finish();
    }
  }

  // Applies one ExecutionReport: app log first, then the state.
  void on_exec_report(const codec::message& m, bool from_journal) noexcept {
    std::uint64_t in_seq = 0, id = 0;
    (void)m.get_uint(34, in_seq);
    char exec_type = 0, ord_status = 0;
    (void)m.get_char(150, exec_type);
    (void)m.get_char(39, ord_status);
    bool poss_dup = false;
    (void)m.get_bool(43, poss_dup);
    const std::uint64_t hash = message_hash(m.bytes());
    const bool known = m.get_uint(11, id) && id != 0 && id <= static_cast<std::uint64_t>(opt.orders);
    char line[160];
    const int n = std::snprintf(line, sizeof line, "E %" PRIu64 " %016" PRIx64 " %" PRIu64 " %c %c %d %s\n", in_seq,
                                hash, known ? id : 0, exec_type != 0 ? exec_type : '?',
                                ord_status != 0 ? ord_status : '?', poss_dup ? 1 : 0, from_journal ? "journal" : "live");
    if (!log.line(line, n)) {
      fail("cannot append to the app log: " + std::string(std::strerror(errno)));
      return;
    }
    last_in_seq = in_seq;
    last_hash = hash;
    apply(static_cast<std::uint32_t>(known ? id : 0), in_seq, exec_type, ord_status, poss_dup, from_journal);
  }

  // The application's effect of one ExecutionReport (also replayed from the app log).
  void apply(std::uint32_t id, std::uint64_t in_seq, char exec_type, char ord_status, bool poss_dup,
             bool from_journal) noexcept {
    if (from_journal) ++applied_from_journal;
    execs.push_back({in_seq, id, exec_type, ord_status, poss_dup, from_journal});
    if (id == 0 || !sent[id]) {
      ++unknown_reports;
      return;
    }
    if (exec_type == '0') {
      if (acks[id]++ != 0) {
        ++duplicate_acks;
      } else {
        ++acked;
      }
    } else if (exec_type == '8') {
      ++rejected_orders;
    }
    // The PossResend scan starts at the first order neither acknowledged nor done.
    while (lowest_unacked <= opt.orders && (acks[static_cast<std::size_t>(lowest_unacked)] != 0 ||
                                            fills[static_cast<std::size_t>(lowest_unacked)] != 0))
      ++lowest_unacked;
    if (ord_status == '2' || ord_status == '8') {  // filled, or rejected: the order is done
      if (fills[id]++ != 0) {
        ++duplicate_fills;
        return;
      }
      if (ord_status == '2') ++filled;
      --unfilled_sent;
      if (first_sent_ns[id] != 0) round_trip_ns.push_back(clock_ns(CLOCK_MONOTONIC) - first_sent_ns[id]);
      const int every = opt.orders >= 4 ? opt.orders / 4 : 1;
      if (filled % every == 0 && ord_status == '2') {
        char text[64];  // on the fill path: no allocation
        const int k = std::snprintf(text, sizeof text, "traffic: %d of %d orders filled", filled, opt.orders);
        print_event(std::string_view(text, static_cast<std::size_t>(k)));
      }
    }
  }

  void on_market_data(const codec::message& m) noexcept {
    if (m.msg_type() == "W") {
      ++md_snapshots;
    } else {
      ++md_incrementals;
      std::uint64_t rpt = 0;
      if (m.get_uint(83, rpt)) {
        if (rpt_seq_first == 0) rpt_seq_first = rpt;
        if (rpt_seq_last == 0 || rpt == rpt_seq_last + 1) {
          // in order
        } else if (rpt == 1 && md_fresh_logon) {
          ++rpt_seq_restarts;
        } else if (rpt > rpt_seq_last + 1) {
          ++rpt_seq_gaps;
          rpt_seq_missing += rpt - rpt_seq_last - 1;
        } else {
          ++rpt_seq_duplicates;
        }
        if (rpt > rpt_seq_last || rpt == 1) rpt_seq_last = rpt;
        md_fresh_logon = false;
      }
    }
    if (opt.slow_consumer_us > 0) {
      const timespec ts{0, static_cast<long>(opt.slow_consumer_us) * 1000};
      nanosleep(&ts, nullptr);
    }
  }

  // ---- status ----

  void on_status(engine::session_handle h, engine::session_status st, engine::session_error err) noexcept {
    report_counters();  // what led here comes first
    const auto& core = eng->session_core(h);
    std::string what = std::string(engine::to_string(st));
    if (err != engine::session_error::none) what += ": " + std::string(engine::to_string(err));
    if (st == engine::session_status::active) {
      what = "logon, next outbound MsgSeqNum " + std::to_string(core.next_outbound_seq()) + ", next inbound " +
             std::to_string(core.next_inbound_seq());
    }
    print_event("session " + eng->session_name(h) + " " + what);
    switch (st) {
      case engine::session_status::active:
        ++logons;
        active_since_ns = clock_ns(CLOCK_MONOTONIC);
        md_fresh_logon = true;
        pump();
        maybe_finish();
        break;
      case engine::session_status::logged_out:
        active_since_ns = 0;
        if (state == run_state::logging_out) {
          state = run_state::finished;
        } else if (state == run_state::draining) {
          state = run_state::volume_full;
        } else if (!stopped()) {
          print_event("the counterparty logged out; waiting to log on again");
        }
        break;
      case engine::session_status::error:
      case engine::session_status::disconnected:
        // An error is followed by disconnected (same reason): count the latter.
        if (st == engine::session_status::disconnected && (active_since_ns != 0 || err != engine::session_error::none)) {
          ++disconnects;
          disconnect_reasons.emplace_back(engine::to_string(err));
        }
        active_since_ns = 0;
        if (err == engine::session_error::store_failure) {
          failure = "the journal refused a write (" + journal_dir + "): volume full or I/O error";
          print_event("error: " + failure + "; stopping");
          eng->deactivate(session);
          state = run_state::volume_full;
        } else if (state == run_state::logging_out) {
          state = run_state::finished;  // the Logout was answered by a disconnect: nothing was owed
          if (!opt.md && filled != opt.orders) fail("disconnected during the final Logout");
        } else if (state == run_state::draining) {
          state = run_state::volume_full;
        }
        break;
      default: break;
    }
  }

  bool authenticate_logon(engine::session_handle, const codec::message&) noexcept { return true; }

  // Called from the engine's periodic tick (every millisecond).
  void on_tick(std::int64_t) noexcept {
    report_counters();
    if (stopped()) return;
    const std::int64_t now = clock_ns(CLOCK_MONOTONIC);
    if (gap_forced && !gap_reported) {
      const engine::session_stats& s = eng->session_core(session).stats();
      if (s.resend_requests_received > gap_baseline.resend_requests_received &&
          s.sequence_resets_sent > gap_baseline.sequence_resets_sent) {
        gap_reported = true;
        print_event("gap recovered: the exchange asked for the skipped MsgSeqNums (ResendRequest) and got a "
                    "SequenceReset-GapFill; no re-logon");
      }
    }
    if (now < next_slow_check_ns) return;
    next_slow_check_ns = now + 5'000'000;  // the volume check must see a filling segment in time
    check_journal_volume(now);
    if (state == run_state::draining) {
      if ((unfilled_sent == 0 || now > drain_deadline_ns) && logged_on()) {
        print_event("journal volume full: logging out with " + std::to_string(unfilled_sent) +
                    " order(s) still unfilled");
        (void)eng->logout(session, "journal volume full");
      }
      return;
    }
    resend_unacknowledged(now);
    pump();
  }

  // The PossResend rule (see the header comment).
  void resend_unacknowledged(std::int64_t now) noexcept {
    if (opt.md || opt.ack_timeout_ms <= 0 || !logged_on() || eng->session_core(session).gap_open()) return;
    const std::int64_t timeout_ns = static_cast<std::int64_t>(opt.ack_timeout_ms) * 1'000'000;
    if (now - active_since_ns < timeout_ns) return;
    for (int i = lowest_unacked; i < next_order; ++i) {
      const auto id = static_cast<std::size_t>(i);
      if (!sent[id] || acks[id] != 0 || fills[id] != 0 || now - last_sent_ns[id] < timeout_ns) continue;
      print_event("order " + std::to_string(i) + " unacknowledged for " + std::to_string(opt.ack_timeout_ms) +
                  " ms after logon: sent again with PossResend(97)=Y");
      if (!send_order(i, true)) return;
    }
  }

  // When the volume has no room for another segment, follows our own journal
  // to learn how full the current one is. The reader maps segments with
  // MAP_POPULATE, so it is opened only once the volume is that full.
  void check_journal_volume(std::int64_t now) noexcept {
    if (journal_dir.empty() || state != run_state::running) return;
    struct statvfs vfs {};
    if (::statvfs(journal_dir.c_str(), &vfs) != 0) return;
    const std::uint64_t free_bytes = static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    if (segment_capacity_bytes == 0) segment_capacity_bytes = newest_segment_bytes();
    if (segment_capacity_bytes == 0 || free_bytes >= segment_capacity_bytes) return;
    if (!own_journal) {
      auto r = store::journal_reader::open(journal_dir);
      if (!r) return;
      own_journal.emplace(std::move(r).value());
    }
    store::record_view rec;
    while (own_journal->next(rec, false) == store::read_status::record) {
      segment_used_bytes = rec.offset + format_bytes(rec);
      segment_capacity_bytes = own_journal->segments()[rec.segment_index - own_journal->segments().front().index]
                                   .header.capacity_bytes;
    }
    const std::uint64_t left = segment_capacity_bytes > segment_used_bytes ? segment_capacity_bytes - segment_used_bytes : 0;
    if (left >= journal_reserve_bytes) return;
    failure = "journal volume full: " + journal_dir + " has " + std::to_string(free_bytes) +
              " bytes free, less than one journal segment (" + std::to_string(segment_capacity_bytes) +
              " bytes), and the current segment has " + std::to_string(left) + " bytes left";
    print_event("error: " + failure + "; no new orders, waiting for those in flight, then logout");
    state = run_state::draining;
    drain_deadline_ns = now + drain_timeout_ns;
  }
  // Size of the highest-numbered segment file (all are preallocated to their capacity); 0 when none.
  [[nodiscard]] std::uint64_t newest_segment_bytes() const noexcept {
    std::error_code ec;
    std::string newest;
    for (const auto& e : std::filesystem::directory_iterator(journal_dir, ec)) {
      const std::string name = e.path().filename().string();
      if (name.ends_with(store::format::segment_suffix) && name > newest) newest = name;
    }
    if (newest.empty()) return 0;
    const std::uintmax_t n = std::filesystem::file_size(std::filesystem::path(journal_dir) / newest, ec);
    return ec ? 0 : static_cast<std::uint64_t>(n);
  }
  [[nodiscard]] static std::uint64_t format_bytes(const store::record_view& rec) noexcept {
    const std::uint64_t raw = store::format::record_header_bytes + rec.header.payload_bytes;
    return (raw + store::format::record_align - 1) / store::format::record_align * store::format::record_align;
  }

  void report_counters() {
    if (eng == nullptr) return;
    const engine::session_stats& now = eng->session_core(session).stats();
    report("resend request received", now.resend_requests_received, seen.resend_requests_received);
    report("resend request sent", now.resend_requests_sent, seen.resend_requests_sent);
    report("messages resent", now.messages_resent, seen.messages_resent);
    report("sequence reset (gap fill) sent", now.sequence_resets_sent, seen.sequence_resets_sent);
    report("sequence reset received", now.sequence_resets_received, seen.sequence_resets_received);
    report("gap detected", now.gaps_detected, seen.gaps_detected);
    report("test request sent", now.test_requests_sent, seen.test_requests_sent);
    report("possdup duplicate dropped", now.duplicates_dropped, seen.duplicates_dropped);
    report("reject sent", now.rejects_sent, seen.rejects_sent);
    report("reject received", now.rejects_received, seen.rejects_received);
  }
  void report(std::string_view what, std::uint64_t now, std::uint64_t& was) {
    if (now == was) return;
    print_event(std::string(what) + " (+" + std::to_string(now - was) + ", total " + std::to_string(now) + ")");
    was = now;
  }
};

// ---- restart: the app log, then the journal ----

// Reads the app log back. Fails on a malformed whole line.
[[nodiscard]] bool restore_app_log(const std::string& path, trader_app& app) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return errno == ENOENT;
  char line[256];
  bool ok = true;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strchr(line, '\n') == nullptr) break;  // torn last line of a killed run
    if (line[0] == 'E') {
      std::uint64_t in_seq = 0, hash = 0, id = 0;
      char et = 0, os = 0, origin[16] = {};
      int pd = 0;
      if (std::sscanf(line, "E %" SCNu64 " %" SCNx64 " %" SCNu64 " %c %c %d %15s", &in_seq, &hash, &id, &et, &os, &pd,
                      origin) != 7) {
        ok = false;
        break;
      }
      if (id > static_cast<std::uint64_t>(app.opt.orders)) id = 0;
      if (id != 0) app.sent[id] = 1;  // acknowledged, so it was sent
      app.last_in_seq = in_seq;
      app.last_hash = hash;
      app.apply(static_cast<std::uint32_t>(id), in_seq, et, os, pd != 0, false);
      if (std::strcmp(origin, "journal") == 0) ++app.applied_from_journal;
      ++app.restored_from_app_log;
    }
  }
  std::fclose(f);
  return ok;
}

// Orders sent (the outbound journal) and the ExecutionReports journaled after
// the last one the app log holds. False when the journal cannot be read.
[[nodiscard]] bool reconcile_with_journal(const std::string& dir, trader_app& app) {
  auto opened = store::journal_reader::open(dir);
  if (!opened) {
    if (opened.error().code == store::journal_errc::not_found || opened.error().code == store::journal_errc::foreign_file)
      return true;  // no journal yet: a first start
    std::fprintf(stderr, "fixring-trader: %s\n", opened.error().message.c_str());
    return false;
  }
  store::journal_reader reader = std::move(opened).value();
  std::vector<std::string> pending;  // inbound ExecutionReports after the cursor, oldest first
  bool cursor_found = app.restored_from_app_log == 0;
  int highest_sent = 0;
  auto msg = std::make_unique<codec::message>();
  store::record_view rec;
  store::read_status st;
  while ((st = reader.next(rec)) == store::read_status::record) {
    if (!rec.is_message()) continue;
    if (msg->parse(rec.text()) != codec::parse_error::none) continue;
    if (rec.dir() == store::format::direction::outbound) {
      std::uint64_t id = 0;
      if (msg->msg_type() == "D" && msg->get_uint(11, id) && id != 0 && id <= static_cast<std::uint64_t>(app.opt.orders)) {
        app.sent[id] = 1;
        highest_sent = std::max(highest_sent, static_cast<int>(id));
      }
      continue;
    }
    if (msg->msg_type() != "8") continue;
    if (!cursor_found) {
      if (rec.header.msg_seq_num == app.last_in_seq && message_hash(rec.text()) == app.last_hash) {
        cursor_found = true;
        pending.clear();
      }
      continue;
    }
    pending.emplace_back(rec.text());
  }
  if (st == store::read_status::corrupt) {
    std::fprintf(stderr, "fixring-trader: %s\n", reader.fault().message.c_str());
    return false;
  }
  if (!cursor_found) {
    std::fprintf(stderr,
                 "fixring-trader: the app log's last ExecutionReport (MsgSeqNum %" PRIu64
                 ") is not in the journal %s: the app log belongs to another journal\n",
                 app.last_in_seq, dir.c_str());
    return false;
  }
  app.next_order = std::max(app.next_order, highest_sent + 1);
  for (const std::string& bytes : pending) {
    if (msg->parse(bytes) != codec::parse_error::none) continue;
    app.on_exec_report(*msg, true);
  }
  // The window counts orders sent and not filled, whichever run sent them.
  app.unfilled_sent = 0;
  for (std::size_t i = 1; i < app.sent.size(); ++i) app.unfilled_sent += app.sent[i] && !app.fills[i];
  if (app.restored_from_app_log + app.applied_from_journal > 0 || highest_sent > 0) {
    print_event("restart: " + std::to_string(app.restored_from_app_log) + " execution report(s) from the app log, " +
                std::to_string(pending.size()) + " applied from the journal; " + std::to_string(highest_sent) +
                " order(s) in the journal, " + std::to_string(app.acked) + " acknowledged, " +
                std::to_string(app.filled) + " filled");
  }
  return true;
}

// Exact nearest-rank percentile of sorted samples: the smallest sample with
// at least per_100k / 100000 of the samples at or below it (integer arithmetic,
// so 0.99 x 2000 is rank 1980, not a rounding error away from it).
[[nodiscard]] std::int64_t percentile(const std::vector<std::int64_t>& sorted, std::uint64_t per_100k) {
  std::uint64_t rank = (sorted.size() * per_100k + 99'999) / 100'000;
  if (rank == 0) rank = 1;
  return sorted[std::min<std::uint64_t>(rank, sorted.size()) - 1];
}

bool write_latency_json(const std::string& path, std::size_t count, std::int64_t p50, std::int64_t p99,
                        std::int64_t p999, std::int64_t max, int orders) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  std::fprintf(f,
               "{\"orders\": %d, \"count\": %zu, \"p50_us\": %.3f, \"p99_us\": %.3f, \"p99_9_us\": %.3f, "
               "\"max_us\": %.3f}\n",
               orders, count, static_cast<double>(p50) / 1e3, static_cast<double>(p99) / 1e3,
               static_cast<double>(p999) / 1e3, static_cast<double>(max) / 1e3);
  return std::fclose(f) == 0;
}

const char* state_name(run_state s) {
  switch (s) {
    case run_state::running: return "running";
    case run_state::draining: return "draining";
    case run_state::logging_out: return "logging_out";
    case run_state::finished: return "finished";
    case run_state::volume_full: return "volume_full";
    case run_state::failed: return "failed";
  }
  return "unknown";
}

// The --report file: counters, every ClOrdID sent and every ExecutionReport
// applied (over all runs sharing the app log), market-data checks.
bool write_report(const std::string& path, const trader_app& a, const engine::session_stats& s) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  std::fprintf(f, "{\n  \"result\": \"%s\",\n  \"failure\": \"", state_name(a.state));
  for (const char c : a.failure) std::fputc(c == '"' || c == '\\' ? '\'' : c, f);
  std::fprintf(f, "\",\n  \"orders\": %d, \"window\": %d,\n", a.opt.orders, a.opt.window);
  int sent = 0;
  for (std::size_t i = 1; i < a.sent.size(); ++i) sent += a.sent[i];
  std::fprintf(f,
               "  \"sent\": %d, \"acknowledged\": %d, \"filled\": %d, \"duplicate_acks\": %" PRIu64
               ", \"duplicate_fills\": %" PRIu64 ", \"unknown_reports\": %" PRIu64 ", \"rejected\": %" PRIu64
               ",\n  \"poss_resends\": %" PRIu64 ", \"restored_from_app_log\": %" PRIu64
               ", \"applied_from_journal\": %" PRIu64 ", \"ignored_unjournaled\": %" PRIu64 ",\n",
               sent, a.acked, a.filled, a.duplicate_acks, a.duplicate_fills, a.unknown_reports, a.rejected_orders,
               a.poss_resends, a.restored_from_app_log, a.applied_from_journal, a.ignored_unjournaled);
  std::fprintf(f, "  \"logons\": %" PRIu64 ", \"disconnects\": %" PRIu64 ", \"disconnect_reasons\": [", a.logons,
               a.disconnects);
  for (std::size_t i = 0; i < a.disconnect_reasons.size(); ++i)
    std::fprintf(f, "%s\"%s\"", i ? ", " : "", a.disconnect_reasons[i].c_str());
  std::fprintf(f,
               "],\n  \"session\": {\"messages_sent\": %" PRIu64 ", \"messages_received\": %" PRIu64
               ", \"test_requests_sent\": %" PRIu64 ", \"heartbeats_received\": %" PRIu64
               ", \"resend_requests_sent\": %" PRIu64 ", \"resend_requests_received\": %" PRIu64
               ", \"messages_resent\": %" PRIu64 ", \"sequence_resets_sent\": %" PRIu64
               ", \"sequence_resets_received\": %" PRIu64 ", \"gaps_detected\": %" PRIu64
               ", \"duplicates_dropped\": %" PRIu64 ", \"rejects_received\": %" PRIu64 "},\n",
               s.messages_sent, s.messages_received, s.test_requests_sent, s.heartbeats_received, s.resend_requests_sent,
               s.resend_requests_received, s.messages_resent, s.sequence_resets_sent, s.sequence_resets_received,
               s.gaps_detected, s.duplicates_dropped, s.rejects_received);
  std::fprintf(f,
               "  \"md\": {\"snapshots\": %" PRIu64 ", \"incrementals\": %" PRIu64 ", \"rpt_seq_first\": %" PRIu64
               ", \"rpt_seq_last\": %" PRIu64 ", \"rpt_seq_gaps\": %" PRIu64 ", \"rpt_seq_missing\": %" PRIu64
               ", \"rpt_seq_duplicates\": %" PRIu64 ", \"rpt_seq_restarts\": %" PRIu64 "},\n",
               a.md_snapshots, a.md_incrementals, a.rpt_seq_first, a.rpt_seq_last, a.rpt_seq_gaps, a.rpt_seq_missing,
               a.rpt_seq_duplicates, a.rpt_seq_restarts);
  std::fprintf(f, "  \"sent_cl_ord_ids\": [");
  bool first = true;
  for (std::size_t i = 1; i < a.sent.size(); ++i) {
    if (!a.sent[i]) continue;
    std::fprintf(f, "%s%zu", first ? "" : ",", i);
    first = false;
  }
  std::fprintf(f, "],\n  \"exec_reports\": [");
  for (std::size_t i = 0; i < a.execs.size(); ++i) {
    const exec_record& e = a.execs[i];
    std::fprintf(f, "%s\n    [%" PRIu64 ", %u, \"%c\", \"%c\", %d, %d]", i ? "," : "", e.in_seq, e.cl_ord_id,
                 e.exec_type ? e.exec_type : '?', e.ord_status ? e.ord_status : '?', e.poss_dup ? 1 : 0,
                 e.from_journal ? 1 : 0);
  }
  std::fprintf(f, "\n  ]\n}\n");
  return std::fclose(f) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"fixring-trader: NewOrderSingle initiator (closed loop or windowed) and market-data consumer"};
  std::string config_file, json_file, report_file, app_log_file;
  options opt;
  int max_seconds = 60;
  cli.add_option("--config", config_file, "QuickFIX-style settings file (first session: an initiator)")->required();
  cli.add_option("--orders", opt.orders, "orders to send (ClOrdID 1..N)")->check(CLI::Range(1, 10'000'000));
  cli.add_option("--window", opt.window, "orders sent and not yet filled at most (1: closed loop)")
      ->check(CLI::Range(1, 1'000'000));
  cli.add_option("--gap-at", opt.gap_at, "skip outbound MsgSeqNums in session before this order (0: none)")
      ->check(CLI::Range(0, 10'000'000));
  cli.add_option("--ack-timeout-ms", opt.ack_timeout_ms,
                 "send an order unacknowledged this long after logon again with PossResend=Y (0: never)")
      ->check(CLI::Range(0, 3'600'000));
  cli.add_option("--pad-bytes", opt.pad_bytes, "add Text(58) of this many bytes to each order")
      ->check(CLI::Range(0, 60'000));
  cli.add_flag("--md", opt.md, "consume market data (35=W/X) instead of trading; check RptSeq(83)");
  cli.add_option("--md-expect", opt.md_expect, "with --md: log out after this many incrementals (0: run to the limit)");
  cli.add_option("--slow-consumer-us", opt.slow_consumer_us, "spend this long on each market-data message")
      ->check(CLI::Range(0, 1'000'000));
  cli.add_option("--pause-after-fills", opt.pause_after_fills, "once, after this many fills, send nothing for --pause-ms")
      ->check(CLI::Range(0, 10'000'000));
  cli.add_option("--pause-ms", opt.pause_ms, "length of that pause")->check(CLI::Range(0, 600'000));
  cli.add_option("--app-log", app_log_file, "append-only application log; read back on start (restart-safe)");
  cli.add_option("--report", report_file, "write a JSON report at exit: counters, ClOrdIDs sent, execution reports");
  cli.add_option("--json", json_file, "also write count and percentiles (us) to this file");
  cli.add_option("--max-seconds", max_seconds, "give up after this long")->check(CLI::Range(1, 3600));
  CLI11_PARSE(cli, argc, argv);
  if (opt.gap_at == 1 || opt.gap_at > opt.orders) {
    std::fprintf(stderr, "fixring-trader: --gap-at must be between 2 and --orders (or 0)\n");
    return 2;
  }

  auto settings = engine::config::parse_settings_file(config_file);
  if (!settings) {
    std::fprintf(stderr, "fixring-trader: %s\n", settings.error().message.c_str());
    return 1;
  }
  if (settings.value().sessions.empty() ||
      settings.value().sessions[session].connection != engine::config::connection_type::initiator) {
    std::fprintf(stderr, "fixring-trader: %s: the first session must be an initiator\n", config_file.c_str());
    return 1;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::signal(SIGPIPE, SIG_IGN);

  auto app = std::make_unique<trader_app>();
  app->opt = opt;
  app->size_for(opt.orders);
  app->journal_dir = engine::journal_directory(settings.value().sessions[session], engine::engine_options{}.default_store_dir);
  if (!app_log_file.empty()) {
    if (!restore_app_log(app_log_file, *app)) {
      std::fprintf(stderr, "fixring-trader: %s: malformed line\n", app_log_file.c_str());
      return 1;
    }
    if (!app->log.open(app_log_file)) {
      std::fprintf(stderr, "fixring-trader: cannot open %s: %s\n", app_log_file.c_str(), std::strerror(errno));
      return 1;
    }
  }
  if (!opt.md && !reconcile_with_journal(app->journal_dir, *app)) return 1;

  auto created = trader_engine::create(settings.value(), *app);
  if (!created) {
    std::fprintf(stderr, "fixring-trader: %s\n", created.error().message.c_str());
    return 1;
  }
  trader_engine& eng = *created.value();
  app->eng = &eng;
  const std::int64_t deadline_ns = clock_ns(CLOCK_MONOTONIC) + static_cast<std::int64_t>(max_seconds) * 1'000'000'000;
  while (!app->stopped()) {
    (void)eng.poll_once();
    if (clock_ns(CLOCK_MONOTONIC) > deadline_ns) {
      app->fail("time limit reached with " + std::to_string(app->acked) + " acknowledged and " +
                std::to_string(app->filled) + " filled of " + std::to_string(opt.orders) + " orders");
    }
  }
  const engine::session_stats final_stats = eng.session_core(session).stats();

  bool ok = app->state == run_state::finished;
  std::vector<std::int64_t> sorted = app->round_trip_ns;
  std::sort(sorted.begin(), sorted.end());
  if (!sorted.empty()) {
    const std::int64_t p50 = percentile(sorted, 50'000), p99 = percentile(sorted, 99'000);
    const std::int64_t p999 = percentile(sorted, 99'900), max = sorted.back();
    std::printf("round trip NewOrderSingle -> fill (us): count=%zu p50=%.1f p99=%.1f p99.9=%.1f max=%.1f\n",
                sorted.size(), static_cast<double>(p50) / 1e3, static_cast<double>(p99) / 1e3,
                static_cast<double>(p999) / 1e3, static_cast<double>(max) / 1e3);
    if (!json_file.empty() && !write_latency_json(json_file, sorted.size(), p50, p99, p999, max, opt.orders)) {
      std::fprintf(stderr, "fixring-trader: cannot write %s\n", json_file.c_str());
      ok = false;
    }
  }
  if (opt.md) {
    std::printf("market data: %" PRIu64 " snapshots, %" PRIu64 " incrementals, RptSeq %" PRIu64 "..%" PRIu64
                ", %" PRIu64 " gaps (%" PRIu64 " missing), %" PRIu64 " duplicates, %" PRIu64 " restarts\n",
                app->md_snapshots, app->md_incrementals, app->rpt_seq_first, app->rpt_seq_last, app->rpt_seq_gaps,
                app->rpt_seq_missing, app->rpt_seq_duplicates, app->rpt_seq_restarts);
  } else {
    std::printf("%d of %d orders filled, %d acknowledged, %" PRIu64 " duplicate acks, %" PRIu64
                " duplicate fills, %" PRIu64 " unknown fills, %" PRIu64 " PossResend\n",
                app->filled, opt.orders, app->acked, app->duplicate_acks, app->duplicate_fills, app->unknown_reports,
                app->poss_resends);
  }
  if (!report_file.empty() && !write_report(report_file, *app, final_stats)) {
    std::fprintf(stderr, "fixring-trader: cannot write %s\n", report_file.c_str());
    ok = false;
  }
  if (app->state == run_state::volume_full) {
    std::fprintf(stderr, "fixring-trader: %s\n", app->failure.c_str());
    return 3;
  }
  if (!ok) {
    std::fprintf(stderr, "fixring-trader: %s\n", app->failure.empty() ? "failed" : app->failure.c_str());
    return 1;
  }
  if (!opt.md && (app->filled != opt.orders || app->acked != opt.orders || app->duplicate_acks != 0 ||
                  app->duplicate_fills != 0 || app->unknown_reports != 0)) {
    std::fprintf(stderr, "fixring-trader: not every order was acknowledged and filled exactly once\n");
    return 1;
  }
  if (opt.md && (app->rpt_seq_gaps != 0 || app->rpt_seq_duplicates != 0)) {
    std::fprintf(stderr, "fixring-trader: RptSeq was not continuous\n");
    return 1;
  }
  return 0;
}
