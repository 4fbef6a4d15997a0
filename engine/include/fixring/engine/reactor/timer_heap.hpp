// timer_heap: the reactor's one timer structure, a binary min-heap keyed by
// (deadline_ns, insertion sequence) over a fixed pool of timer records. It
// drives heartbeats, timeouts and reconnects from the loop's single clock read.
//
// Why a heap and not a wheel: a FIX reactor holds tens to hundreds of timers,
// so log2(n) sifts are a handful of cache-resident moves, deadlines need no
// tick granularity, and equal deadlines fire in the order they were added.
//
// Allocation: the constructor allocates capacity records; add/cancel/pop never
// allocate. timer_id packs (generation << 32 | pool index + 1), so cancelling
// an id that already fired or was cancelled is recognised and refused.
//
// Thread contract: single-threaded; the reactor thread only.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

namespace fixring::engine::reactor {

using timer_id = std::uint64_t;
inline constexpr timer_id invalid_timer = 0;

class timer_heap {
 public:
  explicit timer_heap(std::uint32_t capacity)
      : capacity_(capacity),
        heap_(capacity),
        records_(capacity) {
    for (std::uint32_t i = 0; i < capacity; ++i) {
      records_[i].next_free = i + 1;
    }
    free_head_ = 0;
  }

  [[nodiscard]] std::uint32_t size() const noexcept { return size_; }
  [[nodiscard]] std::uint32_t capacity() const noexcept { return capacity_; }

  // Schedules a timer; returns its id, or invalid_timer when all capacity
  // records are in use.
  [[nodiscard]] timer_id add(std::int64_t deadline_ns) noexcept {
    // size_ < capacity_ whenever a record is free; both tests keep the
    // compiler's bounds analysis in step with that invariant.
    if (free_head_ >= capacity_ || size_ >= capacity_) return invalid_timer;
    const std::uint32_t idx = free_head_;
    record& r = records_[idx];
    free_head_ = r.next_free;
    r.deadline_ns = deadline_ns;
    r.seq = next_seq_++;
    r.active = true;
    r.heap_pos = size_;
    heap_[size_++] = idx;
    sift_up(r.heap_pos);
    return (static_cast<timer_id>(r.generation) << 32) | (idx + 1u);
  }

  // Cancels a pending timer. Returns false if id is not pending (already
  // fired, cancelled, or never issued).
  bool cancel(timer_id id) noexcept {
    const std::uint32_t idx = static_cast<std::uint32_t>(id & 0xffffffffu) - 1u;
    if (idx >= capacity_) return false;
    record& r = records_[idx];
    if (!r.active || r.generation != static_cast<std::uint32_t>(id >> 32)) return false;
    remove_at(r.heap_pos);
    release(idx);
    return true;
  }

  // Deadline of the earliest pending timer, or INT64_MAX when none.
  [[nodiscard]] std::int64_t next_deadline_ns() const noexcept {
    return size_ == 0 ? std::numeric_limits<std::int64_t>::max()
                      : records_[heap_[0]].deadline_ns;
  }

  // Pops the earliest timer whose deadline is <= now_ns into out; false when
  // none is due. Ties pop in insertion order.
  [[nodiscard]] bool pop_expired(std::int64_t now_ns, timer_id& out) noexcept {
    if (size_ == 0) return false;
    const std::uint32_t idx = heap_[0];
    record& r = records_[idx];
    if (r.deadline_ns > now_ns) return false;
    out = (static_cast<timer_id>(r.generation) << 32) | (idx + 1u);
    remove_at(0);
    release(idx);
    return true;
  }

 private:
  struct record {
    std::int64_t deadline_ns = 0;
    std::uint64_t seq = 0;
    std::uint32_t heap_pos = 0;
    std::uint32_t next_free = 0;
    std::uint32_t generation = 1;
    bool active = false;
  };

  [[nodiscard]] bool less(std::uint32_t a, std::uint32_t b) const noexcept {
    const record& x = records_[a];
    const record& y = records_[b];
    return x.deadline_ns != y.deadline_ns ? x.deadline_ns < y.deadline_ns : x.seq < y.seq;
  }
  void place(std::uint32_t pos, std::uint32_t idx) noexcept {
    heap_[pos] = idx;
    records_[idx].heap_pos = pos;
  }
  void sift_up(std::uint32_t pos) noexcept {
    const std::uint32_t idx = heap_[pos];
    while (pos > 0) {
      const std::uint32_t parent = (pos - 1) / 2;
      if (!less(idx, heap_[parent])) break;
      place(pos, heap_[parent]);
      pos = parent;
    }
    place(pos, idx);
  }
  void sift_down(std::uint32_t pos) noexcept {
    const std::uint32_t idx = heap_[pos];
    for (;;) {
      std::uint32_t child = 2 * pos + 1;
      if (child >= size_) break;
      if (child + 1 < size_ && less(heap_[child + 1], heap_[child])) ++child;
      if (!less(heap_[child], idx)) break;
      place(pos, heap_[child]);
      pos = child;
    }
    place(pos, idx);
  }
  void remove_at(std::uint32_t pos) noexcept {
    --size_;
    if (pos == size_) return;
    place(pos, heap_[size_]);
    sift_down(pos);
    sift_up(pos);
  }
  void release(std::uint32_t idx) noexcept {
    record& r = records_[idx];
    r.active = false;
    ++r.generation;
    if (r.generation == 0) r.generation = 1;  // 0 would make a valid id look invalid
    r.next_free = free_head_;
    free_head_ = idx;
  }

  std::uint32_t capacity_;
  std::uint32_t size_ = 0;
  std::uint32_t free_head_ = 0;
  std::uint64_t next_seq_ = 0;
  std::vector<std::uint32_t> heap_;  // sized once by the constructor
  std::vector<record> records_;      // sized once by the constructor
};

}  // namespace fixring::engine::reactor
