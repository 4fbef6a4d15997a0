// Time zones: TZif v1-v3 reading, footer rules beyond the table, and local
// wall time -> UTC with skipped and repeated hours. Expected instants were
// cross-checked against Python's zoneinfo on the same tzdata.
#include "fixring/engine/config/time_zone.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "alloc_counter.hpp"
#include "time_helpers.hpp"
#include "zoneinfo_required.hpp"

using namespace fixring::engine::config;
using fixring::test::epoch_s;
using fixring::test::hours_s;

namespace {

time_zone zone(const char* name) {
  result<time_zone> z = time_zone::load(name);
  INFO(name << ": " << z.error().message);
  REQUIRE(z.has_value());
  return std::move(z).value();
}

// The offset changes exactly at `at_s`: `before` one second earlier, `after` at it.
void require_change(const time_zone& z, std::int64_t at_s, std::int32_t before_s,
                    std::int32_t after_s) {
  INFO(z.name() << " at " << at_s);
  CHECK(z.offset_at(at_s - 1).offset_s == before_s);
  CHECK(z.offset_at(at_s).offset_s == after_s);
}

void put32(std::vector<unsigned char>& b, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<unsigned char>(v >> shift));
}

// A version-1 TZif file: two transitions (1000 -> +1h DST, 2000 -> back to 0).
std::vector<unsigned char> tiny_v1_file() {
  std::vector<unsigned char> b(20, 0);  // magic, version 0 (v1), 15 reserved bytes
  std::memcpy(b.data(), "TZif", 4);
  for (std::uint32_t n : {0u, 0u, 0u, 2u, 2u, 8u}) put32(b, n);  // isut isstd leap time type char
  put32(b, 1000);
  put32(b, 2000);
  b.push_back(1);
  b.push_back(0);
  put32(b, 0);  // type 0: UTC+0, standard, "STD"
  b.push_back(0);
  b.push_back(0);
  put32(b, 3600);  // type 1: UTC+1, daylight, "DST"
  b.push_back(1);
  b.push_back(4);
  for (char c : std::string_view("STD\0DST\0", 8)) b.push_back(static_cast<unsigned char>(c));
  return b;
}

}  // namespace

TEST_CASE("New York changes to EDT and back at 2am local on the 2024 dates", "[time_zone]") {
  const time_zone ny = zone("America/New_York");
  require_change(ny, epoch_s(2024, 3, 10, 7), -hours_s(5), -hours_s(4));
  require_change(ny, epoch_s(2024, 11, 3, 6), -hours_s(4), -hours_s(5));
  CHECK(ny.offset_at(epoch_s(2024, 7, 1)).is_dst);
  CHECK_FALSE(ny.offset_at(epoch_s(2024, 1, 15)).is_dst);
  CHECK(ny.transition_count() > 100);
}

TEST_CASE("London changes to BST and back at 01:00 UTC on the last Sundays", "[time_zone]") {
  const time_zone london = zone("Europe/London");
  require_change(london, epoch_s(2024, 3, 31, 1), 0, hours_s(1));
  require_change(london, epoch_s(2024, 10, 27, 1), hours_s(1), 0);
}

TEST_CASE("Sydney keeps daylight time across New Year (southern hemisphere)", "[time_zone]") {
  const time_zone sydney = zone("Australia/Sydney");
  require_change(sydney, epoch_s(2024, 4, 6, 16), hours_s(11), hours_s(10));
  require_change(sydney, epoch_s(2024, 10, 5, 16), hours_s(10), hours_s(11));
  CHECK(sydney.offset_at(epoch_s(2024, 12, 31, 12)).is_dst);
  CHECK(sydney.offset_at(epoch_s(2025, 1, 1, 12)).is_dst);
  CHECK_FALSE(sydney.offset_at(epoch_s(2024, 7, 1)).is_dst);
}

TEST_CASE("Kolkata is five and a half hours ahead at every instant since 1950", "[time_zone]") {
  const time_zone kolkata = zone("Asia/Kolkata");
  for (int year = 1950; year <= 2100; year += 7) {
    for (unsigned month : {1u, 4u, 7u, 10u}) {
      CHECK(kolkata.offset_at(epoch_s(year, month, 15)).offset_s == 5 * 3600 + 1800);
    }
  }
}

TEST_CASE("UTC has offset zero everywhere, from the file or built in", "[time_zone]") {
  const time_zone from_file = zone("UTC");
  const time_zone built_in = time_zone::utc();
  for (std::int64_t t : {epoch_s(1900, 1, 1), std::int64_t{0}, epoch_s(2024, 6, 1), epoch_s(2200, 1, 1)}) {
    CHECK(from_file.offset_at(t) == utc_offset{0, false});
    CHECK(built_in.offset_at(t) == utc_offset{0, false});
  }
  CHECK(built_in.name() == "UTC");
}

