// libFuzzer target: the TZif reader on arbitrary bytes, then lookups on any zone
// it accepts. Offsets must stay within +-26 hours; nothing may read outside the
// input. Built by meson when the compiler is clang; by hand:
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Iengine/include \
//     tests/config/fuzz_tzif.cpp engine/src/config/time_zone.cpp -o /tmp/fuzz_tzif && \
//     /tmp/fuzz_tzif -max_total_time=60 /usr/share/zoneinfo/America
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "fixring/engine/config/time_zone.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fixring::engine::config;
  const result<time_zone> z = time_zone::from_tzif(std::span<const unsigned char>(data, size), "Fuzz");
  if (!z) return 0;
  for (std::int64_t t : {std::int64_t{-5'000'000'000}, std::int64_t{-1}, std::int64_t{0},
                         std::int64_t{1'700'000'000}, std::int64_t{4'000'000'000},
                         std::int64_t{20'000'000'000}}) {
    const std::int32_t off = z.value().offset_at(t).offset_s;
    if (off <= -26 * 3600 || off >= 26 * 3600) std::abort();
    const local_time_result r = z.value().local_to_utc(t);
    if (r.earliest_utc_s > r.latest_utc_s) std::abort();
  }
  return 0;
}
