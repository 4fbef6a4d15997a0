// fixring-sim: a FIX acceptor and/or initiator driven by a QuickFIX-style
// settings file, answering with one of the test applications in apps.hpp.
//
//   fixring-sim --config FILE --app echo|fill [--max-seconds N] [LP flags]
//
// Prints one line per session event (status changes with their reason, and a
// summary of each session's counters when its connection ends), writes the
// journals under FileStorePath, and on SIGINT/SIGTERM logs every session out,
// waits for the Logout answers (bounded by LogoutTimeout) and exits 0.
//
// Liquidity-provider (LP) flags, --app fill only; they apply to every session,
// and random choices come from --seed N (default 1), the same for the same seed:
//   --reject-ratio R        share R in [0,1] of NewOrderSingles answered with one
//                           ExecutionReport 150=8, 39=8, 58=reason
//   --fill MODE             full (default: New, Fill) | partial:N (New, N-1 partial
//                           fills 150=F 39=1, last fill 39=2; CumQty/LeavesQty
//                           consistent; a quantity of fewer than N units gets one
//                           fill per unit) | cancel (New, Canceled 150=4 39=4)
//   --fill-latency-us N     every answer to an order leaves N us after the order
//                           arrived (a due queue served by the engine's 1 ms tick,
//                           so at most ~1 ms later; never sleeping the reactor)
//   --md-rate N             after each logon a MarketDataSnapshotFullRefresh (W)
//                           per symbol, then MarketDataIncrementalRefresh (X) at N
//                           per second per session, symbols in turn, each with
//                           RptSeq(83) 1, 2, ... per session (continuing across
//                           reconnects); --md-symbols A,B,C (default EUR/USD);
//                           --md-count M stops after M incrementals (0: unbounded)
//   --gap-every N           after every N application messages sent on a session,
//   --gap-size K            skip K outbound MsgSeqNums (default 1): a gap the peer
//                           recovers by ResendRequest, answered with a GapFill
//   --drop-heartbeats-after S  on each session's first logged-on connection, S
//                           seconds after logon: no more Heartbeats, TestRequests
//                           unanswered; later connections behave normally
//   --disconnect-mid-message-after N  on each connection, after N application
//                           messages the next one is journaled but only its first
//                           half written, then the connection closed without Logout
//   --restart-reset         sequence numbers back to 1 with ResetSeqNumFlag 141=Y:
//                           an initiator session resets its journal at start-up
//                           and its first Logon carries 141=Y; an acceptor
//                           session answers the first Logon with 141=Y when the
//                           peer asked for a reset, and otherwise answers it in
//                           sequence (an answer at 1 would be "too low" for the
//                           peer) and then sends an in-session reset, a Logon
//                           141=Y at MsgSeqNum 1 that the peer answers in kind
//   --duplicate-every N     after every N application messages, the last one is
//                           sent again: same MsgSeqNum, 43=Y, 122=original time
//   --flood N               after logon, N MarketDataIncrementalRefresh per
//                           session (RptSeq as above) as fast as the connection
//                           takes them; a back-pressured session gets no more until
//                           its backlog is written, so memory stays bounded
//   --stats-json FILE       at exit: per-session counters (orders, exec reports by
//                           ExecType, market data, induced faults, ClOrdID count
//                           and checksum = sum mod 2^64 of FNV-1a-64 of each ClOrdID)
// Every induced fault prints one line starting "fault: ".
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include <CLI/CLI.hpp>

#include "apps.hpp"
#include "fixring/codec/types.hpp"
#include "fixring/engine/engine.hpp"
#include "lp_options.hpp"

