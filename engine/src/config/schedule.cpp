// Session windows computed on the local calendar of the schedule's zone.
#include "fixring/engine/config/schedule.hpp"

#include "calendar.hpp"

namespace fixring::engine::config {
namespace {

constexpr std::int64_t ns_per_s = 1'000'000'000;

struct window {
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;
};

std::int64_t local_to_utc_ns(const schedule& s, std::int64_t local_s) noexcept {
  const std::int64_t utc_s = s.zone ? s.zone->local_to_utc(local_s).earliest_utc_s : local_s;
  return utc_s * ns_per_s;
}

std::int64_t local_day_of(const schedule& s, std::int64_t now_utc_ns) noexcept {
  const std::int64_t now_s = detail::floor_div(now_utc_ns, ns_per_s);
  const std::int64_t off_s = s.zone ? s.zone->offset_at(now_s).offset_s : 0;
  return detail::floor_div(now_s + off_s, detail::seconds_per_day);
}

bool starts_on(const schedule& s, std::int64_t day) noexcept {
  const unsigned wd = detail::weekday_of(day);
  if (s.kind == schedule_kind::weekly) return wd == s.start_day;
  return (s.weekdays_mask >> wd) & 1u;
}

// The window that starts on local day `day` (starts_on(s, day) must hold).
window window_starting(const schedule& s, std::int64_t day) noexcept {
  std::int64_t end_day = day;
  if (s.kind == schedule_kind::weekly) {
    std::int64_t ahead = (s.end_day + 7 - s.start_day) % 7;
    if (ahead == 0 && s.end_time_s <= s.start_time_s) ahead = 7;
    end_day += ahead;
  } else if (s.end_time_s <= s.start_time_s) {
    end_day += 1;  // crosses midnight, or a 24-hour window when equal
  }
  return {local_to_utc_ns(s, day * detail::seconds_per_day + s.start_time_s),
          local_to_utc_ns(s, end_day * detail::seconds_per_day + s.end_time_s)};
}

// The window containing now, if any. Windows never overlap (each is at most a
// day, or a week for weekly schedules, long), so only the latest window that
// started at or before now can contain it.
bool find_current(const schedule& s, std::int64_t now_utc_ns, window& out) noexcept {
  const std::int64_t today = local_day_of(s, now_utc_ns);
  for (std::int64_t day = today + 1; day >= today - 8; --day) {
    if (!starts_on(s, day)) continue;
    const window w = window_starting(s, day);
    if (w.start_ns > now_utc_ns) continue;
    if (now_utc_ns >= w.end_ns) return false;
    out = w;
    return true;
  }
  return false;
}

}  // namespace

bool is_in_session(const schedule& s, std::int64_t now_utc_ns) noexcept {
  if (s.kind == schedule_kind::non_stop) return true;
  window w;
  return find_current(s, now_utc_ns, w);
}

std::int64_t current_session_start_utc_ns(const schedule& s, std::int64_t now_utc_ns) noexcept {
  if (s.kind == schedule_kind::non_stop) return non_stop_start_ns;
  window w;
  return find_current(s, now_utc_ns, w) ? w.start_ns : outside_session_ns;
}

std::int64_t current_session_end_utc_ns(const schedule& s, std::int64_t now_utc_ns) noexcept {
  if (s.kind == schedule_kind::non_stop) return never_ns;
  window w;
  return find_current(s, now_utc_ns, w) ? w.end_ns : outside_session_ns;
}

std::int64_t next_start_utc_ns(const schedule& s, std::int64_t now_utc_ns) noexcept {
  if (s.kind == schedule_kind::non_stop || s.weekdays_mask == 0) return never_ns;
  const std::int64_t today = local_day_of(s, now_utc_ns);
  // Starts increase with the day; within 9 days every shape has started again.
  for (std::int64_t day = today - 1; day <= today + 9; ++day) {
    if (!starts_on(s, day)) continue;
    const std::int64_t start_ns = window_starting(s, day).start_ns;
    if (start_ns > now_utc_ns) return start_ns;
  }
  return never_ns;
}

}  // namespace fixring::engine::config
