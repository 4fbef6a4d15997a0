// Framing: finding one complete FIX message at the front of a byte stream.
//
//   8=BeginString<SOH>9=BodyLength<SOH>35=MsgType<SOH> ... <SOH>10=NNN<SOH>
//   |<------------- header prefix ------->|<-- BodyLength bytes -->|<- 7 ->|
//
// BodyLength counts the bytes from the one after the SOH that ends 9= up to and
// including the SOH before 10=. CheckSum is the byte sum, modulo 256, of every
// byte before "10=", written as exactly three digits.
//
// Contract (picohttpparser style): frame() is stateless and reads only
// [data, data + len). It answers
//   complete   : size_bytes is the length of the message at data[0];
//   incomplete : no verdict yet, call again with more bytes (nothing to discard);
//   invalid    : data[0, size_bytes) is not a valid message and must be discarded;
//                error says why. size_bytes >= 1 always, so a caller that
//                discards and calls again always makes progress.
// Checks run in this order: BeginString first, BodyLength second, MsgType third,
// then the position and value of CheckSum.
//
// How much an invalid message discards. After a bad prefix (no "8=", bad
// BodyLength digits, no "35=") the stream resynchronises on the next "8=" that
// follows an SOH, so the next good message is never lost. When the prefix is good
// but "10=" is not where BodyLength says, the message extends to the first
// "<SOH>10=...<SOH>" at or after the declared end: a BodyLength that is too short
// discards exactly the message, one that is too long also swallows what the
// declared length covers. That is the rule FIX acceptors share (QuickFIX's parser,
// and the session acceptance suite, expect it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace fixring::codec {

inline constexpr char soh = '\x01';

enum class frame_status : std::uint8_t { complete, incomplete, invalid };

enum class frame_error : std::uint8_t {
  none,
  no_begin_string,        // the bytes do not start with "8="
  bad_begin_string,       // BeginString empty or longer than max_begin_string_bytes
  no_body_length,         // second field is not "9="
  bad_body_length,        // BodyLength empty, not digits, or zero
  message_too_large,      // BodyLength (or a search for CheckSum) beyond max_message_bytes
  no_msg_type,            // third field is not "35="
  body_length_mismatch,   // "10=" is not at the position BodyLength gives
  bad_checksum_field,     // CheckSum value is not exactly three digits
  checksum_mismatch,      // CheckSum value differs from the byte sum
};

[[nodiscard]] constexpr std::string_view to_string(frame_error e) noexcept {
  switch (e) {
    case frame_error::none: return "none";
    case frame_error::no_begin_string: return "message does not start with BeginString(8)";
    case frame_error::bad_begin_string: return "BeginString(8) empty or too long";
    case frame_error::no_body_length: return "second field is not BodyLength(9)";
    case frame_error::bad_body_length: return "BodyLength(9) is not a positive number";
    case frame_error::message_too_large: return "message larger than the configured maximum";
    case frame_error::no_msg_type: return "third field is not MsgType(35)";
    case frame_error::body_length_mismatch: return "CheckSum(10) is not where BodyLength(9) says";
    case frame_error::bad_checksum_field: return "CheckSum(10) is not three digits";
    case frame_error::checksum_mismatch: return "CheckSum(10) does not match the message";
  }
  return "unknown";
}

struct frame_limits {
  std::uint32_t max_message_bytes = 1u << 20;
  std::uint32_t max_begin_string_bytes = 16;
};

struct frame_result {
  frame_status status = frame_status::incomplete;
  frame_error error = frame_error::none;
  std::uint32_t size_bytes = 0;  // complete: message length; invalid: bytes to discard
  // complete, and message_too_large refused on its BodyLength: offset of the
  // body ("35=") and the BodyLength value; otherwise 0.
  std::uint32_t body_offset = 0;
  std::uint32_t body_length = 0;

  [[nodiscard]] constexpr bool is_complete() const noexcept { return status == frame_status::complete; }
};

