#include "fixring/store/crc32c.hpp"

#include <array>
#include <cstring>

namespace fixring::store {
namespace detail {
namespace {

// Slicing-by-8 tables: eight bytes per step keeps the fallback usable for scans.
constexpr std::array<std::array<std::uint32_t, 256>, 8> make_tables() noexcept {
  std::array<std::array<std::uint32_t, 256>, 8> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
    t[0][i] = c;
  }
  for (std::size_t s = 1; s < 8; ++s)
    for (std::uint32_t i = 0; i < 256; ++i) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFFu];
  return t;
}
constexpr auto tables = make_tables();

// Tables that advance a raw CRC register over `zero_bytes` zero bytes, one per
// byte of the register: the register update is linear, so the shift of any
// value is the XOR of the shifts of its bytes. They let three streams be
// checksummed independently and then joined (the crc32 instruction has a
// latency of three cycles but a throughput of one per cycle).
constexpr std::array<std::array<std::uint32_t, 256>, 4> make_shift_tables(std::size_t zero_bytes) noexcept {
  std::array<std::array<std::uint32_t, 256>, 4> t{};
  for (std::uint32_t k = 0; k < 4; ++k)
    for (std::uint32_t b = 0; b < 256; ++b) {
      std::uint32_t c = b << (8 * k);
      for (std::size_t n = 0; n < zero_bytes; ++n) c = (c >> 8) ^ tables[0][c & 0xFFu];
      t[k][b] = c;
    }
  return t;
}
constexpr std::size_t stream_bytes = 64;  // each of the three streams per round
constexpr auto shift_1 = make_shift_tables(stream_bytes);
constexpr auto shift_2 = make_shift_tables(2 * stream_bytes);

inline std::uint32_t shift(const std::array<std::array<std::uint32_t, 256>, 4>& t, std::uint32_t c) noexcept {
  return t[0][c & 0xFFu] ^ t[1][(c >> 8) & 0xFFu] ^ t[2][(c >> 16) & 0xFFu] ^ t[3][c >> 24];
}

bool detect_sse42() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
#else
  return false;
#endif
}
const bool has_sse42 = detect_sse42();

}  // namespace

std::uint32_t crc32c_table(std::uint32_t crc, const void* data, std::size_t len) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint32_t c = ~crc;
  while (len >= 8) {
    std::uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + 4, 4);
    lo ^= c;
    c = tables[7][lo & 0xFF] ^ tables[6][(lo >> 8) & 0xFF] ^ tables[5][(lo >> 16) & 0xFF] ^ tables[4][lo >> 24] ^
        tables[3][hi & 0xFF] ^ tables[2][(hi >> 8) & 0xFF] ^ tables[1][(hi >> 16) & 0xFF] ^ tables[0][hi >> 24];
    p += 8;
    len -= 8;
  }
  while (len--) c = (c >> 8) ^ tables[0][(c ^ *p++) & 0xFF];
  return ~c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42(std::uint32_t crc, const void* data,
                                                              std::size_t len) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint64_t c = ~crc;
  while (len >= 3 * stream_bytes) {
    std::uint64_t c1 = 0, c2 = 0;
    for (std::size_t i = 0; i < stream_bytes; i += 8) {
      std::uint64_t w0, w1, w2;
      std::memcpy(&w0, p + i, 8);
      std::memcpy(&w1, p + stream_bytes + i, 8);
      std::memcpy(&w2, p + 2 * stream_bytes + i, 8);
      c = __builtin_ia32_crc32di(c, w0);
      c1 = __builtin_ia32_crc32di(c1, w1);
      c2 = __builtin_ia32_crc32di(c2, w2);
    }
    c = shift(shift_2, static_cast<std::uint32_t>(c)) ^ shift(shift_1, static_cast<std::uint32_t>(c1)) ^
        static_cast<std::uint32_t>(c2);
    p += 3 * stream_bytes;
    len -= 3 * stream_bytes;
  }
  while (len >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    c = __builtin_ia32_crc32di(c, w);
    p += 8;
    len -= 8;
  }
  auto c32 = static_cast<std::uint32_t>(c);
  if (len >= 4) {
    std::uint32_t w;
    std::memcpy(&w, p, 4);
    c32 = __builtin_ia32_crc32si(c32, w);
    p += 4;
    len -= 4;
  }
  while (len--) c32 = __builtin_ia32_crc32qi(c32, *p++);
  return ~c32;
}
#else
std::uint32_t crc32c_sse42(std::uint32_t crc, const void* data, std::size_t len) noexcept {
  return crc32c_table(crc, data, len);
}
#endif

bool crc32c_hardware_available() noexcept { return has_sse42; }

}  // namespace detail

std::uint32_t crc32c(std::uint32_t crc, const void* data, std::size_t len) noexcept {
  return detail::has_sse42 ? detail::crc32c_sse42(crc, data, len) : detail::crc32c_table(crc, data, len);
}

}  // namespace fixring::store
