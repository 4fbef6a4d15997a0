// System (b): fixring initiator <-> fixring acceptor, FIX.4.4, NewOrderSingle ->
// ExecutionReport. Each side is one fixring::engine::engine<App> built from a
// settings text: the acceptor in a forked child (pinned to acceptor_core), the
// initiator here (already pinned to initiator_core). Each side drives its engine
// with poll_once() in a loop on its one thread, with the io_uring reactor in busy
// mode (FixringBusyPoll=Y), so it never sleeps, exactly like the raw TCP and
// QuickFIX sides. Both sides journal (the engine's session journal, one per
// side) with FixringDurability=none (page cache, no fsync), in a fresh mkdtemp
// directory removed afterwards. Validation matches the QuickFIX system: FIX44.xml
// from --spec-dir when it is there (UseDataDictionary=Y), none otherwise.
//
// Message contents are those of bench/support/sample_messages.hpp: the body
// fields of the sample NewOrderSingle and ExecutionReport, in their order, with
// ClOrdID(11) set to the order's index (so a reply finds its send time) and, on
// the reply, ExecID(17) numbered per report.
//
// Sessions: `fixring` runs one session per side; `fixring-N` (run_fixring_sessions,
// --sessions N) runs N sessions per side on the same single engine and reactor
// per process (CLIENTk <-> BROKER1 on one acceptor port), sending round trip i
// on session i mod N, so the two rows differ only in how many sessions one
// reactor carries.
//
// Nothing lost, checked, not assumed: in the stream phase order j goes out on
// session j mod N with ClOrdID = its global index. The acceptor checks on each
// session that every MsgSeqNum is the previous one + 1 and every ClOrdID the
// one expected next, and counts per session; afterwards the initiator compares
// those counts with what it sent and reads both sides' journals back
// (journal_reader, CRC checked): exactly one outbound record on the initiator
// and one inbound record on the acceptor for every streamed MsgSeqNum, in
// order. Any difference fails the system; the proof is printed as its
// verification line.
//
// Threads: each process has exactly one thread touching its engine (the engine's
// reactor thread contract); the two processes share only the atomics of
// fixring_shared. Cold code apart from the callbacks and the send loops, which
// allocate nothing.
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fixring/engine/engine.hpp"
#include "fixring/store/journal_reader.hpp"
#include "process.hpp"
#include "support/sample_messages.hpp"
#include "system.hpp"

namespace fixring::latency {
namespace {

struct fixring_shared {
  std::atomic<int> acceptor_ready{0};             // the acceptor's engine exists and listens
  std::atomic<int> stream_phase{0};               // 1: count NewOrderSingles instead of answering
  std::atomic<int> stop{0};                       // 1: the acceptor shuts down
  std::atomic<std::uint64_t> stream_received{0};  // NewOrderSingles counted in the stream phase
  std::atomic<std::uint64_t> stream_done_ns{0};   // when the last one arrived; 0 until then
  std::atomic<int> acceptor_error{0};             // 1: a reply could not be sent
  // Stream checks, written by the acceptor thread, read by the initiator
  // after stream_done_ns (see the release store there).
  std::atomic<std::uint64_t> seq_breaks{0};       // MsgSeqNum != previous + 1 on its session
  std::atomic<std::uint64_t> order_breaks{0};     // ClOrdID != the next one expected on its session
  std::atomic<std::uint64_t> session_received[max_sessions]{};  // streamed orders counted per session
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "shared across processes");
static_assert(std::atomic<int>::is_always_lock_free, "shared across processes");

// One body field of a sample message: tag and value bytes (owned).
using sample_field = std::pair<std::uint32_t, std::string>;

// The body fields of a readable sample message ('|' for SOH), header tags
// (8, 9, 35, 34, 49, 52, 56) and the trailer left out. Cold.
std::vector<sample_field> body_fields(const char* readable) {
  std::vector<sample_field> out;
  const std::string_view text(readable);
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('|', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view field = text.substr(pos, end - pos);
    pos = end + 1;
    const std::size_t eq = field.find('=');
    if (eq == std::string_view::npos) continue;
    const auto tag = static_cast<std::uint32_t>(std::strtoul(std::string(field.substr(0, eq)).c_str(), nullptr, 10));
    switch (tag) {
      case 8: case 9: case 35: case 34: case 49: case 52: case 56: case 10:
        continue;
      default:
        out.emplace_back(tag, std::string(field.substr(eq + 1)));
    }
  }
  return out;
}

[[nodiscard]] bool accepted(engine::send_result r) noexcept {
  return r == engine::send_result::sent || r == engine::send_result::queued;
}

// ---- the acceptor (forked child) ----

struct acceptor_app;
using acceptor_engine = engine::engine<acceptor_app>;

// Answers each NewOrderSingle with one ExecutionReport carrying its ClOrdID, or,
// once the initiator has switched to the stream phase, only counts them.
// Per session, what the stream phase has seen so far (acceptor thread only).
struct stream_track {
  std::uint64_t count = 0;
  std::uint64_t last_seq = 0;
};

struct acceptor_app {
  acceptor_engine* eng = nullptr;
  fixring_shared* shared = nullptr;
  std::uint64_t stream_count = 0;
  std::uint64_t stream_first_id = 0;  // ClOrdID of the first streamed order (warmup + count)
  std::uint64_t sessions = 1;
  std::uint64_t stream_seen = 0;  // only this thread counts
  std::uint64_t seq_breaks = 0;
  std::uint64_t order_breaks = 0;
  std::vector<stream_track> tracks;  // one per session, sized before the engine runs
  std::uint64_t exec_id = 0;
  const std::vector<sample_field>* report_fields = nullptr;

