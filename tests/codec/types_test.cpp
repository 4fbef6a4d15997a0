#include <catch2/catch.hpp>

#include <cstring>
#include <string>

#include "fixring/codec/types.hpp"

using namespace fixring::codec;

TEST_CASE("int parses sign and digits and refuses everything else") {
  std::int64_t v = 0;
  CHECK((parse_int("0", v) && v == 0));
  CHECK((parse_int("-42", v) && v == -42));
  CHECK((parse_int("000123", v) && v == 123));
  CHECK((parse_int("999999999999999999", v) && v == 999999999999999999LL));
  CHECK_FALSE(parse_int("", v));
  CHECK_FALSE(parse_int("-", v));
  CHECK_FALSE(parse_int("1.0", v));
  CHECK_FALSE(parse_int("+1", v));
  CHECK_FALSE(parse_int("1234567890123456789", v));  // 19 digits could overflow
  CHECK_FALSE(parse_int(" 1", v));
}

TEST_CASE("int formatting round-trips across the range") {
  char buf[32];
  for (std::int64_t v : {0LL, 1LL, -1LL, 9LL, 10LL, 99LL, 100LL, 12345LL, -987654321LL,
                         9223372036854775807LL, -9223372036854775807LL - 1}) {
    const std::size_t n = format_int(buf, v);
    CHECK(std::string(buf, n) == std::to_string(v));
  }
}

TEST_CASE("decimal keeps every digit and formats to its own scale") {
  decimal d;
  REQUIRE(parse_decimal("002000.00", d));
  CHECK(d.mantissa == 200000);
  CHECK(d.scale == 2);
  char buf[32];
  CHECK(std::string(buf, format_decimal(buf, d)) == "2000.00");
  REQUIRE(parse_decimal("-0.005", d));
  CHECK(std::string(buf, format_decimal(buf, d)) == "-0.005");
  REQUIRE(parse_decimal("17", d));
  CHECK(std::string(buf, format_decimal(buf, d)) == "17");
  REQUIRE(parse_decimal(".5", d));
  CHECK(d == decimal{50, 2});
  CHECK(d.to_double() == 0.5);
  CHECK_FALSE(parse_decimal("1.2.3", d));
  CHECK_FALSE(parse_decimal("1e5", d));
  CHECK_FALSE(parse_decimal("", d));
  CHECK_FALSE(parse_decimal(".", d));
  CHECK_FALSE(parse_decimal("1234567890.1234567890", d));
}

TEST_CASE("char and Boolean take exactly one valid character") {
  char c = 0;
  bool b = false;
  CHECK((parse_char("X", c) && c == 'X'));
  CHECK_FALSE(parse_char("XY", c));
  CHECK((parse_bool("Y", b) && b));
  CHECK((parse_bool("N", b) && !b));
  CHECK_FALSE(parse_bool("y", b));
  CHECK_FALSE(parse_bool("", b));
}

TEST_CASE("UTCTimestamp parses s, ms, us and ns precision") {
  utc_timestamp t;
  REQUIRE(parse_utc_timestamp("19700101-00:00:00", t));
  CHECK(t.ns_since_epoch == 0);
  CHECK(t.precision == time_precision::s);
  REQUIRE(parse_utc_timestamp("20260101-12:00:00.123", t));
  CHECK(t.ns_since_epoch == 1767268800123000000LL);
  REQUIRE(parse_utc_timestamp("20260101-12:00:00.123456", t));
  CHECK(t.ns_since_epoch == 1767268800123456000LL);
  CHECK(t.precision == time_precision::us);
  REQUIRE(parse_utc_timestamp("20260101-12:00:00.123456789", t));
  CHECK(t.ns_since_epoch == 1767268800123456789LL);
  REQUIRE(parse_utc_timestamp("20240229-23:59:60", t));  // leap day and leap second
}

