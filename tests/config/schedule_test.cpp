// Session schedules: daily, overnight, weekday-restricted, weekly and non-stop
// windows, across DST changes in both hemispheres. Times are UTC instants
// unless a comment says otherwise.
#include "fixring/engine/config/schedule.hpp"

#include <catch2/catch.hpp>

#include <memory>

#include "alloc_counter.hpp"
#include "time_helpers.hpp"
#include "zoneinfo_required.hpp"

using namespace fixring::engine::config;
using fixring::test::epoch_ns;

namespace {

constexpr std::int32_t hhmm(int h, int m = 0) { return h * 3600 + m * 60; }
constexpr std::uint8_t sun = 0, mon = 1, fri = 5, sat = 6;

std::shared_ptr<const time_zone> zone(const char* name) {
  result<time_zone> z = time_zone::load(name);
  REQUIRE(z.has_value());
  return std::make_shared<const time_zone>(std::move(z).value());
}

schedule daily(std::int32_t start_s, std::int32_t end_s, std::shared_ptr<const time_zone> z,
               std::uint8_t mask = all_weekdays_mask) {
  schedule s;
  s.kind = schedule_kind::daily;
  s.start_time_s = start_s;
  s.end_time_s = end_s;
  s.weekdays_mask = mask;
  s.zone = std::move(z);
  return s;
}

schedule weekly(std::uint8_t start_day, std::int32_t start_s, std::uint8_t end_day, std::int32_t end_s,
                std::shared_ptr<const time_zone> z) {
  schedule s;
  s.kind = schedule_kind::weekly;
  s.start_day = start_day;
  s.start_time_s = start_s;
  s.end_day = end_day;
  s.end_time_s = end_s;
  s.zone = std::move(z);
  return s;
}

// The window containing `inside` is exactly [start_ns, end_ns).
void require_window(const schedule& s, std::int64_t inside, std::int64_t start_ns, std::int64_t end_ns) {
  CHECK(is_in_session(s, inside));
  CHECK(current_session_start_utc_ns(s, inside) == start_ns);
  CHECK(current_session_end_utc_ns(s, inside) == end_ns);
  CHECK(is_in_session(s, start_ns));
  CHECK_FALSE(is_in_session(s, start_ns - 1));
  CHECK(is_in_session(s, end_ns - 1));
  CHECK_FALSE(is_in_session(s, end_ns));
  CHECK(next_start_utc_ns(s, start_ns - 1) == start_ns);
}

}  // namespace

TEST_CASE("a New York 09:00-17:00 session is 13-21 UTC in summer and 14-22 UTC in winter", "[schedule]") {
  const schedule s = daily(hhmm(9), hhmm(17), zone("America/New_York"));
  require_window(s, epoch_ns(2024, 7, 1, 15), epoch_ns(2024, 7, 1, 13), epoch_ns(2024, 7, 1, 21));
  require_window(s, epoch_ns(2024, 1, 15, 15), epoch_ns(2024, 1, 15, 14), epoch_ns(2024, 1, 15, 22));
}

TEST_CASE("the first New York session after each DST change uses the new offset", "[schedule]") {
  const schedule s = daily(hhmm(9), hhmm(17), zone("America/New_York"));
  // Friday before spring forward in winter time, the Monday after in summer time.
  require_window(s, epoch_ns(2024, 3, 8, 15), epoch_ns(2024, 3, 8, 14), epoch_ns(2024, 3, 8, 22));
  require_window(s, epoch_ns(2024, 3, 11, 15), epoch_ns(2024, 3, 11, 13), epoch_ns(2024, 3, 11, 21));
  // The Sunday clocks fall back (02:00 EDT -> 01:00 EST) is already winter time at 09:00.
  require_window(s, epoch_ns(2024, 11, 3, 15), epoch_ns(2024, 11, 3, 14), epoch_ns(2024, 11, 3, 22));
  require_window(s, epoch_ns(2024, 11, 2, 15), epoch_ns(2024, 11, 2, 13), epoch_ns(2024, 11, 2, 21));
}

