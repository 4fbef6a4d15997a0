// The field indexer behind basic_message::parse.
//
// Why it is shaped like this: a byte-at-a-time scan makes every field depend on
// the previous one through a chain of loads and data-dependent branches (the
// tag length changes from field to field, so its loop exit mispredicts). Here
// the bytes are first turned into bitmasks of SOH and '=' positions, 64 bytes at
// a time; the only loop-carried work is stepping through SOH bits, and each
// field's tag is decoded from a 4-byte load with its length known in advance,
// so consecutive fields overlap in the out-of-order core.
#include <cstring>

#include "fixring/codec/message.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace fixring::codec::detail {
namespace {

// Bit k set where byte k of the 64 bytes at p is SOH (all 64 readable).
inline std::uint64_t soh_mask_64(const char* p) noexcept {
#if defined(__SSE2__)
  const __m128i s = _mm_set1_epi8(soh);
  std::uint64_t m = 0;
  for (int k = 0; k < 4; ++k) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    m |= static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, s)))) << (16 * k);
  }
  return m;
#else
  std::uint64_t m = 0;
  for (int k = 0; k < 64; ++k) m |= static_cast<std::uint64_t>(p[k] == soh) << k;
  return m;
#endif
}

// SOH mask of [pos, min(pos + 64, limit)); reads only inside [base, base + limit).
inline std::uint64_t soh_mask_at(const char* base, std::uint32_t pos, std::uint32_t limit) noexcept {
  const std::uint32_t left = limit - pos;
  if (left >= 64) return soh_mask_64(base + pos);
  if (limit >= 64) return soh_mask_64(base + limit - 64) >> (64 - left);  // last 64 bytes, shifted
  alignas(16) char tmp[64] = {};
  std::memcpy(tmp, base + pos, left);
  return soh_mask_64(tmp);
}

inline constexpr std::uint64_t ones = 0x0101010101010101ull;

// The tag at p, whose 8 bytes p[0..8) are readable: 1..7 digits, no leading
// zero, then '='. Returns the tag and sets len to its digit count, or returns 0
// when the bytes are no such tag (garbled, or 8+ digits: see decode_long_tag).
// Branch-free: the cost does not depend on the tag's length.
inline std::uint32_t decode_tag(const char* p, unsigned& len) noexcept {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  // Lowest '=' byte: the classic zero-byte test on w ^ "========". Bytes above
  // the first match may be flagged falsely; the lowest flag is always exact.
  const std::uint64_t x = w ^ (ones * '=');
  const std::uint64_t hit = (x - ones) & ~x & (ones * 0x80);
  if (hit == 0) return 0;
  len = static_cast<unsigned>(__builtin_ctzll(hit)) / 8;
  if (len == 0) return 0;
  // Little-endian: the first character is the low byte. Shift the len digits to
  // the top and fill the low bytes with '0', giving eight digits.
  const unsigned pad_bits = 8 * (8 - len);
  const std::uint64_t digits = (w << pad_bits) | ((ones * '0') & ((std::uint64_t{1} << pad_bits) - 1));
  // Every byte '0'..'9': high nibble 3, and still 3 after adding 6.
  const std::uint64_t hi = ones * 0xF0;
  if (((digits & hi) | (((digits + ones * 6) & hi) >> 4)) != ones * 0x33) return 0;
  if ((w & 0xFF) == '0') return 0;
  // Eight digits to a number in three multiply steps (pairs, quads, octet).
  std::uint64_t v = digits - ones * '0';
  v = (v * 10) + (v >> 8);
  v = (((v & 0x000000FF000000FFull) * (100 + (1000000ull << 32))) +
       (((v >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32)))) >> 32;
  return static_cast<std::uint32_t>(v);
}

// Tags of 8 or 9 digits (rare), byte by byte.
inline std::uint32_t decode_long_tag(const char* p, std::uint32_t avail, unsigned& len) noexcept {
  std::uint32_t v = 0;
  unsigned i = 0;
  for (; i < avail && i < 10; ++i) {
    const unsigned d = static_cast<unsigned char>(p[i]) - '0';
    if (d > 9) break;
    v = v * 10 + d;
  }
  if (i == 0 || i > 9 || i == avail || p[i] != '=' || p[0] == '0') return 0;
  len = i;
  return v;
}

}  // namespace