  // Stream phase: on session h the k-th order must carry ClOrdID
  // first + h + k * sessions and MsgSeqNum one above the previous one.
  void check_streamed(engine::session_handle h, const codec::message& m) noexcept {
    stream_track& t = tracks[h];
    std::uint64_t seq = 0;
    std::uint64_t id = 0;
    if (!m.get_uint(34, seq) || (t.count > 0 && seq != t.last_seq + 1)) ++seq_breaks;
    if (!m.get_uint(11, id) || id != stream_first_id + h + t.count * sessions) ++order_breaks;
    t.last_seq = seq;
    ++t.count;
  }

  void on_message(engine::session_handle h, const codec::message& m, std::int64_t) noexcept {
    if (m.msg_type() != "D") return;
    // Pairs with the initiator's release store of stream_phase, made after the
    // last round trip's reply arrived.
    if (shared->stream_phase.load(std::memory_order_acquire) != 0) {
      check_streamed(h, m);
      const std::uint64_t n = ++stream_seen;
      if (n == stream_count) {
        // relaxed: published by the release store of stream_done_ns below,
        // which the initiator's acquire load of stream_done_ns pairs with.
        shared->seq_breaks.store(seq_breaks, std::memory_order_relaxed);
        shared->order_breaks.store(order_breaks, std::memory_order_relaxed);
        for (std::size_t i = 0; i < tracks.size(); ++i)
          shared->session_received[i].store(tracks[i].count, std::memory_order_relaxed);
        // Pairs with the initiator's acquire loads of stream_done_ns.
        shared->stream_done_ns.store(now_ns(), std::memory_order_release);
      }
      // Pairs with the initiator's acquire load of stream_received.
      shared->stream_received.store(n, std::memory_order_release);
      return;
    }
    const std::string_view cl_ord_id = m.get_or(11);
    const std::uint64_t id = ++exec_id;
    const engine::send_result r = eng->send(h, "8", [&](codec::encoder& e) noexcept {
      for (const sample_field& f : *report_fields) {
        if (f.first == 11) {
          e.add(11, cl_ord_id);
        } else if (f.first == 17) {
          e.add_uint(17, id);
        } else {
          e.add(f.first, f.second);
        }
      }
    });
    // relaxed: written and read only by this (the child's reactor) thread.
    if (!accepted(r)) shared->acceptor_error.store(1, std::memory_order_relaxed);
  }
  void on_status(engine::session_handle, engine::session_status, engine::session_error) noexcept {}
  bool authenticate_logon(engine::session_handle, const codec::message&) noexcept { return true; }
};

// The child's body: returns its exit code (0 success, 2 set-up failure, 3 a
// reply was refused by the session).
int acceptor_main(const std::string& settings_text, std::uint64_t stream_count, std::uint64_t stream_first_id,
                  std::uint32_t sessions, double max_seconds, fixring_shared& shared) {
  const std::vector<sample_field> report_fields = body_fields(bench::execution_report_text);
  auto settings = engine::config::parse_settings_text(settings_text, "fixring-latency acceptor");
  if (!settings) {
    std::fprintf(stderr, "fixring acceptor: %s\n", settings.error().message.c_str());
    return 2;
  }
  acceptor_app app;
  app.shared = &shared;
  app.stream_count = stream_count;
  app.stream_first_id = stream_first_id;
  app.sessions = sessions;
  app.tracks.assign(sessions, stream_track{});
  app.report_fields = &report_fields;
  engine::engine_options options;
  options.max_connections = sessions + 4;
  options.max_pending_connections = sessions + 4;
  auto created = acceptor_engine::create(settings.value(), app, options);
  if (!created) {
    std::fprintf(stderr, "fixring acceptor: %s\n", created.error().message.c_str());
    return 2;
  }
  acceptor_engine& eng = *created.value();
  app.eng = &eng;
  // Pairs with the initiator's acquire wait: the listener exists once create() returned.
  shared.acceptor_ready.store(1, std::memory_order_release);
  const std::uint64_t deadline = now_ns() + static_cast<std::uint64_t>(max_seconds * 1e9);
  // Pairs with the initiator's release store of stop.
  while (shared.stop.load(std::memory_order_acquire) == 0 && now_ns() < deadline) (void)eng.poll_once();
  // relaxed: see the store in acceptor_app::on_message (same thread).
  return shared.acceptor_error.load(std::memory_order_relaxed) != 0 ? 3 : 0;
}

// ---- the initiator (this process) ----

struct initiator_app;
using initiator_engine = engine::engine<initiator_app>;

// Records when each ExecutionReport arrives, by the index in its ClOrdID.
struct initiator_app {
  std::vector<std::uint64_t> received_ns;  // 0 until that order's report arrived
  std::uint64_t replies = 0;
  std::vector<char> active;                // per session: logged on
  std::uint32_t active_count = 0;
  bool session_failed = false;