TEST_CASE("a London session on the day clocks go forward starts an hour earlier in UTC", "[schedule]") {
  const schedule s = daily(hhmm(8), hhmm(16), zone("Europe/London"));
  require_window(s, epoch_ns(2024, 3, 30, 12), epoch_ns(2024, 3, 30, 8), epoch_ns(2024, 3, 30, 16));
  require_window(s, epoch_ns(2024, 3, 31, 12), epoch_ns(2024, 3, 31, 7), epoch_ns(2024, 3, 31, 15));
}

TEST_CASE("a Sydney session follows southern-hemisphere DST", "[schedule]") {
  const schedule s = daily(hhmm(9), hhmm(17), zone("Australia/Sydney"));
  // January is daylight time (+11): 09:00 local is 22:00 UTC the day before.
  require_window(s, epoch_ns(2024, 1, 15, 0), epoch_ns(2024, 1, 14, 22), epoch_ns(2024, 1, 15, 6));
  // July is standard time (+10).
  require_window(s, epoch_ns(2024, 7, 15, 0), epoch_ns(2024, 7, 14, 23), epoch_ns(2024, 7, 15, 7));
  // Sunday 2024-04-07 clocks go back at 03:00; the Monday session is in +10.
  require_window(s, epoch_ns(2024, 4, 8, 0), epoch_ns(2024, 4, 7, 23), epoch_ns(2024, 4, 8, 7));
}

TEST_CASE("a 22:00-06:00 window crosses midnight and belongs to the evening it starts", "[schedule]") {
  const schedule s = daily(hhmm(22), hhmm(6), nullptr);
  require_window(s, epoch_ns(2024, 7, 1, 23), epoch_ns(2024, 7, 1, 22), epoch_ns(2024, 7, 2, 6));
  CHECK(current_session_start_utc_ns(s, epoch_ns(2024, 7, 2, 5, 59)) == epoch_ns(2024, 7, 1, 22));
  CHECK_FALSE(is_in_session(s, epoch_ns(2024, 7, 2, 12)));
  CHECK(current_session_start_utc_ns(s, epoch_ns(2024, 7, 2, 12)) == outside_session_ns);
  CHECK(current_session_end_utc_ns(s, epoch_ns(2024, 7, 2, 12)) == outside_session_ns);
  CHECK(next_start_utc_ns(s, epoch_ns(2024, 7, 2, 12)) == epoch_ns(2024, 7, 2, 22));
  CHECK(next_start_utc_ns(s, epoch_ns(2024, 7, 2, 3)) == epoch_ns(2024, 7, 2, 22));
}

TEST_CASE("an overnight New York window over spring forward lasts seven hours", "[schedule]") {
  const schedule s = daily(hhmm(22), hhmm(6), zone("America/New_York"));
  // Sat 22:00 EST = Sun 03:00 UTC, to Sun 06:00 EDT = 10:00 UTC.
  require_window(s, epoch_ns(2024, 3, 10, 5), epoch_ns(2024, 3, 10, 3), epoch_ns(2024, 3, 10, 10));
  // Over fall back it lasts nine: Sat 22:00 EDT = 02:00 UTC, to Sun 06:00 EST = 11:00 UTC.
  require_window(s, epoch_ns(2024, 11, 3, 5), epoch_ns(2024, 11, 3, 2), epoch_ns(2024, 11, 3, 11));
}

TEST_CASE("a session start in the skipped hour begins when the clock jumps", "[schedule]") {
  // 02:30-04:00 New York: on 2024-03-10 02:30 does not exist; the session runs
  // 03:30 EDT (07:30 UTC) to 04:00 EDT (08:00 UTC).
  const schedule s = daily(hhmm(2, 30), hhmm(4), zone("America/New_York"));
  require_window(s, epoch_ns(2024, 3, 10, 7, 45), epoch_ns(2024, 3, 10, 7, 30), epoch_ns(2024, 3, 10, 8));
}

