// Encoder: writes one FIX message into a caller-provided buffer (a journal slot,
// a ring slot, a stack array). Never allocates, never throws, never writes past
// the buffer: when a field does not fit, the encoder stops writing and finish()
// answers buffer_too_small.
//
// Field order is the caller's: the encoder appends in call order. Sessions write
// 8, 9, 35, the other header fields ascending by tag, then the body, which is the
// order FIX counterparties (and the session acceptance suite) expect.
//
// BodyLength is not known until the end. begin() reserves room for a 3-digit
// length (bodies of 100..999 bytes, the common case); finish() writes the real
// length and, only when it has a different number of digits, moves the body by
// the difference. CheckSum is computed over the finished bytes.
//
// Thread contract: none; one encoder per thread. Ownership: the caller owns the
// buffer; the span finish() returns points into it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "fixring/codec/frame.hpp"
#include "fixring/codec/types.hpp"

namespace fixring::codec {

enum class encode_status : std::uint8_t { ok, buffer_too_small };

struct encode_result {
  encode_status status = encode_status::buffer_too_small;
  std::uint32_t size_bytes = 0;  // ok: bytes of the message, starting at the buffer's first byte

  [[nodiscard]] constexpr bool ok() const noexcept { return status == encode_status::ok; }
};

class encoder {
 public:
  encoder(char* buffer, std::size_t capacity_bytes) noexcept
      : buf_(buffer), cur_(buffer), end_(buffer + capacity_bytes) {}

  // Writes "8=<begin_string><SOH>9=???<SOH>35=<msg_type><SOH>".
  void begin(std::string_view begin_string, std::string_view msg_type) noexcept {
    cur_ = buf_;
    overflow_ = false;
    put_raw("8=", 2);
    put_raw(begin_string.data(), begin_string.size());
    put_raw("\x01" "9=", 3);
    len_digits_at_ = cur_;
    put_raw("000\x01", reserved_len_digits + 1);
    body_start_ = cur_;
    put_raw("35=", 3);
    put_raw(msg_type.data(), msg_type.size());
    put_soh();
  }

  void add(std::uint32_t tag, std::string_view value) noexcept { put_field(tag, value.data(), value.size()); }
  void add_int(std::uint32_t tag, std::int64_t v) noexcept {
    char tmp[max_int_chars];
    put_field(tag, tmp, format_int(tmp, v));
  }
  void add_uint(std::uint32_t tag, std::uint64_t v) noexcept {
    char tmp[max_int_chars];
    put_field(tag, tmp, format_uint(tmp, v));
  }
  void add_char(std::uint32_t tag, char c) noexcept { put_field(tag, &c, 1); }
  void add_bool(std::uint32_t tag, bool b) noexcept { add_char(tag, b ? 'Y' : 'N'); }
  void add_decimal(std::uint32_t tag, decimal d) noexcept {
    char tmp[24];
    put_field(tag, tmp, format_decimal(tmp, d));
  }
  void add_timestamp(std::uint32_t tag, std::int64_t ns_since_epoch, time_precision p) noexcept {
    char tmp[32];
    put_field(tag, tmp, format_utc_timestamp(tmp, ns_since_epoch, p));
  }
  // Appends bytes that are already whole fields ("tag=value<SOH>..."), such as a
  // body copied from another message.
  void add_raw_fields(std::string_view fields) noexcept { put_raw(fields.data(), fields.size()); }

  // Bytes written so far, the body included; useful to size buffers.
  [[nodiscard]] std::size_t size_bytes() const noexcept { return static_cast<std::size_t>(cur_ - buf_); }
  [[nodiscard]] bool overflowed() const noexcept { return overflow_; }

  // Fills in BodyLength and appends CheckSum. The message starts at buffer[0].
  [[nodiscard]] encode_result finish() noexcept {
    if (overflow_) return {};
    auto body_len = static_cast<std::uint64_t>(cur_ - body_start_);
    const unsigned nd = detail::count_digits(body_len);
    if (nd != reserved_len_digits) {
      const std::ptrdiff_t shift = static_cast<std::ptrdiff_t>(nd) - reserved_len_digits;
      if (shift > 0 && end_ - cur_ < shift + 7) return fail();
      std::memmove(body_start_ + shift, body_start_, body_len);
      body_start_ += shift;
      cur_ += shift;
      body_start_[-1] = soh;
    }
    detail::write_digits(len_digits_at_, body_len, nd);
    if (end_ - cur_ < 7) return fail();
    const std::uint8_t sum = checksum(buf_, static_cast<std::size_t>(cur_ - buf_));
    cur_[0] = '1';
    cur_[1] = '0';
    cur_[2] = '=';
    detail::write_digits(cur_ + 3, sum, 3);
    cur_[6] = soh;
    cur_ += 7;
    return {encode_status::ok, static_cast<std::uint32_t>(cur_ - buf_)};
  }

 private:
  static constexpr unsigned reserved_len_digits = 3;

  [[nodiscard]] bool room(std::size_t n) noexcept {
    // Once a field did not fit nothing more is written, so the bytes stay a prefix.
    if (!overflow_ && static_cast<std::size_t>(end_ - cur_) >= n) return true;
    overflow_ = true;
    return false;
  }
  void put_raw(const char* p, std::size_t n) noexcept {
    if (!room(n)) return;
    std::memcpy(cur_, p, n);
    cur_ += n;
  }
  void put_soh() noexcept {
    if (room(1)) *cur_++ = soh;
  }
  // "tag=value<SOH>", written only if all of it fits.
  void put_field(std::uint32_t tag, const char* v, std::size_t n) noexcept {
    const unsigned tag_digits = detail::count_digits(tag);
    if (!room(tag_digits + 2 + n)) return;
    detail::write_digits(cur_, tag, tag_digits);
    cur_ += tag_digits;
    *cur_++ = '=';
    std::memcpy(cur_, v, n);
    cur_ += n;
    *cur_++ = soh;
  }
  encode_result fail() noexcept {
    overflow_ = true;
    return {};
  }

  char* buf_;
  char* cur_;
  char* end_;
  char* len_digits_at_ = nullptr;
  char* body_start_ = nullptr;
  bool overflow_ = false;
};

}  // namespace fixring::codec
