// System (a): the raw TCP limit. Two processes on loopback, each busy-polling a
// non-blocking TCP_NODELAY socket, exchange byte strings of exactly the sizes of
// a FIX.4.4 NewOrderSingle and ExecutionReport (the bytes of the codec
// benchmarks' sample messages). No parsing, no journal: the floor every FIX
// engine sits on.
//
// Connection 1 carries the round trips (the acceptor answers each complete
// request with one reply); connection 2 carries the one-way stream, which the
// acceptor counts. Replies come back in order, so request i's reply is the i-th
// reply and nothing needs to be stamped into the bytes.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "process.hpp"
#include "support/sample_messages.hpp"
#include "system.hpp"

namespace fixring::latency {
namespace {

struct raw_shared {
  std::atomic<std::uint64_t> stream_received{0};  // whole messages counted by the acceptor
  std::atomic<std::uint64_t> stream_done_ns{0};   // when the last one arrived; 0 until then
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "shared across processes");

bool make_fast(int fd) {
  const int one = 1;
  const int flags = fcntl(fd, F_GETFL, 0);
  return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 &&
         setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0;
}

// Sends all of [data, data+len) on a non-blocking socket, spinning on EAGAIN.
bool send_all(int fd, const char* data, std::size_t len, std::uint64_t deadline_ns) {
  while (len > 0) {
    const ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
    if (n > 0) {
      data += n;
      len -= static_cast<std::size_t>(n);
    } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return false;
    } else if (now_ns() > deadline_ns) {
      return false;
    }
  }
  return true;
}

int accept_one(int listen_fd) {
  const int fd = accept(listen_fd, nullptr, nullptr);
  if (fd >= 0 && !make_fast(fd)) {
    close(fd);
    return -1;
  }
  return fd;
}

// The acceptor: echo on the first connection until it closes, then count the
// stream on the second. Returns the child's exit code.
int acceptor_main(int listen_fd, const std::string& request, const std::string& reply,
                  std::uint64_t stream_count, raw_shared& shared) {
  std::vector<char> buf(1 << 16);
  const int echo_fd = accept_one(listen_fd);
  if (echo_fd < 0) return 2;
  std::size_t have = 0;
  for (;;) {
    const ssize_t n = recv(echo_fd, buf.data() + have, buf.size() - have, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      return 3;
    }
    have += static_cast<std::size_t>(n);
    std::size_t used = 0;
    while (have - used >= request.size()) {
      if (!send_all(echo_fd, reply.data(), reply.size(), ~0ull)) return 4;
      used += request.size();
    }
    std::memmove(buf.data(), buf.data() + used, have - used);
    have -= used;
  }
  close(echo_fd);

  const int stream_fd = accept_one(listen_fd);
  if (stream_fd < 0) return 5;
  const std::uint64_t want_bytes = stream_count * request.size();
  std::uint64_t got_bytes = 0;
  while (got_bytes < want_bytes) {
    const ssize_t n = recv(stream_fd, buf.data(), buf.size(), 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      return 6;
    }
    got_bytes += static_cast<std::uint64_t>(n);
    // Pairs with the initiator's acquire load of stream_received.
    shared.stream_received.store(got_bytes / request.size(), std::memory_order_release);
  }
  shared.stream_done_ns.store(now_ns(), std::memory_order_release);
  shared.stream_received.store(got_bytes / request.size(), std::memory_order_release);
  close(stream_fd);
  return got_bytes == want_bytes ? 0 : 7;
}

int connect_to(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || !make_fast(fd)) {
    close(fd);
    return -1;
  }
  return fd;
}

// Round trips on one connection, closed-loop or paced (see pacer in system.hpp).
bool round_trips(int fd, const run_config& config, const std::string& request, std::size_t reply_len,
                 system_result& result) {
  std::vector<char> buf(1 << 16);
  std::vector<std::uint64_t> received_ns;  // sized by run_round_trips
  std::uint64_t sent = 0, replies = 0, reply_bytes = 0;
  const std::uint64_t deadline = now_ns() + static_cast<std::uint64_t>(config.max_seconds * 1e9);
  auto send_one = [&](std::uint64_t) {
    if (!send_all(fd, request.data(), request.size(), deadline)) {
      result.error = "raw TCP: send failed or timed out";
      return false;
    }
    ++sent;
    return true;
  };
  // Replies are counted by length: every reply_len bytes is the next one.
  auto poll = [&]() -> const char* {
    const ssize_t n = recv(fd, buf.data(), buf.size(), 0);
    if (n > 0) {
      reply_bytes += static_cast<std::uint64_t>(n);
      const std::uint64_t t = now_ns();
      for (; reply_bytes >= reply_len && replies < sent; reply_bytes -= reply_len) received_ns[replies++] = t;
    } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      return " (the acceptor closed the connection)";
    }
    return nullptr;
  };
  return run_round_trips("raw TCP", config, received_ns, replies, result, send_one, poll);
}

