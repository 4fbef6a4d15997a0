// What the session core needs from a store. The journal (store/) satisfies it;
// tests and the simulator may use an in-memory store that does too.
//
// Contract every implementation keeps:
// - Outbound messages are encoded once, straight into the store:
//   reserve_outbound(max) gives writable bytes, the session encodes into them,
//   commit_outbound(seq, size, ...) makes them durable to the configured level
//   and they are then sent from those same bytes. A reservation is valid until
//   the next reserve or commit; an empty span means the store cannot take the
//   message (see last_status()).
// - next_outbound_seq() is the last committed outbound MsgSeqNum + 1, and
//   next_inbound_seq() the last recorded inbound MsgSeqNum + 1 unless set
//   explicitly; both survive a crash (recovered from the journal itself).
// - find_outbound(seq) is O(1) and returns a view into the store's memory.
// - reset() starts a new epoch: both sequence numbers back to 1, history kept.
// Thread contract: one thread (the session's reactor) calls everything.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>

#include "fixring/store/session_types.hpp"

namespace fixring::engine {

template <class S>
concept session_store = requires(S s, const S cs, std::uint64_t seq, std::size_t n, std::uint32_t flags,
                                 std::int64_t now_ns, std::span<const char> bytes) {
  { s.reserve_outbound(n) } noexcept -> std::same_as<std::span<char>>;
  { s.commit_outbound(seq, n, flags, now_ns) } noexcept -> std::same_as<store::store_status>;
  { s.record_inbound(seq, bytes, flags, now_ns) } noexcept -> std::same_as<store::store_status>;
  { cs.find_outbound(seq) } noexcept -> std::same_as<store::stored_message>;
  { cs.next_outbound_seq() } noexcept -> std::same_as<std::uint64_t>;
  { cs.next_inbound_seq() } noexcept -> std::same_as<std::uint64_t>;
  { s.set_next_outbound_seq(seq) } noexcept -> std::same_as<store::store_status>;
  { s.set_next_inbound_seq(seq) } noexcept -> std::same_as<store::store_status>;
  { s.reset(now_ns) } noexcept -> std::same_as<store::store_status>;
  { cs.last_status() } noexcept -> std::same_as<store::store_status>;
};

}  // namespace fixring::engine