namespace {

using namespace fixring;

template <class Responder>
struct sim_app;

template <class Responder>
using sim_engine = engine::engine<sim_app<Responder>>;

// The responders' view of one engine session.
template <class Responder>
struct engine_out {
  sim_app<Responder>* app;
  engine::session_handle h;
  template <class BodyFn>
  bool send(std::string_view type, BodyFn&& body, const engine::header_fields& header) {
    return app->send_app(h, type, std::forward<BodyFn>(body), header);
  }
  void business_reject(const codec::message& m, std::uint32_t reason, std::string_view text) {
    app->send_business_reject(h, m, reason, text);
  }
};

void print_event(std::int64_t wall_ns, const std::string& session, std::string_view what) {
  char ts[32];
  const std::size_t n = codec::format_utc_timestamp(ts, wall_ns, codec::time_precision::ms);
  std::printf("%.*s %s %.*s\n", static_cast<int>(n), ts, session.c_str(), static_cast<int>(what.size()), what.data());
  std::fflush(stdout);
}

// One session's LP state: what it did (for --stats-json) and where each
// behaviour stands on the current connection.
struct lp_session {
  // Over the process life.
  std::uint64_t app_sent = 0;           // application messages sequenced
  std::uint64_t md_snapshots = 0;
  std::uint64_t md_incrementals = 0;    // from --md-rate
  std::uint64_t flood_sent = 0;         // from --flood
  std::uint64_t rpt_seq = 0;            // last RptSeq(83) sent
  std::uint64_t gaps_induced = 0;
  std::uint64_t seq_nums_skipped = 0;
  std::uint64_t duplicates_sent = 0;
  std::uint64_t disconnects_induced = 0;
  std::uint64_t heartbeat_drops = 0;
  bool logged_on_before = false;        // a connection of this session has logged on
  bool first_connection = true;         // --drop-heartbeats-after applies to this connection
  bool reset_done = false;              // --restart-reset's Logon 141=Y is out (or asked for)
  bool peer_asked_reset = false;        // the last Logon received carried 141=Y
  // On the current connection.
  std::uint64_t conn_app_sent = 0;
  std::uint64_t last_app_seq = 0;       // MsgSeqNum of the last application message
  std::int64_t logon_wall_ns = 0;
  std::int64_t md_start_ns = 0;         // --md-rate schedule origin, and
  std::uint64_t md_at_start = 0;        // md_incrementals at that time
  bool snapshot_due = false;
  bool blocked = false;                 // a send was back-pressured: wait for the backlog to drain
  bool cut = false;                     // --disconnect-mid-message-after done: the connection is going
  bool reset_after_logon = false;       // acceptor --restart-reset: in-session reset at the next tick
  bool heartbeats_off = false;
};

// Most X messages a session may send in one tick (a 1 ms period); the
// back-pressure check stops it sooner when the connection is slower.
constexpr std::uint64_t max_md_per_tick = 4096;

template <class Responder>
struct sim_app {
  static constexpr bool is_fill = std::is_same_v<Responder, sim::fill_responder>;

  sim_engine<Responder>* eng = nullptr;
  sim::lp_options lp;
  std::vector<Responder> responders;
  std::vector<engine::session_stats> seen;  // counters last reported, per session
  std::vector<lp_session> lps;
  std::vector<char> cut_buf;                // --disconnect-mid-message-after: the message encoded once

  void on_message(engine::session_handle h, const codec::message& m, std::int64_t now_ns) noexcept {
    engine_out<Responder> out{this, h};
    if constexpr (is_fill) {
      responders[h].on_app_message(out, m, now_ns);
    } else {
      (void)now_ns;
      responders[h].on_app_message(out, m);
    }
  }
  bool authenticate_logon(engine::session_handle h, const codec::message& m) noexcept {
    bool reset = false;
    lps[h].peer_asked_reset = m.get_bool(141, reset) && reset;
    return true;
  }

  // ---- sending: every application message goes through here ----

  // Sends one application message and applies the per-message faults
  // (--disconnect-mid-message-after before it, --gap-every and
  // --duplicate-every after it). True when the message was sequenced.
  template <class BodyFn>
  bool send_app(engine::session_handle h, std::string_view type, BodyFn&& body, const engine::header_fields& header) {
    lp_session& s = lps[h];
    auto& core = eng->session_core(h);
    const std::uint64_t seq = core.next_outbound_seq();
    if (lp.disconnect_mid_message_after && !s.cut && s.conn_app_sent == *lp.disconnect_mid_message_after &&
        core.status() == engine::session_status::active) {
      return cut_mid_message(h, type, body, header, seq);
    }
    const engine::send_result r = eng->send(h, type, body, header);
    if (r != engine::send_result::sent && r != engine::send_result::queued && r != engine::send_result::closed) {
      return false;
    }
    ++s.app_sent;
    ++s.conn_app_sent;
    s.last_app_seq = seq;
    if (r == engine::send_result::queued) s.blocked = true;
    if (r != engine::send_result::closed) after_app_message(h);
    return true;
  }

