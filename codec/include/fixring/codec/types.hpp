// FIX value types: parsing and formatting of the textual forms the FIX
// specification defines (int, fixed-point decimal, char, Boolean, UTCTimestamp,
// UTCTimeOnly, UTCDateOnly, TZTimestamp, TZTimeOnly, LocalMktDate, MonthYear).
//
// Contract: every function here is noexcept, allocates nothing, reads exactly the
// bytes of the string_view it is given and writes at most the documented number of
// bytes to an output pointer. Parsers return false on any deviation from the
// specified form; they never partially succeed. Thread-safe (no shared state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace fixring::codec {

// ---------------------------------------------------------------------------
// Integers
// ---------------------------------------------------------------------------

// FIX "int": optional leading '-', then 1..18 digits (leading zeros allowed).
// 18 digits cannot overflow int64, so no overflow arithmetic is needed.
[[nodiscard]] constexpr bool parse_int(std::string_view s, std::int64_t& out) noexcept {
  std::size_t i = 0;
  bool neg = false;
  if (!s.empty() && s[0] == '-') {
    neg = true;
    i = 1;
  }
  const std::size_t ndigits = s.size() - i;
  if (ndigits == 0 || ndigits > 18) return false;
  std::int64_t v = 0;
  for (; i < s.size(); ++i) {
    const unsigned d = static_cast<unsigned char>(s[i]) - '0';
    if (d > 9) return false;
    v = v * 10 + static_cast<std::int64_t>(d);
  }
  out = neg ? -v : v;
  return true;
}

// Non-negative integer of 1..18 digits (SeqNum, Length, NumInGroup, TagNum).
[[nodiscard]] constexpr bool parse_uint(std::string_view s, std::uint64_t& out) noexcept {
  if (s.empty() || s.size() > 18) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    const unsigned d = static_cast<unsigned char>(c) - '0';
    if (d > 9) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

namespace detail {
inline constexpr char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

[[nodiscard]] constexpr unsigned count_digits(std::uint64_t v) noexcept {
  unsigned n = 1;
  for (;;) {
    if (v < 10) return n;
    if (v < 100) return n + 1;
    if (v < 1000) return n + 2;
    if (v < 10000) return n + 3;
    v /= 10000u;
    n += 4;
  }
}

// Writes exactly `width` digits of v (v must fit), most significant first.
constexpr void write_digits(char* out, std::uint64_t v, unsigned width) noexcept {
  char* p = out + width;
  while (width >= 2) {
    const auto pair = static_cast<unsigned>(v % 100u) * 2u;
    v /= 100u;
    *--p = digit_pairs[pair + 1];
    *--p = digit_pairs[pair];
    width -= 2;
  }
  if (width) *--p = static_cast<char>('0' + v % 10u);
}
}  // namespace detail

// Longest output of format_uint / format_int.
inline constexpr std::size_t max_int_chars = 20;

// Writes v in decimal without padding; returns the number of bytes written (1..20).
constexpr std::size_t format_uint(char* out, std::uint64_t v) noexcept {
  const unsigned n = detail::count_digits(v);
  detail::write_digits(out, v, n);
  return n;
}

constexpr std::size_t format_int(char* out, std::int64_t v) noexcept {
  if (v < 0) {
    *out = '-';
    return 1 + format_uint(out + 1, ~static_cast<std::uint64_t>(v) + 1u);
  }
  return format_uint(out, static_cast<std::uint64_t>(v));
}

// ---------------------------------------------------------------------------
// Fixed-point decimal (FIX float, Qty, Price, PriceOffset, Amt, Percentage)
// ---------------------------------------------------------------------------

// value = mantissa * 10^-scale. Parsing keeps every digit: "002000.00" is
// {200000, 2}, so a value can be compared exactly and re-formatted to the same
// number of decimals. No binary floating point is involved.
struct decimal {
  std::int64_t mantissa = 0;
  std::uint8_t scale = 0;  // digits after the decimal point, 0..18

  [[nodiscard]] double to_double() const noexcept;
  // Exact comparison across scales (1.50 == 1.5).
  [[nodiscard]] friend bool operator==(decimal a, decimal b) noexcept {
    while (a.scale < b.scale) {
      a.mantissa *= 10;
      ++a.scale;
    }
    while (b.scale < a.scale) {
      b.mantissa *= 10;
      ++b.scale;
    }
    return a.mantissa == b.mantissa;
  }
};

// FIX float: optional '-', digits, optional '.' and digits; at least one digit and
// at most 18 significant-or-not digits in total. No exponent (FIX forbids it).
[[nodiscard]] constexpr bool parse_decimal(std::string_view s, decimal& out) noexcept {
  std::size_t i = 0;
  bool neg = false;
  if (!s.empty() && s[0] == '-') {
    neg = true;
    i = 1;
  }
  std::int64_t m = 0;
  unsigned digits = 0;
  int scale = -1;  // -1 until the point is seen
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.') {
      if (scale >= 0) return false;
      scale = 0;
      continue;
    }
    const unsigned d = static_cast<unsigned char>(c) - '0';
    if (d > 9) return false;
    if (++digits > 18) return false;
    m = m * 10 + static_cast<std::int64_t>(d);
    if (scale >= 0) ++scale;
  }
  if (digits == 0) return false;
  out.mantissa = neg ? -m : m;
  out.scale = static_cast<std::uint8_t>(scale < 0 ? 0 : scale);
  return true;
}

