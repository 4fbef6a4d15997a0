// Reactor behaviour over real loopback sockets: echo, many connections,
// back-pressure from a peer that stops reading, reconnect after a refused
// connect, connect timeout, stale slot generations, framing across reads,
// timers, the outbound ring, and no allocation on the steady-state TCP path.
#include "alloc_counter.hpp"
#include "reactor_harness.hpp"

#include <catch2/catch.hpp>

#include <poll.h>

#include <sched.h>

#include <thread>

using namespace fixring::test::reactor;
using fixring::engine::reactor::conn_id;
using fixring::engine::reactor::io_kind;
using fixring::engine::reactor::send_result;

namespace {

// A reactor with an echo listener; returns its port.
std::uint16_t listen_echo(test_reactor& r, recording_handler& h,
                          std::vector<conn_id>* server_side = nullptr) {
  auto lr = r.listen("127.0.0.1", 0);
  REQUIRE(lr.ok());
  h.accept_hook = [server_side](conn_id c, const rx::peer_address& peer) {
    if (server_side != nullptr) server_side->push_back(c);
    return peer.port() != 0;
  };
  return lr.port;
}

bool is_server(const std::vector<conn_id>& servers, conn_id c) {
  return std::find(servers.begin(), servers.end(), c) != servers.end();
}

// A plain listening socket on 127.0.0.1 (port 0: the kernel's choice).
int hold_port(std::uint16_t& port, int backlog = 4) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(fd, backlog) == 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

// A reactor connection to a raw listening socket, and the raw peer the
// listener accepted for it; the test closes peer and listener.
struct raw_peer_link {
  std::uint16_t port = 0;
  int listener = -1;
  conn_id id = rx::invalid_conn;
  int peer = -1;
};

// Connects r to a new raw listener (its receive buffer set to rcvbuf_bytes
// when given) and waits for the connection to come up on both sides.
raw_peer_link connect_to_raw_peer(test_reactor& r, recording_handler& h, int rcvbuf_bytes = 0) {
  raw_peer_link l;
  l.listener = raw_listen(l.port);
  if (rcvbuf_bytes > 0) {
    ::setsockopt(l.listener, SOL_SOCKET, SO_RCVBUF, &rcvbuf_bytes, sizeof rcvbuf_bytes);
  }
  const std::size_t connected_before = h.connected.size();
  auto cr = r.connect("127.0.0.1", l.port);
  REQUIRE(cr.ok());
  l.id = cr.id;
  REQUIRE(poll_until(r, [&] { return h.connected.size() == connected_before + 1; }));
  l.peer = ::accept(l.listener, nullptr, nullptr);
  return l;
}

// Appends to got what the raw socket fd has ready, without blocking; returns
// recv's answer (0 at EOF, negative when nothing is ready or on error).
ssize_t recv_ready(int fd, std::string& got) {
  char buf[8192];
  const ssize_t k = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  if (k > 0) got.append(buf, static_cast<std::size_t>(k));
  return k;
}

// Reads everything the raw socket fd has ready without blocking; returns the
// number of bytes read, appended to into when it is given.
std::size_t read_ready(int fd, std::string* into = nullptr) {
  char buf[65536];
  std::size_t total = 0;
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, 0) == 1) {
    const ssize_t k = ::read(fd, buf, sizeof buf);
    if (k <= 0) break;
    if (into != nullptr) into->append(buf, static_cast<std::size_t>(k));
    total += static_cast<std::size_t>(k);
  }
  return total;
}

// True once the other end of the raw socket fd has closed it (EOF or reset);
// reads without blocking.
bool closed_by_peer(int fd) {
  char buf[16];
  const ssize_t k = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  return k == 0 || (k < 0 && errno == ECONNRESET);
}

// Frames are "<4-digit length>payload". Appends every whole frame at the
// front of d to frames and returns the bytes they took, leaving a partial
// frame for the reactor's carry buffer.
std::size_t take_frames(std::span<const char> d, std::vector<std::string>& frames) {
  std::size_t used = 0;
  while (d.size() - used >= 4) {
    const std::size_t len = static_cast<std::size_t>(std::stoi(std::string(d.data() + used, 4)));
    if (d.size() - used < 4 + len) break;
    frames.emplace_back(d.data() + used + 4, len);
    used += 4 + len;
  }
  return used;
}