  void send_business_reject(engine::session_handle h, const codec::message& m, std::uint32_t reason,
                            std::string_view text) {
    if constexpr (!is_fill) {
      (void)eng->send_business_reject(h, m, reason, text);  // echo: the acceptance suite's exact path
    } else {
      // The session's BusinessMessageReject layout, through send_app so that
      // the faults count it like any application message.
      const auto& cfg = eng->session_core(h).config();
      const bool fixt = std::string_view(cfg.begin_string).starts_with("FIXT");
      const std::string_view ref_seq = m.get_or(34);
      const std::string_view ref_type = m.msg_type();
      (void)send_app(
          h, "j",
          [&](codec::encoder& e) noexcept {
            if (!ref_seq.empty()) e.add(45, ref_seq);
            if (!text.empty()) e.add(58, text);
            e.add(372, ref_type);
            e.add_uint(380, reason);
            if (fixt && !cfg.default_appl_ver_id.empty()) e.add(1137, cfg.default_appl_ver_id);
          },
          engine::header_fields{});
    }
  }

  void after_app_message(engine::session_handle h) {
    lp_session& s = lps[h];
    if (lp.gap_every > 0 && s.app_sent % lp.gap_every == 0) {
      const std::uint64_t from = eng->session_core(h).next_outbound_seq();
      if (eng->skip_outbound_sequence(h, lp.gap_size) == engine::send_result::sent) {
        ++s.gaps_induced;
        s.seq_nums_skipped += lp.gap_size;
        std::printf("fault: skip %llu outbound MsgSeqNums on %s at %llu\n",
                    static_cast<unsigned long long>(lp.gap_size), eng->session_name(h).c_str(),
                    static_cast<unsigned long long>(from));
      }
    }
    if (lp.duplicate_every > 0 && s.app_sent % lp.duplicate_every == 0 && !s.blocked) {
      const engine::send_result r = eng->send_duplicate(h, s.last_app_seq);
      if (r == engine::send_result::sent) {
        ++s.duplicates_sent;
        std::printf("fault: duplicate of MsgSeqNum %llu (PossDupFlag=Y) on %s\n",
                    static_cast<unsigned long long>(s.last_app_seq), eng->session_name(h).c_str());
      } else if (r == engine::send_result::back_pressured) {
        s.blocked = true;
      }
    }
  }

  // --disconnect-mid-message-after: the message is encoded here exactly as
  // the session will journal it (same MsgSeqNum, SendingTime of this loop
  // iteration), its first half written raw, the connection closed (the
  // engine's close flushes the half first), then the message sequenced and
  // journaled through the session, whose transport now answers closed.
  template <class BodyFn>
  bool cut_mid_message(engine::session_handle h, std::string_view type, BodyFn& body,
                       const engine::header_fields& header, std::uint64_t seq) {
    lp_session& s = lps[h];
    const auto& cfg = eng->session_core(h).config();
    cut_buf.resize(cfg.max_message_bytes);
    const std::string_view bs = cfg.begin_string;
    const auto precision =
        bs == "FIX.4.0" || bs == "FIX.4.1" ? codec::time_precision::s : codec::time_precision::ms;
    codec::encoder e(cut_buf.data(), cut_buf.size());
    e.begin(bs, type);
    e.add_uint(34, seq);
    e.add(49, cfg.sender_comp_id);
    e.add_timestamp(52, eng->wall_now_ns(), precision);
    e.add(56, cfg.target_comp_id);
    if (header.poss_resend) e.add(97, "Y");
    body(e);
    const codec::encode_result enc = e.finish();
    if (!enc.ok()) return false;
    const std::size_t half = enc.size_bytes / 2;
    const engine::send_status raw = eng->send_raw(h, std::span<const char>(cut_buf.data(), half));
    eng->disconnect(h);
    s.cut = true;
    const engine::send_result r = eng->send(h, type, body, header);
    ++s.disconnects_induced;
    std::printf("fault: wrote %zu of %zu bytes of MsgSeqNum %llu on %s%s, then disconnected without Logout\n",
                raw == engine::send_status::ok ? half : std::size_t{0}, static_cast<std::size_t>(enc.size_bytes),
                static_cast<unsigned long long>(seq), eng->session_name(h).c_str(),
                raw == engine::send_status::ok ? "" : " (send queue full: none written)");
    if (r != engine::send_result::sent && r != engine::send_result::queued && r != engine::send_result::closed) {
      return false;
    }
    ++s.app_sent;
    ++s.conn_app_sent;
    s.last_app_seq = seq;
    return true;
  }

