// fixring-interop-peer: the fixring side of the QuickFIX/C++ interop tests
// (tests/interop/fixring_interop_test.sh), on the public engine API only.
//
//   fixring-interop-peer --config FILE [OPTIONS]
//
// The first session of the settings file decides the role.
//   initiator  sends --orders N NewOrderSingles, ClOrdIDs --first-id F ..
//              F+N-1, keeping at most --window W without their fill
//              (ExecutionReport OrdStatus 2); once all N are filled, and
//              --await-fills M fills of an earlier run's orders came too, it
//              logs out and exits 0 when the Logout is answered.
//   acceptor   answers each NewOrderSingle with two ExecutionReports, New
//              (39=0) then Fill (39=2); runs until SIGTERM/SIGINT, which logs
//              the session out; exit 0.
// Fault drills:
//   --skip-before-order ID:K  initiator: skip K outbound MsgSeqNums
//                             (session::skip_outbound_sequence) before order ID
//   --skip-after-order ID:K   acceptor: the same after answering order ID
//   --crash-after-fill ID     initiator: _Exit(3) once the fill of order ID is
//                             printed (the journal has it; nothing is flushed
//                             or logged out), as a killed process would
//   --crash-after-order ID    acceptor: _Exit(3) once order ID is answered
//   --test-request ID         either role: send a TestRequest with TestReqID ID
//                             at the first logon (the counterparty answers a
//                             Heartbeat; the summary counts both)
// Either role gives up after --max-seconds (exit 1).
//
// The journal keeps the sequence numbers, so a second run on the same
// FileStorePath continues them. The engine's settings file must not reset them
// (ResetOnLogon and friends N), which is the point of the tests.
//
// Output, one line per event, flushed (the tests read it):
//   start SESSION next_out=N next_in=N          the journal's numbers at start-up
//   status SESSION STATUS error=REASON          every status change
//   logon SESSION next_out=N next_in=N          on becoming active
//   skip K before|after ID next_out=N
//   test-request sent|refused ID
//   sent ID                                     initiator: an order handed to the session
//   fill ID possdup=Y|N                         initiator: a fill
//   duplicate-fill ID | unknown-fill ID
//   order ID possdup=Y|N                        acceptor: an order answered
//   duplicate-order ID
//   crash after fill|order ID next_out=N next_in=N
//   summary key=value ...                       at exit (not after a crash)
//   exit SESSION next_out=N next_in=N
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <CLI/CLI.hpp>

#include "fixring/codec/types.hpp"
#include "fixring/engine/engine.hpp"