// Byte sum modulo 256 of [p, p + n). SSE2's sum of absolute differences against
// zero adds 16 bytes per instruction; the last partial block is one overlapping
// load with the bytes already counted masked off.
[[nodiscard]] inline std::uint8_t checksum(const char* p, std::size_t n) noexcept {
  std::uint32_t sum = 0;
  std::size_t i = 0;
#if defined(__SSE2__)
  if (n >= 16) {
    const __m128i zero = _mm_setzero_si128();
    __m128i acc = zero;
    for (; i + 16 <= n; i += 16)
      acc = _mm_add_epi64(acc, _mm_sad_epu8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)), zero));
    if (i < n) {
      // Bytes [r, 16) of the table are 0xFF: they keep the last r bytes of the window.
      alignas(16) static constexpr unsigned char keep_last[32] = {
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
      const std::size_t r = n - i;
      const __m128i tail = _mm_and_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + n - 16)),
                                         _mm_loadu_si128(reinterpret_cast<const __m128i*>(keep_last + r)));
      acc = _mm_add_epi64(acc, _mm_sad_epu8(tail, zero));
    }
    return static_cast<std::uint8_t>(_mm_cvtsi128_si32(acc) + _mm_extract_epi16(acc, 4));
  }
#endif
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  for (; i < n; ++i) sum += u[i];
  return static_cast<std::uint8_t>(sum);
}

// Offset of the next plausible message start after data[0]: an "8=" right after
// an SOH. Returns len when none is in view; a trailing "<SOH>8" is kept because
// its '=' may still arrive. Always >= 1 when len >= 1.
[[nodiscard]] inline std::size_t resync_offset(const char* data, std::size_t len) noexcept {
  std::size_t i = 1;
  while (i < len) {
    const void* hit = std::memchr(data + i, soh, len - i);
    if (!hit) return len;
    const std::size_t s = static_cast<std::size_t>(static_cast<const char*>(hit) - data);
    if (s + 1 >= len) return len;  // SOH is the last byte: nothing follows it yet
    if (data[s + 1] == '8' && (s + 2 >= len || data[s + 2] == '=')) return s + 1;
    i = s + 1;
  }
  return len;
}

namespace detail {
[[nodiscard]] constexpr frame_result frame_invalid(frame_error e, std::size_t skip) noexcept {
  return {frame_status::invalid, e, static_cast<std::uint32_t>(skip), 0, 0};
}
inline constexpr frame_result frame_incomplete{};

// Message extent when "10=" is not where BodyLength says: the first
// "<SOH>10=" at or after the declared end (searching from the byte before it),
// through the SOH that ends that field.
[[nodiscard]] inline frame_result frame_mismatch(const char* data, std::size_t len, std::size_t from,
                                                 frame_error err, const frame_limits& lim) noexcept {
  std::size_t i = from;
  while (i < len) {
    const void* hit = std::memchr(data + i, soh, len - i);
    if (!hit) break;
    const std::size_t s = static_cast<std::size_t>(static_cast<const char*>(hit) - data);
    if (s + 4 > len) break;  // "<SOH>10=" not fully in view yet
    if (data[s + 1] == '1' && data[s + 2] == '0' && data[s + 3] == '=') {
      const void* end = std::memchr(data + s + 4, soh, len - (s + 4));
      if (!end) break;
      return frame_invalid(err, static_cast<std::size_t>(static_cast<const char*>(end) - data) + 1);
    }
    i = s + 1;
  }
  if (len >= lim.max_message_bytes) return frame_invalid(frame_error::message_too_large, resync_offset(data, len));
  return frame_incomplete;
}
}  // namespace detail

