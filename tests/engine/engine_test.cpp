// engine<App> over real sockets on 127.0.0.1: a fixring acceptor engine on its
// own thread and a fixring initiator engine (driven from the test thread with
// poll_once(), or on a thread of its own), or a hand-written peer on a plain
// socket. Every wait is bounded (wait_until), so a broken engine fails a test
// instead of hanging the suite.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "../../tools/fixring-sim/apps.hpp"
#include "alloc_counter.hpp"
#include "fix_text.hpp"
#include "fixring/codec/types.hpp"
#include "fixring/engine/engine.hpp"

namespace {

using namespace fixring;
using engine::session_status;
namespace fs = std::filesystem;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  ::close(fd);
  return ntohs(a.sin_port);
}

struct temp_dir {
  fs::path path;
  temp_dir() {
    static std::atomic<int> n{0};
    path = fs::temp_directory_path() /
           ("fixring-engine-test-" + std::to_string(::getpid()) + "-" + std::to_string(n.fetch_add(1)));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string acceptor_settings(std::uint16_t port, const fs::path& store, const std::string& extra = {}) {
  return "[DEFAULT]\nConnectionType=acceptor\nSocketAcceptAddress=127.0.0.1\nSocketAcceptPort=" +
         std::to_string(port) + "\nFileStorePath=" + store.string() + "\nUseDataDictionary=N\n" + extra +
         "\n[SESSION]\nBeginString=FIX.4.4\nSenderCompID=ACC\nTargetCompID=INIT\n";
}

std::string initiator_settings(std::uint16_t port, const fs::path& store, const std::string& extra = {}) {
  return "[DEFAULT]\nConnectionType=initiator\nSocketConnectHost=127.0.0.1\nSocketConnectPort=" +
         std::to_string(port) + "\nFileStorePath=" + store.string() +
         "\nUseDataDictionary=N\nHeartBtInt=30\nFixringReconnectInitialMs=100\nFixringReconnectMaxMs=200\n" + extra +
         "\n[SESSION]\nBeginString=FIX.4.4\nSenderCompID=INIT\nTargetCompID=ACC\n";
}

engine::config::settings parse(const std::string& text) {
  auto r = engine::config::parse_settings_text(text, "test.cfg");
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r.has_value());
  return std::move(r).value();
}

// Polls `step` until `done` holds or the time runs out; returns done().
bool wait_until(const std::function<bool()>& done, const std::function<void()>& step = {},
                std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    if (step) {
      step();
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  return true;
}

std::string utc_now() {
  char buf[32];
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return {buf, codec::format_utc_timestamp(buf, ns, codec::time_precision::ms)};
}

// A plain blocking TCP client, for peers the engine must refuse.
struct raw_client {
  int fd = -1;
  // source_ip: the local address to connect from (any of 127.0.0.0/8), or
  // nullptr for the kernel's choice.
  explicit raw_client(std::uint16_t port, const char* source_ip = nullptr) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (source_ip != nullptr) {
      sockaddr_in local{};
      local.sin_family = AF_INET;
      REQUIRE(::inet_pton(AF_INET, source_ip, &local.sin_addr) == 1);
      REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0);
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~raw_client() { ::close(fd); }
  void send(const std::string& s) const { REQUIRE(::send(fd, s.data(), s.size(), MSG_NOSIGNAL) == (ssize_t)s.size()); }
  // Closed by the peer without a byte: recv gives 0 (FIN) or ECONNRESET; a
  // timeout or data is not "dropped silently". EINTR is retried: with
  // SO_RCVTIMEO set the kernel does not restart recv, and the teardown of an
  // io_uring this thread drove in an earlier test can interrupt it.
  [[nodiscard]] bool closed_silently() const {
    char b[256];
    ssize_t n;
    do {
      n = ::recv(fd, b, sizeof b, 0);
    } while (n < 0 && errno == EINTR);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }
};

std::string logon(const std::string& sender, const std::string& target, int seq = 1) {
  return test::fix("8=FIX.4.4|35=A|34=" + std::to_string(seq) + "|49=" + sender + "|52=" + utc_now() + "|56=" + target +
                   "|98=0|108=30|141=Y|");
}

// ---------------------------------------------------------------------------
// Applications
// ---------------------------------------------------------------------------

// The acceptor: the fill application; remembers every ClOrdID in arrival order.
struct fill_app;
using fill_engine = engine::engine<fill_app>;
struct fill_app {
  fill_engine* eng = nullptr;
  sim::fill_responder responder;
  std::mutex mu;
  std::vector<std::string> orders;  // guarded by mu
  std::atomic<int> logons{0};
  std::atomic<int> status{0};

  struct out {
    fill_engine* eng;
    engine::session_handle h;
    template <class F>
    void send(std::string_view t, F&& f, const engine::header_fields& hf) {
      (void)eng->send(h, t, std::forward<F>(f), hf);
    }
    void business_reject(const codec::message& m, std::uint32_t r, std::string_view t) {
      (void)eng->send_business_reject(h, m, r, t);
    }
  };
  void on_message(engine::session_handle h, const codec::message& m, std::int64_t) noexcept {
    if (m.msg_type() == "D") {
      std::lock_guard<std::mutex> lock(mu);
      orders.emplace_back(m.get_or(11));
    }
    out o{eng, h};
    responder.on_app_message(o, m);
  }
  void on_status(engine::session_handle, session_status st, engine::session_error) noexcept {
    if (st == session_status::active) logons.fetch_add(1);
    status.store(static_cast<int>(st));
  }
  bool authenticate_logon(engine::session_handle, const codec::message&) noexcept { return true; }
  std::size_t order_count() {
    std::lock_guard<std::mutex> lock(mu);
    return orders.size();
  }
};

// The initiator: records ExecutionReports (ClOrdID, OrdStatus) in order.
struct trader_app;
using trader_engine = engine::engine<trader_app>;
struct trader_app {
  std::mutex mu;
  std::vector<std::pair<std::string, char>> execs;  // guarded by mu
  std::atomic<int> logons{0};
  std::atomic<int> status{0};
  std::atomic<int> disconnects{0};

  void on_message(engine::session_handle, const codec::message& m, std::int64_t) noexcept {
    if (m.msg_type() != "8") return;
    char st = 0;
    (void)m.get_char(39, st);
    std::lock_guard<std::mutex> lock(mu);
    execs.emplace_back(std::string(m.get_or(11)), st);
  }
  void on_status(engine::session_handle, session_status st, engine::session_error) noexcept {
    if (st == session_status::active) logons.fetch_add(1);
    if (st == session_status::disconnected) disconnects.fetch_add(1);
    status.store(static_cast<int>(st));
  }
  bool authenticate_logon(engine::session_handle, const codec::message&) noexcept { return true; }
  std::size_t exec_count() {
    std::lock_guard<std::mutex> lock(mu);
    return execs.size();
  }
  bool active() const { return status.load() == static_cast<int>(session_status::active); }
};

// The acceptor engine running on its own thread.
struct running_acceptor {
  fill_app app;
  std::unique_ptr<fill_engine> eng;
  std::thread thread;
  running_acceptor(std::uint16_t port, const fs::path& store, const std::string& extra = {}) {
    auto r = fill_engine::create(parse(acceptor_settings(port, store, extra)), app);
    INFO((r ? std::string() : r.error().message));
    REQUIRE(r.has_value());
    eng = std::move(r).value();
    app.eng = eng.get();
    thread = std::thread([this] { (void)eng->run(); });
  }
  // Stops the reactor thread, after which eng's stats may be read here.
  void stop() {
    if (!thread.joinable()) return;
    eng->stop();
    thread.join();
  }
  ~running_acceptor() { stop(); }
};

std::unique_ptr<trader_engine> make_trader(trader_app& app, std::uint16_t port, const fs::path& store,
                                           const engine::engine_options& opts = {}, const std::string& extra = {}) {
  auto r = trader_engine::create(parse(initiator_settings(port, store, extra)), app, opts);
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r.has_value());
  return std::move(r).value();
}

void send_order(trader_engine& eng, std::uint64_t id, engine::send_result* result = nullptr) {
  const engine::send_result r = eng.send(0, "D", [&](codec::encoder& e) noexcept {
    e.add_uint(11, id);
    e.add(21, "1");
    e.add(38, "100");
    e.add(40, "2");
    e.add(44, "10.5");
    e.add(54, "1");
    e.add(55, "FIXR");
    e.add(60, "20260101-00:00:00.000");
  });
  if (result != nullptr) *result = r;
}

}  // namespace