index_result index_fields(const char* base, std::uint32_t size, std::uint32_t body_offset, field_ref* out,
                          std::uint32_t capacity, const data_field_table& data_fields) noexcept {
  // Framing guarantees the message ends "<SOH>10=DDD<SOH>". The loop indexes the
  // fields before that CheckSum field and appends it at the end. Every field in
  // the loop ends with an SOH before `limit`, and starts at least 10 bytes before
  // the end of the message, so an 8-byte load at a field start is in bounds.
  const std::uint32_t limit = size - 7;
  field_ref* o = out;
  field_ref* const o_end = out + capacity - 1;  // one slot kept for CheckSum
  if (capacity == 0) return {parse_error::too_many_fields, 0};
  std::uint32_t pos = body_offset;  // first byte of the next field
  std::uint32_t pending_length_tag = 0;
  std::uint64_t pending_data_len = 0;
  while (pos < limit) {
    std::uint64_t sohs = soh_mask_at(base, pos, limit);
    if (sohs == 0) {
      // A field longer than 64 bytes: its end is found the plain way.
      const auto end = static_cast<std::uint32_t>(
          static_cast<const char*>(std::memchr(base + pos + 64, soh, limit - pos - 64)) - base);
      unsigned len = 0;
      std::uint32_t tag = decode_tag(base + pos, len);
      if (tag == 0) tag = decode_long_tag(base + pos, end - pos, len);
      if (tag == 0) return {parse_error::garbled_field, 0};
      if (o == o_end) return {parse_error::too_many_fields, 0};
      const std::uint32_t vstart = pos + len + 1;
      if (pending_length_tag != 0 && data_fields.governs(pending_length_tag, tag)) {
        const std::uint64_t vend = vstart + pending_data_len;
        if (vend >= limit || base[vend] != soh) return {parse_error::bad_data_length, 0};
        *o++ = {tag, vstart, static_cast<std::uint32_t>(pending_data_len)};
        pos = static_cast<std::uint32_t>(vend) + 1;
      } else {
        *o++ = {tag, vstart, end - vstart};
        pos = end + 1;
      }
      pending_length_tag = 0;
      continue;
    }
    const std::uint32_t block = pos;
    while (sohs != 0) {
      const std::uint32_t end = block + static_cast<std::uint32_t>(__builtin_ctzll(sohs));
      sohs &= sohs - 1;
      unsigned len = 0;
      std::uint32_t tag = decode_tag(base + pos, len);
      if (tag == 0) [[unlikely]] {
        tag = decode_long_tag(base + pos, end - pos, len);
        if (tag == 0) return {parse_error::garbled_field, 0};
      }
      // A '=' past this field's SOH means the field had none: the SOH is not a digit,
      // so decode_tag already refused it.
      if (o == o_end) [[unlikely]] return {parse_error::too_many_fields, 0};
      const std::uint32_t vstart = pos + len + 1;
      if (pending_length_tag != 0) [[unlikely]] {
        const std::uint32_t governing = pending_length_tag;
        pending_length_tag = 0;
        if (data_fields.governs(governing, tag)) {
          // DATA value: its extent comes from the Length field and may span SOHs,
          // so the rest of this block's SOH bits are stale; start a new block.
          const std::uint64_t vend = vstart + pending_data_len;
          if (vend >= limit || base[vend] != soh) return {parse_error::bad_data_length, 0};
          *o++ = {tag, vstart, static_cast<std::uint32_t>(pending_data_len)};
          pos = static_cast<std::uint32_t>(vend) + 1;
          break;
        }
      }
      *o++ = {tag, vstart, end - vstart};
      if (data_fields.is_length_tag(tag)) [[unlikely]] {
        if (parse_uint({base + vstart, end - vstart}, pending_data_len)) pending_length_tag = tag;
      }
      pos = end + 1;
    }
  }
  *o++ = {10, size - 4, 3};
  return {parse_error::none, static_cast<std::uint32_t>(o - out)};
}


}  // namespace fixring::codec::detail
