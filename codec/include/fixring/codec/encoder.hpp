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
// the difference.
//
// CheckSum is kept as a running byte sum while fields are written, from values
// still in registers: summing the finished buffer instead would re-read bytes
// that many small stores have just written, which stalls on store forwarding
// and cost as much as the rest of the encoding. Small values are copied with
// overlapping 4- or 8-byte moves, numbers and tags are built as ASCII inside
// a 64-bit register, and each is summed with one SAD instruction.
//
// Thread contract: none; one encoder per thread. Ownership: the caller owns the
// buffer; the span finish() returns points into it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "fixring/codec/frame.hpp"
#include "fixring/codec/types.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace fixring::codec {

enum class encode_status : std::uint8_t { ok, buffer_too_small };

struct encode_result {
  encode_status status = encode_status::buffer_too_small;
  std::uint32_t size_bytes = 0;  // ok: bytes of the message, starting at the buffer's first byte

  [[nodiscard]] constexpr bool ok() const noexcept { return status == encode_status::ok; }
};

// Hot functions are forced inline: if one stayed out of line the encoder's
// address would escape, and every byte store would then force the compiler to
// reload cur_, end_ and sum_ (a char store may alias anything); and a constant
// tag's "tag=" bytes fold to a constant only when every helper is inlined.
#define FIXRING_ENCODER_INLINE __attribute__((always_inline)) inline

namespace detail {

// Sum of the eight bytes of x.
[[nodiscard]] FIXRING_ENCODER_INLINE std::uint32_t byte_sum(std::uint64_t x) noexcept {
#if defined(__SSE2__)
  // A constant (a literal BeginString, say) is summed by the compiler: it
  // cannot see through the SSE2 instruction.
  if (__builtin_constant_p(x)) {
    x = (x & 0x00FF00FF00FF00FFull) + ((x >> 8) & 0x00FF00FF00FF00FFull);
    return static_cast<std::uint32_t>((x * 0x0001000100010001ull) >> 48);
  }
  const __m128i v = _mm_cvtsi64_si128(static_cast<long long>(x));
  return static_cast<std::uint32_t>(_mm_cvtsi128_si32(_mm_sad_epu8(v, _mm_setzero_si128())));
#else
  x = (x & 0x00FF00FF00FF00FFull) + ((x >> 8) & 0x00FF00FF00FF00FFull);
  return static_cast<std::uint32_t>((x * 0x0001000100010001ull) >> 48);
#endif
}

// x without its low `n` bytes (0..8); two shifts since a shift by 64 is undefined.
[[nodiscard]] FIXRING_ENCODER_INLINE constexpr std::uint64_t drop_low_bytes(std::uint64_t x, unsigned n) noexcept {
  return (x >> (4 * n)) >> (4 * n);
}
// Only the low `n` bytes (0..8) of x.
[[nodiscard]] FIXRING_ENCODER_INLINE constexpr std::uint64_t keep_low_bytes(std::uint64_t x, unsigned n) noexcept {
  return x & ((~std::uint64_t{0} >> (4 * (8 - n))) >> (4 * (8 - n)));
}

FIXRING_ENCODER_INLINE void store8(char* p, std::uint64_t x) noexcept { std::memcpy(p, &x, 8); }

// v (< 10^8) as eight ASCII digits, zero-padded, first digit in the low byte.
// Split 4+4, then 2+2 per half, then 1+1 per pair, all lanes at once; each
// division by 100 or 10 is a multiply and shift that is exact in range.
[[nodiscard]] FIXRING_ENCODER_INLINE constexpr std::uint64_t ascii8(std::uint32_t v) noexcept {
  std::uint64_t x = (v / 10000) | (static_cast<std::uint64_t>(v % 10000) << 32);
  const std::uint64_t hundreds = ((x * 10486) >> 20) & 0x0000007F0000007Full;  // lane / 100
  x = hundreds | ((x - hundreds * 100) << 16);
  const std::uint64_t tens = ((x * 103) >> 10) & 0x000F000F000F000Full;  // lane / 10
  x = tens | ((x - tens * 10) << 8);
  return x + 0x3030303030303030ull;
}

[[nodiscard]] FIXRING_ENCODER_INLINE constexpr unsigned digits_below_1e8(std::uint32_t v) noexcept {
  // floor(log10) from the bit length (1233/4096 ~ log10(2)), corrected by one compare.
  constexpr std::uint32_t pow10[10] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000};
  const unsigned bits = 32u - static_cast<unsigned>(__builtin_clz(v | 1u));
  const unsigned t = (bits * 1233u) >> 12;
  return t + 1u - static_cast<unsigned>((v | 1u) < pow10[t]);  // v | 1: zero has one digit
}