TEST_CASE("UTC resolves without zone files", "[time_zone]") {
  result<time_zone> z = time_zone::load("UTC", "/nonexistent-zoneinfo");
  REQUIRE(z.has_value());
  CHECK(z.value().offset_at(epoch_s(2024, 6, 1)).offset_s == 0);
}

TEST_CASE("instants after the table follow the footer rule decades ahead", "[time_zone]") {
  const time_zone ny = zone("America/New_York");
  require_change(ny, epoch_s(2060, 3, 14, 7), -hours_s(5), -hours_s(4));
  require_change(ny, epoch_s(2060, 11, 7, 6), -hours_s(4), -hours_s(5));
  require_change(ny, epoch_s(2100, 3, 14, 7), -hours_s(5), -hours_s(4));
  require_change(ny, epoch_s(2100, 11, 7, 6), -hours_s(4), -hours_s(5));

  const time_zone london = zone("Europe/London");
  require_change(london, epoch_s(2060, 3, 28, 1), 0, hours_s(1));
  require_change(london, epoch_s(2100, 10, 31, 1), hours_s(1), 0);

  const time_zone sydney = zone("Australia/Sydney");
  require_change(sydney, epoch_s(2060, 4, 3, 16), hours_s(11), hours_s(10));
  require_change(sydney, epoch_s(2060, 10, 2, 16), hours_s(10), hours_s(11));
  require_change(sydney, epoch_s(2100, 4, 3, 16), hours_s(11), hours_s(10));
}

TEST_CASE("version 3 footers with rule times past 24h and below zero", "[time_zone]") {
  // Asia/Jerusalem: IST-2IDT,M3.4.4/26,M10.5.0 (Thursday 26:00 = Friday 02:00).
  const time_zone jerusalem = zone("Asia/Jerusalem");
  require_change(jerusalem, epoch_s(2060, 3, 26, 0), hours_s(2), hours_s(3));
  require_change(jerusalem, epoch_s(2060, 10, 30, 23), hours_s(3), hours_s(2));
  // America/Nuuk: <-02>2<-01>,M3.5.0/-1,M10.5.0/0 (Saturday 23:00 local).
  const time_zone nuuk = zone("America/Nuuk");
  require_change(nuuk, epoch_s(2060, 3, 28, 1), -hours_s(2), -hours_s(1));
  require_change(nuuk, epoch_s(2060, 10, 31, 1), -hours_s(1), -hours_s(2));
}