  [[nodiscard]] bool all_logged_on() const noexcept { return active_count == active.size(); }

  void on_message(engine::session_handle, const codec::message& m, std::int64_t) noexcept {
    const std::uint64_t t = now_ns();
    if (m.msg_type() != "8") return;
    std::uint64_t index = 0;
    if (m.get_uint(11, index) && index < received_ns.size() && received_ns[index] == 0) {
      received_ns[index] = t;
      ++replies;
    }
  }
  void on_status(engine::session_handle h, engine::session_status st, engine::session_error) noexcept {
    const bool now_active = st == engine::session_status::active;
    if (h < active.size() && (active[h] != 0) != now_active) {
      active[h] = now_active ? 1 : 0;
      active_count = now_active ? active_count + 1 : active_count - 1;
    }
    if (st == engine::session_status::error) session_failed = true;
  }
  bool authenticate_logon(engine::session_handle, const codec::message&) noexcept { return true; }
};

// Per session of the initiator: the streamed MsgSeqNums [first_seq, end_seq).
struct stream_range {
  std::uint64_t first_seq = 0;
  std::uint64_t end_seq = 0;
};

// Sends NewOrderSingle `index` on session h: the sample's body fields, ClOrdID = index.
[[nodiscard]] engine::send_result send_order(initiator_engine& eng, engine::session_handle h,
                                             const std::vector<sample_field>& order_fields,
                                             std::uint64_t index) noexcept {
  return eng.send(h, "D", [&](codec::encoder& e) noexcept {
    for (const sample_field& f : order_fields) {
      if (f.first == 11) {
        e.add_uint(11, index);
      } else {
        e.add(f.first, f.second);
      }
    }
  });
}

bool run_initiator(const run_config& config, std::uint32_t sessions, system_result& result,
                   const std::string& settings_text, fixring_shared& shared, std::vector<stream_range>& ranges) {
  const std::vector<sample_field> order_fields = body_fields(bench::new_order_single_text);
  auto settings = engine::config::parse_settings_text(settings_text, "fixring-latency initiator");
  if (!settings) {
    result.error = "fixring initiator settings: " + settings.error().message;
    return false;
  }
  initiator_app app;
  app.active.assign(sessions, 0);
  engine::engine_options options;
  options.max_connections = sessions + 4;
  auto created = initiator_engine::create(settings.value(), app, options);
  if (!created) {
    result.error = "fixring initiator: " + created.error().message;
    return false;
  }
  initiator_engine& eng = *created.value();
  const auto seconds = [&] { return now_ns() + static_cast<std::uint64_t>(config.max_seconds * 1e9); };

  std::uint64_t deadline = seconds();
  while (!app.all_logged_on() && !app.session_failed && now_ns() < deadline) (void)eng.poll_once();
  if (!app.all_logged_on()) {
    result.error = "fixring: " + std::to_string(app.active_count) + " of " + std::to_string(sessions) +
                   " sessions logged on within --seconds";
    return false;
  }

  // Round trips, spread over the sessions.
  const auto send_one = [&](std::uint64_t i) {
    if (accepted(send_order(eng, static_cast<engine::session_handle>(i % sessions), order_fields, i))) return true;
    result.error = "fixring: NewOrderSingle " + std::to_string(i) + " refused by the session";
    return false;
  };
  const auto poll = [&]() -> const char* {
    (void)eng.poll_once();
    if (!app.all_logged_on()) return " (a session went down)";
    return app.session_failed ? "" : nullptr;
  };
  if (!run_round_trips("fixring", config, app.received_ns, app.replies, result, send_one, poll)) return false;
  const std::uint64_t total = config.warmup + config.count;

  // One-way stream: the acceptor counts instead of answering. A back-pressured
  // socket makes send() answer queued (sequenced and journaled; the session
  // sends it when polled), so the loop polls now and then to drain it.
  ranges.assign(sessions, stream_range{});
  for (std::uint32_t h = 0; h < sessions; ++h) ranges[h].first_seq = eng.session_core(h).next_outbound_seq();
  shared.stream_phase.store(1, std::memory_order_release);  // pairs with the acceptor's acquire load
  deadline = seconds();
  const std::uint64_t start = now_ns();
  // Poll after every 32 orders per session, so each connection gets about 32
  // messages per send however many sessions the stream is spread over.
  const std::uint64_t poll_every = 32ull * sessions;
  for (std::uint64_t i = 0; i < config.stream_count; ++i) {
    if (!accepted(send_order(eng, static_cast<engine::session_handle>(i % sessions), order_fields, total + i))) {
      result.error = "fixring: streamed NewOrderSingle " + std::to_string(i) + " refused by the session";
      return false;
    }
    if (i % poll_every == poll_every - 1) (void)eng.poll_once();
  }
  // finish_stream's acquire loads pair with the acceptor's release stores in acceptor_app::on_message.
  if (!finish_stream("fixring", config, shared, start, deadline, result, [&] { (void)eng.poll_once(); })) return false;
  for (std::uint32_t h = 0; h < sessions; ++h) ranges[h].end_seq = eng.session_core(h).next_outbound_seq();

  // Logout, answered by the acceptor.
  for (std::uint32_t h = 0; h < sessions; ++h) (void)eng.logout(h, "done");
  deadline = now_ns() + 2'000'000'000ull;
  while (app.active_count > 0 && now_ns() < deadline) (void)eng.poll_once();
  return true;
}

// The session number k in a journal's session name "FIX.4.4:CLIENTk->BROKER1"
// or "FIX.4.4:BROKER1->CLIENTk"; -1 if there is none.
long client_number(const std::string& name) {
  const std::size_t at = name.find("CLIENT");
  if (at == std::string::npos) return -1;
  return std::strtol(name.c_str() + at + 6, nullptr, 10);
}

// Reads every journal under side_dir (one directory per session) and checks
// that each session's records of `dir` cover its streamed range exactly once
// and in order. Counts the records found; false with `why` on any difference.
bool check_journals(const std::string& side_dir, store::format::direction dir, const std::vector<stream_range>& ranges,
                    std::uint64_t& records, std::string& why) {
  std::vector<char> seen(ranges.size(), 0);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(side_dir, ec)) {
    if (!entry.is_directory()) continue;
    auto reader = store::journal_reader::open(entry.path().string());
    if (!reader) {
      why = reader.error().message;
      return false;
    }
    const long k = client_number(reader.value().session_name());
    if (k < 1 || static_cast<std::size_t>(k) > ranges.size()) continue;
    const stream_range& r = ranges[static_cast<std::size_t>(k - 1)];
    seen[static_cast<std::size_t>(k - 1)] = 1;
    std::uint64_t expect = r.first_seq;
    store::record_view rec;
    store::read_status st;
    while ((st = reader.value().next(rec)) == store::read_status::record) {
      if (!rec.is_message() || rec.dir() != dir) continue;
      const std::uint64_t seq = rec.header.msg_seq_num;
      if (seq < r.first_seq || seq >= r.end_seq) continue;
      if (seq != expect) {
        why = entry.path().string() + ": MsgSeqNum " + std::to_string(seq) + " where " + std::to_string(expect) +
              " was expected";
        return false;
      }
      ++expect;
      ++records;
    }
    if (st != store::read_status::end) {
      why = reader.value().fault().message;
      return false;
    }
    if (expect != r.end_seq) {
      why = entry.path().string() + ": records end at MsgSeqNum " + std::to_string(expect) + ", the stream at " +
            std::to_string(r.end_seq);
      return false;
    }
  }
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (seen[i] == 0) {
      why = side_dir + ": no journal for session CLIENT" + std::to_string(i + 1);
      return false;
    }
  }
  return true;
}