TEST_CASE("a session start in the repeated hour means its first occurrence", "[schedule]") {
  // 01:30-03:00 New York on 2024-11-03: 01:30 EDT (05:30 UTC) to 03:00 EST (08:00 UTC).
  const schedule s = daily(hhmm(1, 30), hhmm(3), zone("America/New_York"));
  require_window(s, epoch_ns(2024, 11, 3, 6), epoch_ns(2024, 11, 3, 5, 30), epoch_ns(2024, 11, 3, 8));
}

TEST_CASE("Weekdays restricts the days a daily window may start on", "[schedule]") {
  const std::uint8_t mon_to_fri = 0b0111110;
  const schedule s = daily(hhmm(22), hhmm(6), nullptr, mon_to_fri);
  // 2024-07-12 is a Friday: its window runs into Saturday morning.
  require_window(s, epoch_ns(2024, 7, 13, 1), epoch_ns(2024, 7, 12, 22), epoch_ns(2024, 7, 13, 6));
  CHECK_FALSE(is_in_session(s, epoch_ns(2024, 7, 13, 23)));  // Saturday night
  CHECK_FALSE(is_in_session(s, epoch_ns(2024, 7, 14, 23)));  // Sunday night
  CHECK(next_start_utc_ns(s, epoch_ns(2024, 7, 13, 12)) == epoch_ns(2024, 7, 15, 22));
  require_window(s, epoch_ns(2024, 7, 15, 23), epoch_ns(2024, 7, 15, 22), epoch_ns(2024, 7, 16, 6));
}

TEST_CASE("a weekly New York session runs Sunday 17:00 to Friday 17:00", "[schedule]") {
  const schedule s = weekly(sun, hhmm(17), fri, hhmm(17), zone("America/New_York"));
  // Summer week: Sun 2024-07-07 21:00 UTC to Fri 2024-07-12 21:00 UTC.
  require_window(s, epoch_ns(2024, 7, 10, 12), epoch_ns(2024, 7, 7, 21), epoch_ns(2024, 7, 12, 21));
  CHECK_FALSE(is_in_session(s, epoch_ns(2024, 7, 13, 12)));
  CHECK(next_start_utc_ns(s, epoch_ns(2024, 7, 13, 12)) == epoch_ns(2024, 7, 14, 21));
  CHECK(next_start_utc_ns(s, epoch_ns(2024, 7, 10, 12)) == epoch_ns(2024, 7, 14, 21));
  // Winter week: 22:00 UTC both ends.
  require_window(s, epoch_ns(2024, 1, 10, 12), epoch_ns(2024, 1, 7, 22), epoch_ns(2024, 1, 12, 22));
  // The week that falls back on its first Sunday morning starts after the change.
  require_window(s, epoch_ns(2024, 11, 6, 12), epoch_ns(2024, 11, 3, 22), epoch_ns(2024, 11, 8, 22));
  // The week that ends before spring forward, and the one that starts after.
  require_window(s, epoch_ns(2024, 3, 6, 12), epoch_ns(2024, 3, 3, 22), epoch_ns(2024, 3, 8, 22));
  require_window(s, epoch_ns(2024, 3, 13, 12), epoch_ns(2024, 3, 10, 21), epoch_ns(2024, 3, 15, 21));
}

TEST_CASE("a weekly session may wrap past the end of the week (Fri to Sun)", "[schedule]") {
  const schedule s = weekly(fri, hhmm(17), sun, hhmm(17), zone("America/New_York"));
  require_window(s, epoch_ns(2024, 7, 13, 12), epoch_ns(2024, 7, 12, 21), epoch_ns(2024, 7, 14, 21));
  CHECK_FALSE(is_in_session(s, epoch_ns(2024, 7, 10, 12)));
}

