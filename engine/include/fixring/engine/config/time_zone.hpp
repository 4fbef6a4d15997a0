// Time zones without the C++20 tzdb (libstdc++ 12 lacks it): a reader for the
// compiled zone files in /usr/share/zoneinfo (TZif, RFC 8536, versions 1 to 3)
// and the POSIX TZ rule strings they end with.
//
// What it answers
//   * offset_at(utc_s): the UTC offset (and whether it is daylight time) in
//     effect at an instant. Instants inside the file's transition table are found
//     by binary search; instants after the last transition use the footer's POSIX
//     TZ rule (version 2+ files), so dates decades ahead are right; instants before
//     the first transition use time type 0 (RFC 8536 section 3.2).
//   * local_to_utc(local_s): the instant(s) a local wall-clock time denotes.
//     - unique:    one instant; earliest_utc_s == latest_utc_s.
//     - ambiguous: the wall time occurs twice (clocks go back, e.g. 01:30 on the
//                  first Sunday of November in New York). earliest_utc_s is the
//                  first occurrence (still daylight time), latest_utc_s the second.
//     - skipped:   the wall time never occurs (clocks go forward, e.g. 02:30 on
//                  the second Sunday of March in New York). Both fields hold the
//                  instant reached by reading the wall time with the offset in
//                  effect before the gap, i.e. the time shifted forward by the
//                  gap's length (02:30 -> 03:30 EDT), as java.time and Python do.
//     The search assumes at most one offset change within a day of the wall
//     time, true for every zone in the tz database since 1900 bar a handful of
//     wartime days.
//
// Seconds everywhere: local_s and utc_s are seconds since 1970-01-01T00:00:00,
// local_s counted on the local wall clock. Leap-second records ("right/" zones)
// are skipped: fixring works on POSIX time, where they do not exist.
//
// Cost and ownership: loading (load, from_tzif, from_posix_tz) is cold and
// allocates; a time_zone owns its tables. offset_at and local_to_utc are
// noexcept, allocate nothing and touch only the object. A loaded time_zone is
// immutable: share it between threads freely (schedule holds it through a
// shared_ptr<const time_zone>).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fixring/engine/config/result.hpp"

namespace fixring::engine::config {

inline constexpr std::string_view default_zoneinfo_dir = "/usr/share/zoneinfo";

struct utc_offset {
  std::int32_t offset_s = 0;  // local = utc + offset_s (east of Greenwich positive)
  bool is_dst = false;

  friend bool operator==(const utc_offset&, const utc_offset&) = default;
};

enum class local_time_kind : std::uint8_t { unique, ambiguous, skipped };

struct local_time_result {
  std::int64_t earliest_utc_s = 0;
  std::int64_t latest_utc_s = 0;
  local_time_kind kind = local_time_kind::unique;
};

namespace detail {

// One end of a POSIX TZ daylight rule: a day of the year plus a local time.
struct posix_rule_date {
  enum class form : std::uint8_t {
    julian_1_365,     // "Jn": day n in 1..365, February 29 never counted
    zero_based_0_365, // "n":  day n in 0..365, February 29 counted in leap years
    month_week_day,   // "Mm.w.d": day d (0 = Sunday) of week w (5 = last) of month m
  };
  form kind = form::month_week_day;
  std::int16_t day = 0;   // Jn / n
  std::uint8_t month = 1; // Mm.w.d
  std::uint8_t week = 1;
  std::uint8_t weekday = 0;
  std::int32_t time_s = 2 * 3600;  // local time of the change; may be negative or >24h (v3)
};

// A POSIX TZ string such as "EST5EDT,M3.2.0,M11.1.0". Offsets are stored the
// RFC way (east positive), not the POSIX way (west positive).
struct posix_rule {
  utc_offset standard;
  utc_offset daylight;
  bool has_dst = false;
  posix_rule_date dst_start;  // in standard local time
  posix_rule_date dst_end;    // in daylight local time
};

// Parses a POSIX TZ string; false on any deviation from POSIX.1-2017 section 8.3
// with the RFC 8536 section 3.3.1 extensions. Cold.
[[nodiscard]] bool parse_posix_tz(std::string_view tz, posix_rule& out);

// Offset in effect at utc_s under a POSIX rule. noexcept, no allocation.
[[nodiscard]] utc_offset posix_offset_at(const posix_rule& rule, std::int64_t utc_s) noexcept;

}  // namespace detail

class time_zone {
 public:
  // UTC: offset 0, no transitions. Never fails, needs no zone files.
  [[nodiscard]] static time_zone utc();

  // Reads `zoneinfo_dir/name` (e.g. "America/New_York"). "UTC" resolves to
  // utc() when the file is absent. Errors: bad_time_zone naming the zone when the
  // name is empty, absolute or contains "..", the file is missing or unreadable,
  // or it is not a well-formed TZif file.
  [[nodiscard]] static result<time_zone> load(
      std::string_view name,
      const std::filesystem::path& zoneinfo_dir = std::filesystem::path(default_zoneinfo_dir));

  // Parses the bytes of a TZif file (any version). For v2+ the 64-bit block and
  // the footer are used; v1 files use the 32-bit block and have no footer.
  [[nodiscard]] static result<time_zone> from_tzif(std::span<const unsigned char> bytes,
                                                   std::string_view name);

  // A zone defined only by a POSIX TZ rule, e.g. "AEST-10AEDT,M10.1.0,M4.1.0/3".
  [[nodiscard]] static result<time_zone> from_posix_tz(std::string_view tz, std::string_view name);

  [[nodiscard]] const std::string& name() const noexcept { return name_; }

  // Offset in effect at the instant utc_s. noexcept, no allocation, O(log n).
  [[nodiscard]] utc_offset offset_at(std::int64_t utc_s) const noexcept;

  // The instant(s) that the local wall-clock time local_s denotes; see the file
  // comment for ambiguous and skipped times. noexcept, no allocation.
  [[nodiscard]] local_time_result local_to_utc(std::int64_t local_s) const noexcept;

  // Number of transitions in the table (tests and diagnostics).
  [[nodiscard]] std::size_t transition_count() const noexcept { return transitions_utc_s_.size(); }

 private:
  std::string name_;
  // Parallel arrays: from transitions_utc_s_[i] on, offsets_[i] is in effect.
  std::vector<std::int64_t> transitions_utc_s_;
  std::vector<utc_offset> offsets_;
  utc_offset initial_;  // before the first transition (time type 0)
  detail::posix_rule footer_;
  bool has_footer_ = false;
};

}  // namespace fixring::engine::config
