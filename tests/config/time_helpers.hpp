// Civil date/time -> seconds or nanoseconds since the Unix epoch, for tests.
#pragma once

#include <chrono>
#include <cstdint>

namespace fixring::test {

constexpr std::int64_t epoch_s(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  const std::chrono::sys_days day{std::chrono::year{y} / std::chrono::month{mo} / std::chrono::day{d}};
  return std::int64_t{day.time_since_epoch().count()} * 86'400 + h * 3600 + mi * 60 + s;
}

constexpr std::int64_t epoch_ns(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return epoch_s(y, mo, d, h, mi, s) * 1'000'000'000;
}

constexpr std::int64_t hours_s(int h) { return std::int64_t{h} * 3600; }

}  // namespace fixring::test