// Three frames for take_frames: "hello", 3000 'B's and "ok".
const std::string big_frame(3000, 'B');
const std::string three_frames_wire = "0005hello" + std::string("3000") + big_frame + "0002ok";

}  // namespace

TEST_CASE("echo over loopback returns the bytes in order", "[reactor]") {
  // Every poll mode with every way of getting completions posted.
  const auto mode = GENERATE(rx::poll_mode::busy, rx::poll_mode::idle);
  const auto completion =
      GENERATE(rx::completion_mode::peek, rx::completion_mode::defer_taskrun);
  CAPTURE(static_cast<int>(mode), static_cast<int>(completion));
  auto cfg = small_config();
  cfg.mode = mode;
  cfg.completion = completion;
  recording_handler h;
  auto r = make_reactor_or_skip(h, cfg);
  std::vector<conn_id> servers;
  const std::uint16_t port = listen_echo(*r, h, &servers);
  h.data_hook = [&](conn_id c, std::span<const char> d) -> std::size_t {
    if (is_server(servers, c)) REQUIRE(r->send(c, d) == send_result::ok);
    return d.size();
  };
  auto cr = r->connect("127.0.0.1", port);
  REQUIRE(cr.ok());
  REQUIRE(poll_until(*r, [&] { return h.connected.size() == 1; }));
  REQUIRE(r->is_open(cr.id));
  REQUIRE(r->send(cr.id, as_span("8=FIX.4.4|9=5|35=0|")) == send_result::ok);
  REQUIRE(r->send(cr.id, as_span("10=000|")) == send_result::ok);
  REQUIRE(poll_until(*r, [&] { return h.received[cr.id].size() == 26; }));
  CHECK(h.received[cr.id] == "8=FIX.4.4|9=5|35=0|10=000|");

  REQUIRE(r->close(cr.id));
  REQUIRE(poll_until(*r, [&] { return h.closed.size() == 2; }));
  // The client sees its own close, the server sees the peer's EOF.
  for (auto& [c, s] : h.closed) {
    if (c == cr.id) {
      CHECK(s.kind == io_kind::local_close);
    } else {
      CHECK(s.kind == io_kind::eof);
      CHECK(s.name() == "eof");
    }
  }
  CHECK(r->send(cr.id, as_span("x")) == send_result::closed);
}

TEST_CASE("many connections on one reactor each get their own echo", "[reactor]") {
  recording_handler h;
  auto r = make_reactor_or_skip(h, small_config());
  std::vector<conn_id> servers;
  const std::uint16_t port = listen_echo(*r, h, &servers);
  h.data_hook = [&](conn_id c, std::span<const char> d) -> std::size_t {
    if (is_server(servers, c)) REQUIRE(r->send(c, d) == send_result::ok);
    return d.size();
  };
  constexpr int n = 50;
  std::vector<conn_id> clients;
  for (int i = 0; i < n; ++i) {
    auto cr = r->connect("127.0.0.1", port);
    REQUIRE(cr.ok());
    clients.push_back(cr.id);
  }
  REQUIRE(poll_until(*r, [&] { return h.connected.size() == n && servers.size() == n; }));
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < n; ++i) {
      const std::string msg = "conn" + std::to_string(i) + "-round" + std::to_string(round) + ";";
      REQUIRE(r->send(clients[i], as_span(msg)) == send_result::ok);
    }
  }
  REQUIRE(poll_until(*r, [&] {
    for (int i = 0; i < n; ++i) {
      if (h.received[clients[i]].size() < 3 * (std::to_string(i).size() + 12)) return false;
    }
    return true;
  }));
  for (int i = 0; i < n; ++i) {
    const std::string c = "conn" + std::to_string(i);
    CHECK(h.received[clients[i]] == c + "-round0;" + c + "-round1;" + c + "-round2;");
  }
}

