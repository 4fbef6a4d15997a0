// Acceptor routing: which configured session an inbound connection belongs to.
//
// An acceptor serves many sessions on one port. Until a connection's first
// message has arrived it belongs to none; that message (a Logon, if the
// counterparty behaves) names the session by BeginString(8), SenderCompID(49)
// and TargetCompID(56), read from the raw bytes so that even a message the
// session will refuse can be routed to the session that refuses it. The
// session then applies every Logon rule itself.
//
// What an acceptor does with the answer (the behaviour FIX acceptors share, and
// the session acceptance suite expects):
//   need_more     keep reading; nothing is known yet
//   found         hand the connection to that session (on_connected, on_bytes)
//   unknown       no such session: close the connection without a word
//   not_fix       the bytes are not a FIX message: close without a word
// A session that already has a connection keeps it: the caller checks that and
// closes the newcomer silently (session_directory::find does not know which
// sessions are connected).
//
// Cost: read_identity is noexcept and allocates nothing; it is called once per
// connection. session_directory::find is a linear scan (cold: once per
// connection); add() allocates (setup).
// Thread contract: a directory is built at setup and then read by the reactor
// thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fixring/codec/frame.hpp"

namespace fixring::engine {

// A session's identity as seen from the counterparty's messages.
struct logon_identity {
  std::string_view begin_string;    // 8
  std::string_view sender_comp_id;  // 49: the counterparty's CompID
  std::string_view target_comp_id;  // 56: ours
};

enum class identity_status : std::uint8_t { need_more, found, not_fix };

namespace detail {
// Value of the first "<SOH>tag=" field inside [0, end) of bytes, or empty.
[[nodiscard]] inline std::string_view header_value(std::string_view bytes, std::string_view key) noexcept {
  const std::size_t at = bytes.find(key);
  if (at == std::string_view::npos) return {};
  const std::size_t start = at + key.size();
  const std::size_t end = bytes.find(codec::soh, start);
  if (end == std::string_view::npos) return {};
  return bytes.substr(start, end - start);
}
}  // namespace detail

// Reads the identity of the first message in `bytes` (which starts at the
// beginning of the connection's stream). The views point into `bytes`.
// found also when the message is otherwise invalid (bad checksum, say): the
// session it names decides what to do with it.
[[nodiscard]] inline identity_status read_identity(std::span<const char> data, logon_identity& out) noexcept {
  const std::string_view bytes(data.data(), data.size());
  const codec::frame_result f = codec::frame(bytes.data(), bytes.size());
  if (f.status == codec::frame_status::incomplete) return identity_status::need_more;
  // A frame that is invalid only because of its length or checksum still names
  // its session; anything without even "8=...<SOH>" does not.
  if (bytes.size() < 2 || bytes[0] != '8' || bytes[1] != '=') return identity_status::not_fix;
  const std::size_t bs_end = bytes.find(codec::soh);
  if (bs_end == std::string_view::npos || bs_end == 2) return identity_status::not_fix;
  // Complete or not, size_bytes is the extent of this first message.
  const std::string_view message = bytes.substr(0, f.size_bytes);
  out.begin_string = bytes.substr(2, bs_end - 2);
  out.sender_comp_id = detail::header_value(message, "\x01" "49=");
  out.target_comp_id = detail::header_value(message, "\x01" "56=");
  if (out.sender_comp_id.empty() || out.target_comp_id.empty()) return identity_status::not_fix;
  return identity_status::found;
}

// The sessions an acceptor serves, by identity.
class session_directory {
 public:
  // Registers a session; returns its index (0, 1, ... in order of adding).
  // our_comp_id is our SenderCompID, their_comp_id our TargetCompID.
  std::size_t add(std::string begin_string, std::string our_comp_id, std::string their_comp_id) {
    entries_.push_back({std::move(begin_string), std::move(our_comp_id), std::move(their_comp_id)});
    return entries_.size() - 1;
  }

  // The session a counterparty's message names, if one is configured.
  [[nodiscard]] std::optional<std::size_t> find(const logon_identity& id) const noexcept {
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      const entry& e = entries_[i];
      if (e.begin_string == id.begin_string && e.our_comp_id == id.target_comp_id &&
          e.their_comp_id == id.sender_comp_id)
        return i;
    }
    return std::nullopt;
  }

  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }

 private:
  struct entry {
    std::string begin_string, our_comp_id, their_comp_id;
  };
  std::vector<entry> entries_;
};

}  // namespace fixring::engine
