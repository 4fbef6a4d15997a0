#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "fixring/store/crc32c.hpp"

using namespace fixring::store;

namespace {
struct vector_case {
  std::vector<unsigned char> bytes;
  std::uint32_t crc;
};

std::vector<vector_case> rfc3720_vectors() {
  std::vector<vector_case> v;
  v.push_back({std::vector<unsigned char>(32, 0x00), 0x8A9136AAu});
  v.push_back({std::vector<unsigned char>(32, 0xFF), 0x62A8AB43u});
  std::vector<unsigned char> up(32), down(32);
  for (int i = 0; i < 32; ++i) {
    up[i] = static_cast<unsigned char>(i);
    down[i] = static_cast<unsigned char>(31 - i);
  }
  v.push_back({up, 0x46DD794Eu});
  v.push_back({down, 0x113FDB5Cu});
  const char* digits = "123456789";
  v.push_back({std::vector<unsigned char>(digits, digits + 9), 0xE3069283u});
  return v;
}
}  // namespace

TEST_CASE("table crc32c matches the RFC 3720 check values", "[crc32c]") {
  for (const auto& c : rfc3720_vectors()) CHECK(detail::crc32c_table(0, c.bytes.data(), c.bytes.size()) == c.crc);
}

TEST_CASE("sse4.2 crc32c matches the RFC 3720 check values", "[crc32c]") {
  if (!detail::crc32c_hardware_available()) {
    WARN("CPU without SSE4.2: hardware path not exercised");
    return;
  }
  for (const auto& c : rfc3720_vectors()) CHECK(detail::crc32c_sse42(0, c.bytes.data(), c.bytes.size()) == c.crc);
}

TEST_CASE("hardware and table crc32c agree on every length and alignment", "[crc32c]") {
  std::vector<unsigned char> buf(300);
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<unsigned char>(i * 131 + 7);
  for (std::size_t start = 0; start < 8; ++start)
    for (std::size_t len = 0; start + len <= buf.size(); len += 7) {
      const std::uint32_t t = detail::crc32c_table(0, buf.data() + start, len);
      CHECK(crc32c(0, buf.data() + start, len) == t);
      if (detail::crc32c_hardware_available()) CHECK(detail::crc32c_sse42(0, buf.data() + start, len) == t);
    }
}

TEST_CASE("crc32c continues across split buffers", "[crc32c]") {
  const std::string s = "8=FIX.4.4\x01" "9=5\x01" "35=0\x01" "10=161\x01";
  const std::uint32_t whole = crc32c(0, s.data(), s.size());
  for (std::size_t cut = 0; cut <= s.size(); ++cut)
    CHECK(crc32c(crc32c(0, s.data(), cut), s.data() + cut, s.size() - cut) == whole);
}