TEST_CASE("a weekly Sydney session crosses the April change to standard time", "[schedule]") {
  const schedule s = weekly(mon, hhmm(8), fri, hhmm(18), zone("Australia/Sydney"));
  // Mon 2024-04-01 08:00 AEDT = Sun 21:00 UTC; Fri 18:00 AEDT = 07:00 UTC.
  require_window(s, epoch_ns(2024, 4, 3, 0), epoch_ns(2024, 3, 31, 21), epoch_ns(2024, 4, 5, 7));
  // After Sunday 2024-04-07: Mon 08:00 AEST = Sun 22:00 UTC; Fri 18:00 AEST = 08:00 UTC.
  require_window(s, epoch_ns(2024, 4, 10, 0), epoch_ns(2024, 4, 7, 22), epoch_ns(2024, 4, 12, 8));
  CHECK(next_start_utc_ns(s, epoch_ns(2024, 4, 6, 0)) == epoch_ns(2024, 4, 7, 22));
}

TEST_CASE("a weekly window inside one day (Mon 09:00-17:00) runs once a week", "[schedule]") {
  const schedule s = weekly(mon, hhmm(9), mon, hhmm(17), nullptr);
  require_window(s, epoch_ns(2024, 7, 15, 12), epoch_ns(2024, 7, 15, 9), epoch_ns(2024, 7, 15, 17));
  CHECK_FALSE(is_in_session(s, epoch_ns(2024, 7, 16, 12)));
  CHECK(next_start_utc_ns(s, epoch_ns(2024, 7, 15, 18)) == epoch_ns(2024, 7, 22, 9));
}

TEST_CASE("a weekly schedule with equal start and end is a full week that restarts", "[schedule]") {
  const schedule s = weekly(sun, hhmm(17), sun, hhmm(17), nullptr);
  // Always in session; the session start (and so the sequence reset) moves weekly.
  const std::int64_t restart = epoch_ns(2024, 7, 14, 17);
  CHECK(current_session_start_utc_ns(s, epoch_ns(2024, 7, 10, 12)) == epoch_ns(2024, 7, 7, 17));
  CHECK(current_session_end_utc_ns(s, epoch_ns(2024, 7, 10, 12)) == restart);
  CHECK(is_in_session(s, restart - 1));
  CHECK(current_session_start_utc_ns(s, restart - 1) == epoch_ns(2024, 7, 7, 17));
  CHECK(is_in_session(s, restart));
  CHECK(current_session_start_utc_ns(s, restart) == restart);
  CHECK(next_start_utc_ns(s, restart - 1) == restart);
}

