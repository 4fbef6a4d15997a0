// example-strategy: how a trading program embeds fixring.
//
//   example-strategy [--config strategy.cfg] [--orders N]
//
// It builds an engine from a settings file, logs on, sends N limit orders
// (from a second thread, through a producer ring, the way a strategy thread
// would), prints every ExecutionReport, and logs out once each order is filled.
// Start a counterparty first, e.g.
//   fixring-sim --config tools/example-strategy/exchange.cfg --app fill
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>

#include "fixring/engine/engine.hpp"

namespace {

using namespace fixring;

struct strategy;
using strategy_engine = engine::engine<strategy>;

// The application: callbacks run on the reactor thread. Atomics publish what
// the strategy thread and main() wait for.
struct strategy {
  strategy_engine* eng = nullptr;
  int orders = 0;
  std::atomic<bool> logged_on{false};
  std::atomic<int> filled{0};
  std::atomic<bool> finished{false};

  void on_message(engine::session_handle h, const codec::message& m, std::int64_t) noexcept {
    if (m.msg_type() != "8") return;
    std::printf("execution: ClOrdID=%.*s OrdStatus=%.*s CumQty=%.*s AvgPx=%.*s\n",
                static_cast<int>(m.get_or(11).size()), m.get_or(11).data(), static_cast<int>(m.get_or(39).size()),
                m.get_or(39).data(), static_cast<int>(m.get_or(14).size()), m.get_or(14).data(),
                static_cast<int>(m.get_or(6).size()), m.get_or(6).data());
    char status = 0;
    // release: pairs with the acquire load in main(); nothing else is published.
    if (m.get_char(39, status) && status == '2' && filled.fetch_add(1, std::memory_order_release) + 1 == orders) {
      (void)eng->logout(h, "done");
    }
  }
  void on_status(engine::session_handle h, engine::session_status st, engine::session_error err) noexcept {
    std::printf("session %s: %.*s%s%.*s\n", eng->session_name(h).c_str(), static_cast<int>(engine::to_string(st).size()),
                engine::to_string(st).data(), err == engine::session_error::none ? "" : ": ",
                static_cast<int>(err == engine::session_error::none ? 0 : engine::to_string(err).size()),
                engine::to_string(err).data());
    // release: pairs with the acquire loads in the strategy thread and main().
    if (st == engine::session_status::active) logged_on.store(true, std::memory_order_release);
    if (st == engine::session_status::logged_out) finished.store(true, std::memory_order_release);
  }
  bool authenticate_logon(engine::session_handle, const codec::message&) noexcept { return true; }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"example strategy embedding the fixring engine"};
  std::string config_file = "tools/example-strategy/strategy.cfg";
  int orders = 5;
  cli.add_option("--config", config_file, "settings file");
  cli.add_option("--orders", orders, "orders to send")->check(CLI::Range(1, 100000));
  CLI11_PARSE(cli, argc, argv);

  auto settings = engine::config::parse_settings_file(config_file);
  if (!settings) {
    std::fprintf(stderr, "example-strategy: %s\n", settings.error().message.c_str());
    return 1;
  }
  strategy app;
  app.orders = orders;
  auto created = strategy_engine::create(settings.value(), app);
  if (!created) {
    std::fprintf(stderr, "example-strategy: %s\n", created.error().message.c_str());
    return 1;
  }
  strategy_engine& eng = *created.value();
  app.eng = &eng;
  strategy_engine::producer* ring = eng.make_producer();  // before run(): cold

  // The strategy thread: waits for the logon, then sends through its ring.
  std::thread trader([&] {
    while (!app.logged_on.load(std::memory_order_acquire)) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    for (int i = 1; i <= orders; ++i) {
      const auto body = [&](codec::encoder& e) noexcept {
        e.add_uint(11, static_cast<std::uint64_t>(i));  // ClOrdID
        e.add(21, "1");                                  // HandlInst
        e.add(38, "100");                                // OrderQty
        e.add(40, "2");                                  // OrdType limit
        e.add_uint(44, 100 + static_cast<std::uint64_t>(i));  // Price
        e.add(54, "1");                                  // Side buy
        e.add(55, "FIXR");                               // Symbol
      };
      while (ring->try_send(0, "D", body) == engine::producer_result::back_pressured) std::this_thread::yield();
    }
  });

  // The reactor runs on main's thread; stop it once the session logged out.
  std::thread watcher([&] {
    while (!app.finished.load(std::memory_order_acquire)) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    eng.stop();
  });
  const auto st = eng.run();
  trader.join();
  watcher.join();
  if (!st.ok()) {
    std::fprintf(stderr, "example-strategy: reactor: %.*s\n", static_cast<int>(st.name().size()), st.name().data());
    return 1;
  }
  std::printf("%d of %d orders filled\n", app.filled.load(std::memory_order_acquire), orders);
  return 0;
}