// Streams stream_count requests as fast as the socket takes them: 64 KiB of
// back-to-back messages per send(), the limit of the socket pair rather than of
// one syscall per message.
bool stream(int fd, const run_config& config, const std::string& request, raw_shared& shared,
            system_result& result) {
  const std::size_t per_chunk = (1 << 16) / request.size();
  std::string chunk;
  for (std::size_t i = 0; i < per_chunk; ++i) chunk += request;
  const std::uint64_t deadline = now_ns() + static_cast<std::uint64_t>(config.max_seconds * 1e9);
  const std::uint64_t start = now_ns();
  std::uint64_t left = config.stream_count;
  while (left > 0) {
    const std::uint64_t n = left < per_chunk ? left : per_chunk;
    if (!send_all(fd, chunk.data(), n * request.size(), deadline)) {
      result.error = "raw TCP: stream send failed or timed out";
      return false;
    }
    left -= n;
  }
  // Pairs with the acceptor's release stores.
  while (shared.stream_done_ns.load(std::memory_order_acquire) == 0) {
    if (now_ns() > deadline) break;
    usleep(50);
  }
  result.stream_received = shared.stream_received.load(std::memory_order_acquire);
  const std::uint64_t done = shared.stream_done_ns.load(std::memory_order_acquire);
  if (done == 0 || result.stream_received != config.stream_count) {
    result.error = "raw TCP: the acceptor counted " + std::to_string(result.stream_received) + " of " +
                   std::to_string(config.stream_count) + " streamed messages";
    return false;
  }
  result.throughput_msgs_per_s = static_cast<double>(config.stream_count) * 1e9 / static_cast<double>(done - start);
  return true;
}

}  // namespace

bool run_raw_tcp(const run_config& config, system_result& result) {
  const std::string request = bench::with_length_and_checksum(bench::new_order_single_text);
  const std::string reply = bench::with_length_and_checksum(bench::execution_report_text);
  result.description = "raw TCP: busy-polled non-blocking sockets, TCP_NODELAY, " + std::to_string(request.size()) +
                       "-byte request / " + std::to_string(reply.size()) + "-byte reply, no parsing, no journal";

  shared_block<raw_shared> shared;
  if (!shared.ok()) {
    result.error = errno_text("raw TCP: mmap");
    return false;
  }
  const int listen_fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (listen_fd < 0 || bind(listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(listen_fd, 4) != 0 || getsockname(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    result.error = errno_text("raw TCP: listen on 127.0.0.1");
    if (listen_fd >= 0) close(listen_fd);
    return false;
  }
  const int port = ntohs(addr.sin_port);
  const pid_t child = fork_child(config.pin, config.acceptor_core, [&] {
    return acceptor_main(listen_fd, request, reply, config.stream_count, *shared);
  });
  close(listen_fd);
  if (child < 0) {
    result.error = errno_text("raw TCP: fork");
    return false;
  }

  bool ok = false;
  const int echo_fd = connect_to(port);
  if (echo_fd < 0) {
    result.error = errno_text("raw TCP: connect");
  } else {
    ok = round_trips(echo_fd, config, request, reply.size(), result);
    close(echo_fd);
    if (ok) {
      const int stream_fd = connect_to(port);
      ok = stream_fd >= 0 && stream(stream_fd, config, request, *shared, result);
      if (stream_fd < 0) result.error = errno_text("raw TCP: connect (stream)");
      if (stream_fd >= 0) close(stream_fd);
    }
  }
  const int status = reap_child(child, ok ? config.max_seconds : 1.0);
  if (ok && status != 0) {
    result.error = "raw TCP: the acceptor process failed with status " + std::to_string(status);
    ok = false;
  }
  return ok;
}

}  // namespace fixring::latency
