// fixring-trader: the initiator of the README's demo (tools/demo.sh).
//
//   fixring-trader --config FILE --orders N [--gap-at K] [--json FILE] [--max-seconds S]
//
// Builds an engine from the settings file (its first session must be an
// initiator), logs on and sends N NewOrderSingles closed-loop: order i+1 goes
// out when the fill (ExecutionReport, OrdStatus 2) of order i arrived;
// ClOrdID is the order's index. Each round trip, send to fill, is timed with
// CLOCK_MONOTONIC and the exact percentiles of the full sample set are printed.
//
// --gap-at K forces a sequence gap before order K. The engine offers no call
// that moves a live session's outbound MsgSeqNum, so the trader does what a
// restarted initiator with a damaged or skipped journal range does: it logs
// out, closes the engine, raises the journal's next outbound MsgSeqNum by
// gap_size_msgs through store::session_journal::set_next_outbound_seq, and
// logs on again. The acceptor sees the Logon's MsgSeqNum too high and sends a
// ResendRequest; the numbers were never journaled, so the trader answers with
// a SequenceReset-GapFill. Orders resume once that GapFill is out.
//
// Prints every session status change and every protocol counter that moved
// (resend requests, gap fills, gaps, rejects) as it happens. Exit 0 only when
// every order was filled exactly once and the final Logout was answered.
#include <time.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "fixring/codec/types.hpp"
#include "fixring/engine/engine.hpp"

namespace {

using namespace fixring;

struct trader_app;
using trader_engine = engine::engine<trader_app>;

constexpr std::uint64_t gap_size_msgs = 5;   // MsgSeqNums skipped by the forced gap
constexpr engine::session_handle session = 0;

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

// What one engine instance (one leg of the run, one logon) ends with.
enum class leg_result : std::uint8_t {
  running,
  paused_for_gap,  // logged out at --gap-at, to force the gap
  finished,        // every order filled and the final Logout answered
  failed,
};

// Callbacks run on the reactor thread, which is main's thread here (the
// trader drives the engine with poll_once), so nothing is shared across threads.
struct trader_app {
  trader_engine* eng = nullptr;
  int orders = 0;
  int gap_at = 0;          // 0: no forced gap
  bool gap_done = false;   // the gap was forced (the second leg runs)
  bool awaiting_gap_fill = false;
  int next_order = 1;      // index of the next order to send
  int in_flight = 0;       // index of the order awaiting its fill, 0: none
  int filled = 0;
  std::uint64_t duplicate_fills = 0;
  std::uint64_t unknown_fills = 0;
  std::vector<std::int64_t> sent_ns;       // monotonic send time, by ClOrdID
  std::vector<std::uint8_t> fills;         // fills received, by ClOrdID
  std::vector<std::int64_t> round_trip_ns; // one per fill, in arrival order
  std::int64_t gap_deadline_ns = 0;        // monotonic
  leg_result result = leg_result::running;
  std::string failure;
  engine::session_stats seen{};

  void fail(std::string why) {
    if (result == leg_result::failed) return;
    failure = std::move(why);
    result = leg_result::failed;
    print_event("error: " + failure);
  }