// ---------------------------------------------------------------------------

TEST_CASE("an initiator and an acceptor log on, trade 10,000 orders with none lost and in order, and log out",
          "[engine]") {
  temp_dir dir;
  const std::uint16_t port = free_port();
  running_acceptor acc(port, dir.path / "acceptor");
  trader_app app;
  auto eng = make_trader(app, port, dir.path / "initiator");
  auto pump = [&] { (void)eng->poll_once(); };
  REQUIRE(wait_until([&] { return app.active(); }, pump));

  constexpr std::uint64_t orders = 10'000;
  for (std::uint64_t i = 1; i <= orders; ++i) {
    engine::send_result r{};
    send_order(*eng, i, &r);
    REQUIRE((r == engine::send_result::sent || r == engine::send_result::queued));
    if (i % 64 == 0) pump();
  }
  REQUIRE(wait_until([&] { return app.exec_count() >= 2 * orders; }, pump, std::chrono::seconds(60)));
  {
    std::lock_guard<std::mutex> lock(app.mu);
    REQUIRE(app.execs.size() == 2 * orders);
    for (std::uint64_t i = 0; i < orders; ++i) {
      REQUIRE(app.execs[2 * i].first == std::to_string(i + 1));
      REQUIRE(app.execs[2 * i].second == '0');
      REQUIRE(app.execs[2 * i + 1].first == std::to_string(i + 1));
      REQUIRE(app.execs[2 * i + 1].second == '2');
    }
  }
  REQUIRE(acc.app.order_count() == orders);
  REQUIRE(eng->logout(0) == engine::send_result::sent);
  REQUIRE(wait_until([&] { return app.disconnects.load() == 1; }, pump));
  CHECK(eng->session_core(0).last_error() == engine::session_error::none);
  CHECK(eng->session_core(0).next_outbound_seq() == orders + 3);  // Logon, orders, Logout
}

TEST_CASE("the reactor faults journal pages in during idle iterations, unless FixringPrefault=helper", "[engine]") {
  for (const bool helper : {false, true}) {
    INFO((helper ? "FixringPrefault=helper" : "FixringPrefault=idle (default)"));
    temp_dir dir;
    const std::uint16_t port = free_port();
    running_acceptor acc(port, dir.path / "acceptor");
    trader_app app;
    auto eng = make_trader(app, port, dir.path / "initiator", {}, helper ? "FixringPrefault=helper\n" : "");
    auto pump = [&] { (void)eng->poll_once(); };
    REQUIRE(wait_until([&] { return app.active(); }, pump));
    for (std::uint64_t i = 1; i <= 200; ++i) send_order(*eng, i);
    REQUIRE(wait_until([&] { return app.exec_count() >= 400; }, pump));
    // At least one maintain() (every 10 ms) has asked for the window by now;
    // the idle polls of the wait fault it in, a step at a time.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
    while (std::chrono::steady_clock::now() < deadline) pump();
    if (helper) {
      CHECK(eng->stats().journal_prefault_steps == 0);
    } else {
      CHECK(eng->stats().journal_prefault_steps > 1);  // the window past the orders, and the outbound index
    }
  }
}

