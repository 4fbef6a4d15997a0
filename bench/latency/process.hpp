// Process plumbing shared by the systems: an anonymous shared mapping that a
// forked child writes its results into, forking a pinned child, reaping it within
// a deadline, picking a free loopback port, and the measuring loops of the
// round-trip and stream phases that FIX systems run alike. C++14 (see
// system.hpp). Cold code, apart from the loops' bodies.
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "system.hpp"

namespace fixring {
namespace latency {

// One T in memory shared by this process and the children it forks afterwards.
// T's atomics must be lock-free so that they work across processes.
template <class T>
class shared_block {
 public:
  shared_block() {
    void* p = mmap(nullptr, sizeof(T), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) value_ = new (p) T();
  }
  ~shared_block() {
    if (value_ != nullptr) {
      value_->~T();
      munmap(value_, sizeof(T));
    }
  }
  shared_block(const shared_block&) = delete;
  shared_block& operator=(const shared_block&) = delete;
  bool ok() const { return value_ != nullptr; }
  T* operator->() const { return value_; }
  T& operator*() const { return *value_; }

 private:
  T* value_ = nullptr;
};

// Forks; the child pins itself to `core` (when pin is set), runs body() and exits
// with its return value without running this process's exit handlers. Returns the
// child's pid, or -1.
template <class Body>
pid_t fork_child(bool pin, int core, Body body) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (pin) pin_to_core(core);
    const int code = body();
    _exit(code);
  }
  return pid;
}

// Waits up to timeout_s for the child, then kills it. Returns its exit status
// (0 = success) or -1 if it had to be killed or died on a signal.
inline int reap_child(pid_t pid, double timeout_s) {
  const std::uint64_t deadline = now_ns() + static_cast<std::uint64_t>(timeout_s * 1e9);
  int status = 0;
  for (;;) {
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (r < 0) return -1;
    if (now_ns() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    usleep(1000);
  }
}

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it,
// close). For programs such as QuickFIX that must be told a port up front.
inline int pick_free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr;
  std::memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

// Waits up to 5 s for a forked acceptor to store shared.acceptor_ready (the
// acquire load pairs with its release store once it listens). True if it did.
template <class Shared>
bool wait_acceptor_ready(const Shared& shared) {
  const std::uint64_t deadline = now_ns() + 5000000000ull;
  while (shared.acceptor_ready.load(std::memory_order_acquire) == 0 && now_ns() < deadline) usleep(1000);
  return shared.acceptor_ready.load(std::memory_order_acquire) != 0;
}

// Tells the acceptor child to stop (the release store pairs with its loop's
// acquire load) and reaps it within 10 s. Returns ok, except that a run that
// went well (ok) fails, with result.error naming `system`, when the child
// did not exit with 0.
template <class Shared>
bool stop_acceptor(const char* system, Shared& shared, pid_t child, bool ok, system_result& result) {
  shared.stop.store(1, std::memory_order_release);
  const int status = reap_child(child, 10);
  if (ok && status != 0) {
    result.error = std::string(system) + ": the acceptor process failed with status " + std::to_string(status);
    return false;
  }
  return ok;
}

// The round-trip phase (system.hpp, step 2) of an initiator whose handler
// stores each report's arrival time in received_ns[its ClOrdID] (0 until it
// arrives) and counts reports in replies. Orders 0 .. warmup + count - 1 go out
// one at a time (closed loop) or at the config's rate, each timed from when it
// was due (pacer). send(i) sends order i, returning false with result.error
// set when it was refused; poll() makes progress and returns nullptr while the
// run may go on, or a note for the error ("" for none) when it must stop. The
// recorded latencies go to result.samples_ns. False with result.error set,
// naming `system`, when the reports do not all arrive within max_seconds.
template <class Send, class Poll>
bool run_round_trips(const char* system, const run_config& config, std::vector<std::uint64_t>& received_ns,
                     const std::uint64_t& replies, system_result& result, Send send, Poll poll) {
  const std::uint64_t total = config.warmup + config.count;
  received_ns.assign(total, 0);
  std::vector<std::uint64_t> sent_ns(total);
  pacer pace;
  pace.period_ns = config.rate_msgs_per_s > 0 ? 1e9 / config.rate_msgs_per_s : 0;
  pace.start_ns = now_ns();
  const bool closed_loop = pace.period_ns == 0;
  const std::uint64_t deadline = now_ns() + static_cast<std::uint64_t>(config.max_seconds * 1e9);
  std::uint64_t next_send = 0;
  while (replies < total) {
    if (next_send < total) {
      const std::uint64_t t = now_ns();
      const bool due = closed_loop ? next_send == replies : t >= pace.intended_ns(next_send);
      if (due) {
        sent_ns[next_send] = closed_loop ? t : pace.intended_ns(next_send);
        if (!send(next_send)) return false;
        ++next_send;
      }
    }
    const char* stop = poll();
    if (now_ns() > deadline || stop != nullptr) {
      result.error = std::string(system) + ": " + std::to_string(replies) + " of " + std::to_string(total) +
                     " ExecutionReports within --seconds" + (stop != nullptr ? stop : "");
      return false;
    }
  }
  result.samples_ns.reserve(config.count);
  for (std::uint64_t i = config.warmup; i < total; ++i) result.samples_ns.push_back(received_ns[i] - sent_ns[i]);
  return true;
}

// The end of the stream phase (system.hpp, step 3), once every message was
// handed to the initiator at start_ns: polls until the acceptor has stored
// shared.stream_done_ns, then sets result's stream_received and throughput.
// False with result.error set, naming `system`, when that has not happened
// by deadline_ns.
template <class Shared, class Poll>
bool finish_stream(const char* system, const run_config& config, const Shared& shared, std::uint64_t start_ns,
                   std::uint64_t deadline_ns, system_result& result, Poll poll) {
  // The acquire loads pair with the acceptor's release stores when it counts.
  while (shared.stream_done_ns.load(std::memory_order_acquire) == 0 && now_ns() < deadline_ns) poll();
  result.stream_received = shared.stream_received.load(std::memory_order_acquire);
  const std::uint64_t done = shared.stream_done_ns.load(std::memory_order_acquire);
  if (done == 0) {
    result.error = std::string(system) + ": the acceptor counted " + std::to_string(result.stream_received) +
                   " of " + std::to_string(config.stream_count) + " streamed messages within --seconds";
    return false;
  }
  result.throughput_msgs_per_s = static_cast<double>(config.stream_count) * 1e9 / static_cast<double>(done - start_ns);
  return true;
}

inline std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace latency
}  // namespace fixring