// "tag=" in the low bytes of a register, with its length and byte sum; for a
// constant tag the compiler folds all of it. len 0 for tags of 8+ digits.
struct tag_prefix {
  std::uint64_t bytes;
  unsigned len;
  std::uint32_t sum;
};
[[nodiscard]] FIXRING_ENCODER_INLINE constexpr tag_prefix make_tag_prefix(std::uint32_t tag) noexcept {
  if (tag >= 10000000) return {0, 0, 0};
  const unsigned nd = digits_below_1e8(tag);
  const std::uint64_t b = drop_low_bytes(ascii8(tag), 8 - nd) | (std::uint64_t{'='} << (8 * nd));
  std::uint32_t sum = 0;
  for (unsigned i = 0; i <= nd; ++i) sum += static_cast<std::uint32_t>((b >> (8 * i)) & 0xFF);
  return {b, nd + 1, sum};
}

// "DDD<SOH>" for each CheckSum value, first digit in the low byte.
inline constexpr auto checksum_text = [] {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t v = 0; v < 256; ++v)
    t[v] = ('0' + v / 100) | (('0' + v / 10 % 10) << 8) | (('0' + v % 10) << 16) | (std::uint32_t{soh} << 24);
  return t;
}();

// Copies n bytes from src to dst and returns their byte sum, read from src.
[[nodiscard]] FIXRING_ENCODER_INLINE std::uint32_t copy_and_sum(char* dst, const char* src, std::size_t n) noexcept {
  if (n >= 8) {
    if (n > 16) {
#if defined(__SSE2__)
      if (n <= 32) {
        // Two overlapping 16-byte moves; the second one's sum counts only the
        // n - 16 bytes the first did not.
        alignas(16) static constexpr unsigned char keep_last[32] = {
            0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
        const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
        const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + n - 16));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), a);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + n - 16), b);
        const __m128i zero = _mm_setzero_si128();
        const __m128i s = _mm_add_epi64(
            _mm_sad_epu8(a, zero),
            _mm_sad_epu8(_mm_and_si128(b, _mm_loadu_si128(reinterpret_cast<const __m128i*>(keep_last + (n - 16)))),
                         zero));
        return static_cast<std::uint32_t>(_mm_cvtsi128_si32(s) + _mm_extract_epi16(s, 4));
      }
#endif
      std::memcpy(dst, src, n);
      return checksum(src, n);
    }
    std::uint64_t a, b;
    std::memcpy(&a, src, 8);
    std::memcpy(&b, src + n - 8, 8);
    store8(dst, a);
    store8(dst + n - 8, b);
    return byte_sum(a) + byte_sum(drop_low_bytes(b, static_cast<unsigned>(16 - n)));  // b overlaps a by 16-n
  }
  if (n >= 4) {
    std::uint32_t a, b;
    std::memcpy(&a, src, 4);
    std::memcpy(&b, src + n - 4, 4);
    std::memcpy(dst, &a, 4);
    std::memcpy(dst + n - 4, &b, 4);
    return byte_sum(a) + byte_sum(static_cast<std::uint64_t>(b) >> (8 * (8 - n)));  // b overlaps a by 8-n
  }
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    dst[i] = src[i];
    sum += static_cast<unsigned char>(src[i]);
  }
  return sum;
}