  // ---- the periodic tick ----

  // Reports protocol events the counters show since the last tick: resend
  // requests both ways, messages resent, sequence resets, gaps, rejects; then
  // runs the LP behaviours of every logged-on session.
  void on_tick(std::int64_t wall_ns) noexcept {
    for (std::size_t i = 0; i < seen.size(); ++i) report_counters(i, wall_ns);
    if constexpr (is_fill) {
      for (std::size_t i = 0; i < lps.size(); ++i) lp_tick(static_cast<engine::session_handle>(i), wall_ns);
    }
  }

  void lp_tick(engine::session_handle h, std::int64_t wall_ns) {
    lp_session& s = lps[h];
    auto& core = eng->session_core(h);
    if (core.status() != engine::session_status::active || s.cut) return;
    if (s.reset_after_logon) {
      s.reset_after_logon = false;
      (void)core.reset_sequence_numbers(wall_ns);
      std::printf("fault: in-session sequence reset (Logon 141=Y at MsgSeqNum 1) on %s after --restart-reset\n",
                  eng->session_name(h).c_str());
    }
    if (lp.drop_heartbeats_after_ns && s.first_connection && !s.heartbeats_off &&
        wall_ns - s.logon_wall_ns >= *lp.drop_heartbeats_after_ns) {
      s.heartbeats_off = true;
      ++s.heartbeat_drops;
      eng->set_heartbeats_suppressed(h, true);
      std::printf("fault: heartbeats and TestRequest answers stopped on %s, %.3f s after logon\n",
                  eng->session_name(h).c_str(), static_cast<double>(wall_ns - s.logon_wall_ns) / 1e9);
    }
    // The session exposes no backlog count; right after the engine polled it
    // (this tick), a deadline not in the future means output is still
    // waiting (backlog or resend job), so no new unsolicited messages yet.
    if (s.blocked && core.next_deadline_ns() > wall_ns) s.blocked = false;
    engine_out<Responder> out{this, h};
    responders[h].on_tick(out, wall_ns);
    if (s.snapshot_due && !s.blocked) {
      s.snapshot_due = false;
      for (const std::string& sym : lp.md_symbols) {
        const std::uint64_t rpt = s.rpt_seq;
        if (send_app(h, "W", [&](codec::encoder& e) noexcept { sim::encode_md_snapshot(e, sym, rpt); }, {}))
          ++s.md_snapshots;
      }
    }
    if (lp.md_rate_per_s > 0) {
      const auto elapsed_ns = static_cast<std::uint64_t>(wall_ns > s.md_start_ns ? wall_ns - s.md_start_ns : 0);
      // Whole seconds and the rest apart, so that rate x time cannot overflow.
      std::uint64_t due = s.md_at_start + elapsed_ns / 1'000'000'000u * lp.md_rate_per_s +
                          elapsed_ns % 1'000'000'000u * lp.md_rate_per_s / 1'000'000'000u;
      if (lp.md_count > 0 && due > lp.md_count) due = lp.md_count;
      for (std::uint64_t n = 0; s.md_incrementals < due && n < max_md_per_tick && !s.blocked && !s.cut; ++n) {
        if (!send_incremental(h)) break;
        ++s.md_incrementals;
      }
    }
    for (std::uint64_t n = 0; s.flood_sent < lp.flood && n < max_md_per_tick && !s.blocked && !s.cut; ++n) {
      if (!send_incremental(h)) break;
      ++s.flood_sent;
    }
  }

  bool send_incremental(engine::session_handle h) {
    lp_session& s = lps[h];
    const std::uint64_t rpt = s.rpt_seq + 1;
    const std::string& sym = lp.md_symbols[(rpt - 1) % lp.md_symbols.size()];
    if (!send_app(h, "X", [&](codec::encoder& e) noexcept { sim::encode_md_incremental(e, sym, rpt); }, {}))
      return false;
    s.rpt_seq = rpt;
    return true;
  }

