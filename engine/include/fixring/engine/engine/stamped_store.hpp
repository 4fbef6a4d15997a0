// stamped_store<Store, Clock>: the store an engine session core writes through.
// It forwards every call of the session_store contract to the journal, except
// that an outbound record's timestamp is a fresh Clock read taken at commit,
// not the session's `now_ns`.
//
// Why: the session core is driven with the reactor's one clock read per loop
// iteration, so an inbound order and the ExecutionReport it caused carried the
// same timestamp and `fixjournal stats` measured every in->out latency as 0.
// Now an inbound record keeps the loop time of the iteration that received it
// (taken before the completions were reaped: the receive time as the reactor
// saw it) and the outbound record the time it was committed; their difference
// is the engine's time from receipt to the answer being journaled (and then
// sent). Both clocks must share one base (the engine uses CLOCK_MONOTONIC plus
// the reactor's realtime offset for both), so the difference is never negative.
//
// Cost: one Clock read per outbound message. With CLOCK_MONOTONIC through the
// vDSO (clocksource tsc) that is no system call, about 27 ns of CPU on this
// machine (Google Benchmark, clock_gettime(CLOCK_MONOTONIC) loop, 2026-11-22;
// rdtsc alone: about 11 ns).
//
// RefreshOnLogon: the engine closes a session's journal while it is
// disconnected (detach(), releasing the journal's lock, so that a standby
// process or an operator tool may use it) and opens it again - reloading
// sequence numbers and history from disk - before the next logon
// (set_store()). While detached every write answers store_status::bad_state,
// find_outbound finds nothing and both next sequence numbers read 0.
//
// Ownership: refers to the store (does not own it). Thread contract: the
// session's thread, like the store itself.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>

#include "fixring/engine/session/store_concept.hpp"
#include "fixring/store/session_types.hpp"

namespace fixring::engine {

template <class C>
concept store_clock = requires(const C& c) {
  { c.now_ns() } noexcept -> std::same_as<std::int64_t>;
};

template <session_store Store, store_clock Clock>
class stamped_store {
 public:
  stamped_store(Store& store, Clock clock) noexcept : store_(&store), clock_(clock) {}

  void set_store(Store& store) noexcept { store_ = &store; }
  void detach() noexcept { store_ = nullptr; }
  [[nodiscard]] bool attached() const noexcept { return store_ != nullptr; }

  [[nodiscard]] std::span<char> reserve_outbound(std::size_t max_bytes) noexcept {
    if (store_ == nullptr) return {};
    return store_->reserve_outbound(max_bytes);
  }
  // The session's now_ns (the loop time, also in the message's SendingTime) is
  // replaced by a fresh read.
  [[nodiscard]] store::store_status commit_outbound(std::uint64_t seq, std::size_t size_bytes, std::uint32_t flags,
                                                    std::int64_t) noexcept {
    if (store_ == nullptr) return store::store_status::bad_state;
    return store_->commit_outbound(seq, size_bytes, flags, clock_.now_ns());
  }
  [[nodiscard]] store::store_status record_inbound(std::uint64_t seq, std::span<const char> bytes,
                                                   std::uint32_t flags, std::int64_t now_ns) noexcept {
    if (store_ == nullptr) return store::store_status::bad_state;
    return store_->record_inbound(seq, bytes, flags, now_ns);
  }
  [[nodiscard]] store::stored_message find_outbound(std::uint64_t seq) const noexcept {
    if (store_ == nullptr) return {};
    return store_->find_outbound(seq);
  }
  [[nodiscard]] std::uint64_t next_outbound_seq() const noexcept {
    return store_ == nullptr ? 0 : store_->next_outbound_seq();
  }
  [[nodiscard]] std::uint64_t next_inbound_seq() const noexcept {
    return store_ == nullptr ? 0 : store_->next_inbound_seq();
  }
  [[nodiscard]] store::store_status set_next_outbound_seq(std::uint64_t seq) noexcept {
    if (store_ == nullptr) return store::store_status::bad_state;
    return store_->set_next_outbound_seq(seq);
  }
  [[nodiscard]] store::store_status set_next_inbound_seq(std::uint64_t seq) noexcept {
    if (store_ == nullptr) return store::store_status::bad_state;
    return store_->set_next_inbound_seq(seq);
  }
  [[nodiscard]] store::store_status reset(std::int64_t now_ns) noexcept {
    if (store_ == nullptr) return store::store_status::bad_state;
    return store_->reset(now_ns);
  }
  [[nodiscard]] store::store_status last_status() const noexcept {
    return store_ == nullptr ? store::store_status::bad_state : store_->last_status();
  }

 private:
  Store* store_;
  Clock clock_;
};

}  // namespace fixring::engine
