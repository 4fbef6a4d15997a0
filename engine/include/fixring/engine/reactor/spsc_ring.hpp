// spsc_byte_ring: a lock-free single-producer single-consumer ring of byte
// slots, the way a thread other than the reactor's hands outbound messages to
// the reactor. The producer encodes each message in place:
//
//     std::span<char> s = ring.try_claim(max_bytes);   // empty: full -> back-pressure
//     std::size_t n = encode_into(s);
//     ring.publish(n, conn);                           // visible to the consumer
//
// Layout (one allocation, made by the constructor and never again):
//
//   +--------------------+  offset 0     producer line: write_idx_, read_idx_cache_
//   +--------------------+  offset 64    consumer line: read_idx_, write_idx_cache_
//   slot i at slots_ + i * stride_bytes_ (stride a multiple of 64):
//   +--------+--------+---------------------------------+
//   | tag u64| size u32| pad u32 | slot_bytes payload ... |
//   +--------+--------+---------------------------------+
//
// Indices grow without wrapping (64-bit); slot = index & (slot_count - 1).
// Each side keeps a cached copy of the other side's index and reloads it only
// when the cached value says full (producer) or empty (consumer), so in steady
// state neither side touches the other's cache line.
//
// Thread contract: exactly one producer thread calls try_claim / publish /
// try_push; exactly one consumer thread calls front / pop. Construction and
// destruction happen while neither side runs. Ownership: the ring owns its
// slots; a span from try_claim / front stays valid until publish / pop.
#pragma once

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <span>

namespace fixring::engine::reactor {

inline constexpr std::size_t cache_line_bytes = 64;  // fixed, see STYLE habit 8

class spsc_byte_ring {
 public:
  struct record {
    std::span<const char> bytes;
    std::uint64_t tag = 0;
  };

  // slot_count: rounded up to a power of two, at least 2. slot_bytes: the
  // largest message one slot carries. Allocates; cold.
  spsc_byte_ring(std::size_t slot_count, std::size_t slot_bytes)
      : slot_count_(round_up_pow2(slot_count < 2 ? 2 : slot_count)),
        slot_bytes_(slot_bytes),
        stride_bytes_((header_bytes + slot_bytes + cache_line_bytes - 1) / cache_line_bytes *
                      cache_line_bytes),
        slots_(static_cast<char*>(
            ::operator new(slot_count_ * stride_bytes_, std::align_val_t{cache_line_bytes}))) {}

  spsc_byte_ring(const spsc_byte_ring&) = delete;
  spsc_byte_ring& operator=(const spsc_byte_ring&) = delete;
  ~spsc_byte_ring() { ::operator delete(slots_, std::align_val_t{cache_line_bytes}); }

  [[nodiscard]] std::size_t slot_count() const noexcept { return slot_count_; }
  [[nodiscard]] std::size_t slot_bytes() const noexcept { return slot_bytes_; }

  // ---- producer ----

  // A writable span of exactly max_bytes in the next free slot, or an empty
  // span when the ring is full (back-pressure: try again later) or max_bytes
  // exceeds slot_bytes(). Claiming twice without publish returns the same slot.
  [[nodiscard]] std::span<char> try_claim(std::size_t max_bytes) noexcept {
    if (max_bytes > slot_bytes_) return {};
    const std::uint64_t w = prod_.write_idx.load(std::memory_order_relaxed);  // own index
    if (w - prod_.read_idx_cache == slot_count_) {
      // acquire: pairs with the release store in pop(), so the consumer has
      // finished reading the slot before we overwrite it.
      prod_.read_idx_cache = cons_.read_idx.load(std::memory_order_acquire);
      if (w - prod_.read_idx_cache == slot_count_) return {};
    }
    return {slot_at(w) + header_bytes, max_bytes};
  }

