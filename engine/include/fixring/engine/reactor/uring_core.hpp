// The non-template half of the reactor: io_uring setup, the provided-buffer
// ring, sockets, addresses, CPU pinning and clocks. Everything here is cold
// (setup, connect, accept bookkeeping) except return_buffer(), which is inline.
//
// user_data layout of every SQE the reactor submits (one 64-bit word):
//
//   63                              32 31                      8 7        0
//   +---------------------------------+-------------------------+----------+
//   |        generation (u32)         |     slot (24 bits)      |  op (u8) |
//   +---------------------------------+-------------------------+----------+
//
// A completion whose generation differs from its slot's current generation
// belongs to an earlier occupant of the slot and is dropped (its provided
// buffer is still returned to the ring).
//
// Thread contract: a uring_core belongs to its reactor; see reactor.hpp.
#pragma once

#include "fixring/engine/reactor/status.hpp"

#include <liburing.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <string>

namespace fixring::engine::reactor {

// How the busy-poll loop gets completions posted without sleeping. Both were
// measured side by side (numbers and the choice of default in reactor.hpp's
// header comment): defer_taskrun had the lower p50 round trip here.
enum class completion_mode : std::uint8_t {
  // Default task-run: the kernel interrupts the spinning thread to run the
  // completion task work, so the loop only peeks the CQ and calls
  // io_uring_submit when it has SQEs (no syscall on an idle spin).
  peek,
  // IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
  // IORING_SETUP_TASKRUN_FLAG: completions are posted only when the reactor
  // asks, and the kernel raises IORING_SQ_TASKRUN in the shared SQ flags when
  // it has completion work queued. The busy loop reads that flag and enters
  // the kernel only when it is set or SQEs wait: no syscall on an idle spin,
  // no interrupts.
  defer_taskrun,
};

struct setup_error {
  io_status status;
  std::string message;  // names the call and the value at fault
};

struct peer_address {
  sockaddr_storage addr{};
  socklen_t len = 0;
  // Port in host order; 0 when unknown.
  [[nodiscard]] std::uint16_t port() const noexcept;
  // "127.0.0.1:5001" into buf (NUL-terminated); returns the length. Cold.
  std::size_t format(char* buf, std::size_t cap) const noexcept;
};

namespace detail {

enum class op : std::uint8_t { accept = 1, recv, send, connect, link_timeout, cancel };

inline constexpr std::uint32_t max_slots = 1u << 24;

[[nodiscard]] constexpr std::uint64_t pack_user_data(op o, std::uint32_t slot,
                                                     std::uint32_t generation) noexcept {
  return (static_cast<std::uint64_t>(generation) << 32) |
         (static_cast<std::uint64_t>(slot & (max_slots - 1)) << 8) | static_cast<std::uint8_t>(o);
}
[[nodiscard]] constexpr op user_data_op(std::uint64_t ud) noexcept {
  return static_cast<op>(ud & 0xffu);
}
[[nodiscard]] constexpr std::uint32_t user_data_slot(std::uint64_t ud) noexcept {
  return static_cast<std::uint32_t>(ud >> 8) & (max_slots - 1);
}
[[nodiscard]] constexpr std::uint32_t user_data_generation(std::uint64_t ud) noexcept {
  return static_cast<std::uint32_t>(ud >> 32);
}

struct ring_options {
  std::uint32_t sq_entries = 1024;
  completion_mode completion = completion_mode::peek;
  std::uint32_t buffer_count = 256;   // provided buffers (power of two, <= 32768)
  std::uint32_t buffer_bytes = 16384;
};

class uring_core {
 public:
  uring_core() = default;
  uring_core(const uring_core&) = delete;
  uring_core& operator=(const uring_core&) = delete;
  ~uring_core();

  // Creates the ring (disabled until enable_on_this_thread() when the mode
  // requires a single issuer) and registers the provided-buffer ring. Cold.
  [[nodiscard]] bool init(const ring_options& opts, setup_error& err);
  // Enables the ring and registers its fd for the calling thread, which then
  // is the only thread allowed to submit. Idempotent. Cold.
  [[nodiscard]] io_status enable_on_this_thread() noexcept;
  // Exits the ring now (cancelling everything in flight); the destructor then
  // only unmaps the buffers. Idempotent. Cold.
  void exit_ring() noexcept;