// Copies the n bytes at src to dst followed by an SOH, and returns the byte
// sum of the n + 1 bytes written. dst must have room for n + 8 bytes: short
// values are written as one register. A value of 1..3 bytes is assembled from
// its first, middle and last byte (the same byte twice when n < 3), so no
// value needs a byte loop or a read past its end.
[[nodiscard]] FIXRING_ENCODER_INLINE std::uint32_t copy_value_and_soh(char* dst, const char* src, std::size_t n) noexcept {
  if (n < 4) {
    if (n == 0) {
      *dst = soh;
      return static_cast<unsigned char>(soh);
    }
    const std::uint64_t a = static_cast<unsigned char>(src[0]);
    const std::uint64_t b = static_cast<unsigned char>(src[n / 2]);
    const std::uint64_t c = static_cast<unsigned char>(src[n - 1]);
    const std::uint64_t w = a | (b << (8 * (n / 2))) | (c << (8 * (n - 1))) | (std::uint64_t{soh} << (8 * n));
    store8(dst, w);
    return byte_sum(w);
  }
  if (n <= 8) {
    std::uint32_t a, b;
    std::memcpy(&a, src, 4);
    std::memcpy(&b, src + n - 4, 4);
    const std::uint64_t w = a | (static_cast<std::uint64_t>(b) << (8 * (n - 4)));  // overlapping bytes are equal
    store8(dst, w);
    dst[n] = soh;
    return byte_sum(w) + static_cast<unsigned char>(soh);
  }
  const std::uint32_t sum = copy_and_sum(dst, src, n);
  dst[n] = soh;
  return sum + static_cast<unsigned char>(soh);
}

#if defined(__SSE2__)
// As copy_value_and_soh, but what it returns is a vector whose 16 bytes sum,
// modulo 256, to the value's bytes (the SOH not counted: the caller adds it
// as a constant), or, for a value the compiler knows, zero, the sum being
// added to const_sum instead. The encoder adds these with one byte add each (wrapping adds
// keep the sum modulo 256, all CheckSum needs) and sums the vector once, in
// finish(): a sum per value (or moving each to a general register, measured
// 3..5 ns slower on a 23-field ExecutionReport) lengthens the chain of adds.
[[nodiscard]] FIXRING_ENCODER_INLINE __m128i copy_value_and_soh_v(char* dst, const char* src, std::size_t n,
                                                                  std::uint32_t& const_sum) noexcept {
  // Bytes [16 - r, 16) are 0xFF at offset r: an 8- or 16-byte load at r keeps
  // the last r bytes of a register, those an overlapping load did not count.
  alignas(16) static constexpr unsigned char keep_last[32] = {
      0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
      0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  if (n < 4) {
    if (n == 0) {
      *dst = soh;
      return _mm_setzero_si128();
    }
    const std::uint64_t a = static_cast<unsigned char>(src[0]);
    const std::uint64_t b = static_cast<unsigned char>(src[n / 2]);
    const std::uint64_t c = static_cast<unsigned char>(src[n - 1]);
    const std::uint64_t w = a | (b << (8 * (n / 2))) | (c << (8 * (n - 1)));
    store8(dst, w | (std::uint64_t{soh} << (8 * n)));
    if (__builtin_constant_p(w)) {  // a literal ("1", "F"): its sum is a constant, added to others
      const_sum += byte_sum(w);
      return _mm_setzero_si128();
    }
    return _mm_cvtsi64_si128(static_cast<long long>(w));
  }
  if (n <= 8) {
    std::uint32_t a, b;
    std::memcpy(&a, src, 4);
    std::memcpy(&b, src + n - 4, 4);
    const std::uint64_t w = a | (static_cast<std::uint64_t>(b) << (8 * (n - 4)));  // overlapping bytes are equal
    store8(dst, w);
    dst[n] = soh;
    return _mm_cvtsi64_si128(static_cast<long long>(w));
  }
  if (n <= 16) {
    const __m128i a = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src));
    const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src + n - 8));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), a);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dst + n - 8), b);
    dst[n] = soh;
    const __m128i keep = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(keep_last + 8 + (n - 8)));
    return _mm_add_epi8(a, _mm_and_si128(b, keep));
  }
  if (n <= 32) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + n - 16));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), a);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + n - 16), b);
    dst[n] = soh;
    return _mm_add_epi8(a, _mm_and_si128(b, _mm_loadu_si128(reinterpret_cast<const __m128i*>(keep_last + (n - 16)))));
  }
  std::memcpy(dst, src, n);
  dst[n] = soh;
  return _mm_cvtsi32_si128(checksum(src, n));
}
#endif

