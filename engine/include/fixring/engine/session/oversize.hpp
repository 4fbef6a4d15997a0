// Following a message larger than max_message_bytes through the stream.
//
// codec::frame() refuses such a message as soon as its BodyLength is read
// (frame_error::message_too_large): it never buffers one, and resynchronises on
// the next "<SOH>8=". That keeps a bogus BodyLength from swallowing the
// stream, but a genuine oversized message then vanishes without an answer, and
// so does every resend of it, so its counterparty's gap never closes.
//
// oversize_tracker watches the bytes that discard covers, without buffering
// them, to tell the two apart:
//
//   8=..<SOH>9=N<SOH>35=..<SOH>34=..<SOH> ... <SOH>10=DDD<SOH>
//   |<- header copy (first header_capture_bytes) ->|     |<-tail->|
//   |<---------------- size_bytes() = declared by N ------------->|
//
// - valid   : the declared extent ended in "<SOH>10=DDD<SOH>" with DDD the
//             byte sum, the body opened with "35=", and no "<SOH>8=" came
//             before the end; header() then holds the message's first bytes.
// - invalid : anything else. An "<SOH>8=" inside the declared extent stops the
//             tracking there, leaving the stream at that "8=", which is where
//             the framing's own resynchronisation would have restarted.
//
// Sans I/O, no allocation; one per session; thread contract as the session's.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "fixring/codec/frame.hpp"

namespace fixring::engine::detail {

class oversize_tracker {
 public:
  // Bytes of the message's start kept to read its header from. The standard
  // header's 34/35/43/49/56 and the routing tags fit in far less.
  static constexpr std::size_t header_capture_bytes = 1024;

  enum class verdict : std::uint8_t { more, valid, invalid };
  struct step {
    std::size_t consumed_bytes = 0;  // bytes of the input the tracker took
    verdict v = verdict::more;       // more: call feed() again with the following bytes
  };

  // Follows the message that frame() refused as message_too_large on its
  // BodyLength (`refused`, with that message's body offset and BodyLength),
  // from its first byte on. False, and nothing to follow, when frame() refused
  // it otherwise (a CheckSum search that ran past the limit).
  bool start(const codec::frame_result& refused) noexcept {
    active_ = false;
    if (refused.error != codec::frame_error::message_too_large || refused.body_length == 0) return false;
    body_start_ = refused.body_offset;
    size_bytes_ = std::uint64_t{refused.body_offset} + refused.body_length + 7;
    active_ = true;
    seen_bytes_ = 0;
    header_bytes_ = 0;
    sum_ = 0;
    prev_soh_ = false;
    return true;
  }

  // Takes the next bytes of the stream. Stops at the declared end (valid or
  // invalid), at an "<SOH>8=" inside it (invalid, consumed_bytes up to the
  // '8'), or before a trailing "<SOH>8" whose '=' has not arrived (more, that
  // '8' left unconsumed so it is offered again).
  [[nodiscard]] step feed(const char* data, std::size_t len) noexcept {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(len, size_bytes_ - seen_bytes_));
    const std::size_t stop = next_message_start(data, len, n);
    if (stop < n) {
      if (stop + 1 >= len) {  // "<SOH>8" at the end of the input: wait for the next byte
        take(data, stop);
        return {stop, verdict::more};
      }
      active_ = false;
      return {stop, verdict::invalid};
    }
    take(data, n);
    if (seen_bytes_ < size_bytes_) return {n, verdict::more};
    active_ = false;
    return {n, complete_and_valid() ? verdict::valid : verdict::invalid};
  }

  [[nodiscard]] bool active() const noexcept { return active_; }
  void clear() noexcept { active_ = false; }

  // The declared size of the message: prefix + BodyLength + the CheckSum field.
  [[nodiscard]] std::uint64_t size_bytes() const noexcept { return size_bytes_; }

  // The copied start of the message, cut after its last whole field (a value
  // the copy cut off would read as a different value). Valid after `valid`.
  [[nodiscard]] std::string_view header() const noexcept {
    const std::string_view h(header_.data(), header_bytes_);
    const std::size_t last = h.rfind(codec::soh);
    return last == std::string_view::npos ? std::string_view{} : h.substr(0, last + 1);
  }

 private:
  // Offset in [0, n) of an '8' that follows an SOH and is followed by '=' (or
  // is the last byte of the input); n when none.
  [[nodiscard]] std::size_t next_message_start(const char* data, std::size_t len, std::size_t n) const noexcept {
    const auto starts_here = [&](std::size_t p) noexcept {
      return data[p] == '8' && (p + 1 >= len || data[p + 1] == '=');
    };
    if (n > 0 && prev_soh_ && seen_bytes_ > 0 && starts_here(0)) return 0;
    std::size_t i = 0;
    while (i + 1 < n) {
      const void* hit = std::memchr(data + i, codec::soh, n - 1 - i);
      if (!hit) break;
      const std::size_t s = static_cast<std::size_t>(static_cast<const char*>(hit) - data);
      if (starts_here(s + 1)) return s + 1;
      i = s + 1;
    }
    return n;
  }

  // Accounts for data[0, n), the stream bytes [seen_bytes_, seen_bytes_ + n).
  void take(const char* data, std::size_t n) noexcept {
    if (n == 0) return;
    const std::uint64_t from = seen_bytes_;
    if (from < header_capture_bytes) {
      const std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(n, header_capture_bytes - from));
      std::memcpy(header_.data() + from, data, k);
      header_bytes_ = static_cast<std::size_t>(from) + k;
    }
    const std::uint64_t cks = size_bytes_ - 7;  // offset of "10="
    if (from < cks) {
      const std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(n, cks - from));
      sum_ = static_cast<std::uint8_t>(sum_ + codec::checksum(data, k));
    }
    // The last 8 bytes: the SOH that ends the body, then "10=DDD<SOH>".
    const std::uint64_t tail_from = size_bytes_ - tail_.size();
    for (std::uint64_t off = std::max(from, tail_from); off < from + n; ++off)
      tail_[static_cast<std::size_t>(off - tail_from)] = data[off - from];
    seen_bytes_ += n;
    prev_soh_ = data[n - 1] == codec::soh;
  }

  [[nodiscard]] bool complete_and_valid() const noexcept {
    if (header_bytes_ < body_start_ + 3 || std::memcmp(header_.data() + body_start_, "35=", 3) != 0) return false;
    if (tail_[0] != codec::soh || tail_[1] != '1' || tail_[2] != '0' || tail_[3] != '=' || tail_[7] != codec::soh)
      return false;
    unsigned declared = 0;
    for (std::size_t k = 4; k < 7; ++k) {
      const unsigned d = static_cast<unsigned char>(tail_[k]) - '0';
      if (d > 9) return false;
      declared = declared * 10 + d;
    }
    return declared == sum_;
  }

  bool active_ = false;
  bool prev_soh_ = false;  // the last byte taken was an SOH
  std::uint8_t sum_ = 0;   // byte sum, modulo 256, of the bytes before "10="
  std::size_t body_start_ = 0;
  std::size_t header_bytes_ = 0;
  std::uint64_t size_bytes_ = 0;
  std::uint64_t seen_bytes_ = 0;
  std::array<char, 8> tail_{};
  std::array<char, header_capture_bytes> header_{};
};

}  // namespace fixring::engine::detail
