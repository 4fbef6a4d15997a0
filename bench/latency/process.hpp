// Process plumbing shared by the systems: an anonymous shared mapping that a
// forked child writes its results into, forking a pinned child, reaping it within
// a deadline, and picking a free loopback port. C++14 (see system.hpp). Cold code.
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

inline std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace latency
}  // namespace fixring