// After the stream: the acceptor's per-session counts and order checks, then
// both sides' journals. Fills result.verification, or result.error and false.
bool verify_stream(const run_config& config, std::uint32_t sessions, const std::vector<stream_range>& ranges,
                   const fixring_shared& shared, const std::string& base, system_result& result) {
  // Acquire: pairs with the acceptor's release store of stream_done_ns, after
  // which these were written (relaxed) before it.
  if (shared.stream_done_ns.load(std::memory_order_acquire) == 0) {
    result.error = "fixring: the stream did not finish";
    return false;
  }
  const std::uint64_t seq_breaks = shared.seq_breaks.load(std::memory_order_relaxed);
  const std::uint64_t order_breaks = shared.order_breaks.load(std::memory_order_relaxed);
  std::uint64_t sent_total = 0;
  for (std::uint32_t h = 0; h < sessions; ++h) {
    const std::uint64_t sent = ranges[h].end_seq - ranges[h].first_seq;
    const std::uint64_t expected = config.stream_count / sessions + (h < config.stream_count % sessions ? 1 : 0);
    const std::uint64_t got = shared.session_received[h].load(std::memory_order_relaxed);
    sent_total += sent;
    if (sent != expected || got != expected) {
      result.error = "fixring: session CLIENT" + std::to_string(h + 1) + " streamed " + std::to_string(sent) +
                     " orders, the acceptor received " + std::to_string(got) + ", expected " + std::to_string(expected);
      return false;
    }
  }
  if (seq_breaks != 0 || order_breaks != 0 || sent_total != config.stream_count) {
    result.error = "fixring: stream delivery broken: " + std::to_string(seq_breaks) + " MsgSeqNum breaks, " +
                   std::to_string(order_breaks) + " ClOrdID out of order, " + std::to_string(sent_total) + " sent of " +
                   std::to_string(config.stream_count);
    return false;
  }
  std::uint64_t out_records = 0, in_records = 0;
  std::string why;
  if (!check_journals(base + "/initiator", store::format::direction::outbound, ranges, out_records, why) ||
      !check_journals(base + "/acceptor", store::format::direction::inbound, ranges, in_records, why)) {
    result.error = "fixring: journal check failed: " + why;
    return false;
  }
  if (out_records != config.stream_count || in_records != config.stream_count) {
    result.error = "fixring: journals hold " + std::to_string(out_records) + " outbound / " +
                   std::to_string(in_records) + " inbound stream records, expected " +
                   std::to_string(config.stream_count);
    return false;
  }
  result.verification = "nothing lost: " + std::to_string(config.stream_count) + " of " +
                        std::to_string(config.stream_count) + " streamed NewOrderSingles received on " +
                        std::to_string(sessions) + (sessions == 1 ? " session" : " sessions") +
                        " (session 1 MsgSeqNum " + std::to_string(ranges[0].first_seq) + ".." +
                        std::to_string(ranges[0].end_seq - 1) +
                        "), each MsgSeqNum once and in order, ClOrdIDs in send order; journals: " +
                        std::to_string(out_records) + " outbound records (initiator) and " +
                        std::to_string(in_records) + " inbound records (acceptor) for exactly those MsgSeqNums, CRC-checked";
  return true;
}

