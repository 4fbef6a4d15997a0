// rtt_probe: loopback round-trip percentiles of a small echo through two
// reactors (client pinned to one core, echo server to another), and the same
// exchange over plain non-blocking sockets busy-polled with recv/send as the
// raw TCP reference. A measurement program, not a test: not registered with
// meson test, and it prints figures instead of asserting them.
//
//   rtt_probe [--rounds N] [--bytes B] [--completion peek|defer|both]
//             [--client-cpu C] [--server-cpu S] [--raw] [--queued-send] [--multishot]
// --queued-send adds a defer run with reactor_config::direct_send off (every
// send through an io_uring SQE), side by side with the default.
// --multishot adds a defer run with reactor_config::recv_poll_connections 0
// (every connection receives through its multishot recv), side by side with
// the default (both connections polled).
#include "fixring/engine/reactor/reactor.hpp"

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace rx = fixring::engine::reactor;

namespace {

std::int64_t clock_ns() { return rx::detail::monotonic_now_ns(); }

struct echo_handler {
  rx::reactor<echo_handler>* r = nullptr;
  bool on_accept(rx::conn_id, const rx::peer_address&, std::int64_t) { return true; }
  void on_connected(rx::conn_id, std::int64_t) {}
  void on_connect_failed(rx::conn_id, rx::io_status, std::int64_t) {}
  std::size_t on_data(rx::conn_id c, std::span<const char> d, std::int64_t) {
    return r->send(c, d) == rx::send_result::ok ? d.size() : 0;
  }
  void on_closed(rx::conn_id, rx::io_status, std::int64_t) {}
  void on_timer(rx::timer_id, std::int64_t) {}
};

struct client_handler {
  rx::reactor<client_handler>* r = nullptr;
  std::vector<char> msg;
  std::vector<std::int64_t>* samples = nullptr;
  int warmup = 0;
  int rounds = 0;
  int done = 0;
  std::size_t got = 0;
  std::int64_t sent_at_ns = 0;
  bool failed = false;