namespace {

using namespace fixring;

struct peer_app;
using peer_engine = engine::engine<peer_app>;

constexpr engine::session_handle session = 0;

// What the signal handlers reach: set once before run(), read by the handlers.
peer_engine* signal_engine = nullptr;
volatile sig_atomic_t timed_out = 0;
volatile sig_atomic_t signalled = 0;

extern "C" void on_stop_signal(int) {
  signalled = 1;
  if (signal_engine != nullptr) signal_engine->request_shutdown();  // async-signal-safe
}
extern "C" void on_alarm(int) {
  timed_out = 1;
  if (signal_engine != nullptr) signal_engine->stop();  // async-signal-safe
}

void line(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

// "ID:K" -> ID and K > 0.
bool parse_skip(const std::string& arg, std::uint64_t& id, std::uint64_t& count) {
  const std::size_t colon = arg.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  char* end = nullptr;
  id = std::strtoull(arg.c_str(), &end, 10);
  if (end != arg.c_str() + colon) return false;
  count = std::strtoull(arg.c_str() + colon + 1, &end, 10);
  return *end == '\0' && count > 0;
}

struct options {
  bool initiator = false;
  std::uint64_t orders = 0;
  std::uint64_t first_id = 1;
  std::uint64_t window = 20;
  std::uint64_t await_fills = 0;
  std::uint64_t skip_id = 0;     // 0: no skip drill
  std::uint64_t skip_count = 0;
  std::uint64_t crash_id = 0;    // 0: no crash drill
  std::string test_req_id;       // empty: no TestRequest drill
};

// Callbacks run on the reactor thread, which is main's (run()); nothing here
// is shared with another thread except through the signal handlers above.
// A test driver, not a hot path: it formats strings freely.
struct peer_app {
  peer_engine* eng = nullptr;
  options opt;
  bool fix42 = false;

  // initiator
  std::uint64_t next_id = 0;      // next ClOrdID to send
  std::uint64_t in_flight = 0;    // sent in this run, not filled yet
  std::uint64_t sent = 0;
  std::vector<std::uint8_t> filled;  // by ClOrdID - first_id
  std::uint64_t fills = 0;
  std::unordered_map<std::uint64_t, int> foreign;  // fills of other runs' orders
  std::uint64_t foreign_fills = 0;
  std::uint64_t duplicate_fills = 0;
  std::uint64_t unknown_fills = 0;
  std::uint64_t possdup_fills = 0;
  bool skipped = false;
  bool logout_sent = false;
  bool clean_logout = false;

  // acceptor
  std::unordered_map<std::string, int> answered;  // by ClOrdID
  std::uint64_t orders_answered = 0;
  std::uint64_t duplicate_orders = 0;
  std::uint64_t possdup_orders = 0;
  std::uint64_t exec_id = 0;

  std::uint64_t logons = 0;
  std::uint64_t logged_out = 0;  // Logout handshakes completed
  std::uint64_t errors = 0;      // status error (or a connection lost while logged on)

  [[nodiscard]] std::string seqs() const {
    const auto& core = eng->session_core(session);
    return "next_out=" + std::to_string(core.next_outbound_seq()) + " next_in=" + std::to_string(core.next_inbound_seq());
  }

  [[nodiscard]] bool done() const noexcept { return fills == opt.orders && foreign_fills >= opt.await_fills; }

  // Initiator: fills the window, then logs out once everything is filled.
  void pump() noexcept {
    if (eng->status(session) != engine::session_status::active) return;
    while (in_flight < opt.window && next_id < opt.first_id + opt.orders) {
      const std::uint64_t id = next_id;
      if (id == opt.skip_id && !skipped) {
        if (eng->session_core(session).skip_outbound_sequence(opt.skip_count) != engine::send_result::sent) {
          line("error: skip_outbound_sequence refused");
          eng->stop();
          return;
        }
        skipped = true;
        line("skip " + std::to_string(opt.skip_count) + " before " + std::to_string(id) + " " + seqs());
      }
      const engine::send_result r = eng->send(session, "D", [&](codec::encoder& e) noexcept {
        e.add_uint(11, id);                                                             // ClOrdID
        e.add(21, "1");                                                                 // HandlInst
        e.add(38, "100");                                                               // OrderQty
        e.add(40, "2");                                                                 // OrdType limit
        e.add(44, "101.25");                                                            // Price
        e.add(54, "1");                                                                 // Side buy
        e.add(55, "FIXR");                                                              // Symbol
        e.add_timestamp(60, eng->wall_now_ns(), codec::time_precision::ms);             // TransactTime
      });
      if (r != engine::send_result::sent && r != engine::send_result::queued) return;  // retried on the next logon
      ++next_id;
      ++in_flight;
      ++sent;
      line("sent " + std::to_string(id));
    }
    if (done() && !logout_sent) {
      logout_sent = true;
      line("all orders filled; logout");
      (void)eng->logout(session, "done");
    }
  }

  void on_fill(const codec::message& m) {
    std::uint64_t id = 0;
    bool poss_dup = false;
    (void)m.get_bool(43, poss_dup);
    if (!m.get_uint(11, id)) {
      ++unknown_fills;
      line("unknown-fill " + std::string(m.get_or(11)));
      return;
    }
    if (id >= opt.first_id && id < opt.first_id + opt.orders) {
      std::uint8_t& f = filled[id - opt.first_id];
      if (f++ != 0 || id >= next_id) {
        ++(id >= next_id ? unknown_fills : duplicate_fills);
        line(std::string(id >= next_id ? "unknown-fill " : "duplicate-fill ") + std::to_string(id));
        return;
      }
      ++fills;
      --in_flight;
    } else {
      if (foreign[id]++ != 0) {
        ++duplicate_fills;
        line("duplicate-fill " + std::to_string(id));
        return;
      }
      ++foreign_fills;
    }
    if (poss_dup) ++possdup_fills;
    line("fill " + std::to_string(id) + " possdup=" + (poss_dup ? "Y" : "N"));
    if (id == opt.crash_id) crash("fill", id);
    pump();
  }

  void on_order(const codec::message& m) {
    bool poss_dup = false;
    (void)m.get_bool(43, poss_dup);
    const std::string cl_ord_id(m.get_or(11));
    if (answered[cl_ord_id]++ != 0) {
      ++duplicate_orders;
      line("duplicate-order " + cl_ord_id);
      return;
    }
    const std::string_view qty = m.get_or(38, "0");
    const std::string_view px = m.get_or(44, "0");
    const std::string_view side = m.get_or(54, "1");
    const std::string_view symbol = m.get_or(55, "N/A");
    const std::uint64_t order_id = ++orders_answered;
    for (const bool fill : {false, true}) {
      const std::uint64_t exec = ++exec_id;
      (void)eng->send(session, "8", [&](codec::encoder& e) noexcept {
        e.add(6, fill ? px : std::string_view("0"));       // AvgPx
        e.add(11, cl_ord_id);                               // ClOrdID
        e.add(14, fill ? qty : std::string_view("0"));      // CumQty
        e.add_uint(17, exec);                               // ExecID
        if (fix42) e.add_char(20, '0');                     // ExecTransType New (FIX.4.2 only)
        if (fill) {
          e.add(31, px);                                    // LastPx
          e.add(32, qty);                                   // LastQty
        }
        e.add_uint(37, order_id);                           // OrderID
        e.add(38, qty);                                     // OrderQty
        e.add_char(39, fill ? '2' : '0');                   // OrdStatus
        e.add(54, side);                                    // Side
        e.add(55, symbol);                                  // Symbol
        e.add_char(150, fill ? (fix42 ? '2' : 'F') : '0');  // ExecType: Fill (4.2) / Trade (4.3+)
        e.add(151, fill ? std::string_view("0") : qty);     // LeavesQty
      });
    }
    if (poss_dup) ++possdup_orders;
    line("order " + cl_ord_id + " possdup=" + (poss_dup ? "Y" : "N"));
    char* end = nullptr;
    const std::uint64_t id = std::strtoull(cl_ord_id.c_str(), &end, 10);
    if (end == cl_ord_id.c_str() || *end != '\0') return;
    if (id == opt.skip_id && !skipped) {
      skipped = true;
      if (eng->session_core(session).skip_outbound_sequence(opt.skip_count) != engine::send_result::sent) {
        line("error: skip_outbound_sequence refused");
      } else {
        line("skip " + std::to_string(opt.skip_count) + " after " + cl_ord_id + " " + seqs());
      }
    }
    if (id == opt.crash_id) crash("order", id);
  }

  [[noreturn]] void crash(const char* what, std::uint64_t id) {
    line(std::string("crash after ") + what + " " + std::to_string(id) + " " + seqs());
    std::_Exit(3);
  }

  // ---- engine callbacks ----

  void on_message(engine::session_handle, const codec::message& m, std::int64_t) noexcept {
    const std::string_view type = m.msg_type();
    char status = 0;
    if (opt.initiator && type == "8" && m.get_char(39, status) && status == '2') {
      on_fill(m);
    } else if (!opt.initiator && type == "D") {
      on_order(m);
    }
  }

  void on_status(engine::session_handle h, engine::session_status st, engine::session_error err) noexcept {
    line("status " + eng->session_name(h) + " " + std::string(engine::to_string(st)) + " error=" +
         std::string(engine::to_string(err)));
    switch (st) {
      case engine::session_status::active:
        ++logons;
        line("logon " + eng->session_name(h) + " " + seqs());
        if (!opt.test_req_id.empty() && logons == 1) {
          const engine::send_result r = eng->session_core(h).send_test_request(opt.test_req_id, eng->wall_now_ns());
          line("test-request " + std::string(r == engine::send_result::sent || r == engine::send_result::queued
                                                 ? "sent "
                                                 : "refused ") +
               opt.test_req_id);
        }
        if (opt.initiator) pump();
        break;
      case engine::session_status::logged_out:
        ++logged_out;
        if (opt.initiator && logout_sent) {
          clean_logout = true;
          eng->stop();
        }
        break;
      case engine::session_status::error: ++errors; break;
      default: break;
    }
  }

  bool authenticate_logon(engine::session_handle, const codec::message&) noexcept { return true; }
};

void print_summary(peer_app& app) {
  const engine::session_stats& s = app.eng->session_core(session).stats();
  std::string out = "summary role=" + std::string(app.opt.initiator ? "initiator" : "acceptor");
  const auto kv = [&out](const char* k, std::uint64_t v) { out += std::string(" ") + k + "=" + std::to_string(v); };
  if (app.opt.initiator) {
    kv("orders_sent", app.sent);
    kv("fills", app.fills);
    kv("foreign_fills", app.foreign_fills);
    kv("possdup_fills", app.possdup_fills);
    kv("duplicate_fills", app.duplicate_fills);
    kv("unknown_fills", app.unknown_fills);
    out += std::string(" clean_logout=") + (app.clean_logout ? "Y" : "N");
  } else {
    kv("orders", app.orders_answered);
    kv("possdup_orders", app.possdup_orders);
    kv("duplicate_orders", app.duplicate_orders);
  }
  kv("logons", app.logons);
  kv("logouts_completed", app.logged_out);
  kv("session_errors", app.errors);
  kv("resend_requests_sent", s.resend_requests_sent);
  kv("resend_requests_received", s.resend_requests_received);
  kv("messages_resent", s.messages_resent);
  kv("sequence_resets_sent", s.sequence_resets_sent);
  kv("sequence_resets_received", s.sequence_resets_received);
  kv("gaps_detected", s.gaps_detected);
  kv("rejects_sent", s.rejects_sent);
  kv("rejects_received", s.rejects_received);
  kv("heartbeats_sent", s.heartbeats_sent);
  kv("heartbeats_received", s.heartbeats_received);
  kv("test_requests_sent", s.test_requests_sent);
  kv("test_requests_received", s.test_requests_received);
  kv("logouts_sent", s.logouts_sent);
  kv("logouts_received", s.logouts_received);
  line(out);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"fixring-interop-peer: fixring's side of the QuickFIX/C++ interop tests"};
  std::string config_file, skip_before, skip_after;
  std::uint64_t crash_after_fill = 0, crash_after_order = 0;
  unsigned max_seconds = 50;
  options opt;
  cli.add_option("--config", config_file, "QuickFIX-style settings file; its first session is used")->required();
  cli.add_option("--orders", opt.orders, "initiator: NewOrderSingles to send");
  cli.add_option("--first-id", opt.first_id, "initiator: ClOrdID of the first order")->check(CLI::Range(1, 1'000'000'000));
  cli.add_option("--window", opt.window, "initiator: orders awaiting their fill at most")->check(CLI::Range(1, 10'000));
  cli.add_option("--await-fills", opt.await_fills, "initiator: fills of earlier runs' orders to wait for");
  cli.add_option("--skip-before-order", skip_before, "initiator: ID:K, skip K outbound MsgSeqNums before order ID");
  cli.add_option("--skip-after-order", skip_after, "acceptor: ID:K, skip K outbound MsgSeqNums after answering ID");
  cli.add_option("--crash-after-fill", crash_after_fill, "initiator: _Exit(3) after the fill of order ID");
  cli.add_option("--crash-after-order", crash_after_order, "acceptor: _Exit(3) after answering order ID");
  cli.add_option("--test-request", opt.test_req_id, "send a TestRequest with this TestReqID at the first logon");
  cli.add_option("--max-seconds", max_seconds, "give up after this long (exit 1)")->check(CLI::Range(1, 3600));
  CLI11_PARSE(cli, argc, argv);

  auto parsed = engine::config::parse_settings_file(config_file);
  if (!parsed) {
    std::fprintf(stderr, "fixring-interop-peer: %s\n", parsed.error().message.c_str());
    return 2;
  }
  const engine::config::settings& settings = parsed.value();
  if (settings.sessions.empty()) {
    std::fprintf(stderr, "fixring-interop-peer: %s: no session\n", config_file.c_str());
    return 2;
  }
  const engine::config::session_settings& first = settings.sessions[session];
  opt.initiator = first.connection == engine::config::connection_type::initiator;
  const std::string role_error =
      opt.initiator ? (!skip_after.empty() || crash_after_order != 0 ? "--skip-after-order and --crash-after-order are acceptor drills" : "")
                    : (!skip_before.empty() || crash_after_fill != 0 || opt.orders != 0 || opt.await_fills != 0
                           ? "--orders, --await-fills, --skip-before-order and --crash-after-fill are initiator options"
                           : "");
  if (!role_error.empty()) {
    std::fprintf(stderr, "fixring-interop-peer: %s: the first session is %s: %s\n", config_file.c_str(),
                 opt.initiator ? "an initiator" : "an acceptor", role_error.c_str());
    return 2;
  }
  const std::string& skip = opt.initiator ? skip_before : skip_after;
  if (!skip.empty() && !parse_skip(skip, opt.skip_id, opt.skip_count)) {
    std::fprintf(stderr, "fixring-interop-peer: a skip drill needs ID:K with K > 0, not '%s'\n", skip.c_str());
    return 2;
  }
  opt.crash_id = opt.initiator ? crash_after_fill : crash_after_order;
  if (opt.initiator && opt.orders == 0 && opt.await_fills == 0) {
    std::fprintf(stderr, "fixring-interop-peer: an initiator needs --orders or --await-fills\n");
    return 2;
  }

  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  peer_app app;
  app.opt = opt;
  app.fix42 = engine::config::to_string(first.id.begin_string) == "FIX.4.2";
  app.next_id = opt.first_id;
  app.filled.assign(opt.orders, 0);

  engine::engine_options eo;
  eo.journal_index_capacity = std::uint64_t{1} << 16;  // a few thousand messages per run
  eo.max_connections = 8;
  auto created = peer_engine::create(settings, app, eo);
  if (!created) {
    std::fprintf(stderr, "fixring-interop-peer: %s\n", created.error().message.c_str());
    return 2;
  }
  peer_engine& eng = *created.value();
  app.eng = &eng;
  line("start " + eng.session_name(session) + " " + app.seqs());

  signal_engine = &eng;
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, nullptr);
  alarm(max_seconds);

  const auto st = eng.run();
  alarm(0);
  signal_engine = nullptr;
  if (!st.ok()) {
    const std::string_view why = st.name();
    std::fprintf(stderr, "fixring-interop-peer: the reactor did not run: %.*s\n", static_cast<int>(why.size()), why.data());
    return 2;
  }
  print_summary(app);
  line("exit " + eng.session_name(session) + " " + app.seqs());
  if (timed_out != 0) {
    std::fprintf(stderr, "fixring-interop-peer: timed out after %u s\n", max_seconds);
    return 1;
  }
  if (opt.initiator && !(app.done() && app.clean_logout)) {
    std::fprintf(stderr, "fixring-interop-peer: stopped before every order was filled and the Logout answered\n");
    return 1;
  }
  return 0;
}
