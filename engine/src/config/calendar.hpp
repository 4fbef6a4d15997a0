// Civil-calendar arithmetic shared by the zone reader and the schedule
// (internal to engine/src/config). Days are counted from 1970-01-01 (day 0, a
// Thursday); all functions are constexpr, noexcept and allocation-free.
#pragma once

#include <chrono>
#include <cstdint>

namespace fixring::engine::config::detail {

inline constexpr std::int64_t seconds_per_day = 86'400;

// Floor division, so instants before 1970 land on the right day.
[[nodiscard]] constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

[[nodiscard]] constexpr std::int64_t days_from_civil(int year, unsigned month,
                                                      unsigned day) noexcept {
  const std::chrono::sys_days d{std::chrono::year{year} / std::chrono::month{month} /
                                std::chrono::day{day}};
  return d.time_since_epoch().count();
}

[[nodiscard]] constexpr std::chrono::year_month_day civil_from_days(std::int64_t days) noexcept {
  return std::chrono::year_month_day{
      std::chrono::sys_days{std::chrono::days{static_cast<std::int32_t>(days)}}};
}

// 0 = Sunday ... 6 = Saturday.
[[nodiscard]] constexpr unsigned weekday_of(std::int64_t days) noexcept {
  return std::chrono::weekday{
      std::chrono::sys_days{std::chrono::days{static_cast<std::int32_t>(days)}}}
      .c_encoding();
}

[[nodiscard]] constexpr bool is_leap_year(int year) noexcept {
  return std::chrono::year{year}.is_leap();
}

[[nodiscard]] constexpr unsigned days_in_month(int year, unsigned month) noexcept {
  constexpr unsigned lengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return (month == 2 && is_leap_year(year)) ? 29u : lengths[month - 1];
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(weekday_of(0) == 4);  // 1970-01-01 was a Thursday
static_assert(floor_div(-1, 86'400) == -1);

}  // namespace fixring::engine::config::detail
