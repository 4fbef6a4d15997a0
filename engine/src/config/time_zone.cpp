// TZif (RFC 8536) and POSIX TZ rule reader. Cold loading, allocation-free lookup.
#include "fixring/engine/config/time_zone.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>

#include "calendar.hpp"

namespace fixring::engine::config {

namespace detail {
namespace {

// ---------------------------------------------------------------------------
// POSIX TZ strings
// ---------------------------------------------------------------------------

class tz_cursor {
 public:
  explicit tz_cursor(std::string_view s) : s_(s) {}
  [[nodiscard]] bool done() const { return pos_ == s_.size(); }
  [[nodiscard]] char peek() const { return done() ? '\0' : s_[pos_]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }

  // std/dst designation: 3+ letters, or <...> of letters, digits, '+' and '-'.
  bool name() {
    std::size_t n = 0;
    if (eat('<')) {
      while (!done() && peek() != '>') {
        const char c = peek();
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-')) return false;
        ++pos_;
        ++n;
      }
      return eat('>') && n >= 3;
    }
    while (std::isalpha(static_cast<unsigned char>(peek()))) {
      ++pos_;
      ++n;
    }
    return n >= 3;
  }

  // [+-]hh[:mm[:ss]] with hh <= max_hours; returns seconds (sign applied).
  bool hms(std::int32_t max_hours, std::int32_t& out_s) {
    bool neg = false;
    if (eat('-')) {
      neg = true;
    } else {
      (void)eat('+');
    }
    std::int32_t parts[3] = {0, 0, 0};
    for (int i = 0; i < 3; ++i) {
      if (i > 0 && !eat(':')) break;
      int digits = 0;
      std::int32_t v = 0;
      while (std::isdigit(static_cast<unsigned char>(peek())) && digits < 3) {
        v = v * 10 + (peek() - '0');
        ++pos_;
        ++digits;
      }
      if (digits == 0) return false;
      if (i > 0 && (digits != 2 || v > 59)) return false;
      parts[i] = v;
    }
    if (parts[0] > max_hours) return false;
    const std::int32_t s = parts[0] * 3600 + parts[1] * 60 + parts[2];
    out_s = neg ? -s : s;
    return true;
  }

  bool number(std::int32_t lo, std::int32_t hi, std::int32_t& out) {
    int digits = 0;
    std::int32_t v = 0;
    while (std::isdigit(static_cast<unsigned char>(peek())) && digits < 4) {
      v = v * 10 + (peek() - '0');
      ++pos_;
      ++digits;
    }
    if (digits == 0 || v < lo || v > hi) return false;
    out = v;
    return true;
  }