TEST_CASE("the initiator reconnects and logs on again after the acceptor restarts", "[engine]") {
  temp_dir dir;
  const std::uint16_t port = free_port();
  trader_app app;
  auto eng = make_trader(app, port, dir.path / "initiator");
  auto pump = [&] { (void)eng->poll_once(); };
  {
    running_acceptor acc(port, dir.path / "acceptor");
    REQUIRE(wait_until([&] { return app.active(); }, pump));
  }  // the acceptor process goes away: its sockets close
  REQUIRE(wait_until([&] { return app.disconnects.load() >= 1; }, pump));
  const std::uint64_t out_before = eng->session_core(0).next_outbound_seq();
  running_acceptor again(port, dir.path / "acceptor");
  REQUIRE(wait_until([&] { return app.logons.load() == 2 && app.active(); }, pump));
  // Sequence numbers persisted on both sides: no reset, the Logon took the next number.
  CHECK(eng->session_core(0).next_outbound_seq() == out_before + 1);
  CHECK(eng->stats().connect_attempts >= 2);
}

TEST_CASE("a connection naming an unknown CompID is dropped silently while the good session stays up",
          "[engine]") {
  temp_dir dir;
  const std::uint16_t port = free_port();
  running_acceptor acc(port, dir.path / "acceptor");
  trader_app app;
  auto eng = make_trader(app, port, dir.path / "initiator");
  auto pump = [&] { (void)eng->poll_once(); };
  REQUIRE(wait_until([&] { return app.active(); }, pump));

  raw_client intruder(port);
  intruder.send(logon("STRANGER", "ACC"));
  CHECK(intruder.closed_silently());

  send_order(*eng, 1);
  REQUIRE(wait_until([&] { return app.exec_count() == 2; }, pump));
  CHECK(app.active());
  CHECK(app.disconnects.load() == 0);
}

TEST_CASE("a second logon for a session that is already connected is dropped and the first stays up", "[engine]") {
  temp_dir dir;
  const std::uint16_t port = free_port();
  running_acceptor acc(port, dir.path / "acceptor");
  trader_app app;
  auto eng = make_trader(app, port, dir.path / "initiator");
  auto pump = [&] { (void)eng->poll_once(); };
  REQUIRE(wait_until([&] { return app.active(); }, pump));

  raw_client twin(port);
  twin.send(logon("INIT", "ACC", 2));
  CHECK(twin.closed_silently());

  send_order(*eng, 7);
  REQUIRE(wait_until([&] { return app.exec_count() == 2; }, pump));
  CHECK(app.active());
  CHECK(acc.app.logons.load() == 1);
}

TEST_CASE("orders sent from another thread through a producer ring arrive in order", "[engine]") {
  temp_dir dir;
  const std::uint16_t port = free_port();
  running_acceptor acc(port, dir.path / "acceptor");
  trader_app app;
  auto eng = make_trader(app, port, dir.path / "initiator");
  trader_engine::producer* prod = eng->make_producer();
  REQUIRE(prod != nullptr);
  std::thread reactor([&] { (void)eng->run(); });
  const bool up = wait_until([&] { return app.active(); });

  constexpr int orders = 5'000;
  int back_pressured = 0;
  if (up) {
    for (int i = 1; i <= orders; ++i) {
      for (;;) {
        const engine::producer_result r = prod->try_send(0, "D", [&](codec::encoder& e) noexcept {
          e.add_uint(11, static_cast<std::uint64_t>(i));
          e.add(38, "5");
          e.add(54, "2");
          e.add(55, "RING");
        });
        if (r == engine::producer_result::queued) break;
        REQUIRE(r == engine::producer_result::back_pressured);
        ++back_pressured;
        std::this_thread::yield();
      }
    }
  }
  const bool all = up && wait_until([&] { return acc.app.order_count() == orders; }, {}, std::chrono::seconds(30));
  eng->stop();
  reactor.join();
  REQUIRE(up);
  REQUIRE(all);
  std::lock_guard<std::mutex> lock(acc.app.mu);
  for (int i = 0; i < orders; ++i) REQUIRE(acc.app.orders[static_cast<std::size_t>(i)] == std::to_string(i + 1));
  INFO("producer saw the ring full " << back_pressured << " times");
}

TEST_CASE("a producer ring that the reactor does not drain answers back_pressured, queuing nothing", "[engine]") {
  temp_dir dir;
  trader_app app;
  engine::engine_options opts;
  opts.producer_slots = 8;
  auto eng = make_trader(app, free_port(), dir.path / "initiator", opts);
  trader_engine::producer* prod = eng->make_producer();
  REQUIRE(prod != nullptr);
  auto body = [](codec::encoder& e) noexcept { e.add(58, "x"); };
  for (int i = 0; i < 8; ++i) REQUIRE(prod->try_send(0, "B", body) == engine::producer_result::queued);
  CHECK(prod->try_send(0, "B", body) == engine::producer_result::back_pressured);
}

TEST_CASE("send reports back-pressure (queued) when the counterparty stops reading", "[engine]") {
  temp_dir dir;
  // A counterparty on a plain socket: answers the Logon, then never reads again.
  const int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  int small = 4096;
  ::setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  REQUIRE(::listen(lfd, 4) == 0);
  std::atomic<bool> answered{false};
  std::thread peer([&] {
    const int c = ::accept(lfd, nullptr, nullptr);
    char buf[4096];
    (void)::recv(c, buf, sizeof buf, 0);  // the Logon
    const std::string answer = logon("ACC", "INIT");
    (void)::send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
    answered.store(true);
    std::this_thread::sleep_for(std::chrono::seconds(3));  // reads nothing meanwhile
    ::close(c);
  });

  trader_app app;
  engine::engine_options opts;
  opts.send_queue_bytes = 64 * 1024;
  auto eng = make_trader(app, ntohs(a.sin_port), dir.path / "initiator", opts);
  auto pump = [&] { (void)eng->poll_once(); };
  const bool up = wait_until([&] { return app.active(); }, pump);
  bool saw_queued = false;
  std::uint64_t sent = 0;
  if (up) {
    for (std::uint64_t i = 1; i <= 200'000 && !saw_queued; ++i) {
      engine::send_result r{};
      send_order(*eng, i, &r);
      saw_queued = r == engine::send_result::queued;
      sent = i;
      if (i % 256 == 0) pump();
    }
  }
  peer.join();
  ::close(lfd);
  REQUIRE(up);
  INFO("orders handed over before the first queued: " << sent);
  CHECK(saw_queued);
  CHECK(eng->session_core(0).next_outbound_seq() == sent + 2);  // every order kept its number: none dropped
}