[[nodiscard]] inline frame_result frame(const char* data, std::size_t len,
                                        const frame_limits& lim = {}) noexcept {
  using detail::frame_incomplete;
  using detail::frame_invalid;
  if (len == 0) return frame_incomplete;
  // 1. BeginString.
  if (data[0] != '8' || (len > 1 && data[1] != '=')) return frame_invalid(frame_error::no_begin_string, resync_offset(data, len));
  // BeginString is a few bytes: an inline scan beats a library call here.
  const std::size_t bs_window = std::min<std::size_t>(len, 2 + lim.max_begin_string_bytes + 1);
  std::size_t pos = 2;
  while (pos < bs_window && data[pos] != soh) ++pos;
  if (pos >= bs_window) {
    if (bs_window < 2 + lim.max_begin_string_bytes + 1) return frame_incomplete;
    return frame_invalid(frame_error::bad_begin_string, resync_offset(data, len));
  }
  if (pos == 2) return frame_invalid(frame_error::bad_begin_string, resync_offset(data, len));
  ++pos;
  // 2. BodyLength: "9=" then 1..9 digits then SOH.
  if (len < pos + 2) return (len == pos || data[pos] == '9') ? frame_incomplete
                                                               : frame_invalid(frame_error::no_body_length, resync_offset(data, len));
  if (data[pos] != '9' || data[pos + 1] != '=') return frame_invalid(frame_error::no_body_length, resync_offset(data, len));
  pos += 2;
  std::uint64_t body_len = 0;
  const std::size_t digits_start = pos;
  for (;; ++pos) {
    if (pos >= len) return frame_incomplete;
    const char c = data[pos];
    if (c == soh) break;
    const unsigned d = static_cast<unsigned char>(c) - '0';
    if (d > 9 || pos - digits_start >= 9) return frame_invalid(frame_error::bad_body_length, resync_offset(data, len));
    body_len = body_len * 10 + d;
  }
  if (pos == digits_start || body_len == 0) return frame_invalid(frame_error::bad_body_length, resync_offset(data, len));
  const std::size_t body_start = pos + 1;
  if (body_start + body_len + 7 > lim.max_message_bytes) {
    frame_result r = frame_invalid(frame_error::message_too_large, resync_offset(data, len));
    r.body_offset = static_cast<std::uint32_t>(body_start);
    r.body_length = static_cast<std::uint32_t>(body_len);
    return r;
  }
  // 3. MsgType must open the body.
  for (std::size_t k = 0; k < 3; ++k) {
    if (body_start + k >= len) return frame_incomplete;
    if (data[body_start + k] != "35="[k]) return frame_invalid(frame_error::no_msg_type, resync_offset(data, len));
  }
  // 4. CheckSum at the declared position: "<SOH>10=DDD<SOH>".
  const std::size_t cks = body_start + body_len;
  if (len < cks + 7) {
    // Not all declared bytes are here. If the bytes we do have already show the
    // declared end is wrong we still must wait: the extent is defined by the
    // declared end, and that is not in view yet.
    return frame_incomplete;
  }
  if (data[cks - 1] != soh || data[cks] != '1' || data[cks + 1] != '0' || data[cks + 2] != '=')
    return detail::frame_mismatch(data, len, cks - 1, frame_error::body_length_mismatch, lim);
  unsigned declared = 0;
  const char* v = data + cks + 3;
  bool digits_ok = true;
  for (int k = 0; k < 3; ++k) {
    const unsigned d = static_cast<unsigned char>(v[k]) - '0';
    digits_ok &= d <= 9;
    declared = declared * 10 + d;
  }
  if (!digits_ok || v[3] != soh) {
    // Extent runs to the SOH that ends this CheckSum field.
    const void* end = std::memchr(v, soh, len - (cks + 3));
    if (!end) return len >= lim.max_message_bytes ? frame_invalid(frame_error::message_too_large, resync_offset(data, len))
                                                  : frame_incomplete;
    return frame_invalid(frame_error::bad_checksum_field,
                         static_cast<std::size_t>(static_cast<const char*>(end) - data) + 1);
  }
  if (declared != checksum(data, cks)) return frame_invalid(frame_error::checksum_mismatch, cks + 7);
  return {frame_status::complete, frame_error::none, static_cast<std::uint32_t>(cks + 7),
          static_cast<std::uint32_t>(body_start), static_cast<std::uint32_t>(body_len)};
}

}  // namespace fixring::codec