  void report_counters(std::size_t i, std::int64_t wall_ns) {
    {
      const engine::session_stats& now = eng->session_core(static_cast<engine::session_handle>(i)).stats();
      engine::session_stats& was = seen[i];
      report(i, wall_ns, "resend request received", now.resend_requests_received, was.resend_requests_received);
      report(i, wall_ns, "resend request sent", now.resend_requests_sent, was.resend_requests_sent);
      report(i, wall_ns, "messages resent", now.messages_resent, was.messages_resent);
      report(i, wall_ns, "sequence reset received", now.sequence_resets_received, was.sequence_resets_received);
      report(i, wall_ns, "sequence reset sent", now.sequence_resets_sent, was.sequence_resets_sent);
      report(i, wall_ns, "gap detected", now.gaps_detected, was.gaps_detected);
      report(i, wall_ns, "reject sent", now.rejects_sent, was.rejects_sent);
      report(i, wall_ns, "reject received", now.rejects_received, was.rejects_received);
      report(i, wall_ns, "garbled message discarded", now.garbled_discarded, was.garbled_discarded);
    }
  }
  void report(std::size_t i, std::int64_t wall_ns, std::string_view what, std::uint64_t now, std::uint64_t& was) {
    if (now == was) return;
    print_event(wall_ns, eng->session_name(static_cast<engine::session_handle>(i)),
                std::string(what) + " (+" + std::to_string(now - was) + ", total " + std::to_string(now) + ")");
    was = now;
  }

  // ---- status ----