std::string settings_text(bool acceptor, int port, const std::string& store_dir, const std::string& dictionary,
                          std::uint32_t sessions) {
  std::string s = "[DEFAULT]\n";
  s += std::string("ConnectionType=") + (acceptor ? "acceptor" : "initiator") + "\n";
  s += "FileStorePath=" + store_dir + "\n";
  s += "FixringBusyPoll=Y\n";
  s += "FixringDurability=none\n";
  s += std::string("UseDataDictionary=") + (dictionary.empty() ? "N" : "Y") + "\n";
  if (!dictionary.empty()) s += "DataDictionary=" + dictionary + "\n";
  if (acceptor) {
    s += "SocketAcceptAddress=127.0.0.1\n";
    s += "SocketAcceptPort=" + std::to_string(port) + "\n";
  } else {
    s += "SocketConnectHost=127.0.0.1\n";
    s += "SocketConnectPort=" + std::to_string(port) + "\n";
    s += "HeartBtInt=30\n";
    s += "ReconnectInterval=1\n";
  }
  for (std::uint32_t k = 1; k <= sessions; ++k) {
    const std::string client = "CLIENT" + std::to_string(k);
    s += "\n[SESSION]\nBeginString=FIX.4.4\n";
    s += "SenderCompID=" + (acceptor ? std::string("BROKER1") : client) + "\n";
    s += "TargetCompID=" + (acceptor ? client : std::string("BROKER1")) + "\n";
  }
  return s;
}