TEST_CASE("truncated or impossible timestamps are refused") {
  utc_timestamp t;
  for (const char* s : {"", "20260101", "20260101-12:00", "20260101-12:00:0", "20260101-12:00:00.",
                        "20260101-12:00:00.1", "20260101-12:00:00.1234", "20261301-12:00:00",
                        "20260230-12:00:00", "20230229-12:00:00", "20260101-24:00:00", "20260101-12:60:00",
                        "20260101 12:00:00", "2026010a-12:00:00", "20260101-12:00:00Z"}) {
    INFO(s);
    CHECK_FALSE(parse_utc_timestamp(s, t));
  }
}

TEST_CASE("timestamp formatting round-trips at every precision") {
  char buf[32];
  for (auto p : {time_precision::s, time_precision::ms, time_precision::us, time_precision::ns}) {
    const std::int64_t ns = 1767268800123456789LL;
    const std::size_t n = format_utc_timestamp(buf, ns, p);
    CHECK(n == utc_timestamp_chars(p));
    utc_timestamp t;
    REQUIRE(parse_utc_timestamp({buf, n}, t));
    std::int64_t unit = 1;
    for (int k = static_cast<int>(p); k < 9; ++k) unit *= 10;
    CHECK(t.ns_since_epoch == ns / unit * unit);
  }
  CHECK(std::string(buf, format_utc_timestamp(buf, 1767268800123456789LL, time_precision::ms)) ==
        "20260101-12:00:00.123");
}

TEST_CASE("date conversions agree with known days") {
  for (std::int64_t days = -800000; days < 800000; days += 997) {
    const civil_date d = detail::civil_from_days(days);
    CHECK(detail::days_from_civil(d.year, d.month, d.day) == days);
  }
  CHECK(detail::days_from_civil(2000, 3, 1) == 11017);
}

TEST_CASE("TZTimestamp applies the offset") {
  utc_timestamp t;
  REQUIRE(parse_tz_timestamp("20260101-12:00:00Z", t));
  CHECK(t.ns_since_epoch == 1767268800000000000LL);
  REQUIRE(parse_tz_timestamp("20260101-07:00:00-05", t));
  CHECK(t.ns_since_epoch == 1767268800000000000LL);
  REQUIRE(parse_tz_timestamp("20260101-17:30+05:30", t));
  CHECK(t.ns_since_epoch == 1767268800000000000LL);
  CHECK_FALSE(parse_tz_timestamp("20260101-12:00:00", t));
  CHECK_FALSE(parse_tz_timestamp("20260101-12:00:00+5", t));
}

TEST_CASE("LocalMktDate and MonthYear") {
  civil_date d;
  REQUIRE(parse_date("20260315", d));
  CHECK((d.year == 2026 && d.month == 3 && d.day == 15));
  CHECK_FALSE(parse_date("2026031", d));
  CHECK_FALSE(parse_date("20260431", d));
  month_year my;
  REQUIRE(parse_month_year("202603", my));
  CHECK((my.year == 2026 && my.month == 3 && my.day == 0 && my.week == 0));
  REQUIRE(parse_month_year("20260320", my));
  CHECK(my.day == 20);
  REQUIRE(parse_month_year("202603w2", my));
  CHECK(my.week == 2);
  CHECK_FALSE(parse_month_year("202613", my));
  CHECK_FALSE(parse_month_year("202603w9", my));
}

TEST_CASE("timestamps whose nanoseconds would overflow are refused, not wrapped") {
  utc_timestamp t;
  CHECK(parse_utc_timestamp("22610101-00:00:00", t));
  CHECK(t.ns_since_epoch > 0);
  CHECK(parse_utc_timestamp("16790101-00:00:00", t));
  CHECK(t.ns_since_epoch < 0);
  CHECK_FALSE(parse_utc_timestamp("99991231-23:59:59", t));
  CHECK_FALSE(parse_utc_timestamp("00010101-00:00:00", t));
  CHECK_FALSE(parse_tz_timestamp("99991231-23:59:59Z", t));
}
