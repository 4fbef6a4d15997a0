#include "alloc_count.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

#if __has_include(<mimalloc.h>)
#include <mimalloc.h>
#define FIXRING_ALLOC(n) mi_malloc(n)
#define FIXRING_FREE(p) mi_free(p)
#else
#define FIXRING_ALLOC(n) std::malloc(n)
#define FIXRING_FREE(p) std::free(p)
#endif

namespace {
// Relaxed: a benchmark reads the count on the thread that allocates.
std::atomic<std::uint64_t> g_count{0};

void* counted(std::size_t n) {
  g_count.fetch_add(1, std::memory_order_relaxed);
  if (void* p = FIXRING_ALLOC(n ? n : 1)) return p;
  throw std::bad_alloc();
}
}  // namespace

std::uint64_t fixring::bench::allocations() noexcept { return g_count.load(std::memory_order_relaxed); }

void* operator new(std::size_t n) { return counted(n); }
void* operator new[](std::size_t n) { return counted(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  g_count.fetch_add(1, std::memory_order_relaxed);
  return FIXRING_ALLOC(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  g_count.fetch_add(1, std::memory_order_relaxed);
  return FIXRING_ALLOC(n ? n : 1);
}
void operator delete(void* p) noexcept { FIXRING_FREE(p); }
void operator delete[](void* p) noexcept { FIXRING_FREE(p); }
void operator delete(void* p, std::size_t) noexcept { FIXRING_FREE(p); }
void operator delete[](void* p, std::size_t) noexcept { FIXRING_FREE(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { FIXRING_FREE(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { FIXRING_FREE(p); }