// Removes the run's temporary journal directory.
void remove_tree(const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (ec) std::fprintf(stderr, "fixring: could not remove %s: %s\n", dir.c_str(), ec.message().c_str());
}

// One fixring system run with `sessions` sessions per side.
bool run_fixring_n(const run_config& config, std::uint32_t sessions, system_result& result) {
  if (sessions < 1 || sessions > max_sessions) {
    result.error = "fixring: --sessions must be in 1.." + std::to_string(max_sessions);
    return false;
  }
  std::string dictionary = config.spec_dir.empty() ? std::string() : config.spec_dir + "/FIX44.xml";
  std::error_code exists_ec;
  if (!dictionary.empty() && !std::filesystem::exists(dictionary, exists_ec)) dictionary.clear();
  result.description =
      std::string("fixring engine both sides, FIX.4.4, poll_once() busy loop per side (FixringBusyPoll=Y, io_uring), "
                  "journal on both sides (FixringDurability=none)") +
      (dictionary.empty() ? ", no data dictionary" : ", FIX44.xml validation on") +
      (sessions == 1 ? std::string(", one session")
                     : ", " + std::to_string(sessions) + " sessions per side on one engine/reactor each, round trip i on "
                       "session i mod " + std::to_string(sessions) + ", stream spread the same way");

  char dir_template[] = "/tmp/fixring-latency-fr-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) {
    result.error = errno_text("fixring: mkdtemp");
    return false;
  }
  const std::string base(dir_template);
  shared_block<fixring_shared> shared;
  const int port = pick_free_port();
  if (!shared.ok() || port < 0) {
    result.error = errno_text("fixring: shared memory or port");
    remove_tree(base);
    return false;
  }
  const std::string acceptor_settings = settings_text(true, port, base + "/acceptor", dictionary, sessions);
  const std::string initiator_settings = settings_text(false, port, base + "/initiator", dictionary, sessions);
  const double child_seconds = 3 * config.max_seconds + 5;
  std::fflush(nullptr);
  const pid_t child = fork_child(config.pin, config.acceptor_core, [&] {
    return acceptor_main(acceptor_settings, config.stream_count, config.warmup + config.count, sessions,
                         child_seconds, *shared);
  });
  if (child < 0) {
    result.error = errno_text("fixring: fork");
    remove_tree(base);
    return false;
  }
  // wait_acceptor_ready's acquire loads pair with acceptor_main's release store of acceptor_ready.
  bool ok = wait_acceptor_ready(*shared);
  if (!ok) result.error = "fixring: the acceptor did not start listening";
  std::vector<stream_range> ranges;
  if (ok) ok = run_initiator(config, sessions, result, initiator_settings, *shared, ranges);
  ok = stop_acceptor("fixring", *shared, child, ok, result);
  // Both engines are gone (journals closed): check what they delivered and wrote.
  if (ok) ok = verify_stream(config, sessions, ranges, *shared, base, result);
  remove_tree(base);
  return ok;
}

}  // namespace

bool run_fixring(const run_config& config, system_result& result) { return run_fixring_n(config, 1, result); }

bool run_fixring_sessions(const run_config& config, system_result& result) {
  return run_fixring_n(config, config.sessions, result);
}

}  // namespace fixring::latency
