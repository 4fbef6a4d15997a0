#include "fixring/engine/reactor/uring_core.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace fixring::engine::reactor {

std::uint16_t peer_address::port() const noexcept {
  if (addr.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
  }
  if (addr.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
  }
  return 0;
}

std::size_t peer_address::format(char* buf, std::size_t cap) const noexcept {
  if (cap == 0) return 0;
  char host[INET6_ADDRSTRLEN] = "?";
  if (addr.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr, host, sizeof host);
  } else if (addr.ss_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr, host,
                sizeof host);
  }
  const int n = std::snprintf(buf, cap, "%s:%u", host, static_cast<unsigned>(port()));
  return n < 0 ? 0 : (static_cast<std::size_t>(n) < cap ? static_cast<std::size_t>(n) : cap - 1);
}

namespace detail {
namespace {

setup_error os_error(int err, std::string what) {
  setup_error e;
  e.status = io_status{io_kind::os_error, err};
  e.message = std::move(what) + ": " + std::string(e.status.name()) + " (" + std::strerror(err) + ")";
  return e;
}

}  // namespace

bool uring_core::init(const ring_options& opts, setup_error& err) {
  io_uring_params p{};
  p.flags = IORING_SETUP_CQSIZE;
  // Multishot receive and accept post several CQEs per SQE: a CQ four times
  // the SQ keeps the overflow list (a kernel allocation) out of steady state.
  p.cq_entries = opts.sq_entries * 4;
  if (opts.completion == completion_mode::defer_taskrun) {
    // R_DISABLED: the thread that enables the ring becomes its single issuer,
    // so the reactor may be built on one thread and run on another.
    // TASKRUN_FLAG: the kernel tells the busy loop through the SQ flags when
    // there is completion work, so an idle iteration needs no syscall.
    p.flags |= IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_R_DISABLED |
               IORING_SETUP_TASKRUN_FLAG;
  }
  const int rc = io_uring_queue_init_params(opts.sq_entries, &ring, &p);
  if (rc < 0) {
    err = os_error(-rc, "io_uring_queue_init_params");
    return false;
  }
  initialised_ = true;
  mode_ = opts.completion;
  enabled_ = opts.completion != completion_mode::defer_taskrun;

  // Provided-buffer ring. liburing 2.3 predates io_uring_setup_buf_ring, so
  // this does what it does: page-aligned ring memory, register, fill.
  buffer_count_ = opts.buffer_count;
  buffer_bytes_ = opts.buffer_bytes;
  if (buffer_count_ == 0 || (buffer_count_ & (buffer_count_ - 1)) != 0 || buffer_count_ > 32768) {
    err.status = io_status{io_kind::os_error, EINVAL};
    err.message = "buffer_count must be a power of two in [1, 32768]";
    return false;
  }
  buf_ring_bytes_ = buffer_count_ * sizeof(io_uring_buf);
  void* mem = ::mmap(nullptr, buf_ring_bytes_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE,
                     -1, 0);
  if (mem == MAP_FAILED) {
    err = os_error(errno, "mmap provided-buffer ring");
    return false;
  }
  buf_ring_ = static_cast<io_uring_buf_ring*>(mem);
  io_uring_buf_ring_init(buf_ring_);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<std::uintptr_t>(buf_ring_);
  reg.ring_entries = buffer_count_;
  reg.bgid = buffer_group;
  const int rr = io_uring_register_buf_ring(&ring, &reg, 0);
  if (rr < 0) {
    err = os_error(-rr, "io_uring_register_buf_ring (kernel >= 5.19 needed)");
    return false;
  }
  buffers_total_bytes_ = static_cast<std::size_t>(buffer_count_) * buffer_bytes_;
  void* bufs = ::mmap(nullptr, buffers_total_bytes_, PROT_READ | PROT_WRITE,
                      MAP_ANONYMOUS | MAP_PRIVATE | MAP_POPULATE, -1, 0);
  if (bufs == MAP_FAILED) {
    err = os_error(errno, "mmap provided buffers");
    return false;
  }
  buffers_ = static_cast<char*>(bufs);
  const int mask = io_uring_buf_ring_mask(buffer_count_);
  for (std::uint32_t i = 0; i < buffer_count_; ++i) {
    io_uring_buf_ring_add(buf_ring_, buffer(static_cast<std::uint16_t>(i)), buffer_bytes_,
                          static_cast<std::uint16_t>(i), mask, static_cast<int>(i));
  }
  io_uring_buf_ring_advance(buf_ring_, static_cast<int>(buffer_count_));
  return true;
}

io_status uring_core::enable_on_this_thread() noexcept {
  if (!enabled_) {
    // liburing 2.3 declares io_uring_enable_rings but its shared object does
    // not export it, so this is the register call it would make.
    const long rc = ::syscall(__NR_io_uring_register, ring.ring_fd, IORING_REGISTER_ENABLE_RINGS,
                              nullptr, 0);
    if (rc < 0) return io_status{io_kind::os_error, errno};
    enabled_ = true;
  }
  return {};
}

void uring_core::exit_ring() noexcept {
  if (initialised_) io_uring_queue_exit(&ring);
  initialised_ = false;
}

uring_core::~uring_core() {
  exit_ring();
  if (buf_ring_ != nullptr) ::munmap(buf_ring_, buf_ring_bytes_);
  if (buffers_ != nullptr) ::munmap(buffers_, buffers_total_bytes_);
}

bool resolve(const char* host, std::uint16_t port, sockaddr_storage& out, socklen_t& out_len,
             setup_error& err) {
  std::memset(&out, 0, sizeof out);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  if (::inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    out_len = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
  if (::inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    out_len = sizeof(sockaddr_in6);
    return true;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const int rc = ::getaddrinfo(host, nullptr, &hints, &res);
  if (rc != 0 || res == nullptr) {
    err.status = io_status{io_kind::os_error, EHOSTUNREACH};
    err.message = std::string("resolve ") + host + ": " + ::gai_strerror(rc);
    return false;
  }
  std::memcpy(&out, res->ai_addr, res->ai_addrlen);
  out_len = res->ai_addrlen;
  ::freeaddrinfo(res);
  if (out.ss_family == AF_INET) {
    v4->sin_port = htons(port);
  } else {
    v6->sin6_port = htons(port);
  }
  return true;
}

int make_listen_socket(const char* addr, std::uint16_t port, int backlog, std::uint16_t& bound_port,
                       setup_error& err) {
  sockaddr_storage sa{};
  socklen_t len = 0;
  if (!resolve(addr, port, sa, len, err)) return -1;
  const int fd = ::socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    err = os_error(errno, "socket");
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  // A process killed a moment ago may still hold the port: the kernel tears
  // its io_uring (and the listening socket that ring holds) down
  // asynchronously, after the process is reaped. A supervisor restarting a
  // crashed acceptor at once would fail here, so EADDRINUSE is retried for up
  // to one second (cold path: create() only) before it is reported.
  int rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&sa), len);
  for (int tries = 0; rc != 0 && errno == EADDRINUSE && port != 0 && tries < 100; ++tries) {
    const timespec pause{0, 10'000'000};
    ::nanosleep(&pause, nullptr);
    rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&sa), len);
  }
  if (rc != 0) {
    err = os_error(errno, std::string("bind ") + addr + ":" + std::to_string(port));
    ::close(fd);
    return -1;
  }
  if (::listen(fd, backlog) != 0) {
    err = os_error(errno, "listen");
    ::close(fd);
    return -1;
  }
  sockaddr_storage bound{};
  socklen_t blen = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &blen);
  peer_address pa{bound, blen};
  bound_port = pa.port();
  return fd;
}

int make_tcp_socket(int family) noexcept {
  const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  set_nodelay(fd);
  return fd;
}

void set_nodelay(int fd) noexcept {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void get_peer(int fd, peer_address& out) noexcept {
  out.len = sizeof out.addr;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&out.addr), &out.len) != 0) out.len = 0;
}

io_status pin_current_thread(int cpu) noexcept {
  if (cpu < 0) return {};
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  const int rc = ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set);
  return rc == 0 ? io_status{} : io_status{io_kind::os_error, rc};
}

std::int64_t realtime_offset_ns() noexcept {
  timespec mono{};
  timespec real{};
  ::clock_gettime(CLOCK_MONOTONIC, &mono);
  ::clock_gettime(CLOCK_REALTIME, &real);
  return (static_cast<std::int64_t>(real.tv_sec) - mono.tv_sec) * 1'000'000'000 +
         (real.tv_nsec - mono.tv_nsec);
}

}  // namespace detail
}  // namespace fixring::engine::reactor