TEST_CASE("create names the session and the file when a journal directory cannot be made", "[engine]") {
  temp_dir dir;
  const fs::path blocker = dir.path / "file";
  { std::FILE* f = std::fopen(blocker.c_str(), "w"); std::fclose(f); }
  trader_app app;
  auto r = trader_engine::create(parse(initiator_settings(free_port(), blocker)), app);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("FIX.4.4:INIT->ACC") != std::string::npos);
  CHECK(r.error().message.find(blocker.string()) != std::string::npos);
}

TEST_CASE("create names the session and the dictionary file when a dictionary does not load", "[engine]") {
  temp_dir dir;
  trader_app app;
  const std::string extra = "UseDataDictionary=Y\nDataDictionary=" + (dir.path / "missing.xml").string() + "\n";
  std::string text = initiator_settings(free_port(), dir.path / "store");
  text.replace(text.find("UseDataDictionary=N\n"), 20, extra);
  auto r = trader_engine::create(parse(text), app);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("FIX.4.4:INIT->ACC") != std::string::npos);
  CHECK(r.error().message.find("missing.xml") != std::string::npos);
}

TEST_CASE("a deactivated initiator logs out and does not reconnect until activated", "[engine]") {
  temp_dir dir;
  const std::uint16_t port = free_port();
  running_acceptor acc(port, dir.path / "acceptor");
  trader_app app;
  auto eng = make_trader(app, port, dir.path / "initiator");
  auto pump = [&] { (void)eng->poll_once(); };
  REQUIRE(wait_until([&] { return app.active(); }, pump));
  eng->deactivate(0);
  REQUIRE(wait_until([&] { return app.disconnects.load() == 1; }, pump));
  CHECK(eng->session_core(0).last_error() == engine::session_error::none);
  const std::uint64_t attempts = eng->stats().connect_attempts;
  (void)wait_until([] { return false; }, pump, std::chrono::milliseconds(500));  // well past the 100-200 ms backoff
  CHECK(eng->stats().connect_attempts == attempts);
  eng->activate(0);
  REQUIRE(wait_until([&] { return app.logons.load() == 2; }, pump));
}