// The text of one UTC second, "YYYYMMDD" and "-HH:MM:S" plus the last digit,
// with its byte sum. Consecutive timestamps mostly fall in the same second (a
// message's SendingTime and TransactTime, a burst of messages), so the last one
// formatted is kept per thread and the calendar arithmetic is skipped on a hit.
struct second_text {
  std::int64_t sec = -1;
  std::uint64_t date = 0;        // "YYYYMMDD"
  std::uint64_t time = 0;        // "-HH:MM:S"
  std::uint64_t last_digit = 0;  // the second's last digit, in the low byte
  std::uint32_t sum_without_last = 0;
};

[[nodiscard]] inline second_text make_second_text(std::int64_t sec) noexcept {
  const civil_date date = civil_from_days(sec / 86400);
  const auto sod = static_cast<std::uint32_t>(sec % 86400);
  const std::uint32_t hhmmss = (sod / 3600) * 10000 + (sod / 60 % 60) * 100 + sod % 60;
  second_text t;
  t.sec = sec;
  t.date = ascii8(static_cast<std::uint32_t>(date.year) * 10000u + date.month * 100u + date.day);
  const std::uint64_t d = ascii8(hhmmss);  // "00HHMMSS"
  t.time = '-' | (((d >> 16) & 0xFFFF) << 8) | (std::uint64_t{':'} << 24) | (((d >> 32) & 0xFFFF) << 32) |
           (std::uint64_t{':'} << 48) | (((d >> 48) & 0xFF) << 56);
  t.last_digit = (d >> 56) & 0xFF;
  t.sum_without_last = byte_sum(t.date) + byte_sum(t.time);
  return t;
}

// Thread contract: a per-thread cache, so any thread may encode.
[[nodiscard]] FIXRING_ENCODER_INLINE const second_text& second_text_of(std::int64_t sec) noexcept {
  static thread_local second_text cache;
  if (cache.sec != sec) [[unlikely]] cache = make_second_text(sec);
  return cache;
}

}  // namespace detail

class encoder {
 public:
  encoder(char* buffer, std::size_t capacity_bytes) noexcept
      : buf_(buffer),
        cur_(buffer),
        end_(buffer + capacity_bytes),
        fast_limit_(capacity_bytes > fast_slack ? end_ - fast_slack : buffer) {}

  // Writes "8=<begin_string><SOH>9=???<SOH>35=<msg_type><SOH>".
  FIXRING_ENCODER_INLINE void begin(std::string_view begin_string, std::string_view msg_type) noexcept {
    cur_ = buf_;
    overflow_ = false;
    fast_limit_ = end_ - buf_ > static_cast<std::ptrdiff_t>(fast_slack) ? end_ - fast_slack : buf_;
    sum_ = 0;
#if defined(__SSE2__)
    vsum_ = _mm_setzero_si128();
#endif
    const std::size_t header_bytes = 2 + begin_string.size() + 3 + reserved_len_digits + 1 + 3 + msg_type.size() + 1;
    if (fast_room(header_bytes)) [[likely]] {
      // One room check for the whole header; the fixed parts as registers
      // whose byte sums are constants.
      detail::store8(cur_, 0x3D38u);  // "8="
      cur_ += 2;
      sum_ += '8' + '=' + detail::copy_and_sum(cur_, begin_string.data(), begin_string.size());
      cur_ += begin_string.size();
      len_digits_at_ = cur_ + 3;
      body_start_ = cur_ + 7;
      // "<SOH>9=000<SOH>35=", the placeholder digits not counted: finish() adds the real ones.
      detail::store8(cur_, 0x00013030303D3901ull);
      detail::store8(cur_ + 7, 0x3D3533u);
      cur_ += 10;
      sum_ += 1 + '9' + '=' + 1 + '3' + '5' + '=';
      sum_ += detail::copy_value_and_soh(cur_, msg_type.data(), msg_type.size());
      cur_ += msg_type.size() + 1;
      return;
    }
    put_raw("8=", 2);
    put_raw(begin_string.data(), begin_string.size());
    put_raw("\x01" "9=", 3);
    len_digits_at_ = cur_;
    put_raw("000\x01", reserved_len_digits + 1);
    sum_ -= 3 * '0';  // the placeholder digits are replaced in finish()
    body_start_ = cur_;
    put_raw("35=", 3);
    put_raw(msg_type.data(), msg_type.size());
    put_raw("\x01", 1);
  }