  void on_status(engine::session_handle h, engine::session_status st, engine::session_error err) noexcept {
    std::string what;
    switch (st) {
      case engine::session_status::active: what = "logon"; break;
      case engine::session_status::logging_out: what = "logout started"; break;
      case engine::session_status::logged_out: what = "logout"; break;
      case engine::session_status::error: what = "error: " + std::string(engine::to_string(err)); break;
      default: what = std::string(engine::to_string(st)); break;
    }
    auto& core = eng->session_core(h);
    report_counters(h, eng->wall_now_ns());  // what led here comes first
    if (st == engine::session_status::active) {
      what += " next_out=" + std::to_string(core.next_outbound_seq()) + " next_in=" +
              std::to_string(core.next_inbound_seq()) + " heartbeat_s=" +
              std::to_string(core.heartbeat_interval_ns() / 1'000'000'000);
    }
    if (st == engine::session_status::disconnected) {
      const auto& s = core.stats();
      if (err != engine::session_error::none) what += " (" + std::string(engine::to_string(err)) + ")";
      what += " sent=" + std::to_string(s.messages_sent) + " received=" + std::to_string(s.messages_received) +
              " resend_requests_in=" + std::to_string(s.resend_requests_received) +
              " resend_requests_out=" + std::to_string(s.resend_requests_sent) +
              " resent=" + std::to_string(s.messages_resent) +
              " resets_in=" + std::to_string(s.sequence_resets_received) +
              " rejects_out=" + std::to_string(s.rejects_sent);
      responders[h].on_session_down();
    }
    if (st == engine::session_status::logged_out) responders[h].on_session_down();
    print_event(eng->wall_now_ns(), eng->session_name(h), what);
    if constexpr (is_fill) lp_status(h, st);
  }

  void lp_status(engine::session_handle h, engine::session_status st) {
    lp_session& s = lps[h];
    auto& core = eng->session_core(h);
    const std::int64_t wall = eng->wall_now_ns();
    if (st == engine::session_status::connecting && lp.restart_reset && !s.reset_done) {
      // Initiator: remembered by the session, done with 141=Y in this Logon.
      s.reset_done = true;
      (void)core.reset_sequence_numbers(wall);
      std::printf("fault: Logon with ResetSeqNumFlag=Y on %s after --restart-reset\n", eng->session_name(h).c_str());
    }
    if (st == engine::session_status::active) {
      s.conn_app_sent = 0;
      s.logon_wall_ns = wall;
      s.md_start_ns = wall;
      s.md_at_start = s.md_incrementals;
      s.snapshot_due = lp.md_rate_per_s > 0;
      s.blocked = false;
      s.cut = false;
      s.logged_on_before = true;
      if (lp.restart_reset && !s.reset_done && core.config().role == engine::session_role::acceptor) {
        s.reset_done = true;
        if (s.peer_asked_reset) {
          std::printf("fault: Logon answer with ResetSeqNumFlag=Y on %s after --restart-reset\n",
                      eng->session_name(h).c_str());
        } else {
          s.reset_after_logon = true;  // not from inside the Logon's handling: at the next tick
        }
      }
    }
    if (st == engine::session_status::disconnected) {
      s.reset_after_logon = false;
      if (s.logged_on_before) s.first_connection = false;
      if (s.heartbeats_off) {
        s.heartbeats_off = false;
        eng->set_heartbeats_suppressed(h, false);  // later connections behave normally
      }
    }
  }
};

std::atomic<void (*)()> g_shutdown{nullptr};
void* g_engine = nullptr;

template <class Responder>
void shutdown_engine() {
  static_cast<sim_engine<Responder>*>(g_engine)->request_shutdown();
}

extern "C" void on_signal(int) {
  // relaxed: the pointer was stored before the handlers were installed.
  if (auto f = g_shutdown.load(std::memory_order_relaxed)) f();
}

std::string json_string(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", static_cast<unsigned>(c));
      out += b;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// --stats-json: one object per session. False (and a message) when the file
// cannot be written.
template <class Responder>
bool write_stats_json(const std::string& path, sim_app<Responder>& app) {
  std::string j = "{\"sessions\":[";
  for (std::size_t i = 0; i < app.lps.size(); ++i) {
    const auto h = static_cast<engine::session_handle>(i);
    const lp_session& s = app.lps[i];
    const sim::fill_stats& f = app.responders[i].stats();
    const engine::session_stats& c = app.eng->session_core(h).stats();
    auto num = [&](const char* k, std::uint64_t v) { j += ",\"" + std::string(k) + "\":" + std::to_string(v); };
    if (i > 0) j += ',';
    j += "{\"session\":" + json_string(app.eng->session_name(h));
    num("orders_received", f.orders_received);
    num("orders_rejected", f.orders_rejected);
    num("exec_reports_sent", f.exec_reports);
    j += ",\"exec_reports_by_exec_type\":{";
    bool first = true;
    for (std::size_t t = 0; t < f.by_exec_type.size(); ++t) {
      if (f.by_exec_type[t] == 0) continue;
      if (!first) j += ',';
      first = false;
      j += json_string(std::string(1, static_cast<char>(t))) + ":" + std::to_string(f.by_exec_type[t]);
    }
    j += '}';
    num("business_rejects_sent", f.business_rejects);
    num("answers_dropped", f.answers_dropped);
    num("md_messages_sent", s.md_snapshots + s.md_incrementals + s.flood_sent);
    num("md_snapshots_sent", s.md_snapshots);
    num("md_incrementals_sent", s.md_incrementals);
    num("flood_messages_sent", s.flood_sent);
    num("last_rpt_seq", s.rpt_seq);
    num("gaps_induced", s.gaps_induced);
    num("msg_seq_nums_skipped", s.seq_nums_skipped);
    num("duplicates_sent", s.duplicates_sent);
    num("disconnects_induced", s.disconnects_induced);
    num("heartbeat_drops", s.heartbeat_drops);
    num("application_messages_sent", s.app_sent);
    num("messages_sent", c.messages_sent);
    num("messages_received", c.messages_received);
    num("resend_requests_received", c.resend_requests_received);
    num("messages_resent", c.messages_resent);
    j += ",\"cl_ord_ids\":{\"count\":" + std::to_string(f.orders_received) + ",\"checksum\":\"";
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(f.cl_ord_id_checksum));
    j += hex;
    j += "\",\"checksum_algorithm\":\"sum mod 2^64 of FNV-1a-64 of each ClOrdID\"}}";
  }
  j += "]}\n";
  std::FILE* fp = std::fopen(path.c_str(), "w");
  if (fp == nullptr) {
    std::fprintf(stderr, "fixring-sim: --stats-json: cannot write %s: %s\n", path.c_str(), std::strerror(errno));
    return false;
  }
  const bool ok = std::fwrite(j.data(), 1, j.size(), fp) == j.size();
  return std::fclose(fp) == 0 && ok;
}

template <class Responder>
int run(const engine::config::settings& settings, int max_seconds, const sim::lp_options& lp) {
  sim_app<Responder> app;
  app.lp = lp;
  if constexpr (sim_app<Responder>::is_fill) {
    for (std::size_t i = 0; i < settings.sessions.size(); ++i) app.responders.emplace_back(lp.fill, i);
  } else {
    app.responders.resize(settings.sessions.size());
  }
  app.seen.resize(settings.sessions.size());
  app.lps.resize(settings.sessions.size());
  auto created = sim_engine<Responder>::create(settings, app);
  if (!created) {
    std::fprintf(stderr, "fixring-sim: %s\n", created.error().message.c_str());
    return 1;
  }
  auto& eng = *created.value();
  app.eng = &eng;
  for (std::size_t i = 0; i < eng.session_count(); ++i) {
    const auto h = static_cast<engine::session_handle>(i);
    if (lp.restart_reset && eng.session_core(h).config().role == engine::session_role::acceptor) {
      // An acceptor's Logon answer carries 141=Y only when the peer's Logon
      // did, and an answer at MsgSeqNum 1 to a peer expecting more is "too
      // low" (the peer must log out). So the reset comes right after the
      // first logon, as an in-session reset the peer answers (lp_tick).
      std::printf("fault: %s will reset its sequence numbers (Logon 141=Y at MsgSeqNum 1) at the first logon\n",
                  eng.session_name(h).c_str());
    } else if (lp.restart_reset) {
      auto& core = eng.session_core(h);
      const std::uint64_t out = core.next_outbound_seq(), in = core.next_inbound_seq();
      if (core.reset_sequence_numbers(eng.wall_now_ns()) != engine::send_result::sent) {
        std::fprintf(stderr, "fixring-sim: --restart-reset: the journal of %s refused the reset\n",
                     eng.session_name(h).c_str());
        return 1;
      }
      std::printf("fault: journal of %s reset to MsgSeqNum 1 (was next_out=%llu next_in=%llu)\n",
                  eng.session_name(h).c_str(), static_cast<unsigned long long>(out),
                  static_cast<unsigned long long>(in));
    }
    print_event(eng.wall_now_ns(), eng.session_name(h), "configured");
  }
  g_engine = &eng;
  g_shutdown.store(&shutdown_engine<Responder>, std::memory_order_relaxed);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  if (max_seconds > 0) {
    std::signal(SIGALRM, on_signal);
    alarm(static_cast<unsigned>(max_seconds));
  }
  const auto st = eng.run();
  if (!st.ok()) {
    std::fprintf(stderr, "fixring-sim: reactor: %.*s\n", static_cast<int>(st.name().size()), st.name().data());
    return 1;
  }
  if constexpr (sim_app<Responder>::is_fill) {
    if (!lp.stats_json.empty() && !write_stats_json(lp.stats_json, app)) return 1;
  }
  std::printf("fixring-sim: stopped\n");
  return 0;
}

// A CLI11 check answering `message` unless lo <= value <= hi.
template <class T>
CLI::Validator within(T lo, T hi, std::string message) {
  return CLI::Validator(
      [lo, hi, message](std::string& text) -> std::string {
        T v{};
        if (!CLI::detail::lexical_cast(text, v) || !(v >= lo && v <= hi)) return message + " (got '" + text + "')";
        return {};
      },
      "", "");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"fixring-sim: FIX acceptor/initiator driven by a settings file"};
  std::string config_file, app_name = "echo", fill_text = "full", symbols_text;
  int max_seconds = 0;
  double drop_heartbeats_after_s = 0;
  std::uint64_t mid_message_after = 0, fill_latency_us = 0;
  sim::lp_options lp;
  cli.add_option("--config", config_file, "QuickFIX-style settings file")->required();
  cli.add_option("--app", app_name, "application: echo or fill")->check(CLI::IsMember({"echo", "fill"}));
  cli.add_option("--max-seconds", max_seconds, "log out and exit after N seconds (0: run until a signal)");
  cli.add_option("--seed", lp.fill.seed, "seed of every random choice (default 1)");
  cli.add_option("--reject-ratio", lp.fill.reject_ratio, "share of NewOrderSingles rejected, in [0,1]")
      ->check(within(0.0, 1.0, "must be in [0,1]"));
  auto* fill_opt = cli.add_option("--fill", fill_text, "full | partial:N | cancel");
  cli.add_option("--fill-latency-us", fill_latency_us, "answers leave N us after the order arrived")
      ->check(within<std::uint64_t>(0, 60'000'000, "must be in [0,60000000] microseconds"));
  cli.add_option("--md-rate", lp.md_rate_per_s, "MarketDataIncrementalRefresh per second per session")
      ->check(within<std::uint32_t>(1, 1'000'000, "must be in [1,1000000] messages per second"));
  auto* symbols_opt = cli.add_option("--md-symbols", symbols_text, "comma-separated symbols (default EUR/USD)");
  cli.add_option("--md-count", lp.md_count, "stop after M incrementals per session (0: unbounded)");
  auto* gap_opt = cli.add_option("--gap-every", lp.gap_every, "skip outbound MsgSeqNums after every N application messages")
      ->check(within<std::uint64_t>(1, UINT64_MAX, "must be at least 1"));
  auto* gap_size_opt = cli.add_option("--gap-size", lp.gap_size, "MsgSeqNums skipped each time (default 1)")
      ->check(within<std::uint64_t>(1, 1'000'000, "must be in [1,1000000]"));
  auto* hb_opt = cli.add_option("--drop-heartbeats-after", drop_heartbeats_after_s,
                                "stop heartbeats S seconds after the first logon")
      ->check(within(0.0, 86400.0, "must be in [0,86400] seconds"));
  auto* mid_opt = cli.add_option("--disconnect-mid-message-after", mid_message_after,
                                 "cut the connection in the middle of the next message after N");
  cli.add_flag("--restart-reset", lp.restart_reset, "reset the journals' sequence numbers at start-up (141=Y)");
  cli.add_option("--duplicate-every", lp.duplicate_every, "send a PossDup duplicate after every N application messages")
      ->check(within<std::uint64_t>(1, UINT64_MAX, "must be at least 1"));
  cli.add_option("--flood", lp.flood, "N unsolicited market data messages per session after logon")
      ->check(within<std::uint64_t>(1, 2'000'000, "must be in [1,2000000] (the journal indexes 4M MsgSeqNums)"));
  cli.add_option("--stats-json", lp.stats_json, "write per-session counters to FILE at exit");
  CLI11_PARSE(cli, argc, argv);