namespace {

// A throw-away CA and a server certificate for 127.0.0.1, made with the
// openssl command-line tool.
struct test_pki {
  std::string ca, other_ca, server_cert, server_key;
  explicit test_pki(const fs::path& dir) {
    const std::string d = dir.string() + "/";
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    run("openssl req -x509" + ec + " -keyout " + d + "ca.key -out " + d + "ca.pem -days 2 -subj /CN=engine-test-ca");
    run("openssl req -x509" + ec + " -keyout " + d + "other.key -out " + d + "other.pem -days 2 -subj /CN=other-ca");
    std::FILE* f = std::fopen((d + "server.ext").c_str(), "w");
    std::fputs("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n", f);
    std::fclose(f);
    run("openssl req" + ec + " -keyout " + d + "server.key -out " + d + "server.csr -subj /CN=localhost");
    run("openssl x509 -req -in " + d + "server.csr -CA " + d + "ca.pem -CAkey " + d +
        "ca.key -CAcreateserial -days 2 -out " + d + "server.pem -extfile " + d + "server.ext");
    ca = d + "ca.pem";
    other_ca = d + "other.pem";
    server_cert = d + "server.pem";
    server_key = d + "server.key";
  }
  static void run(const std::string& cmd) {
    INFO(cmd);
    REQUIRE(std::system((cmd + " >/dev/null 2>&1").c_str()) == 0);
  }
};

std::string hh_mm_ss_utc(std::int64_t offset_s) {
  const std::time_t t = std::time(nullptr) + offset_s;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

}  // namespace

TEST_CASE("an initiator logs on over TLS to a TLS acceptor and trades", "[engine][tls]") {
  temp_dir dir;
  const test_pki pki(dir.path);
  const std::uint16_t port = free_port();
  running_acceptor acc(port, dir.path / "acceptor",
                       "SSLEnable=Y\nServerCertificateFile=" + pki.server_cert +
                           "\nServerCertificateKeyFile=" + pki.server_key + "\n");
  trader_app app;
  auto eng = make_trader(app, port, dir.path / "initiator", {},
                         "SSLEnable=Y\nCertificateAuthoritiesFile=" + pki.ca + "\n");
  auto pump = [&] { (void)eng->poll_once(); };
  REQUIRE(wait_until([&] { return app.active(); }, pump));
  send_order(*eng, 42);
  REQUIRE(wait_until([&] { return app.exec_count() == 2; }, pump));
}

TEST_CASE("an initiator that does not trust the acceptor's certificate never logs on", "[engine][tls]") {
  temp_dir dir;
  const test_pki pki(dir.path);
  const std::uint16_t port = free_port();
  running_acceptor acc(port, dir.path / "acceptor",
                       "SSLEnable=Y\nServerCertificateFile=" + pki.server_cert +
                           "\nServerCertificateKeyFile=" + pki.server_key + "\n");
  trader_app app;
  auto eng = make_trader(app, port, dir.path / "initiator", {},
                         "SSLEnable=Y\nCertificateAuthoritiesFile=" + pki.other_ca + "\n");
  auto pump = [&] { (void)eng->poll_once(); };
  REQUIRE(wait_until([&] { return eng->stats().connect_failures >= 2; }, pump));
  CHECK(app.logons.load() == 0);
  CHECK(acc.app.logons.load() == 0);
}

TEST_CASE("an initiator logs out at the end of its schedule window and does not reconnect", "[engine][schedule]") {
  temp_dir dir;
  const std::uint16_t port = free_port();
  running_acceptor acc(port, dir.path / "acceptor");
  trader_app app;
  auto eng = make_trader(app, port, dir.path / "initiator", {},
                         "StartTime=" + hh_mm_ss_utc(-60) + "\nEndTime=" + hh_mm_ss_utc(3) + "\nTimeZone=UTC\n");
  auto pump = [&] { (void)eng->poll_once(); };
  REQUIRE(wait_until([&] { return app.active(); }, pump));
  REQUIRE(wait_until([&] { return app.disconnects.load() == 1; }, pump));
  CHECK(eng->session_core(0).stats().logouts_sent == 1);
  CHECK(eng->session_core(0).last_error() == engine::session_error::none);
  const std::uint64_t attempts = eng->stats().connect_attempts;
  (void)wait_until([] { return false; }, pump, std::chrono::milliseconds(700));  // past the 100-200 ms backoff
  CHECK(eng->stats().connect_attempts == attempts);
}

TEST_CASE("a restart inside the same schedule window keeps sequence numbers, a new window resets them",
          "[engine][schedule]") {
  temp_dir dir;
  const std::uint16_t port = free_port();
  const std::string window = "StartTime=" + hh_mm_ss_utc(-60) + "\nEndTime=" + hh_mm_ss_utc(600) + "\nTimeZone=UTC\n";
  const std::string journal_dir =
      engine::journal_directory(parse(initiator_settings(port, dir.path / "initiator", window)).sessions[0], "");
  {
    running_acceptor acc(port, dir.path / "acceptor");
    trader_app app;
    auto eng = make_trader(app, port, dir.path / "initiator", {}, window);
    auto pump = [&] { (void)eng->poll_once(); };
    REQUIRE(wait_until([&] { return app.active(); }, pump));
    send_order(*eng, 1);
    REQUIRE(wait_until([&] { return app.exec_count() == 2; }, pump));
    eng->deactivate(0);
    REQUIRE(wait_until([&] { return app.disconnects.load() == 1; }, pump));
    REQUIRE(eng->session_core(0).next_outbound_seq() == 4);  // Logon, order, Logout
  }
  const std::int64_t this_window = engine::read_window_start(journal_dir);
  REQUIRE(this_window != 0);
  engine::engine_options opts;
  {
    trader_app app;
    auto eng = make_trader(app, free_port(), dir.path / "initiator", opts, window);  // nobody listens there
    REQUIRE(wait_until([&] { return eng->stats().connect_attempts >= 1; }, [&] { (void)eng->poll_once(); }));
    CHECK(eng->stats().schedule_resets == 0);
    CHECK(eng->session_core(0).next_outbound_seq() == 4);
  }
  // As if the journal were last used in the previous day's window.
  REQUIRE(engine::write_window_start(journal_dir, this_window - 86'400'000'000'000));
  {
    trader_app app;
    auto eng = make_trader(app, free_port(), dir.path / "initiator", opts, window);
    REQUIRE(wait_until([&] { return eng->stats().connect_attempts >= 1; }, [&] { (void)eng->poll_once(); }));
    CHECK(eng->stats().schedule_resets == 1);
    CHECK(eng->session_core(0).next_outbound_seq() == 1);
    CHECK(eng->session_core(0).next_inbound_seq() == 1);
    CHECK(engine::read_window_start(journal_dir) == this_window);
  }
}

TEST_CASE("once logged on, sending orders and polling the engine allocates nothing", "[engine][alloc]") {
  temp_dir dir;
  // The counterparty: answers the Logon, then reads everything into one buffer.
  const int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  REQUIRE(::listen(lfd, 4) == 0);
  const std::string answer = logon("ACC", "INIT");
  std::atomic<std::uint64_t> bytes_read{0};
  std::thread peer([&] {
    const int c = ::accept(lfd, nullptr, nullptr);
    static char buf[65536];
    ssize_t n = ::recv(c, buf, sizeof buf, 0);  // the Logon
    (void)::send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
    while ((n = ::recv(c, buf, sizeof buf, 0)) > 0) bytes_read.fetch_add(static_cast<std::uint64_t>(n));
    ::close(c);
  });
  trader_app app;
  auto eng = make_trader(app, ntohs(a.sin_port), dir.path / "initiator");
  auto pump = [&] { (void)eng->poll_once(); };
  const bool up = wait_until([&] { return app.active(); }, pump);
  std::uint64_t allocations = 0;
  int accepted = 0;
  if (up) {
    for (int i = 0; i < 100; ++i) pump();  // first-use work (timers, buffers) out of the way
    test::alloc_scope scope;
    for (std::uint64_t i = 1; i <= 2000; ++i) {
      engine::send_result r{};
      send_order(*eng, i, &r);
      accepted += (r == engine::send_result::sent || r == engine::send_result::queued) ? 1 : 0;
      (void)eng->poll_once();
    }
    allocations = scope.allocations();
  }
  eng.reset();  // closes the connection: the peer's recv ends
  peer.join();
  ::close(lfd);
  REQUIRE(up);
  CHECK(accepted == 2000);
  CHECK(allocations == 0);
}

TEST_CASE("a connection that sends nothing is closed after the pending timeout", "[engine]") {
  temp_dir dir;
  const std::uint16_t port = free_port();
  fill_app app;
  engine::engine_options opts;
  opts.pending_timeout_ms = 200;
  auto r = fill_engine::create(parse(acceptor_settings(port, dir.path / "acceptor")), app, opts);
  REQUIRE(r.has_value());
  auto& eng = *r.value();
  app.eng = &eng;
  std::thread reactor([&] { (void)eng.run(); });
  const auto start = std::chrono::steady_clock::now();
  bool silent = false;
  {
    raw_client idle(port);
    silent = idle.closed_silently();
  }
  const auto waited = std::chrono::steady_clock::now() - start;
  eng.stop();
  reactor.join();
  CHECK(silent);
  CHECK(waited < std::chrono::seconds(3));
  CHECK(eng.stats().pending_timeouts == 1);
}

TEST_CASE("an initiator whose primary address refuses fails over to the next SocketConnectHost<n>", "[engine]") {
  temp_dir dir;
  const std::uint16_t port = free_port();
  running_acceptor acc(port, dir.path / "acceptor");
  trader_app app;
  // The primary points at a port nobody listens on; failover 1 is the acceptor.
  auto eng = make_trader(app, free_port(), dir.path / "initiator", {},
                         "SocketConnectHost1=127.0.0.1\nSocketConnectPort1=" + std::to_string(port) + "\n");
  auto pump = [&] { (void)eng->poll_once(); };
  REQUIRE(wait_until([&] { return app.active(); }, pump));
  CHECK(eng->stats().connect_failures >= 1);
  CHECK(eng->stats().connect_attempts >= 2);
}

// ---------------------------------------------------------------------------
// Fault injection
// ---------------------------------------------------------------------------

namespace {
// A plain listening socket standing in for an acceptor, read without blocking
// so that the initiator engine can be pumped on the same thread.
struct raw_listener {
  int fd = -1;
  int conn = -1;
  std::uint16_t port = 0;
  std::string received;
  raw_listener() {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd, 4) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port = ntohs(a.sin_port);
  }
  ~raw_listener() {
    if (conn >= 0) ::close(conn);
    ::close(fd);
  }
  // Accepts and reads whatever has arrived; never blocks.
  void poll() {
    if (conn < 0) conn = ::accept4(fd, nullptr, nullptr, SOCK_NONBLOCK);
    if (conn < 0) return;
    char b[4096];
    for (ssize_t n; (n = ::recv(conn, b, sizeof b, 0)) > 0;) received.append(b, static_cast<std::size_t>(n));
  }
};
}  // namespace