  bool rule_date(posix_rule_date& d) {
    std::int32_t a = 0;
    if (eat('J')) {
      if (!number(1, 365, a)) return false;
      d.kind = posix_rule_date::form::julian_1_365;
      d.day = static_cast<std::int16_t>(a);
    } else if (eat('M')) {
      std::int32_t w = 0;
      std::int32_t wd = 0;
      if (!number(1, 12, a) || !eat('.') || !number(1, 5, w) || !eat('.') || !number(0, 6, wd)) {
        return false;
      }
      d.kind = posix_rule_date::form::month_week_day;
      d.month = static_cast<std::uint8_t>(a);
      d.week = static_cast<std::uint8_t>(w);
      d.weekday = static_cast<std::uint8_t>(wd);
    } else {
      if (!number(0, 365, a)) return false;
      d.kind = posix_rule_date::form::zero_based_0_365;
      d.day = static_cast<std::int16_t>(a);
    }
    d.time_s = 2 * 3600;
    // RFC 8536 3.3.1 allows hours -167..167 here.
    if (eat('/') && !hms(167, d.time_s)) return false;
    return true;
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

// Day number (days since 1970-01-01) on which a rule date falls in `year`.
std::int64_t rule_day(const posix_rule_date& d, int year) noexcept {
  const std::int64_t jan1 = days_from_civil(year, 1, 1);
  switch (d.kind) {
    case posix_rule_date::form::julian_1_365: {
      std::int64_t idx = d.day - 1;
      if (is_leap_year(year) && d.day >= 60) ++idx;  // skip February 29
      return jan1 + idx;
    }
    case posix_rule_date::form::zero_based_0_365:
      return jan1 + d.day;
    case posix_rule_date::form::month_week_day: {
      const std::int64_t first = days_from_civil(year, d.month, 1);
      const unsigned first_wd = weekday_of(first);
      std::int64_t day = first + static_cast<std::int64_t>((d.weekday + 7u - first_wd) % 7u) +
                         7 * static_cast<std::int64_t>(d.week - 1);
      const std::int64_t last = first + days_in_month(year, d.month) - 1;
      while (day > last) day -= 7;  // week 5 means "last"
      return day;
    }
  }
  return jan1;
}

// ---------------------------------------------------------------------------
// TZif
// ---------------------------------------------------------------------------

struct tzif_header {
  char version = 0;
  std::uint32_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;
};

constexpr std::size_t tzif_header_bytes = 44;

std::uint32_t be32(const unsigned char* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

std::int64_t be64(const unsigned char* p) noexcept {
  const std::uint64_t v = (std::uint64_t{be32(p)} << 32) | be32(p + 4);
  return static_cast<std::int64_t>(v);
}

bool read_header(std::span<const unsigned char> b, std::size_t at, tzif_header& h) {
  if (b.size() < at + tzif_header_bytes) return false;
  const unsigned char* p = b.data() + at;
  if (std::memcmp(p, "TZif", 4) != 0) return false;
  h.version = static_cast<char>(p[4]);
  if (h.version != 0 && (h.version < '2' || h.version > '4')) return false;
  h.isutcnt = be32(p + 20);
  h.isstdcnt = be32(p + 24);
  h.leapcnt = be32(p + 28);
  h.timecnt = be32(p + 32);
  h.typecnt = be32(p + 36);
  h.charcnt = be32(p + 40);
  // RFC 8536 3.1: isutcnt and isstdcnt are 0 or typecnt; typecnt and charcnt nonzero.
  if (h.typecnt == 0 || h.typecnt > 256 || h.charcnt == 0) return false;
  if ((h.isutcnt != 0 && h.isutcnt != h.typecnt) || (h.isstdcnt != 0 && h.isstdcnt != h.typecnt)) {
    return false;
  }
  return true;
}

std::size_t block_bytes(const tzif_header& h, std::size_t time_bytes) {
  return std::size_t{h.timecnt} * time_bytes + h.timecnt + std::size_t{h.typecnt} * 6 + h.charcnt +
         std::size_t{h.leapcnt} * (time_bytes + 4) + h.isstdcnt + h.isutcnt;
}

config_error zone_error(std::string_view name, std::string_view what) {
  std::string m = "time zone '";
  m.append(name).append("': ").append(what);
  return {config_errc::bad_time_zone, std::move(m)};
}

}  // namespace

bool parse_posix_tz(std::string_view tz, posix_rule& out) {
  tz_cursor c(tz);
  posix_rule r;
  std::int32_t posix_offset_s = 0;
  if (!c.name() || !c.hms(24, posix_offset_s)) return false;
  r.standard = {-posix_offset_s, false};  // POSIX counts west positive
  if (c.done()) {
    out = r;
    return true;
  }
  if (!c.name()) return false;
  r.has_dst = true;
  r.daylight = {r.standard.offset_s + 3600, true};
  if (c.peek() != ',' && !c.done()) {
    if (!c.hms(24, posix_offset_s)) return false;
    r.daylight.offset_s = -posix_offset_s;
  }
  if (c.done()) {
    // POSIX leaves the rule implementation-defined; use the US rule, as glibc does.
    r.dst_start = {posix_rule_date::form::month_week_day, 0, 3, 2, 0, 7200};
    r.dst_end = {posix_rule_date::form::month_week_day, 0, 11, 1, 0, 7200};
  } else if (!c.eat(',') || !c.rule_date(r.dst_start) || !c.eat(',') || !c.rule_date(r.dst_end) ||
             !c.done()) {
    return false;
  }
  out = r;
  return true;
}

utc_offset posix_offset_at(const posix_rule& rule, std::int64_t utc_s) noexcept {
  if (!rule.has_dst) return rule.standard;
  const std::int64_t local_std_s = utc_s + rule.standard.offset_s;
  const int year = static_cast<int>(civil_from_days(floor_div(local_std_s, seconds_per_day)).year());
  const std::int64_t start_utc_s = rule_day(rule.dst_start, year) * seconds_per_day +
                                   rule.dst_start.time_s - rule.standard.offset_s;
  const std::int64_t end_utc_s = rule_day(rule.dst_end, year) * seconds_per_day +
                                 rule.dst_end.time_s - rule.daylight.offset_s;
  bool dst = false;
  if (start_utc_s < end_utc_s) {
    dst = utc_s >= start_utc_s && utc_s < end_utc_s;  // northern hemisphere
  } else {
    dst = !(utc_s >= end_utc_s && utc_s < start_utc_s);  // southern: DST spans New Year
  }
  return dst ? rule.daylight : rule.standard;
}

}  // namespace detail

time_zone time_zone::utc() {
  time_zone z;
  z.name_ = "UTC";
  return z;
}

result<time_zone> time_zone::load(std::string_view name, const std::filesystem::path& zoneinfo_dir) {
  if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos) {
    return detail::zone_error(name, "not a zone name (expected e.g. America/New_York)");
  }
  const std::filesystem::path path = zoneinfo_dir / std::filesystem::path(std::string(name));
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) {
    if (name == "UTC") return utc();
    return detail::zone_error(name, "no such zone file " + path.string());
  }
  // Checked before reading: a directory (America) would make the stream throw.
  if (!std::filesystem::is_regular_file(status)) {
    return detail::zone_error(name, path.string() + " is not a zone file");
  }
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  // The largest zone file in tzdata is under 4 KiB (64-bit data); 1 MiB is generous.
  if (ec || size > (1u << 20)) {
    return detail::zone_error(name, path.string() + " is unreadable or too large for a zone file");
  }
  std::ifstream in(path, std::ios::binary);
  std::vector<unsigned char> bytes(static_cast<std::size_t>(size));
  if (!in || !in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size))) {
    std::string what = "cannot read ";
    what.append(path.string()).append(": ").append(std::strerror(errno));
    return detail::zone_error(name, what);
  }
  return from_tzif(bytes, name);
}