  // Sends the next order, or starts the gap / the final Logout.
  void advance() noexcept {
    if (next_order > orders) {
      print_event("all " + std::to_string(orders) + " orders filled; logout");
      const engine::send_result r = eng->logout(session, "done");
      if (r != engine::send_result::sent && r != engine::send_result::queued) fail("the final Logout could not be sent");
      return;
    }
    if (next_order == gap_at && !gap_done) {
      print_event("order " + std::to_string(next_order) + ": logging out to force a sequence gap");
      const engine::send_result r = eng->logout(session, "forcing a sequence gap");
      if (r != engine::send_result::sent && r != engine::send_result::queued) fail("Logout refused");
      return;
    }
    const int i = next_order++;
    in_flight = i;
    sent_ns[static_cast<std::size_t>(i)] = clock_ns(CLOCK_MONOTONIC);
    const engine::send_result r = eng->send(session, "D", [i](codec::encoder& e) noexcept {
      e.add_uint(11, static_cast<std::uint64_t>(i));           // ClOrdID
      e.add(21, "1");                                          // HandlInst
      e.add(38, "100");                                        // OrderQty
      e.add(40, "2");                                          // OrdType limit
      e.add_uint(44, 100 + static_cast<std::uint64_t>(i % 50));  // Price
      e.add(54, "1");                                          // Side buy
      e.add(55, "FIXR");                                       // Symbol
      e.add_timestamp(60, clock_ns(CLOCK_REALTIME), codec::time_precision::ms);  // TransactTime
    });
    if (r != engine::send_result::sent && r != engine::send_result::queued) {
      fail("NewOrderSingle " + std::to_string(i) + " not sent (send_result " + std::to_string(static_cast<int>(r)) + ")");
    }
  }

  void on_message(engine::session_handle, const codec::message& m, std::int64_t) noexcept {
    if (m.msg_type() != "8") return;
    char status = 0;
    if (!m.get_char(39, status) || status != '2') return;  // the acknowledgement (OrdStatus New)
    const std::int64_t now = clock_ns(CLOCK_MONOTONIC);
    std::uint64_t id = 0;
    if (!m.get_uint(11, id) || id == 0 || id > static_cast<std::uint64_t>(orders) || sent_ns[id] == 0) {
      ++unknown_fills;
      return;
    }
    if (fills[id]++ != 0) {
      ++duplicate_fills;
      return;
    }
    round_trip_ns.push_back(now - sent_ns[id]);
    ++filled;
    if (filled % (orders >= 4 ? orders / 4 : 1) == 0) {
      char line[64];  // on the fill path: no allocation
      const int n = std::snprintf(line, sizeof line, "traffic: %d of %d orders filled", filled, orders);
      print_event(std::string_view(line, static_cast<std::size_t>(n)));
    }
    if (static_cast<int>(id) != in_flight) return;
    in_flight = 0;
    advance();
  }

  void on_status(engine::session_handle h, engine::session_status st, engine::session_error err) noexcept {
    report_counters();  // what led here comes first
    const auto& core = eng->session_core(h);
    std::string what = std::string(engine::to_string(st));
    if (err != engine::session_error::none) what += ": " + std::string(engine::to_string(err));
    if (st == engine::session_status::active) {
      what = "logon, next outbound MsgSeqNum " + std::to_string(core.next_outbound_seq()) +
             ", next inbound " + std::to_string(core.next_inbound_seq());
    }
    print_event("session " + eng->session_name(h) + " " + what);
    switch (st) {
      case engine::session_status::active:
        if (gap_done) {
          awaiting_gap_fill = true;  // resume once the counterparty's ResendRequest is answered
          gap_deadline_ns = clock_ns(CLOCK_MONOTONIC) + 5'000'000'000;
        } else {
          advance();
        }
        break;
      case engine::session_status::logged_out:
        if (result != leg_result::running) break;
        if (next_order > orders && in_flight == 0) {
          result = leg_result::finished;
        } else if (next_order == gap_at && !gap_done) {
          result = leg_result::paused_for_gap;
        } else {
          fail("the counterparty logged out before every order was filled");
        }
        break;
      case engine::session_status::error:
        fail("session error: " + std::string(engine::to_string(err)));
        break;
      case engine::session_status::disconnected:
        if (result == leg_result::running && err != engine::session_error::none) {
          fail("disconnected: " + std::string(engine::to_string(err)));
        }
        break;
      default: break;
    }
  }

  bool authenticate_logon(engine::session_handle, const codec::message&) noexcept { return true; }

