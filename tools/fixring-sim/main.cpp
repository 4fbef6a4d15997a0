// fixring-sim: a FIX acceptor and/or initiator driven by a QuickFIX-style
// settings file, answering with one of the test applications in apps.hpp.
//
//   fixring-sim --config FILE --app echo|fill [--max-seconds N]
//
// Prints one line per session event (status changes with their reason, and a
// summary of each session's counters when its connection ends), writes the
// journals under FileStorePath, and on SIGINT/SIGTERM logs every session out,
// waits for the Logout answers (bounded by LogoutTimeout) and exits 0.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "apps.hpp"
#include "fixring/codec/types.hpp"
#include "fixring/engine/engine.hpp"

namespace {

using namespace fixring;

template <class Responder>
struct sim_app;

template <class Responder>
using sim_engine = engine::engine<sim_app<Responder>>;

// The responders' view of one engine session.
template <class Responder>
struct engine_out {
  sim_engine<Responder>* eng;
  engine::session_handle h;
  template <class BodyFn>
  void send(std::string_view type, BodyFn&& body, const engine::header_fields& header) {
    (void)eng->send(h, type, std::forward<BodyFn>(body), header);
  }
  void business_reject(const codec::message& m, std::uint32_t reason, std::string_view text) {
    (void)eng->send_business_reject(h, m, reason, text);
  }
};

void print_event(std::int64_t wall_ns, const std::string& session, std::string_view what) {
  char ts[32];
  const std::size_t n = codec::format_utc_timestamp(ts, wall_ns, codec::time_precision::ms);
  std::printf("%.*s %s %.*s\n", static_cast<int>(n), ts, session.c_str(), static_cast<int>(what.size()), what.data());
  std::fflush(stdout);
}

template <class Responder>
struct sim_app {
  sim_engine<Responder>* eng = nullptr;
  std::vector<Responder> responders;
  std::vector<engine::session_stats> seen;  // counters last reported, per session

  void on_message(engine::session_handle h, const codec::message& m, std::int64_t) noexcept {
    engine_out<Responder> out{eng, h};
    responders[h].on_app_message(out, m);
  }
  bool authenticate_logon(engine::session_handle, const codec::message&) noexcept { return true; }

  // Reports protocol events the counters show since the last tick: resend
  // requests both ways, messages resent, sequence resets, gaps, rejects.
  void on_tick(std::int64_t wall_ns) noexcept {
    for (std::size_t i = 0; i < seen.size(); ++i) report_counters(i, wall_ns);
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

  void on_status(engine::session_handle h, engine::session_status st, engine::session_error err) noexcept {
    std::string what;
    switch (st) {
      case engine::session_status::active: what = "logon"; break;
      case engine::session_status::logging_out: what = "logout started"; break;
      case engine::session_status::logged_out: what = "logout"; break;
      case engine::session_status::error: what = "error: " + std::string(engine::to_string(err)); break;
      default: what = std::string(engine::to_string(st)); break;
    }
    const auto& core = eng->session_core(h);
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

template <class Responder>
int run(const engine::config::settings& settings, int max_seconds) {
  sim_app<Responder> app;
  app.responders.resize(settings.sessions.size());
  app.seen.resize(settings.sessions.size());
  auto created = sim_engine<Responder>::create(settings, app);
  if (!created) {
    std::fprintf(stderr, "fixring-sim: %s\n", created.error().message.c_str());
    return 1;
  }
  auto& eng = *created.value();
  app.eng = &eng;
  for (std::size_t i = 0; i < eng.session_count(); ++i) {
    print_event(eng.wall_now_ns(), eng.session_name(static_cast<engine::session_handle>(i)), "configured");
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
  std::printf("fixring-sim: stopped\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"fixring-sim: FIX acceptor/initiator driven by a settings file"};
  std::string config_file, app_name = "echo";
  int max_seconds = 0;
  cli.add_option("--config", config_file, "QuickFIX-style settings file")->required();
  cli.add_option("--app", app_name, "application: echo or fill")->check(CLI::IsMember({"echo", "fill"}));
  cli.add_option("--max-seconds", max_seconds, "log out and exit after N seconds (0: run until a signal)");
  CLI11_PARSE(cli, argc, argv);
  auto settings = engine::config::parse_settings_file(config_file);
  if (!settings) {
    std::fprintf(stderr, "fixring-sim: %s\n", settings.error().message.c_str());
    return 1;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  if (app_name == "fill") return run<sim::fill_responder>(settings.value(), max_seconds);
  return run<sim::echo_responder>(settings.value(), max_seconds);
}