result<time_zone> time_zone::from_tzif(std::span<const unsigned char> b, std::string_view name) {
  detail::tzif_header h;
  if (!detail::read_header(b, 0, h)) return detail::zone_error(name, "not a TZif file");
  std::size_t at = detail::tzif_header_bytes;
  std::size_t time_bytes = 4;
  const std::size_t v1_bytes = detail::block_bytes(h, 4);
  if (b.size() < at + v1_bytes) return detail::zone_error(name, "truncated TZif data");
  const bool v2plus = h.version != 0;
  if (v2plus) {
    // Skip the 32-bit block; the 64-bit block after it is authoritative.
    at += v1_bytes;
    if (!detail::read_header(b, at, h)) return detail::zone_error(name, "bad TZif v2+ header");
    at += detail::tzif_header_bytes;
    time_bytes = 8;
    if (b.size() < at + detail::block_bytes(h, 8)) {
      return detail::zone_error(name, "truncated TZif v2+ data");
    }
  }

  time_zone z;
  z.name_ = std::string(name);
  const unsigned char* p = b.data() + at;
  const unsigned char* times = p;
  const unsigned char* indices = times + std::size_t{h.timecnt} * time_bytes;
  const unsigned char* types = indices + h.timecnt;

  std::vector<utc_offset> type_table(h.typecnt);
  for (std::uint32_t i = 0; i < h.typecnt; ++i) {
    const unsigned char* t = types + std::size_t{i} * 6;
    const auto off = static_cast<std::int32_t>(detail::be32(t));
    // RFC 8536 3.2: -2^31 is forbidden; real offsets are within +-26 hours.
    if (off <= -26 * 3600 || off >= 26 * 3600) return detail::zone_error(name, "bad UT offset");
    if (t[4] > 1) return detail::zone_error(name, "bad isdst flag");
    type_table[i] = {off, t[4] == 1};
  }
  z.initial_ = type_table[0];
  z.transitions_utc_s_.reserve(h.timecnt);
  z.offsets_.reserve(h.timecnt);
  for (std::uint32_t i = 0; i < h.timecnt; ++i) {
    const unsigned char* t = times + std::size_t{i} * time_bytes;
    const std::int64_t when =
        time_bytes == 8 ? detail::be64(t) : static_cast<std::int32_t>(detail::be32(t));
    if (!z.transitions_utc_s_.empty() && when <= z.transitions_utc_s_.back()) {
      return detail::zone_error(name, "transition times not ascending");
    }
    if (indices[i] >= h.typecnt) return detail::zone_error(name, "bad transition type index");
    z.transitions_utc_s_.push_back(when);
    z.offsets_.push_back(type_table[indices[i]]);
  }

  if (v2plus) {
    const std::size_t footer_at = at + detail::block_bytes(h, 8);
    if (b.size() < footer_at + 2 || b[footer_at] != '\n') {
      return detail::zone_error(name, "missing TZif footer");
    }
    const auto* first = reinterpret_cast<const char*>(b.data() + footer_at + 1);
    const auto* last = reinterpret_cast<const char*>(b.data() + b.size());
    const auto* nl = std::find(first, last, '\n');
    if (nl == last) return detail::zone_error(name, "unterminated TZif footer");
    const std::string_view tz(first, static_cast<std::size_t>(nl - first));
    if (!tz.empty()) {
      if (!detail::parse_posix_tz(tz, z.footer_)) {
        return detail::zone_error(name, "bad POSIX TZ string in footer: " + std::string(tz));
      }
      z.has_footer_ = true;
    }
  }
  return z;
}

