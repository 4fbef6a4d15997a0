// Validation hot path. Out of line (unlike most hot code, which lives in
// headers) because it is one large function called once per message: inlining
// it into every caller would buy nothing but code size.
#include "fixring/codec/validate.hpp"

#include <array>
#include <bit>
#include <cstring>

namespace fixring::codec {

namespace {

using reason = session_reject_reason;

// Eight bytes at p, as loaded by a little-endian machine (x86-64, AArch64).
static_assert(std::endian::native == std::endian::little, "the SWAR masks below assume little-endian loads");
[[nodiscard]] inline std::uint64_t load8(const char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// True when every byte of v whose mask byte is 0xFF is an ASCII digit.
[[nodiscard]] inline bool all_digits(std::uint64_t v, std::uint64_t mask) noexcept {
  // A byte is a digit when b - '0' does not borrow and b + ('9' + 1 ... 0x7F) does not carry into bit 7.
  const std::uint64_t lo = v - 0x3030303030303030ull;
  const std::uint64_t hi = v + 0x4646464646464646ull;
  return ((lo | hi) & 0x8080808080808080ull & mask) == 0;
}

[[nodiscard]] inline unsigned two(const char* p) noexcept {
  return static_cast<unsigned>(p[0] - '0') * 10u + static_cast<unsigned>(p[1] - '0');
}

// The form of a UTCTimestamp, "YYYYMMDD-HH:MM:SS[.fff|.ffffff|.fffffffff]",
// checked without converting it (parse_utc_timestamp also computes the instant):
// two 8-byte loads cover the date and the time of day.
[[nodiscard]] inline bool utc_timestamp_ok(std::string_view s) noexcept {
  const std::size_t n = s.size();
  if (n != 17 && n != 21 && n != 24 && n != 27) return false;
  const char* p = s.data();
  if (p[8] != '-' || p[11] != ':' || p[14] != ':') return false;
  // "HH:MM:SS" at p + 9: digits at bytes 0, 1, 3, 4, 6, 7.
  if (!all_digits(load8(p), ~0ull) || !all_digits(load8(p + 9), 0xFFFF00FFFF00FFFFull)) return false;
  const unsigned y = two(p) * 100u + two(p + 2), mo = two(p + 4), d = two(p + 6);
  if (mo - 1u > 11u || d - 1u > 30u || two(p + 9) > 23 || two(p + 12) > 59 || two(p + 15) > 60) return false;
  if (d > 28 && d > detail::days_in_month(y, mo)) return false;
  if (n == 17) return true;
  if (p[17] != '.') return false;
  for (std::size_t i = 18; i < n; ++i)
    if (static_cast<unsigned>(static_cast<unsigned char>(p[i]) - '0') > 9) return false;
  return true;
}

[[nodiscard]] [[gnu::always_inline]] inline bool format_ok(value_format f, std::string_view v) noexcept {
  switch (f) {
    case value_format::any: return true;
    case value_format::signed_int: {
      std::int64_t x;
      return parse_int(v, x);
    }
    case value_format::unsigned_int: {
      std::uint64_t x;
      return parse_uint(v, x);
    }
    case value_format::day_of_month: {
      std::uint64_t x = 0;
      return v.size() <= 2 && parse_uint(v, x) && x >= 1 && x <= 31;
    }
    case value_format::decimal: {
      decimal x;
      return parse_decimal(v, x);
    }
    case value_format::character: return v.size() == 1;
    case value_format::boolean: return v.size() == 1 && (v[0] == 'Y' || v[0] == 'N');
    case value_format::utc_timestamp: return utc_timestamp_ok(v);
    case value_format::utc_time_only: {
      std::int64_t ns;
      time_precision p;
      return parse_utc_time_only(v, ns, p);
    }
    case value_format::date: {
      civil_date x;
      return parse_date(v, x);
    }
    case value_format::month_year: {
      month_year x;
      return parse_month_year(v, x);
    }
    case value_format::tz_timestamp: {
      utc_timestamp x;
      return parse_tz_timestamp(v, x);
    }
  }
  return true;
}

constexpr std::uint32_t no_index = 0xFFFFFFFFu;

struct fault {
  std::uint32_t index = no_index;  // wire position of the field at fault
  reason why = reason::none;
  std::uint32_t tag = 0;
};

// The common case, kept lean: true when the message passes every check with
// every option on and carries no repeating group, no empty value and no tag
// the dictionary lacks. Switching checks off can only turn faults into passes,
// so "true" is the answer whatever the options; "false" only means the full
// validator below must decide (and name the fault).
[[nodiscard]] bool passes_every_check(const dictionary& d, const message& m) noexcept {
  const field_ref* const f = m.fields().data();
  const auto n = static_cast<std::uint32_t>(m.field_count());
  if (n < 3 || f[0].tag != 8 || f[1].tag != 9 || f[2].tag != 35) return false;
  const std::uint32_t mi = d.find_message(m.msg_type());
  if (mi == dictionary::no_message) return false;
  const message_def& md = d.message_at(mi);
  const std::uint8_t need_flag = md.admin && d.has_separate_transport() ? field_info::flag_transport : 0;
  const tag_entry* const tags = d.tag_table().data();
  const auto tag_limit = static_cast<std::uint32_t>(d.tag_table().size());
  const std::uint64_t* const allowed = d.allowed_bits(md);
  std::array<std::uint64_t, max_field_ids / 64> seen;
  std::memset(seen.data(), 0, d.bitset_words() * sizeof(std::uint64_t));
  unsigned at = 0;  // section: header 0 < body 1 < trailer 3
  for (std::uint32_t i = 0; i < n; ++i) {
    const field_ref fr = f[i];
    if (fr.tag >= tag_limit || fr.length == 0) return false;
    const tag_entry te = tags[fr.tag];
    const std::uint16_t id = te.id();
    const unsigned flags = te.flags();
    if (id == dictionary::no_field || (flags & need_flag) != need_flag || (flags & field_info::flag_group_count))
      return false;
    const unsigned cls = (flags & 2u) | (~flags & 1u);
    if (cls < at) return false;
    at = cls;
    const std::uint64_t bit = std::uint64_t{1} << (id % 64u);
    std::uint64_t& w = seen[id / 64u];
    if (w & bit) return false;
    w |= bit;
    if (cls == 1 && !(allowed[id / 64u] & bit)) return false;
    if (te.checks() != 0) {
      const std::string_view v = m.value(fr);
      if (!format_ok(te.format(), v)) return false;
      if (te.enums() != enum_kind::none) {
        const field_info& info = d.field_by_id(id);
        if (te.char_enum() && te.enums() == enum_kind::single
                ? v.size() != 1 || !d.char_enum_allows(info, static_cast<unsigned char>(v[0]))
                : !d.enum_allows(info, v))
          return false;
      }
    }
  }
  for (const message_def* ctx : {&d.header(), &d.trailer(), &md})
    for (const required_word& rw : d.required_words(*ctx))
      if (rw.bits & ~seen[rw.index]) return false;
  return true;
}

class validator {
 public:
  validator(const dictionary& d, const message& m, const validation_options& o) noexcept
      : d_(d), m_(m), o_(o), f_(m.fields().data()), n_(static_cast<std::uint32_t>(m.field_count())) {}

  validation_result run() noexcept {
    if (n_ < 3) return {reason::invalid_msg_type, 0};
    const std::uint32_t mi = d_.find_message(m_.msg_type());
    const message_def* md = mi == dictionary::no_message ? nullptr : &d_.message_at(mi);
    std::memset(seen_.data(), 0, d_.bitset_words() * sizeof(std::uint64_t));
    // The options and tables, hoisted: the loop below runs once per field.
    const validation_options o = o_;
    const tag_entry* const tags = d_.tag_table().data();
    const auto tag_limit = static_cast<std::uint32_t>(d_.tag_table().size());
    const std::uint64_t* const allowed = md ? d_.allowed_bits(*md) : nullptr;

    // 1. Order of the first three fields.
    if (o.check_field_order) {
      constexpr std::uint32_t first_three[3] = {8, 9, 35};
      for (std::uint32_t i = 0; i < 3; ++i)
        if (f_[i].tag != first_three[i]) return {reason::tag_out_of_order, f_[i].tag};
    }

    // Sections in wire order: header 0 < body 1 < trailer 3, from a field's
    // flags (header 1 -> 0, neither -> 1, trailer 2 -> 3); a field whose
    // section is below the current one is out of order.
    unsigned at = 0;
    // FIXT: an admin message knows only the transport's fields.
    const std::uint8_t need_flag = md && md->admin && d_.has_separate_transport() ? field_info::flag_transport : 0;
    const bool check_order = o.check_field_order;
    const bool check_repeated = o.check_repeated_tags;
    const bool check_in_message = o.check_fields_in_message && allowed != nullptr;
    constexpr tag_entry undefined{};
    std::uint32_t i = 0;
    while (i < n_) {
      const field_ref fr = f_[i];
      tag_entry te = fr.tag < tag_limit ? tags[fr.tag] : undefined;
      if ((te.flags() & need_flag) != need_flag) [[unlikely]]
        te = undefined;
      const unsigned f = te.flags() & 3u;
      const unsigned cls = (f & 2u) | (~f & 1u);
      // 1. Header / body / trailer order: the first misplaced field is the answer.
      if (cls < at) [[unlikely]] {
        if (check_order) return {reason::tag_out_of_order, fr.tag};
      } else {
        at = cls;
      }
      const std::uint16_t id = te.id();
      if (id == dictionary::no_field) [[unlikely]] {
        unknown_field(i, fr);
        ++i;
        continue;
      }
      // 4. Per-field checks, in the order QuickFIX applies them to one field:
      // repeated (13), empty (4), format (6), enumeration (5), not in message (2).
      std::uint64_t& w = seen_[id / 64u];
      const std::uint64_t bit = std::uint64_t{1} << (id % 64u);
      bool field_ok = true;
      if ((w & bit) && check_repeated) [[unlikely]] {
        note(i, reason::tag_appears_more_than_once, fr.tag);
        field_ok = false;
      }
      w |= bit;
      if (field_ok && (fr.length == 0 || te.checks() != 0)) field_ok = check_value(i, fr, te, o);
      if (field_ok && cls == 1 && check_in_message && !(allowed[id / 64u] >> (id % 64u) & 1u)) [[unlikely]] {
        if (o.check_user_defined_fields || fr.tag < first_user_defined_tag || fr.tag > last_user_defined_tag)
          note(i, reason::tag_not_defined_for_message_type, fr.tag);
      }
      if (te.flags() & field_info::flag_group_count) [[unlikely]] {
        const message_def* ctx = cls == 0 ? &d_.header() : cls == 3 ? &d_.trailer() : md;
        const std::uint32_t gid = ctx ? d_.find_group(*ctx, fr.tag) : no_group;
        if (gid != no_group) {
          i = walk_group(gid, i);
          continue;
        }
      }
      ++i;
    }

    // 2. MsgType.
    if (!md && o_.check_msg_type) return {reason::invalid_msg_type, 0};
    // 3. Required fields: header, trailer, body (each ascending by tag), then group members.
    if (o_.check_required_fields) {
      for (const message_def* ctx : {&d_.header(), &d_.trailer(), md}) {
        if (!ctx) continue;
        for (const required_word& rw : d_.required_words(*ctx))
          if (const std::uint64_t missing = rw.bits & ~seen_[rw.index]) {
            const auto id = static_cast<std::uint16_t>(rw.index * 64u + static_cast<unsigned>(std::countr_zero(missing)));
            return {reason::required_tag_missing, d_.field_by_id(id).tag};
          }
      }
      if (group_required_.why != reason::none) return {group_required_.why, group_required_.tag};
    }
    // 4. The earliest per-field fault.
    if (field_fault_.why != reason::none) return {field_fault_.why, field_fault_.tag};
    return {};
  }

 private:
  // A tag the dictionary does not define: empty value (4), then the tag itself (0 or 3).
  [[gnu::noinline, gnu::cold]] void unknown_field(std::uint32_t i, const field_ref& fr) noexcept {
    if (fr.length == 0 && o_.check_fields_have_values) {
      note(i, reason::tag_specified_without_value, fr.tag);
      return;
    }
    const bool user_defined = fr.tag >= first_user_defined_tag && fr.tag <= last_user_defined_tag;
    if (o_.check_unknown_fields && (o_.check_user_defined_fields || !user_defined))
      note(i, o_.report_unknown_as_undefined ? reason::undefined_tag : reason::invalid_tag_number, fr.tag);
  }

  void note(std::uint32_t index, reason why, std::uint32_t tag) noexcept {
    if (index < field_fault_.index) field_fault_ = {index, why, tag};
  }

  // Empty value (4), data format (6), enumeration (5). False when one fired.
  [[gnu::always_inline]] bool check_value(std::uint32_t i, const field_ref& fr, tag_entry te,
                                          const validation_options& o) noexcept {
    if (fr.length == 0) {
      if (!o.check_fields_have_values) return true;
      note(i, reason::tag_specified_without_value, fr.tag);
      return false;
    }
    if (te.checks() == 0) return true;  // value_format::any, enum_kind::none (and undefined tags)
    const std::string_view v = m_.value(fr);
    if (o.check_data_format && !format_ok(te.format(), v)) {
      note(i, reason::incorrect_data_format, fr.tag);
      return false;
    }
    // (MsgType's own enumeration is left out of the tag table: <messages> defines MsgTypes, reason 11.)
    if (o.check_enum_values && te.enums() != enum_kind::none) {
      const field_info& f = d_.field_by_id(te.id());
      const bool allowed = te.char_enum() && te.enums() == enum_kind::single
                               ? v.size() == 1 && d_.char_enum_allows(f, static_cast<unsigned char>(v[0]))
                               : d_.enum_allows(f, v);
      if (!allowed) {
        note(i, reason::value_out_of_range, fr.tag);
        return false;
      }
    }
    return true;
  }

  // Walks the instances of group `gid` whose NumInGroup field is at `count_index`;
  // returns the index of the first field after the group.
  std::uint32_t walk_group(std::uint32_t gid, std::uint32_t count_index) noexcept {
    const group_def& g = d_.group(gid);
    const group_member* members = d_.members(g).data();
    std::uint64_t declared = 0;
    const bool declared_ok = parse_uint(m_.value(f_[count_index]), declared);
    // Members present in the current instance, by position.
    std::array<std::uint64_t, max_group_members / 64> present;
    const std::size_t words = (g.members_count + 63) / 64;
    std::uint64_t instances = 0;
    std::uint32_t last = 0;
    std::uint32_t instance_start = 0;
    bool out_of_order = false;  // a broken instance makes the instance count meaningless
    auto finish_instance = [&]() noexcept {
      if (instances == 0 || group_required_.why != reason::none) return;
      for (const std::uint16_t pos : d_.required_members(g))
        if (!(present[pos / 64] >> (pos % 64) & 1u)) {
          group_required_ = {instance_start, reason::required_tag_missing, members[pos].tag};
          return;
        }
    };
    auto start_instance = [&](std::uint32_t at) noexcept {
      finish_instance();
      ++instances;
      instance_start = at;
      std::memset(present.data(), 0, words * sizeof(std::uint64_t));
    };
    std::uint32_t i = count_index + 1;
    while (i < n_) {
      const field_ref& fr = f_[i];
      const std::uint32_t pos = d_.member_index(g, fr.tag);
      if (pos == no_member) break;
      if (fr.tag == g.delimiter_tag) {
        start_instance(i);
      } else if (instances == 0) {
        // The first field after NumInGroup must be the delimiter.
        if (o_.check_group_order) {
          note(i, reason::repeating_group_fields_out_of_order, fr.tag);
          out_of_order = true;
        }
        start_instance(i);
      } else if (present[pos / 64] >> (pos % 64) & 1u) {
        // A member twice in one instance: the delimiter that would start the next is missing.
        if (o_.check_group_order) {
          note(i, reason::repeating_group_fields_out_of_order, fr.tag);
          out_of_order = true;
        } else if (o_.check_repeated_tags)
          note(i, reason::tag_appears_more_than_once, fr.tag);
      } else if (pos < last && o_.check_group_order) {
        note(i, reason::repeating_group_fields_out_of_order, fr.tag);
        out_of_order = true;
      }
      last = pos;
      present[pos / 64] |= std::uint64_t{1} << (pos % 64);
      check_value(i, fr, d_.tag_table()[fr.tag], o_);
      if (members[pos].nested_group != no_group) {
        i = walk_group(members[pos].nested_group, i);
        continue;
      }
      ++i;
    }
    finish_instance();
    if (o_.check_group_counts && declared_ok && !out_of_order && instances != declared)
      note(count_index, reason::incorrect_num_in_group_count, g.count_tag);
    return i;
  }

  const dictionary& d_;
  const message& m_;
  const validation_options& o_;
  const field_ref* f_;
  std::uint32_t n_;
  fault field_fault_;
  fault group_required_;
  std::array<std::uint64_t, max_field_ids / 64> seen_;
};

}  // namespace

validation_result validate(const dictionary& dict, const message& msg, const validation_options& options) noexcept {
  if (passes_every_check(dict, msg)) return {};
  return validator(dict, msg, options).run();
}

bool find_invalid_tag_number(std::string_view framed, std::int64_t& tag) noexcept {
  std::size_t start = 0;
  while (start < framed.size()) {
    std::size_t end = framed.find(soh, start);
    if (end == std::string_view::npos) end = framed.size();
    const std::string_view field = framed.substr(start, end - start);
    const std::size_t eq = field.find('=');
    std::int64_t v = 0;
    if (eq != std::string_view::npos && parse_int(field.substr(0, eq), v) && v < 1) {
      tag = v;
      return true;
    }
    start = end + 1;
  }
  return false;
}

}  // namespace fixring::codec