  // Makes the claimed slot, holding size bytes, visible to the consumer. tag
  // travels with it (the reactor reads it as the destination conn_id).
  // Precondition: the last try_claim returned a non-empty span of >= size bytes.
  void publish(std::size_t size, std::uint64_t tag = 0) noexcept {
    assert(size <= slot_bytes_);
    const std::uint64_t w = prod_.write_idx.load(std::memory_order_relaxed);  // own index
    char* s = slot_at(w);
    const auto size32 = static_cast<std::uint32_t>(size);
    std::memcpy(s, &tag, sizeof tag);
    std::memcpy(s + sizeof tag, &size32, sizeof size32);
    // release: pairs with the acquire load in front(), publishing the payload
    // and header written above.
    prod_.write_idx.store(w + 1, std::memory_order_release);
  }

  // Copying convenience: false when full or bytes.size() > slot_bytes().
  [[nodiscard]] bool try_push(std::span<const char> bytes, std::uint64_t tag = 0) noexcept {
    std::span<char> s = try_claim(bytes.size());
    if (s.data() == nullptr) return false;
    if (!bytes.empty()) std::memcpy(s.data(), bytes.data(), bytes.size());
    publish(bytes.size(), tag);
    return true;
  }

  // ---- consumer ----

  // The oldest published record, or nullptr-equivalent (false) when empty.
  [[nodiscard]] bool front(record& out) noexcept {
    const std::uint64_t r = cons_.read_idx.load(std::memory_order_relaxed);  // own index
    if (r == cons_.write_idx_cache) {
      // acquire: pairs with the release store in publish(); the slot's header
      // and payload are visible once the index is.
      cons_.write_idx_cache = prod_.write_idx.load(std::memory_order_acquire);
      if (r == cons_.write_idx_cache) return false;
    }
    const char* s = slot_at(r);
    std::uint32_t size32 = 0;
    std::memcpy(&out.tag, s, sizeof out.tag);
    std::memcpy(&size32, s + sizeof out.tag, sizeof size32);
    out.bytes = {s + header_bytes, size32};
    return true;
  }

  // Releases the record front() returned. Precondition: front() returned true.
  void pop() noexcept {
    const std::uint64_t r = cons_.read_idx.load(std::memory_order_relaxed);  // own index
    // release: pairs with the acquire load in try_claim(); our reads of the slot
    // happen before the producer may reuse it.
    cons_.read_idx.store(r + 1, std::memory_order_release);
  }

  // Approximate fill level; exact only when both sides are quiescent.
  [[nodiscard]] std::size_t size_approx() const noexcept {
    // relaxed: a monitoring read; pairs with nothing and orders nothing.
    const std::uint64_t w = prod_.write_idx.load(std::memory_order_relaxed);
    const std::uint64_t r = cons_.read_idx.load(std::memory_order_relaxed);
    return w >= r ? static_cast<std::size_t>(w - r) : 0;
  }

 private:
  static constexpr std::size_t header_bytes = 16;  // tag u64, size u32, pad u32

  static constexpr std::size_t round_up_pow2(std::size_t v) noexcept {
    std::size_t p = 1;
    while (p < v) p <<= 1;
    return p;
  }
  [[nodiscard]] char* slot_at(std::uint64_t idx) const noexcept {
    return slots_ + static_cast<std::size_t>(idx & (slot_count_ - 1)) * stride_bytes_;
  }

  struct alignas(cache_line_bytes) producer_side {
    std::atomic<std::uint64_t> write_idx{0};
    std::uint64_t read_idx_cache = 0;  // producer's copy of cons_.read_idx
  };
  struct alignas(cache_line_bytes) consumer_side {
    std::atomic<std::uint64_t> read_idx{0};
    std::uint64_t write_idx_cache = 0;  // consumer's copy of prod_.write_idx
  };
  static_assert(sizeof(producer_side) == cache_line_bytes);
  static_assert(sizeof(consumer_side) == cache_line_bytes);
  static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

  producer_side prod_;
  consumer_side cons_;
  const std::size_t slot_count_;
  const std::size_t slot_bytes_;
  const std::size_t stride_bytes_;
  char* const slots_;
};

}  // namespace fixring::engine::reactor