TEST_CASE("a peer that stops reading gets back-pressure and does not stall the others",
          "[reactor]") {
  recording_handler h;
  auto r = make_reactor_or_skip(h, small_config());
  std::vector<conn_id> servers;
  const std::uint16_t port = listen_echo(*r, h, &servers);
  h.data_hook = [&](conn_id c, std::span<const char> d) -> std::size_t {
    if (is_server(servers, c)) (void)r->send(c, d);
    return d.size();
  };
  // The stuck peer: a raw socket with a tiny receive buffer that never reads.
  const int stuck = raw_connect(port, 4096);
  REQUIRE(poll_until(*r, [&] { return servers.size() == 1; }));
  const conn_id stuck_id = servers[0];

  const std::string chunk(1024, 'x');
  bool pressured = false;
  std::size_t accepted_bytes = 0;
  REQUIRE(poll_until(*r, [&] {
    const send_result s = r->send(stuck_id, as_span(chunk));
    if (s == send_result::back_pressured) {
      pressured = true;
    } else {
      REQUIRE(s == send_result::ok);
      accepted_bytes += chunk.size();
    }
    return pressured;
  }, 10000));
  CHECK(r->queued_bytes(stuck_id) > r->config().send_queue_bytes - chunk.size());
  // All-or-nothing: a back-pressured send queued nothing.
  const std::size_t queued = r->queued_bytes(stuck_id);
  CHECK(r->send(stuck_id, as_span(chunk)) == send_result::back_pressured);
  CHECK(r->queued_bytes(stuck_id) == queued);

  // A healthy connection on the same reactor still echoes.
  auto healthy = r->connect("127.0.0.1", port);
  REQUIRE(healthy.ok());
  REQUIRE(poll_until(*r, [&] { return h.connected.size() == 1; }));
  REQUIRE(r->send(healthy.id, as_span("ping")) == send_result::ok);
  REQUIRE(poll_until(*r, [&] { return h.received[healthy.id] == "ping"; }, 2000));

  // Once the stuck peer reads, the queue drains and sends succeed again.
  std::size_t drained = 0;
  REQUIRE(poll_until(*r, [&] {
    drained += read_ready(stuck);
    // Both: the peer has every byte and the reactor has reaped the send CQEs.
    return drained == accepted_bytes && r->queued_bytes(stuck_id) == 0;
  }, 10000));
  CHECK(r->send(stuck_id, as_span(chunk)) == send_result::ok);
  ::close(stuck);
}

TEST_CASE("a refused connect reports ECONNREFUSED and a timer-driven reconnect succeeds",
          "[reactor]") {
  recording_handler h;
  auto r = make_reactor_or_skip(h, small_config());
  const std::uint16_t port = unused_port();
  std::vector<rx::connect_result> attempts;
  attempts.push_back(r->connect("127.0.0.1", port));
  REQUIRE(attempts.back().ok());
  rx::timer_id reconnect_timer = rx::invalid_timer;
  h.connect_failed_hook = [&](conn_id, rx::io_status) {
    reconnect_timer = r->add_timer(r->now_ns() + 20'000'000);  // 20 ms backoff
    REQUIRE(reconnect_timer != rx::invalid_timer);
  };
  h.timer_hook = [&](rx::timer_id, std::int64_t) {
    attempts.push_back(r->connect("127.0.0.1", port));
    REQUIRE(attempts.back().ok());
  };
  REQUIRE(poll_until(*r, [&] { return h.connect_failed.size() == 1; }));
  CHECK(h.connect_failed[0].first == attempts[0].id);
  CHECK(h.connect_failed[0].second.kind == io_kind::os_error);
  CHECK(h.connect_failed[0].second.name() == "ECONNREFUSED");
  CHECK(h.closed.empty());  // a connection never announced is never "closed"

  // Now something listens there; the timer's reconnect gets through.
  auto lr = r->listen("127.0.0.1", port);
  REQUIRE(lr.ok());
  REQUIRE(poll_until(*r, [&] { return h.connected.size() == 1; }));
  CHECK(h.timers.size() == 1);
  CHECK(h.connected[0] == attempts.back().id);
}