TEST_CASE("send_raw writes bytes on the connection without sequencing them", "[engine][fault]") {
  temp_dir dir;
  raw_listener peer;
  trader_app app;
  auto eng = make_trader(app, peer.port, dir.path / "initiator");
  auto pump = [&] {
    (void)eng->poll_once();
    peer.poll();
  };
  CHECK(eng->send_raw(0, std::span<const char>("x", 1)) == engine::send_status::closed);  // not connected yet
  REQUIRE(wait_until([&] { return peer.received.find("\x01" "35=A\x01") != std::string::npos; }, pump));
  const std::uint64_t next_out = eng->session_core(0).next_outbound_seq();
  const std::string half = "8=FIX.4.4\x01" "9=120\x01" "35=D\x01" "34=";
  REQUIRE(eng->send_raw(0, {half.data(), half.size()}) == engine::send_status::ok);
  REQUIRE(wait_until([&] { return peer.received.size() >= half.size() && peer.received.ends_with(half); }, pump));
  CHECK(eng->session_core(0).next_outbound_seq() == next_out);
  CHECK(eng->session_core(0).stats().messages_sent == next_out - 1);
}

TEST_CASE("disconnect drops the connection without a Logout and the initiator reconnects", "[engine][fault]") {
  temp_dir dir;
  const std::uint16_t port = free_port();
  running_acceptor acc(port, dir.path / "acceptor");
  trader_app app;
  auto eng = make_trader(app, port, dir.path / "initiator");
  auto pump = [&] { (void)eng->poll_once(); };
  REQUIRE(wait_until([&] { return app.active(); }, pump));
  eng->disconnect(0);
  REQUIRE(wait_until([&] { return app.disconnects.load() == 1; }, pump));
  CHECK(eng->session_core(0).last_error() == engine::session_error::connection_lost);
  CHECK(eng->session_core(0).stats().logouts_sent == 0);
  REQUIRE(wait_until([&] { return app.logons.load() == 2 && app.active(); }, pump));
}

TEST_CASE("send_duplicate through the engine resends an order the acceptor drops as a PossDup duplicate",
          "[engine][fault]") {
  temp_dir dir;
  const std::uint16_t port = free_port();
  running_acceptor acc(port, dir.path / "acceptor");
  trader_app app;
  auto eng = make_trader(app, port, dir.path / "initiator");
  auto pump = [&] { (void)eng->poll_once(); };
  REQUIRE(wait_until([&] { return app.active(); }, pump));
  send_order(*eng, 7);
  REQUIRE(wait_until([&] { return app.exec_count() == 2; }, pump));
  const std::uint64_t order_seq = eng->session_core(0).next_outbound_seq() - 1;
  CHECK(eng->send_duplicate(0, order_seq) == engine::send_result::sent);
  CHECK(eng->send_duplicate(0, 1) == engine::send_result::not_found);  // the Logon
  send_order(*eng, 8);
  REQUIRE(wait_until([&] { return app.exec_count() == 4; }, pump));
  CHECK(acc.app.order_count() == 2);  // the duplicate was not delivered again
  CHECK(app.active());
}

// ---------------------------------------------------------------------------
// Journal timestamps
// ---------------------------------------------------------------------------

#include "fixring/store/journal_reader.hpp"