TEST_CASE("a version 1 file is read from its 32-bit table", "[time_zone]") {
  const std::vector<unsigned char> bytes = tiny_v1_file();
  result<time_zone> z = time_zone::from_tzif(bytes, "Test/V1");
  INFO(z.error().message);
  REQUIRE(z.has_value());
  CHECK(z.value().transition_count() == 2);
  CHECK(z.value().offset_at(999) == utc_offset{0, false});
  CHECK(z.value().offset_at(1000) == utc_offset{3600, true});
  CHECK(z.value().offset_at(1999) == utc_offset{3600, true});
  CHECK(z.value().offset_at(2000) == utc_offset{0, false});
  CHECK(z.value().offset_at(4'000'000'000) == utc_offset{0, false});
}

TEST_CASE("malformed TZif data is rejected with the zone's name", "[time_zone]") {
  std::vector<unsigned char> bytes = tiny_v1_file();
  SECTION("bad magic") { bytes[0] = 'X'; }
  SECTION("truncated") { bytes.resize(bytes.size() - 3); }
  SECTION("type index out of range") { bytes[44 + 8] = 7; }
  SECTION("transitions out of order") { bytes[44 + 3] = 0xff, bytes[44 + 2] = 0xff; }
  SECTION("v2 header promised but missing") { bytes[4] = '2'; }
  result<time_zone> z = time_zone::from_tzif(bytes, "Test/Broken");
  REQUIRE_FALSE(z.has_value());
  CHECK(z.error().code == config_errc::bad_time_zone);
  CHECK_THAT(z.error().message, Catch::Contains("Test/Broken"));
}

TEST_CASE("an unknown zone name is an error naming the zone", "[time_zone]") {
  result<time_zone> z = time_zone::load("Mars/Olympus_Mons");
  REQUIRE_FALSE(z.has_value());
  CHECK(z.error().code == config_errc::bad_time_zone);
  CHECK_THAT(z.error().message, Catch::Contains("Mars/Olympus_Mons"));
}

TEST_CASE("a zone directory instead of a zone file is an error naming it", "[time_zone]") {
  result<time_zone> z = time_zone::load("America");
  REQUIRE_FALSE(z.has_value());
  CHECK(z.error().code == config_errc::bad_time_zone);
  CHECK_THAT(z.error().message, Catch::StartsWith("time zone 'America': "));
}

TEST_CASE("zone names that escape the zone directory are refused", "[time_zone]") {
  for (const char* name : {"../../etc/passwd", "/etc/localtime", ""}) {
    result<time_zone> z = time_zone::load(name);
    REQUIRE_FALSE(z.has_value());
    CHECK(z.error().code == config_errc::bad_time_zone);
  }
}

TEST_CASE("a wall time in an ordinary hour maps to one instant", "[time_zone][local]") {
  const time_zone ny = zone("America/New_York");
  const local_time_result r = ny.local_to_utc(epoch_s(2024, 7, 1, 9));
  CHECK(r.kind == local_time_kind::unique);
  CHECK(r.earliest_utc_s == epoch_s(2024, 7, 1, 13));
  CHECK(r.latest_utc_s == r.earliest_utc_s);
  CHECK(ny.local_to_utc(epoch_s(2024, 1, 15, 9)).earliest_utc_s == epoch_s(2024, 1, 15, 14));
}

TEST_CASE("a wall time skipped by spring forward is shifted forward by the gap", "[time_zone][local]") {
  const time_zone ny = zone("America/New_York");
  const local_time_result r = ny.local_to_utc(epoch_s(2024, 3, 10, 2, 30));
  CHECK(r.kind == local_time_kind::skipped);
  CHECK(r.earliest_utc_s == epoch_s(2024, 3, 10, 7, 30));  // 03:30 EDT
  CHECK(r.latest_utc_s == r.earliest_utc_s);

  const time_zone sydney = zone("Australia/Sydney");
  const local_time_result s = sydney.local_to_utc(epoch_s(2024, 10, 6, 2, 30));
  CHECK(s.kind == local_time_kind::skipped);
  CHECK(s.earliest_utc_s == epoch_s(2024, 10, 5, 16, 30));  // 03:30 AEDT
}

TEST_CASE("a wall time repeated by fall back has two instants, first one earliest", "[time_zone][local]") {
  const time_zone ny = zone("America/New_York");
  const local_time_result r = ny.local_to_utc(epoch_s(2024, 11, 3, 1, 30));
  CHECK(r.kind == local_time_kind::ambiguous);
  CHECK(r.earliest_utc_s == epoch_s(2024, 11, 3, 5, 30));  // 01:30 EDT
  CHECK(r.latest_utc_s == epoch_s(2024, 11, 3, 6, 30));    // 01:30 EST

  const time_zone sydney = zone("Australia/Sydney");
  const local_time_result s = sydney.local_to_utc(epoch_s(2024, 4, 7, 2, 30));
  CHECK(s.kind == local_time_kind::ambiguous);
  CHECK(s.earliest_utc_s == epoch_s(2024, 4, 6, 15, 30));  // 02:30 AEDT
  CHECK(s.latest_utc_s == epoch_s(2024, 4, 6, 16, 30));    // 02:30 AEST
}

TEST_CASE("the wall times bordering a change are unique", "[time_zone][local]") {
  const time_zone london = zone("Europe/London");
  CHECK(london.local_to_utc(epoch_s(2024, 3, 31, 0, 59, 59)).kind == local_time_kind::unique);
  CHECK(london.local_to_utc(epoch_s(2024, 3, 31, 2)).kind == local_time_kind::unique);
  CHECK(london.local_to_utc(epoch_s(2024, 3, 31, 2)).earliest_utc_s == epoch_s(2024, 3, 31, 1));
  CHECK(london.local_to_utc(epoch_s(2024, 10, 27, 2)).kind == local_time_kind::unique);
  CHECK(london.local_to_utc(epoch_s(2024, 10, 27, 0, 59, 59)).kind == local_time_kind::unique);
}

TEST_CASE("POSIX TZ strings parse with names, signs, minutes and rule forms", "[time_zone][posix]") {
  detail::posix_rule r;
  REQUIRE(detail::parse_posix_tz("IST-5:30", r));
  CHECK(r.standard.offset_s == 5 * 3600 + 1800);
  CHECK_FALSE(r.has_dst);

  REQUIRE(detail::parse_posix_tz("<-03>3", r));
  CHECK(r.standard.offset_s == -3 * 3600);

  REQUIRE(detail::parse_posix_tz("AEST-10AEDT,M10.1.0,M4.1.0/3", r));
  CHECK(r.daylight.offset_s == 11 * 3600);
  CHECK(r.dst_start.month == 10);
  CHECK(r.dst_end.time_s == 3 * 3600);

  REQUIRE(detail::parse_posix_tz("XXX3YYY,J60/2,300/-1:30", r));
  CHECK(r.dst_start.kind == detail::posix_rule_date::form::julian_1_365);
  CHECK(r.dst_end.kind == detail::posix_rule_date::form::zero_based_0_365);
  CHECK(r.dst_end.time_s == -5400);

  for (const char* bad : {"", "E5", "EST", "EST5EDT,M13.1.0,M11.1.0", "EST5EDT,M3.6.0,M11.1.0",
                          "EST5EDT,M3.2.0", "EST5EDT,M3.2.0,M11.1.0x", "<A>5", "EST25",
                          "EST5EDT,J0,J365", "EST5EDT,M3.2.0/168,M11.1.0"}) {
    INFO(bad);
    CHECK_FALSE(detail::parse_posix_tz(bad, r));
  }
}

TEST_CASE("a zone made from a POSIX rule alone applies it in every year", "[time_zone][posix]") {
  result<time_zone> z = time_zone::from_posix_tz("EST5EDT,M3.2.0,M11.1.0", "Test/Eastern");
  REQUIRE(z.has_value());
  require_change(z.value(), epoch_s(2024, 3, 10, 7), -hours_s(5), -hours_s(4));
  require_change(z.value(), epoch_s(1990, 11, 4, 6), -hours_s(4), -hours_s(5));
  CHECK_FALSE(time_zone::from_posix_tz("nonsense", "Test/Bad").has_value());
}

TEST_CASE("offset lookups and local conversions allocate nothing", "[time_zone][alloc]") {
  const time_zone ny = zone("America/New_York");
  std::int64_t sink = 0;
  fixring::test::alloc_scope scope;
  for (std::int64_t t = epoch_s(1990, 1, 1); t < epoch_s(2090, 1, 1); t += 86'400 * 13) {
    sink += ny.offset_at(t).offset_s;
    sink += ny.local_to_utc(t).earliest_utc_s;
  }
  CHECK(scope.allocations() == 0);
  CHECK(sink != 0);
}

TEST_CASE("every instant is one of the instants its own wall time denotes", "[time_zone][property]") {
  for (const char* name : {"America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata",
                           "Asia/Jerusalem", "America/Nuuk", "UTC"}) {
    const time_zone z = zone(name);
    std::size_t mismatches = 0;
    std::size_t ambiguous = 0;
    // An irregular step (7h13m, coprime with a day in minutes) lands on every
  // minute of the day over the sweep.
    for (std::int64_t t = epoch_s(1990, 1, 1); t < epoch_s(2110, 1, 1); t += 7 * 3600 + 13 * 60) {
      const local_time_result r = z.local_to_utc(t + z.offset_at(t).offset_s);
      if (r.kind == local_time_kind::skipped || (t != r.earliest_utc_s && t != r.latest_utc_s)) {
        ++mismatches;
      }
      if (r.kind == local_time_kind::ambiguous) ++ambiguous;
    }
    INFO(name);
    CHECK(mismatches == 0);
    if (std::strcmp(name, "America/New_York") == 0) CHECK(ambiguous > 10);
  }
}

TEST_CASE("corrupted zone files are rejected or read without stepping outside them", "[time_zone][robustness]") {
  // A seeded mutation loop over a real file; the sanitizer build turns any
  // out-of-bounds read into a failure.
  std::ifstream in("/usr/share/zoneinfo/America/New_York", std::ios::binary);
  const std::vector<unsigned char> original{std::istreambuf_iterator<char>(in),
                                            std::istreambuf_iterator<char>()};
  REQUIRE(original.size() > 100);
  std::uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  };
  std::size_t accepted = 0;
  for (int round = 0; round < 3000; ++round) {
    std::vector<unsigned char> bytes = original;
    const int edits = 1 + static_cast<int>(next() % 4);
    for (int e = 0; e < edits; ++e) {
      switch (next() % 3) {
        case 0: bytes[next() % bytes.size()] = static_cast<unsigned char>(next()); break;
        case 1: bytes.resize(next() % bytes.size()); break;
        default: bytes[20 + next() % 24] = static_cast<unsigned char>(next()); break;  // counts
      }
      if (bytes.empty()) break;
    }
    result<time_zone> z = time_zone::from_tzif(bytes, "Fuzz/Zone");
    if (!z) {
      CHECK(z.error().code == config_errc::bad_time_zone);
      continue;
    }
    ++accepted;
    for (std::int64_t t : {std::int64_t{-4'000'000'000}, std::int64_t{0}, epoch_s(2024, 6, 1), epoch_s(2300, 1, 1)}) {
      const std::int32_t off = z.value().offset_at(t).offset_s;
      CHECK(off > -26 * 3600);
      CHECK(off < 26 * 3600);
      (void)z.value().local_to_utc(t);
    }
  }
  CHECK(accepted > 0);  // some mutations (in unused bytes) leave a valid file
}