// Writes the decimal with exactly `scale` fractional digits ("-12.340" for
// {-12340, 3}); returns bytes written (at most 21).
constexpr std::size_t format_decimal(char* out, decimal d) noexcept {
  char* p = out;
  std::uint64_t m = d.mantissa < 0 ? ~static_cast<std::uint64_t>(d.mantissa) + 1u
                                   : static_cast<std::uint64_t>(d.mantissa);
  if (d.mantissa < 0) *p++ = '-';
  if (d.scale == 0) return static_cast<std::size_t>(p - out) + format_uint(p, m);
  unsigned n = detail::count_digits(m);
  if (n <= d.scale) n = d.scale + 1u;  // leading "0."
  const unsigned int_digits = n - d.scale;
  char tmp[20];
  detail::write_digits(tmp, m, n);
  std::memcpy(p, tmp, int_digits);
  p += int_digits;
  *p++ = '.';
  std::memcpy(p, tmp + int_digits, d.scale);
  p += d.scale;
  return static_cast<std::size_t>(p - out);
}

// ---------------------------------------------------------------------------
// char and Boolean
// ---------------------------------------------------------------------------

[[nodiscard]] constexpr bool parse_char(std::string_view s, char& out) noexcept {
  if (s.size() != 1) return false;
  out = s[0];
  return true;
}

[[nodiscard]] constexpr bool parse_bool(std::string_view s, bool& out) noexcept {
  if (s.size() != 1) return false;
  if (s[0] == 'Y') {
    out = true;
    return true;
  }
  if (s[0] == 'N') {
    out = false;
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// Dates and times
// ---------------------------------------------------------------------------

// Fractional-second precision of a timestamp, as the number of digits.
enum class time_precision : std::uint8_t { s = 0, ms = 3, us = 6, ns = 9 };

// A UTC instant with the precision it was written with.
struct utc_timestamp {
  std::int64_t ns_since_epoch = 0;
  time_precision precision = time_precision::s;
};

// Calendar date. month 1..12, day 1..31.
struct civil_date {
  std::int32_t year = 1970;
  std::uint8_t month = 1;
  std::uint8_t day = 1;
};

namespace detail {
// Days since 1970-01-01 of a proleptic Gregorian date; valid for any int32 year.
// Eras of 400 years (146097 days) make the leap rule a lookup-free formula.
[[nodiscard]] constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);                // [0, 399]
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

[[nodiscard]] constexpr civil_date civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int32_t>(y + (m <= 2)), static_cast<std::uint8_t>(m),
          static_cast<std::uint8_t>(d)};
}

[[nodiscard]] constexpr bool is_leap(std::int64_t y) noexcept {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

[[nodiscard]] constexpr unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  constexpr unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29u : dim[m - 1];
}

