#include "fixring/store/prefaulter.hpp"

#include <sys/mman.h>

#include <cerrno>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace fixring::store {

namespace {

// Probes the kernel on a page of our own: EINVAL means no MADV_POPULATE_WRITE,
// and then the helper could only touch pages, which would race with the writer.
bool populate_write_supported() noexcept {
  void* p = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return false;
  const bool ok = ::madvise(p, 4096, MADV_POPULATE_WRITE) == 0;
  ::munmap(p, 4096);
  return ok;
}

}  // namespace

prefaulter* prefaulter::shared() noexcept {
  // Leaked on purpose: journals in static storage may forget() during exit.
  static prefaulter* const instance = []() noexcept -> prefaulter* {
    if (!populate_write_supported()) return nullptr;
    auto* p = new (std::nothrow) prefaulter();
    if (p == nullptr) return nullptr;
    try {
      p->thread_ = std::thread([p] { p->run(); });
      p->thread_.detach();
    } catch (...) {
      delete p;
      return nullptr;
    }
    return p;
  }();
  return instance;
}

bool prefaulter::post(const void* owner, char* base, std::uint64_t len_bytes) noexcept {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (tail_ - head_ == capacity) return false;
    queue_[tail_ % capacity] = request{owner, base, len_bytes};
    ++tail_;
  }
  work_.notify_one();
  return true;
}

void prefaulter::forget(const void* owner) noexcept {
  std::unique_lock<std::mutex> lock(mu_);
  for (std::size_t i = head_; i != tail_; ++i) {
    request& r = queue_[i % capacity];
    if (r.owner == owner) r = request{};  // the helper skips it
  }
  done_.wait(lock, [&] { return running_ != owner; });
}

void prefaulter::wait_idle() noexcept {
  std::unique_lock<std::mutex> lock(mu_);
  done_.wait(lock, [&] { return !paused_ && head_ == tail_ && running_ == nullptr; });
}

void prefaulter::pause() noexcept {
  std::lock_guard<std::mutex> lock(mu_);
  paused_ = true;
}

void prefaulter::resume() noexcept {
  {
    std::lock_guard<std::mutex> lock(mu_);
    paused_ = false;
  }
  work_.notify_one();
}

void prefaulter::run() noexcept {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    work_.wait(lock, [&] { return !paused_ && head_ != tail_; });
    const request r = queue_[head_ % capacity];
    ++head_;
    if (r.owner == nullptr) {
      if (head_ == tail_) done_.notify_all();
      continue;
    }
    running_ = r.owner;
    lock.unlock();
    // The owner unmaps only after forget(), which waits for running_ to
    // change, so the range stays mapped for the whole call. Failure (EINTR,
    // ENOMEM) leaves the pages to fault on first write, as without a helper.
    while (::madvise(r.base, r.len_bytes, MADV_POPULATE_WRITE) != 0 && errno == EINTR) {
    }
    lock.lock();
    running_ = nullptr;
    done_.notify_all();
  }
}

}  // namespace fixring::store
