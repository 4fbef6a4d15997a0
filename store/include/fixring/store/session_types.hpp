// Types shared by the journal and the session layer above it: what a session
// stores, and how a store answers. See engine/session/store_concept.hpp for the
// calls a session makes.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace fixring::store {

// Per-message flags kept in the journal record.
enum message_flags : std::uint32_t {
  flag_none = 0,
  flag_poss_dup = 1u << 0,    // sent or received with PossDupFlag(43)=Y
  flag_admin = 1u << 1,       // session-level message (Logon, Heartbeat, ...): never resent
  flag_no_resend = 1u << 2,   // application asked that this message not be resent
};

enum class store_status : std::uint8_t {
  ok,
  no_space,     // the file system is full; nothing already journaled is damaged
  io_error,     // another I/O failure; nothing already journaled is damaged
  too_large,    // the message is larger than a record may be
  bad_state,    // a call out of order (commit without reserve, ...)
};

[[nodiscard]] constexpr std::string_view to_string(store_status s) noexcept {
  switch (s) {
    case store_status::ok: return "ok";
    case store_status::no_space: return "no space left on the journal's file system";
    case store_status::io_error: return "journal I/O error";
    case store_status::too_large: return "message larger than a journal record";
    case store_status::bad_state: return "journal call out of order";
  }
  return "unknown";
}

// An outbound message read back for a resend. `bytes` is empty when the store
// does not hold that sequence number in the current epoch. The view stays valid
// until the store is closed (it points into the mapping).
struct stored_message {
  std::span<const char> bytes;
  std::uint32_t flags = flag_none;
  std::int64_t timestamp_ns = 0;

  [[nodiscard]] bool found() const noexcept { return !bytes.empty(); }
};

}  // namespace fixring::store