  FIXRING_ENCODER_INLINE void add(std::uint32_t tag, std::string_view value) noexcept { put_field(tag, value.data(), value.size()); }

  FIXRING_ENCODER_INLINE void add_uint(std::uint32_t tag, std::uint64_t v) noexcept {
    const detail::tag_prefix tp = detail::make_tag_prefix(tag);
    if (v < 100000000 && tp.len != 0 && fast_room(0)) [[likely]] {
      const auto v32 = static_cast<std::uint32_t>(v);
      const unsigned nd = detail::digits_below_1e8(v32);
      const std::uint64_t digits = detail::drop_low_bytes(detail::ascii8(v32), 8 - nd);
      put_prefix(tp);
      detail::store8(cur_, digits);
      cur_ += nd;
      *cur_++ = soh;
      sum_ += detail::byte_sum(digits) + soh;
      return;
    }
    char tmp[max_int_chars];
    put_formatted(tag, tmp, format_uint(tmp, v));
  }
  FIXRING_ENCODER_INLINE void add_int(std::uint32_t tag, std::int64_t v) noexcept {
    if (v >= 0) return add_uint(tag, static_cast<std::uint64_t>(v));
    char tmp[max_int_chars];
    put_formatted(tag, tmp, format_int(tmp, v));
  }
  FIXRING_ENCODER_INLINE void add_char(std::uint32_t tag, char c) noexcept {
    const detail::tag_prefix tp = detail::make_tag_prefix(tag);
    if (tp.len != 0 && fast_room(0)) [[likely]] {
      put_prefix(tp);
      const auto u = static_cast<unsigned char>(c);
      cur_[0] = c;
      cur_[1] = soh;
      cur_ += 2;
      sum_ += u + static_cast<unsigned char>(soh);
      return;
    }
    put_field(tag, &c, 1);
  }
  FIXRING_ENCODER_INLINE void add_bool(std::uint32_t tag, bool b) noexcept { add_char(tag, b ? 'Y' : 'N'); }

  FIXRING_ENCODER_INLINE void add_decimal(std::uint32_t tag, decimal d) noexcept {
    const detail::tag_prefix tp = detail::make_tag_prefix(tag);
    // Fast path: 0 <= mantissa < 10^7 with at least one integer digit, so the
    // digits and the point fit one register.
    if (d.mantissa >= 0 && d.mantissa < 10000000 && tp.len != 0 && fast_room(0)) [[likely]] {
      const auto m = static_cast<std::uint32_t>(d.mantissa);
      const unsigned nd = detail::digits_below_1e8(m);
      if (d.scale == 0 || (d.scale < nd)) {
        const std::uint64_t digits = detail::drop_low_bytes(detail::ascii8(m), 8 - nd);
        std::uint64_t out = digits;
        unsigned len = nd;
        if (d.scale != 0) {
          const unsigned int_digits = nd - d.scale;
          out = detail::keep_low_bytes(digits, int_digits) | (std::uint64_t{'.'} << (8 * int_digits)) |
                (detail::drop_low_bytes(digits, int_digits) << (8 * (int_digits + 1)));
          len = nd + 1;
        }
        put_prefix(tp);
        detail::store8(cur_, out);
        cur_ += len;
        *cur_++ = soh;
        sum_ += detail::byte_sum(out) + soh;
        return;
      }
    }
    char tmp[24];
    put_formatted(tag, tmp, format_decimal(tmp, d));
  }

