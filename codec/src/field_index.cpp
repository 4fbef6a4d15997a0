// The field indexer behind basic_message::parse.
//
// Two indexers. The fast one (field_index_kernel.inc) handles the messages a
// session sees all day: fields shorter than 64 bytes, tags of one to four
// digits, no DATA fields. It answers "not mine" for anything else, and the
// careful one below, which handles every input and names the exact error,
// indexes the message from scratch; so both give the same answer for every
// input, the careful one being the reference (tests/codec check this on
// every message they parse, split and garble).
//
// The careful indexer: a byte-at-a-time scan would make every field depend on
// the previous one through a chain of loads and data-dependent branches, so
// the bytes are first turned into bitmasks of SOH positions, 64 bytes at a
// time; each field's tag is decoded from an 8-byte load.
//
// The fast indexer is compiled three times: for the baseline instruction set
// of the build, for AVX2 + BMI2, and with an AVX-512 core
// (field_index_avx512.inc: BW, VL, CD, VBMI, VBMI2). The widest the CPU runs is
// chosen once, at the first call; a build for the host CPU (-Dcpu_native=true)
// calls it directly.
#include <atomic>
#include <cstring>

#include "fixring/codec/message.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#define FIXRING_CODEC_X86 1
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

index_result index_body(const char* base, std::uint32_t size, std::uint32_t body_offset, field_ref* out,
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

// The careful indexer over a whole framed message.
index_result index_careful(const char* base, std::uint32_t size, std::uint32_t body_offset, field_ref* out,
                           std::uint32_t capacity, const data_field_table& data_fields) noexcept {
  // BeginString and BodyLength are known from framing: "8=<bs><SOH>9=<len><SOH>".
  const char* bs_soh = base + 2;
  while (*bs_soh != soh) ++bs_soh;
  const auto bs_len = static_cast<std::uint32_t>(bs_soh - base - 2);
  const std::uint32_t len_off = bs_len + 5;
  out[0] = {8, 2, bs_len};
  out[1] = {9, len_off, body_offset - 1 - len_off};
  const index_result r = index_body(base, size, body_offset, out + 2, capacity - 2, data_fields);
  if (r.error != parse_error::none) return r;
  return {parse_error::none, r.count + 2};
}

// What a kernel's index_message and parse_message run when the fast path
// declines; out of line, so that only that path makes a call. body_offset:
// set when the fast path verified the framing, else 0.
[[gnu::noinline]] index_result index_declined(const char* base, std::uint32_t size, std::uint32_t body_offset,
                                              field_ref* out, std::uint32_t capacity,
                                              const data_field_table& data_fields) noexcept {
  return index_careful(base, size, body_offset, out, capacity, data_fields);
}
[[gnu::noinline]] index_result parse_declined(const char* base, std::size_t size, std::uint32_t body_offset,
                                              field_ref* out, std::uint32_t capacity,
                                              const data_field_table& data_fields) noexcept {
  if (body_offset == 0) {
    const frame_result f = frame(base, size);
    if (!f.is_complete() || f.size_bytes != size) return {parse_error::not_framed, 0};
    body_offset = f.body_offset;
  }
  return index_careful(base, static_cast<std::uint32_t>(size), body_offset, out, capacity, data_fields);
}

// A kernel's index_message and parse_message, the careful path included, so
// that the public calls jump to them with nothing left to do after.
using index_fn = index_result(const char*, std::uint32_t, std::uint32_t, field_ref*, std::uint32_t,
                              const data_field_table&) noexcept;
using parse_fn = index_result(const char*, std::size_t, field_ref*, std::uint32_t,
                              const data_field_table&) noexcept;
// Each kernel's entry points and whether this CPU runs it; kernels[] below is
// in fast_kernel order.
struct kernel_entry {
  index_fn* index;
  parse_fn* parse;
  bool (*supported)() noexcept;
};
static_assert(static_cast<int>(fast_kernel::baseline) == 0 && static_cast<int>(fast_kernel::avx2) == 1 &&
              static_cast<int>(fast_kernel::avx512) == 2);
bool always_supported() noexcept { return true; }

#if defined(FIXRING_CODEC_X86)
#define FIXRING_KERNEL_AVX512 0
#define FIXRING_KERNEL_AVX2 0
namespace sse2 {
#include "field_index_kernel.inc"
}  // namespace sse2
#undef FIXRING_KERNEL_AVX2

#if !defined(__AVX2__) || !defined(__BMI2__)
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,bmi,bmi2,lzcnt,popcnt"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,bmi,bmi2,lzcnt,popcnt")
#endif
#define FIXRING_CODEC_AVX2_POPPED 1
#endif
#define FIXRING_KERNEL_AVX2 1
namespace avx2 {
#include "field_index_kernel.inc"
}  // namespace avx2
#undef FIXRING_KERNEL_AVX2
#if defined(FIXRING_CODEC_AVX2_POPPED)
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif
#undef FIXRING_KERNEL_AVX512

// The AVX-512 core (field_index_avx512.inc) around the same header checks.
#if defined(__clang__)
#pragma clang attribute push(                                                                                 \
    __attribute__((target("avx512f,avx512bw,avx512vl,avx512cd,avx512vbmi,avx512vbmi2,avx2,bmi,bmi2,lzcnt,popcnt"))), \
    apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512cd,avx512vbmi,avx512vbmi2,avx2,bmi,bmi2,lzcnt,popcnt")