  io_uring ring{};
  static constexpr std::uint16_t buffer_group = 0;

  [[nodiscard]] char* buffer(std::uint16_t bid) const noexcept {
    return buffers_ + static_cast<std::size_t>(bid) * buffer_bytes_;
  }
  // Hands a provided buffer back to the kernel once its bytes were consumed
  // or copied. The tail store inside io_uring_buf_ring_advance is a release,
  // pairing with the kernel's acquire when it picks the next buffer.
  void return_buffer(std::uint16_t bid) noexcept {
    io_uring_buf_ring_add(buf_ring_, buffer(bid), buffer_bytes_, bid,
                          io_uring_buf_ring_mask(buffer_count_), 0);
    io_uring_buf_ring_advance(buf_ring_, 1);
  }
  [[nodiscard]] completion_mode mode() const noexcept { return mode_; }

  // Next free SQE; submits once to make room when the SQ is full. nullptr only
  // when the kernel refuses the submit.
  [[nodiscard]] io_uring_sqe* get_sqe() noexcept {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    if (sqe != nullptr) return sqe;
    if (enabled_) (void)io_uring_submit(&ring);
    return io_uring_get_sqe(&ring);
  }
  [[nodiscard]] bool enabled() const noexcept { return enabled_; }

  // True when entering the kernel with GETEVENTS would post completions this
  // loop cannot see yet: deferred completion work is queued
  // (IORING_SQ_TASKRUN, defer_taskrun mode) or CQEs wait in the overflow
  // list (IORING_SQ_CQ_OVERFLOW). Hot: one load of a word the kernel writes.
  [[nodiscard]] bool kernel_work_pending() const noexcept {
    // relaxed: the flag only decides whether to make the io_uring_enter
    // call, and that syscall orders everything it then posts (the kernel
    // sets the bit with an atomic_or after queueing the work, and clears it
    // inside the call before running the work, so a bit seen late costs
    // one iteration, never a lost completion).
    const unsigned flags = std::atomic_ref<unsigned>(*ring.sq.kflags).load(std::memory_order_relaxed);
    return (flags & (IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW)) != 0;
  }

 private:
  bool initialised_ = false;
  bool enabled_ = false;
  completion_mode mode_ = completion_mode::peek;
  io_uring_buf_ring* buf_ring_ = nullptr;
  std::size_t buf_ring_bytes_ = 0;
  char* buffers_ = nullptr;
  std::size_t buffers_total_bytes_ = 0;
  std::uint32_t buffer_count_ = 0;
  std::uint32_t buffer_bytes_ = 0;
};

// ---- sockets and addresses (cold; plain syscalls) ----

// Numeric IPv4/IPv6 address or host name (getaddrinfo, which may block on DNS:
// call connect() with a numeric address from latency-sensitive code).
[[nodiscard]] bool resolve(const char* host, std::uint16_t port, sockaddr_storage& out,
                           socklen_t& out_len, setup_error& err);
// socket + SO_REUSEADDR + bind + listen; bound_port receives the actual port
// (useful with port 0). Returns the fd or -1.
[[nodiscard]] int make_listen_socket(const char* addr, std::uint16_t port, int backlog,
                                     std::uint16_t& bound_port, setup_error& err);
// A TCP socket with TCP_NODELAY, close-on-exec. Returns the fd or -errno.
[[nodiscard]] int make_tcp_socket(int family) noexcept;
void set_nodelay(int fd) noexcept;
void get_peer(int fd, peer_address& out) noexcept;
// pthread_setaffinity_np for the calling thread; cpu < 0 is a no-op.
[[nodiscard]] io_status pin_current_thread(int cpu) noexcept;
// CLOCK_MONOTONIC in ns: the loop's one clock read per iteration.
[[nodiscard]] inline std::int64_t monotonic_now_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
// CLOCK_REALTIME - CLOCK_MONOTONIC, in ns. Cold (two clock reads).
[[nodiscard]] std::int64_t realtime_offset_ns() noexcept;

}  // namespace detail
}  // namespace fixring::engine::reactor