  // UTCTimestamp "YYYYMMDD-HH:MM:SS[.fff...]" at the given precision.
  FIXRING_ENCODER_INLINE void add_timestamp(std::uint32_t tag, std::int64_t ns_since_epoch, time_precision p) noexcept {
    const detail::tag_prefix tp = detail::make_tag_prefix(tag);
    if (p != time_precision::ns && ns_since_epoch >= 0 && tp.len != 0 && fast_room(24)) [[likely]] {
      const std::int64_t sec = ns_since_epoch / 1'000'000'000;
      const detail::second_text& st = detail::second_text_of(sec);
      std::uint64_t r3 = st.last_digit;
      unsigned r3_len = 1;
      if (p != time_precision::s) {
        const auto nd = static_cast<unsigned>(p);  // 3 or 6
        const auto sub = static_cast<std::uint32_t>(ns_since_epoch - sec * 1'000'000'000);
        const std::uint32_t frac = nd == 3 ? sub / 1'000'000 : sub / 1'000;
        r3 |= (std::uint64_t{'.'} << 8) | (detail::drop_low_bytes(detail::ascii8(frac), 8 - nd) << 16);
        r3_len = 2 + nd;
      }
      put_prefix(tp);
      detail::store8(cur_, st.date);
      detail::store8(cur_ + 8, st.time);
      detail::store8(cur_ + 16, r3);
      cur_ += 16 + r3_len;
      *cur_++ = soh;
      sum_ += st.sum_without_last + detail::byte_sum(r3) + soh;
      return;
    }
    char tmp[32];
    put_formatted(tag, tmp, format_utc_timestamp(tmp, ns_since_epoch, p));
  }

  // Appends bytes that are already whole fields ("tag=value<SOH>..."), such as a
  // body copied from another message.
  FIXRING_ENCODER_INLINE void add_raw_fields(std::string_view fields) noexcept { put_raw(fields.data(), fields.size()); }

  // Bytes written so far, the body included; useful to size buffers.
  [[nodiscard]] std::size_t size_bytes() const noexcept { return static_cast<std::size_t>(cur_ - buf_); }
  [[nodiscard]] bool overflowed() const noexcept { return overflow_; }

  // Fills in BodyLength and appends CheckSum. The message starts at buffer[0].
  [[nodiscard]] FIXRING_ENCODER_INLINE encode_result finish() noexcept {
    if (overflow_) return {};
#if defined(__SSE2__)
    const __m128i lanes = _mm_sad_epu8(vsum_, _mm_setzero_si128());
    sum_ += static_cast<std::uint32_t>(_mm_cvtsi128_si32(lanes) + _mm_extract_epi16(lanes, 4));
#endif
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
    if (nd <= 8) {
      // The digits from a register: written, and summed, without reading them back.
      const std::uint64_t digits = detail::drop_low_bytes(detail::ascii8(static_cast<std::uint32_t>(body_len)), 8 - nd);
      if (nd == reserved_len_digits) {
        // The digits and the SOH after them in one store.
        const auto with_soh = static_cast<std::uint32_t>(digits | (std::uint64_t{soh} << (8 * reserved_len_digits)));
        std::memcpy(len_digits_at_, &with_soh, 4);
      } else {
        std::memcpy(len_digits_at_, &digits, nd);
      }
      sum_ += detail::byte_sum(digits);
    } else {
      detail::write_digits(len_digits_at_, body_len, nd);
      for (unsigned i = 0; i < nd; ++i) sum_ += static_cast<unsigned char>(len_digits_at_[i]);
    }
    if (end_ - cur_ < 7) return fail();
    // "10=DDD<SOH>" as one register, from a table of the 256 values' text.
    const std::uint64_t trailer = 0x3D3031u | (std::uint64_t{detail::checksum_text[static_cast<std::uint8_t>(sum_)]} << 24);
    std::memcpy(cur_, &trailer, 7);
    cur_ += 7;
    return {encode_status::ok, static_cast<std::uint32_t>(cur_ - buf_)};
  }

 private:
  static constexpr unsigned reserved_len_digits = 3;
  // Slack the fast paths need: they store whole 8-byte registers past the value.
  static constexpr std::size_t fast_slack = 32;

  [[nodiscard]] FIXRING_ENCODER_INLINE bool room(std::size_t n) noexcept {
    // Once a field did not fit nothing more is written, so the bytes stay a prefix.
    if (!overflow_ && static_cast<std::size_t>(end_ - cur_) >= n) return true;
    overflow_ = true;
    fast_limit_ = buf_;
    return false;
  }
  [[nodiscard]] FIXRING_ENCODER_INLINE bool fast_room(std::size_t extra) const noexcept {
    // One compare: fast_limit_ is fast_slack bytes before the end, and is moved
    // to the buffer's start once anything did not fit (so it never passes again).
    return fast_limit_ - cur_ > static_cast<std::ptrdiff_t>(extra);
  }
  FIXRING_ENCODER_INLINE void put_prefix(const detail::tag_prefix& tp) noexcept {
    detail::store8(cur_, tp.bytes);
    cur_ += tp.len;
    sum_ += tp.sum;
  }
  FIXRING_ENCODER_INLINE void put_raw(const char* p, std::size_t n) noexcept {
    if (!room(n)) return;
    sum_ += detail::copy_and_sum(cur_, p, n);
    cur_ += n;
  }
  // "tag=value<SOH>", written only if all of it fits.
  FIXRING_ENCODER_INLINE void put_field(std::uint32_t tag, const char* v, std::size_t n) noexcept {
    const detail::tag_prefix tp = detail::make_tag_prefix(tag);
    if (tp.len != 0 && fast_room(n)) [[likely]] {
      put_prefix(tp);
#if defined(__SSE2__)
      vsum_ = _mm_add_epi8(vsum_, detail::copy_value_and_soh_v(cur_, v, n, sum_));
      sum_ += static_cast<unsigned char>(soh);
#else
      sum_ += detail::copy_value_and_soh(cur_, v, n);
#endif
      cur_ += n + 1;
      return;
    }
    const unsigned tag_digits = detail::count_digits(tag);
    if (!room(tag_digits + 2 + n)) return;
    char* const start = cur_;
    detail::write_digits(cur_, tag, tag_digits);
    cur_ += tag_digits;
    *cur_++ = '=';
    std::memcpy(cur_, v, n);
    cur_ += n;
    *cur_++ = soh;
    sum_ += checksum(start, static_cast<std::size_t>(cur_ - start));
  }
  // A value formatted into a local buffer by a slow path (out of the fast
  // paths' range): out of line, so that the compiler does not check the
  // buffer's size against every branch of the copy.
  [[gnu::noinline]] void put_formatted(std::uint32_t tag, const char* v, std::size_t n) noexcept { put_field(tag, v, n); }
  encode_result fail() noexcept {
    overflow_ = true;
    fast_limit_ = buf_;
    return {};
  }

  char* buf_;
  char* cur_;
  char* end_;
  char* fast_limit_;  // the fast paths run while cur_ + extra < fast_limit_
  char* len_digits_at_ = nullptr;
  char* body_start_ = nullptr;
#if defined(__SSE2__)
  __m128i vsum_ = _mm_setzero_si128();  // more of the byte sum, modulo 256, over its 16 bytes; added in finish()
#endif
  std::uint32_t sum_ = 0;  // byte sum of everything written, modulo 2^32
  bool overflow_ = false;
};

#undef FIXRING_ENCODER_INLINE

}  // namespace fixring::codec