TEST_CASE("a connect that gets no answer fails with timeout", "[reactor]") {
  recording_handler h;
  auto r = make_reactor_or_skip(h, small_config());
  // A listener that never accepts with backlog 0: once its queue holds a
  // connection, further SYNs are dropped and connect() never completes.
  std::uint16_t port = 0;
  const int lfd = hold_port(port, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  std::vector<int> fillers;
  for (int i = 0; i < 2; ++i) {
    const int f = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    (void)::connect(f, reinterpret_cast<sockaddr*>(&a), sizeof a);
    fillers.push_back(f);
  }
  ::usleep(50'000);
  rx::connect_options opts;
  opts.timeout_ms = 150;
  auto cr = r->connect("127.0.0.1", port, opts);
  REQUIRE(cr.ok());
  REQUIRE(poll_until(*r, [&] { return !h.connect_failed.empty() || !h.connected.empty(); }, 5000));
  if (!h.connected.empty()) {
    // The kernel accepted one more connection than the backlog; nothing to test.
    WARN("the listen queue took the connection; timeout path not exercised");
  } else {
    CHECK(h.connect_failed[0].first == cr.id);
    CHECK(h.connect_failed[0].second.kind == io_kind::timeout);
  }
  for (int f : fillers) ::close(f);
  ::close(lfd);
}

TEST_CASE("a closed connection gets no more data and its reused slot has a new generation",
          "[reactor]") {
  recording_handler h;
  auto cfg = small_config();
  cfg.max_connections = 1;  // the second connection must reuse the first slot
  auto r = make_reactor_or_skip(h, cfg);
  const raw_peer_link first = connect_to_raw_peer(*r, h);
  const int peer = first.peer;
  REQUIRE(peer >= 0);
  // Several separate writes so several completions are in flight at close.
  for (int i = 0; i < 20; ++i) raw_write_all(peer, std::string(3000, 'a'));
  h.data_hook = [&](conn_id c, std::span<const char> d) -> std::size_t {
    if (c == first.id) REQUIRE(r->abort(c));
    return d.size();
  };
  REQUIRE(poll_until(*r, [&] { return h.closed.size() == 1; }));
  CHECK(h.data_calls[first.id] == 1);
  CHECK(h.closed[0].first == first.id);
  CHECK(h.closed[0].second.kind == io_kind::local_close);
  // The peer keeps writing into a dead socket; nothing reaches the handler.
  for (int i = 0; i < 5; ++i) (void)r->poll_once();
  CHECK(h.data_calls[first.id] == 1);

  // Only one slot: a connect while it is in use fails synchronously.
  h.data_hook = nullptr;
  auto second = r->connect("127.0.0.1", first.port);
  REQUIRE(second.ok());
  CHECK((second.id & 0xffffffffu) == (first.id & 0xffffffffu));  // same slot
  CHECK(second.id != first.id);                                  // new generation
  auto third = r->connect("127.0.0.1", first.port);
  CHECK(third.error.status.kind == io_kind::no_slot);
  REQUIRE(poll_until(*r, [&] { return h.connected.size() == 2; }));
  CHECK(r->send(first.id, as_span("stale")) == send_result::closed);
  CHECK_FALSE(r->close(first.id));
  CHECK(r->send(second.id, as_span("fresh")) == send_result::ok);
  const int peer2 = ::accept(first.listener, nullptr, nullptr);
  std::string got;
  REQUIRE(poll_until(*r, [&] {
    (void)recv_ready(peer2, got);
    return got.size() >= 5;
  }));
  CHECK(got == "fresh");
  ::close(peer);
  ::close(peer2);
  ::close(first.listener);
}

TEST_CASE("close sends everything queued before the connection ends", "[reactor]") {
  recording_handler h;
  auto r = make_reactor_or_skip(h, small_config());
  const raw_peer_link link = connect_to_raw_peer(*r, h);
  const std::string payload(40000, 'L');  // more than one send completion's worth
  REQUIRE(r->send(link.id, as_span(payload)) == send_result::ok);
  REQUIRE(r->close(link.id));
  CHECK(r->send(link.id, as_span("late")) == send_result::closed);
  std::string got;
  bool eof = false;
  REQUIRE(poll_until(*r, [&] {
    if (recv_ready(link.peer, got) == 0) eof = true;
    return eof && h.closed.size() == 1;
  }));
  CHECK(got == payload);
  CHECK(h.closed[0].second.kind == io_kind::local_close);
  ::close(link.peer);
  ::close(link.listener);
}

TEST_CASE("bytes the socket does not take at once follow through the queue, in order", "[reactor]") {
  // direct_send writes an idle connection's first send of an iteration with
  // send(2); a peer with a tiny receive buffer makes that write short, so
  // the rest and every later send must queue behind it without reordering.
  const bool direct = GENERATE(true, false);
  CAPTURE(direct);
  auto cfg = small_config();
  cfg.direct_send = direct;
  recording_handler h;
  auto r = make_reactor_or_skip(h, cfg);
  const raw_peer_link link = connect_to_raw_peer(*r, h, 4096);
  std::string payload(60000, '\0');
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>('a' + i % 23);
  const std::string_view all(payload);
  REQUIRE(r->send(link.id, as_span(all.substr(0, 30000))) == send_result::ok);
  REQUIRE(r->send(link.id, as_span(all.substr(30000, 20000))) == send_result::ok);
  REQUIRE(r->send(link.id, as_span(all.substr(50000))) == send_result::ok);
  std::string got;
  REQUIRE(poll_until(*r, [&] {
    (void)recv_ready(link.peer, got);
    return got.size() >= payload.size();
  }));
  CHECK(got == payload);
  CHECK(r->stats().direct_sends == (direct ? 1u : 0u));
  CHECK(r->queued_bytes(link.id) == 0);
  ::close(link.peer);
  ::close(link.listener);
}

TEST_CASE("an inbound connection the handler rejects is closed without further callbacks",
          "[reactor]") {
  recording_handler h;
  auto r = make_reactor_or_skip(h, small_config());
  auto lr = r->listen("127.0.0.1", 0);
  REQUIRE(lr.ok());
  h.accept_hook = [](conn_id, const rx::peer_address& peer) {
    char text[64];
    peer.format(text, sizeof text);
    CHECK(std::string_view(text).substr(0, 10) == "127.0.0.1:");
    return false;
  };
  const int fd = raw_connect(lr.port);
  raw_write_all(fd, "8=FIX.4.2|");
  REQUIRE(poll_until(*r, [&] { return closed_by_peer(fd); }));
  CHECK(r->stats().accepts_rejected == 1);
  CHECK(h.accepted.empty());
  CHECK(h.data_calls.empty());
  CHECK(h.closed.empty());
  ::close(fd);
}

TEST_CASE("user_data packs operation, slot and generation and unpacks them exactly",
          "[reactor]") {
  namespace d = rx::detail;
  const std::uint64_t ud = d::pack_user_data(d::op::send, 0xabcdefu, 0xfffffffeu);
  CHECK(d::user_data_op(ud) == d::op::send);
  CHECK(d::user_data_slot(ud) == 0xabcdefu);
  CHECK(d::user_data_generation(ud) == 0xfffffffeu);
  // Two occupants of one slot differ only in generation.
  CHECK(d::pack_user_data(d::op::recv, 7, 1) != d::pack_user_data(d::op::recv, 7, 2));
}

TEST_CASE("a frame split across many reads is presented whole", "[reactor]") {
  recording_handler h;
  auto cfg = small_config();
  cfg.buffer_bytes = 1024;  // a 3000-byte frame spans several provided buffers
  auto r = make_reactor_or_skip(h, cfg);
  auto lr = r->listen("127.0.0.1", 0);
  REQUIRE(lr.ok());
  // Frames are "<4-digit length>payload"; the handler consumes whole frames only.
  std::vector<std::string> frames;
  h.data_hook = [&](conn_id, std::span<const char> d) { return take_frames(d, frames); };
  const int fd = raw_connect(lr.port);
  REQUIRE(poll_until(*r, [&] { return h.accepted.size() == 1; }));
  const std::string& big = big_frame;
  const std::string& wire = three_frames_wire;
  // Byte-by-byte for the first frame, then in uneven chunks.
  std::size_t off = 0;
  for (; off < 9; ++off) {
    raw_write_all(fd, wire.substr(off, 1));
    (void)poll_until(*r, [&] { return false; }, 2);
  }
  for (std::size_t chunk = 7; off < wire.size(); chunk = chunk * 3 + 1) {
    const std::size_t n = std::min(chunk, wire.size() - off);
    raw_write_all(fd, wire.substr(off, n));
    off += n;
    (void)poll_until(*r, [&] { return false; }, 2);
  }
  REQUIRE(poll_until(*r, [&] { return frames.size() == 3; }));
  CHECK(frames[0] == "hello");
  CHECK(frames[1] == big);
  CHECK(frames[2] == "ok");
  CHECK(h.data_calls[h.accepted[0]] > 3);
  ::close(fd);
}

TEST_CASE("a frame larger than the carry buffer closes the connection as frame too large",
          "[reactor]") {
  recording_handler h;
  auto r = make_reactor_or_skip(h, small_config());
  auto lr = r->listen("127.0.0.1", 0);
  REQUIRE(lr.ok());
  h.data_hook = [](conn_id, std::span<const char>) -> std::size_t { return 0; };
  const int fd = raw_connect(lr.port);
  raw_write_all(fd, std::string(r->config().recv_carry_bytes + 100, 'z'));
  REQUIRE(poll_until(*r, [&] { return h.closed.size() == 1; }));
  CHECK(h.closed[0].second.kind == io_kind::frame_too_large);
  ::close(fd);
}

TEST_CASE("timers fire in deadline order and a cancelled timer never fires", "[reactor]") {
  recording_handler h;
  auto r = make_reactor_or_skip(h, small_config());
  std::vector<std::int64_t> fired_at;
  h.timer_hook = [&](rx::timer_id, std::int64_t now_ns) { fired_at.push_back(now_ns); };
  const std::int64_t t0 = r->now_ns();
  const auto late = r->add_timer(t0 + 30'000'000);
  const auto early = r->add_timer(t0 + 10'000'000);
  const auto cancelled = r->add_timer(t0 + 20'000'000);
  const auto middle = r->add_timer(t0 + 25'000'000);
  REQUIRE(r->cancel_timer(cancelled));
  CHECK_FALSE(r->cancel_timer(cancelled));
  REQUIRE(poll_until(*r, [&] { return h.timers.size() == 3; }));
  for (int i = 0; i < 20; ++i) (void)r->poll_once();
  REQUIRE(h.timers.size() == 3);
  CHECK(h.timers[0] == early);
  CHECK(h.timers[1] == middle);
  CHECK(h.timers[2] == late);
  CHECK(fired_at[0] >= t0 + 10'000'000);
  CHECK(fired_at[1] >= t0 + 25'000'000);
  CHECK(fired_at[2] >= t0 + 30'000'000);
  CHECK_FALSE(r->cancel_timer(early));  // already fired
  CHECK(r->wall_now_ns() > r->now_ns());
}

TEST_CASE("messages pushed on another thread's ring reach the peer in order", "[reactor]") {
  recording_handler h;
  auto r = make_reactor_or_skip(h, small_config());
  rx::spsc_byte_ring ring(64, 256);
  REQUIRE(r->attach_ring(ring));
  const raw_peer_link link = connect_to_raw_peer(*r, h);

  constexpr int n = 20000;
  std::atomic<int> full_seen{0};
  std::thread producer([&] {
    for (int i = 0; i < n; ++i) {
      char msg[16];
      const int len = std::snprintf(msg, sizeof msg, "%07d;", i);
      for (;;) {
        std::span<char> slot = ring.try_claim(static_cast<std::size_t>(len));
        if (slot.data() != nullptr) {
          std::memcpy(slot.data(), msg, static_cast<std::size_t>(len));
          ring.publish(static_cast<std::size_t>(len), link.id);
          break;
        }
        full_seen.fetch_add(1, std::memory_order_relaxed);  // relaxed: a counter only
        std::this_thread::yield();
      }
    }
  });
  std::string got;
  REQUIRE(poll_until(*r, [&] {
    (void)read_ready(link.peer, &got);
    return got.size() == static_cast<std::size_t>(n) * 8;
  }, 20000));
  producer.join();
  bool in_order = true;
  for (int i = 0; i < n && in_order; ++i) {
    in_order = std::stoi(got.substr(static_cast<std::size_t>(i) * 8, 7)) == i;
  }
  CHECK(in_order);
  CHECK(r->stats().ring_records_sent == static_cast<std::uint64_t>(n));
  ::close(link.peer);
  ::close(link.listener);
}

TEST_CASE("steady-state send and receive on plain TCP allocate nothing", "[reactor]") {
  recording_handler h;
  auto r = make_reactor_or_skip(h, small_config());
  std::vector<conn_id> servers;
  const std::uint16_t port = listen_echo(*r, h, &servers);
  std::size_t client_bytes = 0;
  conn_id client = rx::invalid_conn;
  // A hook that allocates nothing: echo on the server, count on the client.
  h.data_hook = [&](conn_id c, std::span<const char> d) -> std::size_t {
    if (c == client) {
      client_bytes += d.size();
    } else {
      (void)r->send(c, d);
    }
    return d.size();
  };
  auto cr = r->connect("127.0.0.1", port);
  REQUIRE(cr.ok());
  client = cr.id;
  REQUIRE(poll_until(*r, [&] { return h.connected.size() == 1 && servers.size() == 1; }));
  // Warm up: the recording maps get their entries now, not inside the window.
  h.received[client].reserve(1 << 20);
  h.received[servers[0]].reserve(1 << 20);
  h.data_calls[client] = 0;
  h.data_calls[servers[0]] = 0;
  const std::string msg(100, 'm');
  REQUIRE(r->send(client, as_span(msg)) == send_result::ok);
  REQUIRE(poll_until(*r, [&] { return client_bytes == msg.size(); }));

  std::uint64_t allocations = 0;
  bool done = false;
  {
    fixring::test::alloc_scope scope;
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (int i = 0; i < 200; ++i) {
      if (r->send(client, as_span(msg)) != send_result::ok) break;
      const std::size_t want = static_cast<std::size_t>(i + 2) * msg.size();
      while (client_bytes < want && std::chrono::steady_clock::now() < end) (void)r->poll_once();
    }
    done = client_bytes == 201 * msg.size();
    allocations = scope.allocations();
  }
  REQUIRE(done);
  CHECK(allocations == 0);
}

TEST_CASE("run pins its thread to the configured CPU and returns after stop from another thread",
          "[reactor]") {
  recording_handler h;
  auto cfg = small_config();
  cfg.cpu = 0;
  auto r = make_reactor_or_skip(h, cfg);
  std::atomic<int> cpu_seen{-2};
  std::atomic<bool> pinned_to_one{false};
  h.timer_hook = [&](rx::timer_id, std::int64_t) {
    cpu_set_t set;
    CPU_ZERO(&set);
    ::sched_getaffinity(0, sizeof set, &set);
    // relaxed: read by the main thread only after join(), which orders it.
    pinned_to_one.store(CPU_COUNT(&set) == 1 && CPU_ISSET(0, &set), std::memory_order_relaxed);
    cpu_seen.store(::sched_getcpu(), std::memory_order_relaxed);
  };
  REQUIRE(r->add_timer(r->now_ns()) != rx::invalid_timer);
  rx::io_status status{rx::io_kind::stopped, 0};
  std::thread loop([&] { status = r->run(); });
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  // relaxed: polling a value the loop thread publishes; join() below orders the rest.
  while (cpu_seen.load(std::memory_order_relaxed) == -2 && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  r->stop();
  loop.join();
  CHECK(status.ok());
  CHECK(pinned_to_one.load(std::memory_order_relaxed));
  CHECK(cpu_seen.load(std::memory_order_relaxed) == 0);
}

TEST_CASE("an inbound connection beyond max_connections is refused and counted", "[reactor]") {
  recording_handler h;
  auto cfg = small_config();
  cfg.max_connections = 2;
  auto r = make_reactor_or_skip(h, cfg);
  auto lr = r->listen("127.0.0.1", 0);
  REQUIRE(lr.ok());
  const int a = raw_connect(lr.port);
  const int b = raw_connect(lr.port);
  REQUIRE(poll_until(*r, [&] { return h.accepted.size() == 2; }));
  const int c = raw_connect(lr.port);
  REQUIRE(poll_until(*r, [&] { return closed_by_peer(c); }));
  CHECK(r->stats().accepts_rejected == 1);
  CHECK(h.accepted.size() == 2);
  ::close(a);
  ::close(b);
  ::close(c);
  // Freed slots take new connections again.
  REQUIRE(poll_until(*r, [&] { return h.closed.size() == 2; }));
  const int d = raw_connect(lr.port);
  REQUIRE(poll_until(*r, [&] { return h.accepted.size() == 3; }));
  ::close(d);
}

TEST_CASE("listen waits out a port a just-killed process still holds", "[reactor]") {
  recording_handler h;
  auto r = make_reactor_or_skip(h, small_config());
  std::uint16_t port = 0;
  const int held = hold_port(port);
  std::thread releaser([held] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ::close(held);
  });
  auto lr = r->listen("127.0.0.1", port);
  releaser.join();
  CHECK(lr.ok());
  CHECK(lr.port == port);
}

TEST_CASE("listen on a port held for good fails with EADDRINUSE naming the address", "[reactor]") {
  recording_handler h;
  auto r = make_reactor_or_skip(h, small_config());
  std::uint16_t port = 0;
  const int held = hold_port(port);
  auto lr = r->listen("127.0.0.1", port);
  ::close(held);
  REQUIRE_FALSE(lr.ok());
  CHECK(lr.error.status.name() == "EADDRINUSE");
  CHECK(lr.error.message.find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
}

TEST_CASE("a busy reactor with few connections receives by polling, with many by multishot", "[reactor]") {
  const auto completion = GENERATE(rx::completion_mode::peek, rx::completion_mode::defer_taskrun);
  CAPTURE(static_cast<int>(completion));
  auto cfg = small_config();
  cfg.mode = rx::poll_mode::busy;
  cfg.completion = completion;
  cfg.recv_poll_connections = 2;
  cfg.buffer_bytes = 1024;  // the 3000-byte frame spans several provided buffers
  recording_handler h;
  auto r = make_reactor_or_skip(h, cfg);
  auto lr = r->listen("127.0.0.1", 0);
  REQUIRE(lr.ok());
  // Frames are "<4-digit length>payload"; whole frames only, so a frame cut
  // between reads must come back whole through the carry buffer.
  std::map<conn_id, std::vector<std::string>> frames;
  h.data_hook = [&](conn_id c, std::span<const char> d) { return take_frames(d, frames[c]); };
  auto all_have = [&](std::size_t n) {
    for (conn_id c : h.accepted) {
      if (frames[c].size() < n) return false;
    }
    return true;
  };
  // Two connections: both polled.
  const int fd_a = raw_connect(lr.port);
  const int fd_b = raw_connect(lr.port);
  REQUIRE(poll_until(*r, [&] { return h.accepted.size() == 2; }));
  CHECK(r->stats().recv_polled_connections == 2);
  const std::string& big = big_frame;
  const std::string& wire = three_frames_wire;
  for (std::size_t off = 0, chunk = 1; off < wire.size(); off += chunk, chunk = chunk * 3 + 1) {
    raw_write_all(fd_a, wire.substr(off, chunk));
    raw_write_all(fd_b, wire.substr(off, chunk));
    (void)poll_until(*r, [&] { return false; }, 2);
  }
  REQUIRE(poll_until(*r, [&] { return all_have(3); }));
  for (conn_id c : h.accepted) CHECK(frames[c] == std::vector<std::string>{"hello", big, "ok"});
  CHECK(r->stats().recv_polls_empty > 0);
  // Plain TCP is polled with recv(2) by the loop, not with recv SQEs.
  CHECK(r->stats().direct_recvs >= 2);
  // A third: every receive turns multishot at its next arming, no byte lost.
  const int fd_c = raw_connect(lr.port);
  REQUIRE(poll_until(*r, [&] { return h.accepted.size() == 3; }));
  REQUIRE(poll_until(*r, [&] { return r->stats().recv_polled_connections == 0; }));
  const std::uint64_t direct_before = r->stats().direct_recvs;
  for (const int fd : {fd_a, fd_b, fd_c}) raw_write_all(fd, "0003new");
  REQUIRE(poll_until(*r, [&] {
    return frames[h.accepted[0]].size() == 4 && frames[h.accepted[1]].size() == 4 && frames[h.accepted[2]].size() == 1;
  }));
  CHECK(r->stats().direct_recvs == direct_before);  // the multishot receives took them
  CHECK(frames[h.accepted[0]].back() == "new");
  CHECK(frames[h.accepted[1]].back() == "new");
  CHECK(frames[h.accepted[2]].back() == "new");
  // Everyone leaves: each side sees EOF, and a lone newcomer polls again.
  for (const int fd : {fd_a, fd_b, fd_c}) ::close(fd);
  REQUIRE(poll_until(*r, [&] { return h.closed.size() == 3; }));
  for (auto& [c, s] : h.closed) CHECK(s.kind == io_kind::eof);
  const int fd_d = raw_connect(lr.port);
  REQUIRE(poll_until(*r, [&] { return h.accepted.size() == 4; }));
  CHECK(r->stats().recv_polled_connections == 1);
  raw_write_all(fd_d, "0004last");
  REQUIRE(poll_until(*r, [&] { return frames[h.accepted[3]].size() == 1; }));
  CHECK(frames[h.accepted[3]][0] == "last");
  CHECK(r->stats().direct_recvs > direct_before);  // polled with recv(2) again
  ::close(fd_d);
}