#endif
#pragma GCC diagnostic push
#if !defined(__clang__)
// GCC 12's AVX-512 intrinsics start their "undefined" vectors from themselves,
// which -Wmaybe-uninitialized reports at every inlined use.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#define FIXRING_KERNEL_AVX2 1
#define FIXRING_KERNEL_AVX512 1
namespace avx512 {
#include "field_index_kernel.inc"
}  // namespace avx512
#undef FIXRING_KERNEL_AVX512
#undef FIXRING_KERNEL_AVX2
#pragma GCC diagnostic pop
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

bool cpu_has_avx2() noexcept {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2");
}
bool cpu_has_avx512() noexcept {
  __builtin_cpu_init();
  return cpu_has_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512cd") &&
         __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512vbmi2");
}

constexpr kernel_entry kernels[] = {
    {&sse2::index_message, &sse2::parse_message, &always_supported},
    {&avx2::index_message, &avx2::parse_message, &cpu_has_avx2},
    {&avx512::index_message, &avx512::parse_message, &cpu_has_avx512},
};
const kernel_entry& kernel(fast_kernel k) noexcept { return kernels[static_cast<std::size_t>(k)]; }

#if defined(__AVX512VBMI2__) && defined(__AVX512VBMI__) && defined(__AVX512BW__) && defined(__AVX512VL__) && \
    defined(__AVX512CD__) && defined(__BMI2__)
// Built for a CPU with these AVX-512 extensions: no choice to make.
index_fn* index_best() noexcept { return &avx512::index_message; }
parse_fn* parse_best() noexcept { return &avx512::parse_message; }
#else
// Chosen at the first call: the widest kernel the CPU runs. The pointers start
// at a resolver, so no static initialisation order matters; relaxed: every
// thread that races on the first call stores the same value, and a stale read
// only runs the resolver again.
fast_kernel best_kernel() noexcept {
  return cpu_has_avx512() ? fast_kernel::avx512 : cpu_has_avx2() ? fast_kernel::avx2 : fast_kernel::baseline;
}
index_fn resolve_index;
parse_fn resolve_parse;
std::atomic<index_fn*> g_index{&resolve_index};
std::atomic<parse_fn*> g_parse{&resolve_parse};

index_result resolve_index(const char* b, std::uint32_t n, std::uint32_t o, field_ref* f, std::uint32_t c,
                           const data_field_table& d) noexcept {
  index_fn* fn = kernel(best_kernel()).index;
  g_index.store(fn, std::memory_order_relaxed);
  return fn(b, n, o, f, c, d);
}
index_result resolve_parse(const char* b, std::size_t n, field_ref* f, std::uint32_t c,
                           const data_field_table& d) noexcept {
  parse_fn* fn = kernel(best_kernel()).parse;
  g_parse.store(fn, std::memory_order_relaxed);
  return fn(b, n, f, c, d);
}
index_fn* index_best() noexcept { return g_index.load(std::memory_order_relaxed); }
parse_fn* parse_best() noexcept { return g_parse.load(std::memory_order_relaxed); }
#endif
#else
// Not x86: the careful indexer only.
index_result careful_index_message(const char* base, std::uint32_t size, std::uint32_t body_offset, field_ref* out,
                                   std::uint32_t capacity, const data_field_table& data_fields) noexcept {
  return index_declined(base, size, body_offset, out, capacity, data_fields);
}
index_result careful_parse_message(const char* base, std::size_t size, field_ref* out, std::uint32_t capacity,
                                   const data_field_table& data_fields) noexcept {
  return parse_declined(base, size, 0, out, capacity, data_fields);
}
bool never_supported() noexcept { return false; }
// Only the baseline "runs", and it is the careful indexer.
constexpr kernel_entry kernels[] = {
    {&careful_index_message, &careful_parse_message, &always_supported},
    {&careful_index_message, &careful_parse_message, &never_supported},
    {&careful_index_message, &careful_parse_message, &never_supported},
};
const kernel_entry& kernel(fast_kernel k) noexcept { return kernels[static_cast<std::size_t>(k)]; }
index_fn* index_best() noexcept { return &careful_index_message; }
parse_fn* parse_best() noexcept { return &careful_parse_message; }
#endif

}  // namespace

index_result index_message(const char* base, std::uint32_t size, std::uint32_t body_offset, field_ref* out,
                           std::uint32_t capacity, const data_field_table& data_fields) noexcept {
  return index_best()(base, size, body_offset, out, capacity, data_fields);
}

index_result index_message_careful(const char* base, std::uint32_t size, std::uint32_t body_offset, field_ref* out,
                                   std::uint32_t capacity, const data_field_table& data_fields) noexcept {
  return index_careful(base, size, body_offset, out, capacity, data_fields);
}

index_result parse_message(const char* base, std::size_t size, field_ref* out, std::uint32_t capacity,
                           const data_field_table& data_fields) noexcept {
  return parse_best()(base, size, out, capacity, data_fields);
}

bool fast_kernel_supported(fast_kernel k) noexcept { return kernel(k).supported(); }

index_result index_message_by(fast_kernel k, const char* base, std::uint32_t size, std::uint32_t body_offset,
                              field_ref* out, std::uint32_t capacity, const data_field_table& data_fields) noexcept {
  return kernel(k).index(base, size, body_offset, out, capacity, data_fields);
}

index_result parse_message_by(fast_kernel k, const char* base, std::size_t size, field_ref* out,
                              std::uint32_t capacity, const data_field_table& data_fields) noexcept {
  return kernel(k).parse(base, size, out, capacity, data_fields);
}

}  // namespace fixring::codec::detail