result<time_zone> time_zone::from_posix_tz(std::string_view tz, std::string_view name) {
  time_zone z;
  z.name_ = std::string(name);
  if (!detail::parse_posix_tz(tz, z.footer_)) {
    return detail::zone_error(name, "bad POSIX TZ string: " + std::string(tz));
  }
  z.has_footer_ = true;
  z.initial_ = z.footer_.standard;
  return z;
}

utc_offset time_zone::offset_at(std::int64_t utc_s) const noexcept {
  if (transitions_utc_s_.empty()) {
    return has_footer_ ? detail::posix_offset_at(footer_, utc_s) : initial_;
  }
  if (utc_s < transitions_utc_s_.front()) return initial_;
  if (has_footer_ && utc_s > transitions_utc_s_.back()) {
    return detail::posix_offset_at(footer_, utc_s);
  }
  const auto it = std::upper_bound(transitions_utc_s_.begin(), transitions_utc_s_.end(), utc_s);
  return offsets_[static_cast<std::size_t>(it - transitions_utc_s_.begin()) - 1];
}

local_time_result time_zone::local_to_utc(std::int64_t local_s) const noexcept {
  // A true instant lies within 26 hours of local_s, so the offsets a day either
  // side are the ones in effect before and after any change near local_s.
  const std::int32_t before_s = offset_at(local_s - detail::seconds_per_day).offset_s;
  const std::int32_t after_s = offset_at(local_s + detail::seconds_per_day).offset_s;
  const std::int64_t with_before = local_s - before_s;
  const std::int64_t with_after = local_s - after_s;
  const bool before_ok = offset_at(with_before).offset_s == before_s;
  const bool after_ok = offset_at(with_after).offset_s == after_s;
  if (before_s == after_s || (before_ok && !after_ok)) {
    return {with_before, with_before, local_time_kind::unique};
  }
  if (after_ok && !before_ok) return {with_after, with_after, local_time_kind::unique};
  if (before_ok && after_ok) {
    return {std::min(with_before, with_after), std::max(with_before, with_after),
            local_time_kind::ambiguous};
  }
  return {with_before, with_before, local_time_kind::skipped};
}

}  // namespace fixring::engine::config