TEST_CASE("equal daily start and end is a 24-hour session reset at that time", "[schedule]") {
  const schedule s = daily(hhmm(17), hhmm(17), zone("America/New_York"));
  CHECK(is_in_session(s, epoch_ns(2024, 7, 1, 20, 59)));
  CHECK(is_in_session(s, epoch_ns(2024, 7, 1, 21)));
  CHECK(current_session_start_utc_ns(s, epoch_ns(2024, 7, 1, 20, 59)) == epoch_ns(2024, 6, 30, 21));
  CHECK(current_session_start_utc_ns(s, epoch_ns(2024, 7, 1, 21)) == epoch_ns(2024, 7, 1, 21));
  // Over spring forward the session is 23 hours long.
  CHECK(current_session_end_utc_ns(s, epoch_ns(2024, 3, 10, 0)) -
            current_session_start_utc_ns(s, epoch_ns(2024, 3, 10, 0)) ==
        23LL * 3600 * 1'000'000'000);
}

TEST_CASE("two instants share a session iff their session starts are equal", "[schedule]") {
  const schedule s = daily(hhmm(22), hhmm(6), zone("Europe/London"));
  const std::int64_t evening = epoch_ns(2024, 7, 1, 22);  // 23:00 BST
  const std::int64_t morning = epoch_ns(2024, 7, 2, 4);   // 05:00 BST, same night
  const std::int64_t next_evening = epoch_ns(2024, 7, 2, 22);
  CHECK(current_session_start_utc_ns(s, evening) == current_session_start_utc_ns(s, morning));
  CHECK(current_session_start_utc_ns(s, morning) != current_session_start_utc_ns(s, next_evening));
}

TEST_CASE("a non-stop schedule is always in one session and never starts again", "[schedule]") {
  const schedule s;  // default: non_stop
  for (std::int64_t t : {std::int64_t{0}, epoch_ns(2024, 3, 10, 7), epoch_ns(2200, 1, 1)}) {
    CHECK(is_in_session(s, t));
    CHECK(current_session_start_utc_ns(s, t) == non_stop_start_ns);
    CHECK(current_session_end_utc_ns(s, t) == never_ns);
    CHECK(next_start_utc_ns(s, t) == never_ns);
  }
}

TEST_CASE("schedule queries allocate nothing", "[schedule][alloc]") {
  const schedule s = weekly(sun, hhmm(17), fri, hhmm(17), zone("America/New_York"));
  std::int64_t sink = 0;
  fixring::test::alloc_scope scope;
  for (std::int64_t t = epoch_ns(2024, 1, 1); t < epoch_ns(2025, 1, 1); t += 3600LL * 1'000'000'000 * 7) {
    sink += is_in_session(s, t) ? 1 : 0;
    sink += next_start_utc_ns(s, t) & 1;
    sink += current_session_start_utc_ns(s, t) & 1;
  }
  CHECK(scope.allocations() == 0);
  CHECK(sink > 0);
}

TEST_CASE("window, start, end and next start agree at random instants", "[schedule][property]") {
  const auto ny = zone("America/New_York");
  const auto sydney = zone("Australia/Sydney");
  const auto london = zone("Europe/London");
  const schedule shapes[] = {
      daily(hhmm(9), hhmm(17), ny),
      daily(hhmm(22), hhmm(6), ny, 0b0111110),
      daily(hhmm(1, 30), hhmm(2, 30), ny),
      daily(hhmm(17), hhmm(17), london),
      weekly(sun, hhmm(17), fri, hhmm(17), sydney),
      weekly(fri, hhmm(22), mon, hhmm(2), london),
      weekly(sat, hhmm(2, 15), sat, hhmm(2, 10), ny),
  };
  std::uint64_t state = 99;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 11;
  };
  const std::int64_t from = epoch_ns(2020, 1, 1);
  const std::int64_t span = epoch_ns(2030, 1, 1) - from;
  for (std::size_t i = 0; i < std::size(shapes); ++i) {
    const schedule& s = shapes[i];
    std::size_t violations = 0;
    for (int n = 0; n < 4000; ++n) {
      // Whole seconds, plus a nanosecond now and then to probe boundaries.
      const std::int64_t t = from + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(span / 1'000'000'000)) * 1'000'000'000 +
                             static_cast<std::int64_t>(n % 3 == 0 ? 1 : 0);
      const std::int64_t start = current_session_start_utc_ns(s, t);
      const std::int64_t end = current_session_end_utc_ns(s, t);
      const std::int64_t upcoming = next_start_utc_ns(s, t);
      bool ok = upcoming > t && is_in_session(s, upcoming) &&
                current_session_start_utc_ns(s, upcoming) == upcoming;
      if (is_in_session(s, t)) {
        ok = ok && start <= t && t < end && upcoming >= end && is_in_session(s, end - 1) &&
             current_session_start_utc_ns(s, end - 1) == start;
      } else {
        const std::int64_t mid = t + (upcoming - t) / 2;
        ok = ok && start == outside_session_ns && end == outside_session_ns &&
             !is_in_session(s, mid) && !is_in_session(s, upcoming - 1);
      }
      if (!ok) ++violations;
    }
    INFO("shape " << i);
    CHECK(violations == 0);
  }
}
