// prefaulter: one background thread per process that faults journal pages in
// writable ahead of their writers (madvise MADV_POPULATE_WRITE), so that the
// writer's thread - a session's reactor - never waits on it.
//
// Why a thread: faulting a shared file mapping in allocates page-cache pages
// and, under ext4, may wait for the file system journal (page_mkwrite, jbd2)
// while the disk is busy writing back; on the reactor thread that once stalled
// a round trip for seconds. Here only the helper waits; the writer keeps
// appending into the pages already faulted in, and if it outruns the helper it
// takes the faults itself, as it would without one.
//
// Requests: post() queues a byte range of a mapping for its owner (a token
// with a stable address that outlives its mappings); forget() drops an owner's
// queued ranges and waits for the one in progress, so the owner may unmap
// afterwards. MADV_POPULATE_WRITE leaves page contents alone, so the helper may
// fault pages the writer is writing at the same moment.
//
// Thread contract: every member may be called from any thread. post() takes a
// mutex the helper holds only to move a request, never while faulting, and
// allocates nothing. Ownership: shared() lives until the process exits.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace fixring::store {

class prefaulter {
 public:
  // The process's prefaulter, its thread started on first use (cold: creates
  // a thread). nullptr when the thread could not be started or the kernel has
  // no MADV_POPULATE_WRITE (before 5.14): fault in on the caller's thread.
  [[nodiscard]] static prefaulter* shared() noexcept;

  // Queues [base, base + len_bytes) for owner. False when the queue is full
  // (nothing queued: ask again later). Any thread; no allocation.
  [[nodiscard]] bool post(const void* owner, char* base, std::uint64_t len_bytes) noexcept;
  // Drops owner's queued ranges and returns once none of them is being
  // faulted in. Call before unmapping what was posted. Any thread; may wait
  // for one range to be faulted in.
  void forget(const void* owner) noexcept;
  // Returns once the queue is empty and nothing is being faulted in.
  void wait_idle() noexcept;
  // While paused the helper takes no request off the queue (tests use it to
  // show that a range is faulted in by the helper, not by the caller).
  void pause() noexcept;
  void resume() noexcept;

  prefaulter(const prefaulter&) = delete;
  prefaulter& operator=(const prefaulter&) = delete;

 private:
  struct request {
    const void* owner = nullptr;
    char* base = nullptr;
    std::uint64_t len_bytes = 0;
  };
  static constexpr std::size_t capacity = 1024;  // a request per session per maintain() is plenty

  prefaulter() = default;
  void run() noexcept;

  std::mutex mu_;
  std::condition_variable work_;  // a request was queued, or resume()
  std::condition_variable done_;  // a request finished
  request queue_[capacity];
  std::size_t head_ = 0;  // next to take; head_ <= tail_, both grow without wrapping
  std::size_t tail_ = 0;
  const void* running_ = nullptr;  // owner of the range being faulted in, if any
  bool paused_ = false;
  std::thread thread_;
};

}  // namespace fixring::store
