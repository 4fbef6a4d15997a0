// Test harness for the reactor: a handler whose callbacks are std::function
// hooks (tests are not a hot path) with a record of everything it saw, a
// bounded "poll until" loop, raw blocking peer sockets, and the skip rule
// (exit 77 when the kernel lacks io_uring features).
#pragma once

#include "fixring/engine/reactor/reactor.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace fixring::test::reactor {

namespace rx = fixring::engine::reactor;

struct recording_handler {
  // Hooks; unset hooks use the defaults described beside them.
  std::function<bool(rx::conn_id, const rx::peer_address&)> accept_hook;  // default: accept
  std::function<std::size_t(rx::conn_id, std::span<const char>)> data_hook;  // default: keep all
  std::function<void(rx::conn_id)> connected_hook;
  std::function<void(rx::conn_id, rx::io_status)> connect_failed_hook;
  std::function<void(rx::conn_id, rx::io_status)> closed_hook;
  std::function<void(rx::timer_id, std::int64_t)> timer_hook;

  std::vector<rx::conn_id> accepted;
  std::vector<rx::conn_id> connected;
  std::vector<std::pair<rx::conn_id, rx::io_status>> connect_failed;
  std::vector<std::pair<rx::conn_id, rx::io_status>> closed;
  std::vector<rx::timer_id> timers;
  std::map<rx::conn_id, std::string> received;  // bytes consumed per connection
  std::map<rx::conn_id, int> data_calls;

  bool on_accept(rx::conn_id c, const rx::peer_address& peer, std::int64_t) {
    const bool ok = accept_hook ? accept_hook(c, peer) : true;
    if (ok) accepted.push_back(c);
    return ok;
  }
  void on_connected(rx::conn_id c, std::int64_t) {
    connected.push_back(c);
    if (connected_hook) connected_hook(c);
  }
  void on_connect_failed(rx::conn_id c, rx::io_status s, std::int64_t) {
    connect_failed.emplace_back(c, s);
    if (connect_failed_hook) connect_failed_hook(c, s);
  }
  std::size_t on_data(rx::conn_id c, std::span<const char> d, std::int64_t) {
    ++data_calls[c];
    const std::size_t n = data_hook ? data_hook(c, d) : d.size();
    received[c].append(d.data(), n);
    return n;
  }
  void on_closed(rx::conn_id c, rx::io_status s, std::int64_t) {
    closed.emplace_back(c, s);
    if (closed_hook) closed_hook(c, s);
  }
  void on_timer(rx::timer_id t, std::int64_t now_ns) {
    timers.push_back(t);
    if (timer_hook) timer_hook(t, now_ns);
  }
};

static_assert(rx::reactor_handler<recording_handler>);

using test_reactor = rx::reactor<recording_handler>;

// Small buffers so tests exercise wrap-around and back-pressure quickly.
inline rx::reactor_config small_config() {
  rx::reactor_config cfg;
  cfg.mode = rx::poll_mode::idle;  // tests share two cores with other builds
  cfg.idle_wait_max_ns = 200'000;
  cfg.max_connections = 128;
  cfg.send_queue_bytes = 64 * 1024;
  cfg.recv_carry_bytes = 16 * 1024;
  cfg.buffer_count = 64;
  cfg.buffer_bytes = 4096;
  cfg.sq_entries = 256;
  return cfg;
}

// Builds a reactor, or exits 77 (skipped) when the kernel lacks what it needs
// (io_uring disabled, no provided-buffer rings).
inline std::unique_ptr<test_reactor> make_reactor_or_skip(recording_handler& h,
                                                          const rx::reactor_config& cfg) {
  rx::setup_error err;
  auto r = test_reactor::create(cfg, h, err);
  if (!r) {
    const int e = err.status.code;
    if (e == ENOSYS || e == EPERM || e == EINVAL || e == EOPNOTSUPP) {
      std::fprintf(stderr, "skipping: %s\n", err.message.c_str());
      std::exit(77);
    }
    std::fprintf(stderr, "reactor setup failed: %s\n", err.message.c_str());
    std::abort();
  }
  return r;
}

// Polls until pred() holds or timeout_ms passes; returns pred().
template <class Pred>
bool poll_until(test_reactor& r, Pred pred, int timeout_ms = 5000) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return pred();
    (void)r.poll_once();
  }
  return true;
}

// ---- raw blocking peers (the "other side" a test controls byte by byte) ----

inline int raw_listen(std::uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 16) != 0) {
    std::abort();
  }
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

// A port nothing listens on (bound once, then released).
inline std::uint16_t unused_port() {
  std::uint16_t port = 0;
  const int fd = raw_listen(port);
  ::close(fd);
  return port;
}

inline int raw_connect(std::uint16_t port, int rcvbuf_bytes = 0) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (rcvbuf_bytes > 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf_bytes, sizeof rcvbuf_bytes);
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) std::abort();
  return fd;
}

inline void raw_write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n <= 0) std::abort();
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

inline std::span<const char> as_span(std::string_view s) { return {s.data(), s.size()}; }

}  // namespace fixring::test::reactor