  if (fill_opt->count() > 0) {
    if (std::string err = sim::parse_fill_mode(fill_text, lp.fill); !err.empty()) {
      std::fprintf(stderr, "fixring-sim: --fill %s\n", err.c_str());
      return 2;
    }
  }
  if (symbols_opt->count() > 0) {
    if (std::string err = sim::parse_symbols(symbols_text, lp.md_symbols); !err.empty()) {
      std::fprintf(stderr, "fixring-sim: --md-symbols %s\n", err.c_str());
      return 2;
    }
  }
  if (gap_size_opt->count() > 0 && gap_opt->count() == 0) {
    std::fprintf(stderr, "fixring-sim: --gap-size needs --gap-every\n");
    return 2;
  }
  lp.fill.latency_ns = static_cast<std::int64_t>(fill_latency_us) * 1000;
  if (hb_opt->count() > 0) lp.drop_heartbeats_after_ns = static_cast<std::int64_t>(drop_heartbeats_after_s * 1e9);
  if (mid_opt->count() > 0) lp.disconnect_mid_message_after = mid_message_after;
  if (lp.any() && app_name != "fill") {
    std::fprintf(stderr, "fixring-sim: the LP flags (--reject-ratio, --fill, --md-rate, ...) need --app fill\n");
    return 2;
  }
  if (!lp.stats_json.empty()) {
    std::FILE* fp = std::fopen(lp.stats_json.c_str(), "w");  // fail now, not after the run
    if (fp == nullptr) {
      std::fprintf(stderr, "fixring-sim: --stats-json: cannot write %s: %s\n", lp.stats_json.c_str(),
                   std::strerror(errno));
      return 2;
    }
    std::fclose(fp);
  }
  auto settings = engine::config::parse_settings_file(config_file);
  if (!settings) {
    std::fprintf(stderr, "fixring-sim: %s\n", settings.error().message.c_str());
    return 1;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  if (app_name == "fill") return run<sim::fill_responder>(settings.value(), max_seconds, lp);
  return run<sim::echo_responder>(settings.value(), max_seconds, lp);
}