  // Called from the engine's periodic tick: protocol events as they happen,
  // and the end of the forced gap's recovery.
  void on_tick(std::int64_t) noexcept {
    report_counters();
    if (!awaiting_gap_fill || result != leg_result::running) return;
    const engine::session_stats& s = eng->session_core(session).stats();
    if (s.resend_requests_received > 0 && s.sequence_resets_sent > 0 && !eng->session_core(session).gap_open()) {
      awaiting_gap_fill = false;
      print_event("gap recovered: the counterparty asked for the skipped MsgSeqNums and got a GapFill; "
                  "resuming at order " + std::to_string(next_order));
      advance();
    } else if (clock_ns(CLOCK_MONOTONIC) > gap_deadline_ns) {
      fail("no ResendRequest/GapFill exchange within 5 s of the logon after the gap");
    }
  }

  void report_counters() {
    const engine::session_stats& now = eng->session_core(session).stats();
    report("resend request received", now.resend_requests_received, seen.resend_requests_received);
    report("resend request sent", now.resend_requests_sent, seen.resend_requests_sent);
    report("messages resent", now.messages_resent, seen.messages_resent);
    report("sequence reset (gap fill) sent", now.sequence_resets_sent, seen.sequence_resets_sent);
    report("sequence reset received", now.sequence_resets_received, seen.sequence_resets_received);
    report("gap detected", now.gaps_detected, seen.gaps_detected);
    report("reject sent", now.rejects_sent, seen.rejects_sent);
    report("reject received", now.rejects_received, seen.rejects_received);
  }
  void report(std::string_view what, std::uint64_t now, std::uint64_t& was) {
    if (now == was) return;
    print_event(std::string(what) + " (+" + std::to_string(now - was) + ", total " + std::to_string(now) + ")");
    was = now;
  }
};

// Exact nearest-rank percentile of sorted samples: the smallest sample with
// at least per_100k / 100000 of the samples at or below it (integer arithmetic,
// so 0.99 x 2000 is rank 1980, not a rounding error away from it).
[[nodiscard]] std::int64_t percentile(const std::vector<std::int64_t>& sorted, std::uint64_t per_100k) {
  std::uint64_t rank = (sorted.size() * per_100k + 99'999) / 100'000;
  if (rank == 0) rank = 1;
  return sorted[std::min<std::uint64_t>(rank, sorted.size()) - 1];
}

// One engine lifetime: create, run until the leg ends or the deadline passes.
[[nodiscard]] bool run_leg(const engine::config::settings& settings, trader_app& app, std::int64_t deadline_ns) {
  auto created = trader_engine::create(settings, app);
  if (!created) {
    std::fprintf(stderr, "fixring-trader: %s\n", created.error().message.c_str());
    return false;
  }
  trader_engine& eng = *created.value();
  app.eng = &eng;
  app.seen = {};
  app.result = leg_result::running;
  while (app.result == leg_result::running) {
    (void)eng.poll_once();
    if (clock_ns(CLOCK_MONOTONIC) > deadline_ns) {
      app.fail("time limit reached with " + std::to_string(app.filled) + " of " + std::to_string(app.orders) +
               " orders filled");
    }
  }
  app.eng = nullptr;
  return app.result != leg_result::failed;
}

// Raises the journal's next outbound MsgSeqNum by gap_size_msgs while no
// engine holds it open.
[[nodiscard]] bool skip_outbound_seqs(const engine::config::settings& settings) {
  engine::engine_options defaults;
  auto j = engine::open_journal(settings.sessions[session], defaults.default_store_dir,
                                defaults.journal_index_capacity, clock_ns(CLOCK_REALTIME));
  if (!j) {
    std::fprintf(stderr, "fixring-trader: %s\n", j.error().message.c_str());
    return false;
  }
  store::session_journal& journal = *j.value();
  const std::uint64_t from = journal.next_outbound_seq();
  const std::uint64_t to = from + gap_size_msgs;
  if (journal.set_next_outbound_seq(to) != store::store_status::ok) {
    std::fprintf(stderr, "fixring-trader: the journal refused to move the next outbound MsgSeqNum\n");
    return false;
  }
  print_event("forced gap: next outbound MsgSeqNum raised from " + std::to_string(from) + " to " +
              std::to_string(to) + " in the journal (" + std::to_string(gap_size_msgs) +
              " numbers never sent); logging on again");
  return true;
}

bool write_json(const std::string& path, std::size_t count, std::int64_t p50, std::int64_t p99, std::int64_t p999,
                std::int64_t max, int orders) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  std::fprintf(f,
               "{\"orders\": %d, \"count\": %zu, \"p50_us\": %.3f, \"p99_us\": %.3f, \"p99_9_us\": %.3f, "
               "\"max_us\": %.3f}\n",
               orders, count, static_cast<double>(p50) / 1e3, static_cast<double>(p99) / 1e3,
               static_cast<double>(p999) / 1e3, static_cast<double>(max) / 1e3);
  return std::fclose(f) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"fixring-trader: closed-loop NewOrderSingle initiator with a forced sequence gap"};
  std::string config_file, json_file;
  int orders = 1000;
  int gap_at = 0;
  int max_seconds = 60;
  cli.add_option("--config", config_file, "QuickFIX-style settings file (first session: an initiator)")->required();
  cli.add_option("--orders", orders, "orders to send, one at a time")->check(CLI::Range(1, 10'000'000));
  cli.add_option("--gap-at", gap_at, "force a sequence gap before this order (0: none)")
      ->check(CLI::Range(0, 10'000'000));
  cli.add_option("--json", json_file, "also write count and percentiles (us) to this file");
  cli.add_option("--max-seconds", max_seconds, "give up after this long")->check(CLI::Range(1, 3600));
  CLI11_PARSE(cli, argc, argv);
  if (gap_at == 1 || gap_at > orders) {
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

  trader_app app;
  app.orders = orders;
  app.gap_at = gap_at;
  app.sent_ns.assign(static_cast<std::size_t>(orders) + 1, 0);
  app.fills.assign(static_cast<std::size_t>(orders) + 1, 0);
  app.round_trip_ns.reserve(static_cast<std::size_t>(orders));
  const std::int64_t deadline_ns = clock_ns(CLOCK_MONOTONIC) + static_cast<std::int64_t>(max_seconds) * 1'000'000'000;

  bool ok = run_leg(settings.value(), app, deadline_ns);
  if (ok && app.result == leg_result::paused_for_gap) {
    app.gap_done = true;
    ok = skip_outbound_seqs(settings.value()) && run_leg(settings.value(), app, deadline_ns);
  }

  std::vector<std::int64_t> sorted = app.round_trip_ns;
  std::sort(sorted.begin(), sorted.end());
  if (!sorted.empty()) {
    const std::int64_t p50 = percentile(sorted, 50'000), p99 = percentile(sorted, 99'000);
    const std::int64_t p999 = percentile(sorted, 99'900), max = sorted.back();
    std::printf("round trip NewOrderSingle -> fill (us): count=%zu p50=%.1f p99=%.1f p99.9=%.1f max=%.1f\n",
                sorted.size(), static_cast<double>(p50) / 1e3, static_cast<double>(p99) / 1e3,
                static_cast<double>(p999) / 1e3, static_cast<double>(max) / 1e3);
    if (!json_file.empty() && !write_json(json_file, sorted.size(), p50, p99, p999, max, orders)) {
      std::fprintf(stderr, "fixring-trader: cannot write %s\n", json_file.c_str());
      ok = false;
    }
  }
  std::printf("%d of %d orders filled, %" PRIu64 " duplicate fills, %" PRIu64 " unknown fills\n", app.filled, orders,
              app.duplicate_fills, app.unknown_fills);
  if (!ok) {
    std::fprintf(stderr, "fixring-trader: %s\n", app.failure.empty() ? "failed" : app.failure.c_str());
    return 1;
  }
  if (app.filled != orders || app.duplicate_fills != 0 || app.unknown_fills != 0 ||
      app.result != leg_result::finished) {
    std::fprintf(stderr, "fixring-trader: not every order was filled exactly once\n");
    return 1;
  }
  return 0;
}
