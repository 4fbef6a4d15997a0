// An in-memory store satisfying session_store (store_concept.hpp), for tests,
// the simulator and sessions that need no durability. It survives the session
// object that uses it, so "restart from the journal" is modelled by building a
// new session over the same memory_store.
//
// Ownership: the store owns one byte arena and one index, both sized at
// construction; nothing is allocated afterwards, so it may sit under the
// session's allocation-free hot path. When either is full, reserve/commit
// answer store_status::no_space. Views returned by reserve_outbound() and
// find_outbound() point into the arena and stay valid until reset() or
// destruction. Thread contract: one thread calls everything.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "fixring/engine/session/store_concept.hpp"
#include "fixring/store/session_types.hpp"

namespace fixring::engine {

class memory_store {
 public:
  explicit memory_store(std::size_t arena_bytes = std::size_t{16} << 20, std::size_t max_messages = 1u << 16)
      : arena_(new char[arena_bytes]), arena_bytes_(arena_bytes) {
    index_.reserve(max_messages);
  }

  [[nodiscard]] std::span<char> reserve_outbound(std::size_t max_bytes) noexcept {
    if (arena_bytes_ - used_ < max_bytes) {
      // Not enough for the worst case: offer what is left; the session only
      // needs the bytes the message really takes.
      if (used_ == arena_bytes_) {
        status_ = store::store_status::no_space;
        return {};
      }
      max_bytes = arena_bytes_ - used_;
    }
    reserved_ = true;
    status_ = store::store_status::ok;
    return {arena_.get() + used_, max_bytes};
  }

  [[nodiscard]] store::store_status commit_outbound(std::uint64_t seq, std::size_t size_bytes, std::uint32_t flags,
                                                    std::int64_t now_ns) noexcept {
    if (!reserved_ || seq != next_out_ || seq == 0) return status_ = store::store_status::bad_state;
    if (seq - 1 >= index_.capacity() || arena_bytes_ - used_ < size_bytes) return status_ = store::store_status::no_space;
    reserved_ = false;
    if (index_.size() < seq) index_.resize(seq);  // within capacity: no allocation
    index_[seq - 1] = {used_, static_cast<std::uint32_t>(size_bytes), flags, now_ns};
    used_ += size_bytes;
    next_out_ = seq + 1;
    return status_ = store::store_status::ok;
  }

  [[nodiscard]] store::store_status record_inbound(std::uint64_t seq, std::span<const char> bytes, std::uint32_t,
                                                   std::int64_t) noexcept {
    if (refuse_inbound_ != store::store_status::ok) return status_ = refuse_inbound_;
    if (seq >= next_in_) next_in_ = seq + 1;  // a late record (below the expected number) keeps it
    inbound_bytes_ += bytes.size();
    ++inbound_count_;
    return status_ = store::store_status::ok;
  }

  // Fault injection: every later record_inbound answers `s` (ok: records again),
  // as a journal does when its disk is full.
  void refuse_inbound(store::store_status s) noexcept { refuse_inbound_ = s; }

  [[nodiscard]] store::stored_message find_outbound(std::uint64_t seq) const noexcept {
    if (seq == 0 || seq > index_.size() || index_[seq - 1].size_bytes == 0) return {};
    const record& r = index_[seq - 1];
    return {{arena_.get() + r.offset, r.size_bytes}, r.flags, r.timestamp_ns};
  }

  [[nodiscard]] std::uint64_t next_outbound_seq() const noexcept { return next_out_; }
  [[nodiscard]] std::uint64_t next_inbound_seq() const noexcept { return next_in_; }

  [[nodiscard]] store::store_status set_next_outbound_seq(std::uint64_t seq) noexcept {
    if (seq == 0) return status_ = store::store_status::bad_state;
    next_out_ = seq;
    if (index_.size() >= seq) index_.resize(seq - 1);  // later numbers will be written again
    return status_ = store::store_status::ok;
  }
  [[nodiscard]] store::store_status set_next_inbound_seq(std::uint64_t seq) noexcept {
    if (seq == 0) return status_ = store::store_status::bad_state;
    next_in_ = seq;
    return status_ = store::store_status::ok;
  }

  [[nodiscard]] store::store_status reset(std::int64_t) noexcept {
    index_.clear();
    used_ = 0;
    next_out_ = next_in_ = 1;
    reserved_ = false;
    ++epoch_;
    return status_ = store::store_status::ok;
  }

  [[nodiscard]] store::store_status last_status() const noexcept { return status_; }

  // For tests: how many resets, and how much inbound was recorded.
  [[nodiscard]] std::uint64_t epoch() const noexcept { return epoch_; }
  [[nodiscard]] std::uint64_t inbound_count() const noexcept { return inbound_count_; }

 private:
  struct record {
    std::size_t offset = 0;
    std::uint32_t size_bytes = 0;
    std::uint32_t flags = 0;
    std::int64_t timestamp_ns = 0;
  };

  std::unique_ptr<char[]> arena_;
  std::size_t arena_bytes_;
  std::size_t used_ = 0;
  std::vector<record> index_;  // [seq - 1] in the current epoch
  std::uint64_t next_out_ = 1;
  std::uint64_t next_in_ = 1;
  std::uint64_t epoch_ = 0;
  std::uint64_t inbound_bytes_ = 0;
  std::uint64_t inbound_count_ = 0;
  bool reserved_ = false;
  store::store_status status_ = store::store_status::ok;
  store::store_status refuse_inbound_ = store::store_status::ok;
};

static_assert(session_store<memory_store>);

}  // namespace fixring::engine