  void fire(rx::conn_id c) {
    sent_at_ns = clock_ns();
    if (r->send(c, {msg.data(), msg.size()}) != rx::send_result::ok) failed = true;
  }
  bool on_accept(rx::conn_id, const rx::peer_address&, std::int64_t) { return false; }
  void on_connected(rx::conn_id c, std::int64_t) { fire(c); }
  void on_connect_failed(rx::conn_id, rx::io_status s, std::int64_t) {
    std::fprintf(stderr, "connect failed: %.*s\n", static_cast<int>(s.name().size()), s.name().data());
    failed = true;
  }
  std::size_t on_data(rx::conn_id c, std::span<const char> d, std::int64_t) {
    got += d.size();
    if (got >= msg.size()) {
      got -= msg.size();
      const std::int64_t rtt = clock_ns() - sent_at_ns;
      if (done >= warmup) samples->push_back(rtt);
      if (++done < warmup + rounds) {
        fire(c);
      } else {
        r->stop();
      }
    }
    return d.size();
  }
  void on_closed(rx::conn_id, rx::io_status, std::int64_t) { failed = true; }
  void on_timer(rx::timer_id, std::int64_t) {}
};

void pin(int cpu) {
  if (!rx::detail::pin_current_thread(cpu).ok()) std::fprintf(stderr, "cannot pin to cpu %d\n", cpu);
}

void report(const char* name, std::vector<std::int64_t>& s) {
  if (s.empty()) {
    std::printf("%-28s no samples\n", name);
    return;
  }
  std::sort(s.begin(), s.end());
  auto pct = [&](double p) {
    const std::size_t i = std::min(s.size() - 1, static_cast<std::size_t>(p * static_cast<double>(s.size())));
    return static_cast<double>(s[i]) / 1000.0;
  };
  std::printf("%-28s n=%zu  p50 %.1f us  p99 %.1f us  p99.9 %.1f us  max %.1f us\n", name, s.size(),
              pct(0.50), pct(0.99), pct(0.999), static_cast<double>(s.back()) / 1000.0);
}

bool run_reactors(rx::completion_mode mode, int rounds, std::size_t bytes, int client_cpu,
                  int server_cpu, std::vector<std::int64_t>& samples, bool direct_send = true,
                  std::uint32_t recv_poll_connections = rx::reactor_config{}.recv_poll_connections) {
  rx::reactor_config cfg;
  cfg.direct_send = direct_send;
  cfg.recv_poll_connections = recv_poll_connections;
  cfg.mode = rx::poll_mode::busy;
  cfg.completion = mode;
  cfg.max_connections = 4;
  cfg.send_queue_bytes = 64 * 1024;
  cfg.recv_carry_bytes = 16 * 1024;
  cfg.buffer_count = 64;
  cfg.buffer_bytes = 4096;
  cfg.sq_entries = 64;

  std::atomic<int> port{0};
  echo_handler eh;
  rx::setup_error err;
  cfg.cpu = server_cpu;
  auto server = rx::reactor<echo_handler>::create(cfg, eh, err);
  if (!server) {
    std::fprintf(stderr, "server reactor: %s\n", err.message.c_str());
    return false;
  }
  eh.r = server.get();
  auto lr = server->listen("127.0.0.1", 0);
  if (!lr.ok()) {
    std::fprintf(stderr, "listen: %s\n", lr.error.message.c_str());
    return false;
  }
  port.store(lr.port);  // seq_cst: a one-off hand-over before the threads run
  std::thread st([&] { (void)server->run(); });

  client_handler ch;
  ch.msg.assign(bytes, 'x');
  ch.samples = &samples;
  ch.warmup = std::max(1000, rounds / 10);
  ch.rounds = rounds;
  cfg.cpu = client_cpu;
  auto client = rx::reactor<client_handler>::create(cfg, ch, err);
  if (!client) {
    std::fprintf(stderr, "client reactor: %s\n", err.message.c_str());
    server->stop();
    st.join();
    return false;
  }
  ch.r = client.get();
  auto cr = client->connect("127.0.0.1", static_cast<std::uint16_t>(port.load()));
  if (!cr.ok()) {
    server->stop();
    st.join();
    return false;
  }
  (void)client->run();
  server->stop();
  st.join();
  return !ch.failed;
}

// Raw TCP reference: the same echo over non-blocking sockets, both sides
// busy-polling recv() and answering with send().
void run_raw(int rounds, std::size_t bytes, int client_cpu, int server_cpu,
             std::vector<std::int64_t>& samples) {
  const int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(lfd, 1);
  socklen_t len = sizeof a;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len);
  const int total = rounds + std::max(1000, rounds / 10);
  std::thread st([&] {
    pin(server_cpu);
    const int fd = ::accept(lfd, nullptr, nullptr);
    rx::detail::set_nodelay(fd);
    std::vector<char> buf(bytes);
    for (int i = 0; i < total; ++i) {
      std::size_t got = 0;
      while (got < bytes) {
        const ssize_t n = ::recv(fd, buf.data() + got, bytes - got, MSG_DONTWAIT);
        if (n > 0) got += static_cast<std::size_t>(n);
        if (n == 0) return;
      }
      (void)::send(fd, buf.data(), bytes, MSG_NOSIGNAL);
    }
    ::close(fd);
  });
  pin(client_cpu);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  rx::detail::set_nodelay(fd);
  ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  std::vector<char> buf(bytes, 'x');
  for (int i = 0; i < total; ++i) {
    const std::int64_t t0 = clock_ns();
    (void)::send(fd, buf.data(), bytes, MSG_NOSIGNAL);
    std::size_t got = 0;
    while (got < bytes) {
      const ssize_t n = ::recv(fd, buf.data() + got, bytes - got, MSG_DONTWAIT);
      if (n > 0) got += static_cast<std::size_t>(n);
    }
    if (i >= total - rounds) samples.push_back(clock_ns() - t0);
  }
  st.join();
  ::close(fd);
  ::close(lfd);
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 20000;
  std::size_t bytes = 64;
  std::string completion = "both";
  int client_cpu = 0;
  int server_cpu = 1;
  bool raw = false;
  bool queued_send = false;
  bool multishot = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--rounds") {
      rounds = std::atoi(next().c_str());
    } else if (a == "--bytes") {
      bytes = static_cast<std::size_t>(std::atoi(next().c_str()));
    } else if (a == "--completion") {
      completion = next();
    } else if (a == "--client-cpu") {
      client_cpu = std::atoi(next().c_str());
    } else if (a == "--server-cpu") {
      server_cpu = std::atoi(next().c_str());
    } else if (a == "--raw") {
      raw = true;
    } else if (a == "--queued-send") {
      queued_send = true;
    } else if (a == "--multishot") {
      multishot = true;
    } else {
      std::fprintf(stderr,
                   "usage: rtt_probe [--rounds N] [--bytes B] [--completion peek|defer|both] "
                   "[--client-cpu C] [--server-cpu S] [--raw] [--queued-send] [--multishot]\n");
      return 2;
    }
  }
  std::printf("loopback echo, %zu-byte messages, %d measured round trips, client cpu %d, server cpu %d\n",
              bytes, rounds, client_cpu, server_cpu);
  int rc = 0;
  if (raw) {
    std::vector<std::int64_t> s;
    run_raw(rounds, bytes, client_cpu, server_cpu, s);
    report("raw TCP busy-poll", s);
  }
  if (completion == "peek" || completion == "both") {
    std::vector<std::int64_t> s;
    if (!run_reactors(rx::completion_mode::peek, rounds, bytes, client_cpu, server_cpu, s)) rc = 1;
    report("reactor completion=peek", s);
  }
  if (completion == "defer" || completion == "both") {
    std::vector<std::int64_t> s;
    if (!run_reactors(rx::completion_mode::defer_taskrun, rounds, bytes, client_cpu, server_cpu, s)) {
      rc = 1;
    }
    report("reactor completion=defer", s);
  }
  if (queued_send) {
    std::vector<std::int64_t> s;
    if (!run_reactors(rx::completion_mode::defer_taskrun, rounds, bytes, client_cpu, server_cpu, s, false)) {
      rc = 1;
    }
    report("reactor defer, queued send", s);
  }
  if (multishot) {
    std::vector<std::int64_t> s;
    if (!run_reactors(rx::completion_mode::defer_taskrun, rounds, bytes, client_cpu, server_cpu, s, true, 0)) {
      rc = 1;
    }
    report("reactor defer, multishot recv", s);
  }
  return rc;
}