TEST_CASE("the acceptor journals each ExecutionReport later than the order that caused it", "[engine][journal]") {
  temp_dir dir;
  const std::uint16_t port = free_port();
  running_acceptor acc(port, dir.path / "acceptor");
  trader_app app;
  auto eng = make_trader(app, port, dir.path / "initiator");
  auto pump = [&] { (void)eng->poll_once(); };
  REQUIRE(wait_until([&] { return app.active(); }, pump));
  constexpr std::uint64_t orders = 50;
  for (std::uint64_t i = 1; i <= orders; ++i) send_order(*eng, i);
  REQUIRE(wait_until([&] { return app.exec_count() == 2 * orders; }, pump));

  std::string journal;
  for (const auto& d : fs::directory_iterator(dir.path / "acceptor"))
    if (d.is_directory()) journal = d.path().string();
  auto r = store::journal_reader::open(journal);
  INFO(journal);
  REQUIRE(r);
  store::journal_reader reader = std::move(r).value();
  std::map<std::string, std::int64_t> order_ns;  // ClOrdID -> inbound record time
  std::vector<std::int64_t> latencies;
  store::record_view v;
  codec::message m;
  while (reader.next(v) == store::read_status::record) {
    if (!v.is_message() || m.parse(v.text()) != codec::parse_error::none) continue;
    const std::string id(m.get_or(11));
    if (v.dir() == store::format::direction::inbound && m.msg_type() == "D") {
      order_ns[id] = v.header.timestamp_ns;
    } else if (v.dir() == store::format::direction::outbound && m.msg_type() == "8" && order_ns.count(id)) {
      latencies.push_back(v.header.timestamp_ns - order_ns[id]);
    }
  }
  REQUIRE(latencies.size() == 2 * orders);  // a New and a Fill report per order
  for (std::int64_t ns : latencies) {
    CHECK(ns > 0);
    CHECK(ns < 10'000'000'000);
  }
}

TEST_CASE("FixringMaxPendingConnections and FixringPendingTimeoutMs from the settings file bound pending connections",
          "[engine][limits]") {
  temp_dir dir;
  const std::uint16_t port = free_port();
  running_acceptor acc(port, dir.path / "acceptor", "FixringMaxPendingConnections=1\nFixringPendingTimeoutMs=300");
  bool second_refused = false, first_timed_out = false;
  std::chrono::steady_clock::duration first_waited{};
  {
    raw_client first(port);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // accepted and pending
    const auto start = std::chrono::steady_clock::now();
    {
      raw_client second(port);
      second_refused = second.closed_silently();
    }
    first_timed_out = first.closed_silently();
    first_waited = std::chrono::steady_clock::now() - start;
  }
  acc.stop();
  CHECK(second_refused);
  CHECK(first_timed_out);
  CHECK(first_waited < std::chrono::seconds(3));  // not the 10 s default
  CHECK(acc.eng->stats().connections_refused >= 1);
  CHECK(acc.eng->stats().pending_timeouts == 1);
}

TEST_CASE("FileLogPath writes each session's messages and status events to readable logs", "[engine][log]") {
  temp_dir dir;
  const std::uint16_t port = free_port();
  running_acceptor acc(port, dir.path / "acceptor");
  trader_app app;
  const fs::path logs = dir.path / "logs";
  {
    auto eng = make_trader(app, port, dir.path / "initiator", {}, "FileLogPath=" + logs.string());
    auto pump = [&] { (void)eng->poll_once(); };
    REQUIRE(wait_until([&] { return app.active(); }, pump));
    send_order(*eng, 42);
    REQUIRE(wait_until([&] { return app.exec_count() == 2; }, pump));
  }  // the engine is gone: its logs are flushed
  auto slurp = [](const fs::path& p) {
    std::FILE* f = std::fopen(p.c_str(), "r");
    REQUIRE(f != nullptr);
    std::string s;
    char b[4096];
    for (std::size_t n; (n = std::fread(b, 1, sizeof b, f)) > 0;) s.append(b, n);
    std::fclose(f);
    return s;
  };
  const std::string messages = slurp(logs / "FIX.4.4-INIT--ACC.messages.log");
  const std::string events = slurp(logs / "FIX.4.4-INIT--ACC.event.log");
  CHECK(messages.find('\x01') == std::string::npos);
  CHECK(messages.find(" out 8=FIX.4.4|") != std::string::npos);
  CHECK(messages.find("|35=A|") != std::string::npos);
  CHECK(messages.find("|35=D|") != std::string::npos);
  CHECK(messages.find("|35=8|") != std::string::npos);
  CHECK(std::count(messages.begin(), messages.end(), '\n') >= 5);  // 2 Logons, the order, 2 reports
  // Inbound lines are the acceptor's (SenderCompID ACC), outbound ours.
  CHECK(messages.find(" in 8=FIX.4.4|9=") != std::string::npos);
  CHECK(events.find("status logging_in") != std::string::npos);
  CHECK(events.find("status active") != std::string::npos);
}

TEST_CASE("RefreshOnLogon releases the journal between connections and reloads it before the next Logon",
          "[engine][refresh]") {
  temp_dir dir;
  const std::uint16_t port = free_port();
  running_acceptor acc(port, dir.path / "acceptor");
  trader_app app;
  const auto settings = parse(initiator_settings(port, dir.path / "initiator", "RefreshOnLogon=Y"));
  auto eng = make_trader(app, port, dir.path / "initiator", {}, "RefreshOnLogon=Y");
  auto pump = [&] { (void)eng->poll_once(); };
  REQUIRE(wait_until([&] { return app.active(); }, pump));
  send_order(*eng, 1);
  REQUIRE(wait_until([&] { return app.exec_count() == 2; }, pump));
  const std::uint64_t next_out = eng->session_core(0).next_outbound_seq();
  {
    // Held while connected.
    auto held = engine::open_journal(settings.sessions[0], "store", 1024, 1);
    CHECK_FALSE(held.has_value());
  }
  eng->disconnect(0);
  REQUIRE(wait_until([&] { return app.disconnects.load() == 1; }, pump));
  {
    // Released while disconnected: another process (here: this test) may
    // edit it, and the session's next Logon uses what is on disk.
    auto j = engine::open_journal(settings.sessions[0], "store", 1024, 1);
    INFO((j ? std::string() : j.error().message));
    REQUIRE(j.has_value());
    REQUIRE(j.value()->set_next_outbound_seq(next_out + 10) == store::store_status::ok);
  }
  REQUIRE(wait_until([&] { return app.logons.load() == 2 && app.active(); }, pump));
  CHECK(eng->session_core(0).next_outbound_seq() >= next_out + 11);  // the Logon went out as next_out + 10
  send_order(*eng, 2);
  REQUIRE(wait_until([&] { return app.exec_count() == 4; }, pump));  // the acceptor filled the gap and trades on
}

TEST_CASE("without RefreshOnLogon the journal stays held while disconnected", "[engine][refresh]") {
  temp_dir dir;
  const std::uint16_t port = free_port();
  trader_app app;
  const auto settings = parse(initiator_settings(port, dir.path / "initiator"));
  auto eng = make_trader(app, port, dir.path / "initiator");
  (void)eng->poll_once();  // nobody listens: the connect fails
  auto j = engine::open_journal(settings.sessions[0], "store", 1024, 1);
  CHECK_FALSE(j.has_value());
}

// ---------------------------------------------------------------------------
// Oversized messages
// ---------------------------------------------------------------------------

namespace {

// Reads one whole FIX message from a blocking socket into `out`; `carry`
// holds what arrived after it. False on timeout or close.
bool read_fix_message(const raw_client& c, std::string& carry, std::string& out) {
  for (;;) {
    const codec::frame_result f = codec::frame(carry.data(), carry.size());
    if (f.is_complete()) {
      out = carry.substr(0, f.size_bytes);
      carry.erase(0, f.size_bytes);
      return true;
    }
    if (f.status == codec::frame_status::invalid) return false;
    char b[4096];
    ssize_t n;
    do {
      n = ::recv(c.fd, b, sizeof b, 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return false;
    carry.append(b, static_cast<std::size_t>(n));
  }
}

// Readable form with the values that change from run to run (BodyLength,
// SendingTime, CheckSum) replaced by fixed marks.
std::string stable(const std::string& wire_bytes) {
  std::string r = test::readable(wire_bytes);
  r = std::regex_replace(r, std::regex("\\|9=[0-9]+\\|"), "|9=N|");
  r = std::regex_replace(r, std::regex("\\|52=[0-9]{8}-[0-9:.]+\\|"), "|52=T|");
  return std::regex_replace(r, std::regex("\\|10=[0-9]{3}\\|$"), "|10=C|");
}

std::string order_text(int seq, const std::string& cl_ord_id, const std::string& extra = {}) {
  return "8=FIX.4.4|35=D|34=" + std::to_string(seq) + "|49=INIT|52=" + utc_now() + "|56=ACC|11=" + cl_ord_id +
         "|21=1|38=100|40=2|44=10.5|54=1|55=FIXR|60=" + utc_now() + "|" + extra;
}

// A valid NewOrderSingle of exactly `size_bytes` bytes (a long Text(58) pads it).
std::string order_of_size(int seq, std::size_t size_bytes) {
  const std::string text = order_text(seq, "BIG");
  const auto padded = [&](std::size_t n) { return test::fix(text + "58=" + std::string(n, 'x') + "|"); };
  std::size_t n = size_bytes - padded(0).size();
  n -= padded(n).size() - size_bytes;  // BodyLength grew by a few digits
  std::string m = padded(n);
  REQUIRE(m.size() == size_bytes);
  return m;
}

}  // namespace

TEST_CASE("a valid message larger than FixringMaxMessageBytes is rejected in sequence and trading goes on",
          "[engine][limits]") {
  temp_dir dir;
  const std::uint16_t port = free_port();
  running_acceptor acc(port, dir.path / "acceptor");  // FixringMaxMessageBytes: the default 65,536
  raw_client peer(port);
  std::string carry, msg;
  peer.send(logon("INIT", "ACC"));
  REQUIRE(read_fix_message(peer, carry, msg));
  REQUIRE(msg.find("\x01" "35=A\x01") != std::string::npos);

  peer.send(order_of_size(2, 131'072) + test::fix(order_text(3, "NEXT")));
  std::vector<std::string> answers;
  int execs = 0;
  std::string first_raw;
  while (execs < 2 && read_fix_message(peer, carry, msg)) {
    if (first_raw.empty()) first_raw = test::readable(msg);
    answers.push_back(stable(msg));
    if (msg.find("\x01" "35=8\x01") != std::string::npos) ++execs;
  }
  // A TestRequest answered last: anything the acceptor sent about the big
  // order (a ResendRequest for 2, say) would have come before its Heartbeat.
  peer.send(test::fix("8=FIX.4.4|35=1|34=4|49=INIT|52=" + utc_now() + "|56=ACC|112=after|"));
  while (read_fix_message(peer, carry, msg)) {
    answers.push_back(stable(msg));
    if (msg.find("\x01" "112=after\x01") != std::string::npos) break;
  }
  INFO([&] {
    std::string all;
    for (const auto& a : answers) all += a + "\n";
    return all;
  }());
  REQUIRE(answers.size() == 4);
  INFO("first answer as sent: " << first_raw);
  CHECK(answers[0] ==
        "8=FIX.4.4|9=N|35=3|34=2|49=ACC|52=T|56=INIT|45=2|"
        "58=message of 131,072 bytes exceeds FixringMaxMessageBytes 65,536|372=D|373=99|10=C|");
  CHECK(answers[1].find("|35=8|") != std::string::npos);
  CHECK(answers[2].find("|35=8|") != std::string::npos);
  CHECK(answers[3].find("|35=0|") != std::string::npos);
  for (const auto& a : answers) CHECK(a.find("|35=2|") == std::string::npos);
  {
    std::lock_guard<std::mutex> lock(acc.app.mu);
    CHECK(acc.app.orders == std::vector<std::string>{"NEXT"});
  }
  CHECK(acc.app.status.load() == static_cast<int>(session_status::active));
}

TEST_CASE("FixringMaxPendingPerAddress closes extra pending connections from one address, not from others",
          "[engine][limits]") {
  temp_dir dir;
  const std::uint16_t port = free_port();
  running_acceptor acc(port, dir.path / "acceptor", "FixringMaxPendingPerAddress=2\nFixringPendingTimeoutMs=500");
  bool third_refused = false, held_timed_out = true, other_address_logged_on = false, fresh_logged_on = false;
  {
    raw_client first(port), second(port);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // both accepted and pending
    {
      raw_client third(port);
      third_refused = third.closed_silently();
    }
    {
      // The same pending slots are open to another address meanwhile.
      raw_client other(port, "127.0.0.2");
      other.send(logon("INIT", "ACC"));
      std::string carry, msg;
      other_address_logged_on = read_fix_message(other, carry, msg) && msg.find("\x01" "35=A\x01") != std::string::npos;
    }
    held_timed_out = first.closed_silently() && second.closed_silently();
  }
  REQUIRE(wait_until([&] { return acc.app.status.load() != static_cast<int>(session_status::active); }));
  {
    raw_client fresh(port);  // from 127.0.0.1 again, now that its pending ones are gone
    fresh.send(logon("INIT", "ACC"));
    std::string carry, msg;
    fresh_logged_on = read_fix_message(fresh, carry, msg) && msg.find("\x01" "35=A\x01") != std::string::npos;
  }
  acc.stop();
  CHECK(third_refused);
  CHECK(other_address_logged_on);
  CHECK(held_timed_out);
  CHECK(fresh_logged_on);
  CHECK(acc.eng->stats().pending_per_address_refused == 1);
  CHECK(acc.eng->stats().pending_timeouts == 2);
}