// Reads exactly n digits at p; false on any non-digit.
[[nodiscard]] constexpr bool fixed_digits(const char* p, unsigned n, unsigned& out) noexcept {
  unsigned v = 0;
  for (unsigned i = 0; i < n; ++i) {
    const unsigned d = static_cast<unsigned char>(p[i]) - '0';
    if (d > 9) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

// "YYYYMMDD" at p (8 bytes available) into days since epoch, validating the date.
[[nodiscard]] constexpr bool parse_yyyymmdd(const char* p, std::int64_t& days) noexcept {
  unsigned y = 0, m = 0, d = 0;
  if (!fixed_digits(p, 4, y) || !fixed_digits(p + 4, 2, m) || !fixed_digits(p + 6, 2, d)) return false;
  if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return false;
  days = days_from_civil(y, m, d);
  return true;
}

// "HH:MM:SS" then optionally '.' and 3, 6 or 9 digits; leap second 60 accepted.
// Consumes the whole view. Result in ns since midnight.
[[nodiscard]] constexpr bool parse_time_of_day(std::string_view s, std::int64_t& ns,
                                               time_precision& prec) noexcept {
  if (s.size() < 8 || s[2] != ':' || s[5] != ':') return false;
  unsigned h = 0, mi = 0, se = 0;
  if (!fixed_digits(s.data(), 2, h) || !fixed_digits(s.data() + 3, 2, mi) ||
      !fixed_digits(s.data() + 6, 2, se))
    return false;
  if (h > 23 || mi > 59 || se > 60) return false;
  std::int64_t frac_ns = 0;
  prec = time_precision::s;
  if (s.size() > 8) {
    if (s[8] != '.') return false;
    const std::size_t nf = s.size() - 9;
    if (nf != 3 && nf != 6 && nf != 9) return false;
    unsigned f = 0;
    if (!fixed_digits(s.data() + 9, static_cast<unsigned>(nf), f)) return false;
    frac_ns = f;
    for (std::size_t k = nf; k < 9; ++k) frac_ns *= 10;
    prec = static_cast<time_precision>(nf);
  }
  ns = ((static_cast<std::int64_t>(h) * 60 + mi) * 60 + se) * 1'000'000'000 + frac_ns;
  return true;
}
}  // namespace detail

namespace detail {
// Nanoseconds since 1970 fit an int64 for about 292 years either side; a date
// beyond that (the form allows years 0000-9999) is refused, not overflowed.
inline constexpr std::int64_t max_ns_days = 106'700;  // 2262-02 is the first day that overflows
[[nodiscard]] constexpr bool ns_representable(std::int64_t days) noexcept {
  return days > -max_ns_days && days < max_ns_days;
}
}  // namespace detail

// UTCTimestamp: "YYYYMMDD-HH:MM:SS" with optional ".sss", ".ssssss" or ".sssssssss".
// Instants whose nanoseconds since 1970 do not fit an int64 (before 1678 or
// after 2261) are refused.
[[nodiscard]] constexpr bool parse_utc_timestamp(std::string_view s, utc_timestamp& out) noexcept {
  if (s.size() < 17 || s[8] != '-') return false;
  std::int64_t days = 0, tod = 0;
  time_precision prec{};
  if (!detail::parse_yyyymmdd(s.data(), days) || !detail::ns_representable(days)) return false;
  if (!detail::parse_time_of_day(s.substr(9), tod, prec)) return false;
  out.ns_since_epoch = days * 86'400'000'000'000 + tod;
  out.precision = prec;
  return true;
}

// UTCTimeOnly: "HH:MM:SS[.sss|.ssssss|.sssssssss]" -> ns since midnight.
[[nodiscard]] constexpr bool parse_utc_time_only(std::string_view s, std::int64_t& ns_of_day,
                                                 time_precision& prec) noexcept {
  return detail::parse_time_of_day(s, ns_of_day, prec);
}

// UTCDateOnly and LocalMktDate: "YYYYMMDD" -> validated calendar date.
[[nodiscard]] constexpr bool parse_date(std::string_view s, civil_date& out) noexcept {
  std::int64_t days = 0;
  if (s.size() != 8 || !detail::parse_yyyymmdd(s.data(), days)) return false;
  out = detail::civil_from_days(days);
  return true;
}

// MonthYear: "YYYYMM", "YYYYMMDD" or "YYYYMMwN" (week 1..5).
struct month_year {
  std::int32_t year = 0;
  std::uint8_t month = 0;
  std::uint8_t day = 0;   // 0 when absent
  std::uint8_t week = 0;  // 0 when absent
};

[[nodiscard]] constexpr bool parse_month_year(std::string_view s, month_year& out) noexcept {
  if (s.size() != 6 && s.size() != 8) return false;
  unsigned y = 0, m = 0;
  if (!detail::fixed_digits(s.data(), 4, y) || !detail::fixed_digits(s.data() + 4, 2, m)) return false;
  if (m < 1 || m > 12) return false;
  out = {static_cast<std::int32_t>(y), static_cast<std::uint8_t>(m), 0, 0};
  if (s.size() == 8) {
    if (s[6] == 'w') {
      const unsigned w = static_cast<unsigned char>(s[7]) - '0';
      if (w < 1 || w > 5) return false;
      out.week = static_cast<std::uint8_t>(w);
    } else {
      unsigned d = 0;
      if (!detail::fixed_digits(s.data() + 6, 2, d) || d < 1 || d > detail::days_in_month(y, m)) return false;
      out.day = static_cast<std::uint8_t>(d);
    }
  }
  return true;
}

// TZTimestamp: "YYYYMMDD-HH:MM[:SS[.sss...]]" then "Z" or "+hh[:mm]" / "-hh[:mm]".
// Result is the UTC instant.
[[nodiscard]] constexpr bool parse_tz_timestamp(std::string_view s, utc_timestamp& out) noexcept {
  if (s.size() < 15 || s[8] != '-') return false;
  std::int64_t days = 0;
  if (!detail::parse_yyyymmdd(s.data(), days) || !detail::ns_representable(days)) return false;
  // Split the time part from the zone designator.
  std::string_view rest = s.substr(9);
  std::size_t zpos = rest.find_first_of("Z+-");
  if (zpos == std::string_view::npos) return false;
  std::string_view time = rest.substr(0, zpos), zone = rest.substr(zpos);
  std::int64_t tod = 0;
  time_precision prec = time_precision::s;
  if (time.size() == 5) {  // HH:MM
    unsigned h = 0, mi = 0;
    if (time[2] != ':' || !detail::fixed_digits(time.data(), 2, h) ||
        !detail::fixed_digits(time.data() + 3, 2, mi) || h > 23 || mi > 59)
      return false;
    tod = (static_cast<std::int64_t>(h) * 60 + mi) * 60'000'000'000;
  } else if (!detail::parse_time_of_day(time, tod, prec)) {
    return false;
  }
  std::int64_t offset_min = 0;
  if (zone != "Z") {
    unsigned zh = 0, zm = 0;
    if (zone.size() == 3) {
      if (!detail::fixed_digits(zone.data() + 1, 2, zh)) return false;
    } else if (zone.size() == 6 && zone[3] == ':') {
      if (!detail::fixed_digits(zone.data() + 1, 2, zh) || !detail::fixed_digits(zone.data() + 4, 2, zm))
        return false;
    } else {
      return false;
    }
    if (zh > 14 || zm > 59) return false;
    offset_min = (zone[0] == '-' ? -1 : 1) * static_cast<std::int64_t>(zh * 60 + zm);
  }
  out.ns_since_epoch = days * 86'400'000'000'000 + tod - offset_min * 60'000'000'000;
  out.precision = prec;
  return true;
}

// Bytes written by format_utc_timestamp for each precision.
[[nodiscard]] constexpr std::size_t utc_timestamp_chars(time_precision p) noexcept {
  return 17 + (p == time_precision::s ? 0 : 1 + static_cast<std::size_t>(p));
}

// Writes "YYYYMMDD-HH:MM:SS[.fff...]"; returns bytes written (17, 21, 24 or 27).
// Instants before 1970 or after 9999 are outside FIX's form and are not supported.
constexpr std::size_t format_utc_timestamp(char* out, std::int64_t ns_since_epoch,
                                           time_precision prec) noexcept {
  const std::int64_t day_ns = 86'400'000'000'000;
  std::int64_t days = ns_since_epoch / day_ns;
  std::int64_t rem = ns_since_epoch % day_ns;
  if (rem < 0) {
    rem += day_ns;
    --days;
  }
  const civil_date d = detail::civil_from_days(days);
  const auto secs = static_cast<std::uint64_t>(rem / 1'000'000'000);
  detail::write_digits(out, static_cast<std::uint64_t>(d.year), 4);
  detail::write_digits(out + 4, d.month, 2);
  detail::write_digits(out + 6, d.day, 2);
  out[8] = '-';
  detail::write_digits(out + 9, secs / 3600, 2);
  out[11] = ':';
  detail::write_digits(out + 12, secs / 60 % 60, 2);
  out[14] = ':';
  detail::write_digits(out + 15, secs % 60, 2);
  if (prec == time_precision::s) return 17;
  out[17] = '.';
  auto frac = static_cast<std::uint64_t>(rem % 1'000'000'000);
  const auto nd = static_cast<unsigned>(prec);
  for (unsigned k = nd; k < 9; ++k) frac /= 10;
  detail::write_digits(out + 18, frac, nd);
  return 18 + nd;
}

}  // namespace fixring::codec
