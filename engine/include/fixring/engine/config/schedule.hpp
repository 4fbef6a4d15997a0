// Session schedules: when a FIX session may be logged on, in the session's own
// time zone, DST-correct. Built from the QuickFIX keys StartTime, EndTime,
// StartDay, EndDay, Weekdays, NonStopSession and TimeZone (settings.hpp).
//
// Shapes
//   non_stop: always in session; the schedule never resets sequence numbers.
//   daily:    every day (or every day listed in weekdays_mask) from start_time_s
//             to end_time_s local time. end <= start means the window crosses
//             midnight (22:00-06:00 ends the next day); end == start means a
//             24-hour session that restarts every day at start_time_s. With a
//             weekdays mask, a window belongs to the day on which it STARTS (a
//             Fri 22:00-06:00 window runs into Saturday).
//   weekly:   one window from start_day start_time_s to the first following
//             end_day end_time_s (Sun 17:00 to Fri 17:00). Same day and end <=
//             start means a full week that restarts at the start.
// DST: local times are converted with the zone at each date, so a 09:00-17:00
// New York session is 13:00-21:00 UTC in summer and 14:00-22:00 UTC in winter.
// A start or end time that falls in a skipped hour (spring forward) is shifted
// forward by the gap; one that occurs twice (fall back) means its first
// occurrence. See time_zone.hpp. (So a window lying wholly inside a skipped
// hour, e.g. 02:10-02:50 New York, does not happen on that one day.)
//
// All functions are pure: time comes in as an argument (nanoseconds since the
// Unix epoch, UTC); they read no clock, allocate nothing and are noexcept. A
// schedule is immutable after construction and may be shared by threads.
// Cost: each call converts up to about a dozen local times (a few binary
// searches each), so a reactor should call them when it arms the next
// logon/logout timer, not on every loop iteration.
//
// Sequence reset: two instants belong to the same session iff
// current_session_start_utc_ns returns the same value for both (and it is not
// outside_session_ns), so "reset at the start of each daily/weekly session" is a
// comparison of two numbers.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>

#include "fixring/engine/config/time_zone.hpp"

namespace fixring::engine::config {

enum class schedule_kind : std::uint8_t { non_stop, daily, weekly };

// Returned by current_session_start/end_utc_ns when `now` is outside every window.
inline constexpr std::int64_t outside_session_ns = std::numeric_limits<std::int64_t>::min();
// current_session_start_utc_ns of a non_stop schedule: one session for all time.
inline constexpr std::int64_t non_stop_start_ns = std::numeric_limits<std::int64_t>::min() + 1;
// next_start_utc_ns and current_session_end_utc_ns of a non_stop schedule.
inline constexpr std::int64_t never_ns = std::numeric_limits<std::int64_t>::max();

inline constexpr std::uint8_t all_weekdays_mask = 0x7f;  // bit d = day d, 0 = Sunday

struct schedule {
  schedule_kind kind = schedule_kind::non_stop;
  std::int32_t start_time_s = 0;  // seconds after local midnight, 0..86399
  std::int32_t end_time_s = 0;
  std::uint8_t start_day = 0;     // weekly: 0 = Sunday ... 6 = Saturday
  std::uint8_t end_day = 0;
  std::uint8_t weekdays_mask = all_weekdays_mask;  // daily: days a window may start on; nonzero
  std::shared_ptr<const time_zone> zone;           // null means UTC
};

// True iff now_utc_ns lies inside a window of the schedule (start inclusive,
// end exclusive).
[[nodiscard]] bool is_in_session(const schedule& s, std::int64_t now_utc_ns) noexcept;

// Start of the window containing now_utc_ns; outside_session_ns when outside;
// non_stop_start_ns for a non_stop schedule.
[[nodiscard]] std::int64_t current_session_start_utc_ns(const schedule& s,
                                                        std::int64_t now_utc_ns) noexcept;

// End (exclusive) of the window containing now_utc_ns: when to log out.
// outside_session_ns when outside; never_ns for a non_stop schedule.
[[nodiscard]] std::int64_t current_session_end_utc_ns(const schedule& s,
                                                      std::int64_t now_utc_ns) noexcept;

// Earliest window start strictly after now_utc_ns: when to log on next (or when
// the current session ends and the next begins). never_ns for non_stop.
[[nodiscard]] std::int64_t next_start_utc_ns(const schedule& s, std::int64_t now_utc_ns) noexcept;

}  // namespace fixring::engine::config
