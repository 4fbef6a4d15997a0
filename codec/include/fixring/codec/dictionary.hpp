// FIX data dictionary: QuickFIX-format XML (fields, header, trailer, messages,
// components, repeating groups) loaded once into flat lookup tables that the
// validator and the group iterator read on the hot path.
//
//   auto d = dictionary::load("FIX44.xml");                       // FIX.4.x
//   auto d = dictionary::load_fixt("FIXT11.xml", "FIX50SP2.xml");  // FIXT.1.1 + FIX 5.0
//   if (!d) { std::cerr << d.error().message << '\n'; return 1; }
//   const dictionary& dict = d.value();
//
// Loading is the cold path: it allocates, and it reports failure as a
// load_result carrying a dictionary_errc and a message naming the file and the
// element at fault. Lookups after loading are noexcept, allocate nothing and
// touch only dense arrays indexed by tag, field id or group id.
//
// Ownership: a dictionary owns all its tables; spans and string_views it hands
// out stay valid for as long as the dictionary lives (moving it keeps them
// valid: every table is a heap buffer that moves with it).
// Thread contract: a loaded dictionary is immutable; any number of threads may
// read it at once.
//
// Layout of the lookup tables (all built once by the loader):
//
//   tag ──tags_──> tag_entry (field id, flags, format) ──fields_──> field_info (type, enums)
//                      │
//                      └── field id = bit in message_def::allowed / ::required bitsets
//   MsgType ──one_char_types_ / two_char_types_──> message_def ──groups──> (NumInGroup tag, group id)
//   group id ──groups_──> group_def ──members──> group_member (tag, nested group)
//                                   └─slots────> open-addressed tag -> member index
//
// Components are expanded inline at load time: a message's allowed set holds
// every field of every component it names (recursively), and groups nest to
// any depth the XML uses (up to max_group_depth).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fixring/codec/message.hpp"

namespace fixring::codec {

// FIX data types known to the loader. An XML type name not in this list makes
// the load fail (dictionary_errc::unknown_type).
enum class field_type : std::uint8_t {
  string, character, boolean,
  integer, length, num_in_group, seq_num, tag_num, day_of_month,
  floating, qty, price, price_offset, amt, percentage,
  multiple_value_string, multiple_char_value,
  currency, exchange, country, language,
  utc_timestamp, utc_time_only, utc_date_only, local_mkt_date, month_year,
  tz_timestamp, tz_time_only, local_mkt_time,
  data, xml_data, xid, xid_ref, pattern, tenor, reserved,
};

// How a value of the field is checked for "incorrect data format" (reason 6).
enum class value_format : std::uint8_t {
  any,            // strings: every byte sequence is acceptable
  signed_int,     // [-]digits
  unsigned_int,   // digits (Length, NumInGroup, SeqNum, TagNum)
  day_of_month,   // 1..31
  decimal,        // [-]digits[.digits]
  character,      // exactly one byte
  boolean,        // Y or N
  utc_timestamp,  // YYYYMMDD-HH:MM:SS[.sss|.ssssss|.sssssssss]
  utc_time_only,  // HH:MM:SS[.fff]
  date,           // YYYYMMDD (UTCDateOnly, LocalMktDate)
  month_year,     // YYYYMM, YYYYMMDD or YYYYMMwN
  tz_timestamp,   // YYYYMMDD-HH:MM[:SS[.fff]] then Z or +/-hh[:mm]
};

// How a field's enumerated values (XML <value enum=...>) are matched.
enum class enum_kind : std::uint8_t {
  none,        // no enumeration: any well-formed value
  single,      // the whole value is one of the enumerated values
  multiple,    // space-separated list, each item enumerated (MultipleValueString...)
};

// One field definition. 16 bytes; the hot part of the field table.
struct field_info {
  std::uint32_t tag = 0;
  field_type type = field_type::string;
  value_format format = value_format::any;
  enum_kind enums = enum_kind::none;
  std::uint8_t flags = 0;        // flag_* below
  std::uint32_t enum_first = 0;  // into dictionary::enum_values_ (sorted values of this field)
  std::uint16_t enum_count = 0;
  std::uint16_t char_set = 0;    // into dictionary::char_sets_ (4 words each) when flag_char_enum

  static constexpr std::uint8_t flag_header = 1;      // declared in <header>
  static constexpr std::uint8_t flag_trailer = 2;     // declared in <trailer>
  static constexpr std::uint8_t flag_group_count = 4; // names a <group> somewhere
  static constexpr std::uint8_t flag_char_enum = 8;   // every enum value is one byte: bitmap lookup
  static constexpr std::uint8_t flag_transport = 16;  // defined by the transport dictionary (FIXT), or by the only one

  [[nodiscard]] bool is_header() const noexcept { return flags & flag_header; }
  [[nodiscard]] bool is_trailer() const noexcept { return flags & flag_trailer; }
  [[nodiscard]] bool is_group_count() const noexcept { return flags & flag_group_count; }
  [[nodiscard]] bool is_transport() const noexcept { return flags & flag_transport; }
};
static_assert(sizeof(field_info) == 16);

// Per-tag entry of the dense tag table: everything the validator reads for
// every field, packed in one 32-bit word so that one load yields it all
// (field_info holds the rest).
//
//   bit 31      24 23      16 15                0
//      +---------+----------+-------------------+
//      | checks  |  flags   |     field id      |
//      +---------+----------+-------------------+
//   checks: value_format in bits 0..3, enum_kind in bits 4..5, bit 6 set when
//   every enumerated value is one byte (field_info::flag_char_enum)
struct tag_entry {
  std::uint32_t bits = 0xFFFF;  // undefined tag: id 0xFFFF, no flags, no checks
  static constexpr std::uint32_t char_enum_bit = 1u << 30;

  [[nodiscard]] static constexpr tag_entry make(std::uint16_t id, std::uint8_t flags, value_format f,
                                                enum_kind e) noexcept {
    return {static_cast<std::uint32_t>(id) | static_cast<std::uint32_t>(flags) << 16 |
            (static_cast<std::uint32_t>(f) | static_cast<std::uint32_t>(e) << 4) << 24};
  }
  [[nodiscard]] constexpr std::uint16_t id() const noexcept { return static_cast<std::uint16_t>(bits); }
  [[nodiscard]] constexpr std::uint8_t flags() const noexcept { return static_cast<std::uint8_t>(bits >> 16); }
  [[nodiscard]] constexpr std::uint8_t checks() const noexcept { return static_cast<std::uint8_t>(bits >> 24); }
  [[nodiscard]] constexpr value_format format() const noexcept { return static_cast<value_format>(bits >> 24 & 15u); }
  [[nodiscard]] constexpr enum_kind enums() const noexcept { return static_cast<enum_kind>(bits >> 28 & 3u); }
  [[nodiscard]] constexpr bool char_enum() const noexcept { return bits & char_enum_bit; }
};
static_assert(sizeof(tag_entry) == 4);

inline constexpr std::uint32_t no_group = 0xFFFFFFFFu;
inline constexpr std::uint32_t no_member = 0xFFFFFFFFu;
// Deepest nesting of groups inside groups the loader accepts (FIX 5.0 SP2 uses 7).
inline constexpr std::size_t max_group_depth = 16;
// Most members (fields and nested groups, components expanded) one group may have.
inline constexpr std::size_t max_group_members = 1024;
// Most distinct fields one dictionary (transport + application) may define.
inline constexpr std::size_t max_field_ids = 16384;
// Highest tag number a dictionary may define (dense tables are indexed by tag).
inline constexpr std::uint32_t max_dictionary_tag = 1u << 20;

// A member of a repeating group, in the order the dictionary declares it.
struct group_member {
  std::uint32_t tag = 0;
  std::uint32_t nested_group = no_group;  // group id when this member is itself a NumInGroup
  bool required = false;
};

// A repeating group: NumInGroup tag, delimiter (its first member) and members.
struct group_def {
  std::uint32_t count_tag = 0;
  std::uint32_t delimiter_tag = 0;
  std::uint32_t members_first = 0;   // into dictionary::members_
  std::uint32_t members_count = 0;
  std::uint32_t required_first = 0;  // into dictionary::required_positions_ (member positions, ascending tag)
  std::uint32_t required_count = 0;
  std::uint32_t slots_first = 0;     // into dictionary::slots_ (open addressing, power of two)
  std::uint32_t slots_shift = 0;     // 32 - log2(slot count)
};

// A top-level context: a message type, or the header, or the trailer.
struct message_def {
  std::string msg_type;
  std::string name;
  bool admin = false;
  std::uint32_t allowed_first = 0;   // into dictionary::bits_ (field-id bitset, dictionary::bitset_words() words)
  std::uint32_t required_first = 0;  // likewise
  std::uint32_t groups_first = 0;    // into dictionary::context_groups_
  std::uint32_t groups_count = 0;
  std::uint32_t required_words_first = 0;  // into dictionary::required_words_: the non-zero words
  std::uint32_t required_words_count = 0;  // of the required bitset, so the check skips the rest
};

// One non-zero word of a required-field bitset.
struct required_word {
  std::uint32_t index;  // word index in the field-id bitset
  std::uint64_t bits;
};

enum class dictionary_errc : std::uint8_t {
  ok,
  file_not_found,       // the file cannot be opened
  not_xml,              // not well-formed XML
  not_a_dictionary,     // no <fix> root, or a required section (<fields>, <messages>) missing
  bad_attribute,        // an attribute missing or malformed (number, name, msgtype, required)
  unknown_type,         // a <field type=...> this loader does not know
  duplicate_field,      // two <field> definitions with the same number or name
  duplicate_message,    // two <message> definitions with the same msgtype
  unknown_field,        // a field reference whose name has no definition
  component_not_found,  // a <component name=...> reference without a definition
  component_cycle,      // a component that contains itself
  empty_group,          // a <group> without members
  limit_exceeded,       // more fields, deeper nesting or larger groups than the tables hold
  transport_mismatch,   // FIXT: the transport and the application disagree on a field
};

[[nodiscard]] constexpr std::string_view to_string(dictionary_errc e) noexcept {
  switch (e) {
    case dictionary_errc::ok: return "ok";
    case dictionary_errc::file_not_found: return "file not found";
    case dictionary_errc::not_xml: return "not XML";
    case dictionary_errc::not_a_dictionary: return "not a FIX dictionary";
    case dictionary_errc::bad_attribute: return "bad attribute";
    case dictionary_errc::unknown_type: return "unknown type";
    case dictionary_errc::duplicate_field: return "duplicate field";
    case dictionary_errc::duplicate_message: return "duplicate message";
    case dictionary_errc::unknown_field: return "unknown field";
    case dictionary_errc::component_not_found: return "component not found";
    case dictionary_errc::component_cycle: return "component cycle";
    case dictionary_errc::empty_group: return "empty group";
    case dictionary_errc::limit_exceeded: return "limit exceeded";
    case dictionary_errc::transport_mismatch: return "transport and application disagree";
  }
  return "unknown";
}

struct dictionary_error {
  dictionary_errc code = dictionary_errc::ok;
  std::string message;  // "FILE: <element name='...'>: what is wrong"
};

// A value or an error; check has_value() (or operator bool) before value().
template <class T>
class [[nodiscard]] load_result {
 public:
  load_result(T value) : value_(std::move(value)) {}                   // NOLINT: implicit by design
  load_result(dictionary_error error) : error_(std::move(error)) {}    // NOLINT: implicit by design

  [[nodiscard]] bool has_value() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return has_value(); }
  [[nodiscard]] T& value() & { return *value_; }
  [[nodiscard]] const T& value() const& { return *value_; }
  [[nodiscard]] T&& value() && { return std::move(*value_); }
  [[nodiscard]] const dictionary_error& error() const noexcept { return error_; }

 private:
  std::optional<T> value_;
  dictionary_error error_;
};

class dictionary {
 public:
  static constexpr std::uint16_t no_field = 0xFFFF;
  static constexpr std::uint32_t no_message = 0xFFFFFFFFu;

  // Loads one self-contained dictionary (FIX.4.0 .. FIX.4.4, or a user file).
  [[nodiscard]] static load_result<dictionary> load(const std::string& path);
  // Loads a FIXT transport dictionary (header, trailer, admin messages) and an
  // application dictionary (FIX 5.0 ...) into one set of tables. A field both
  // define must have the same name; the application's definition is kept.
  [[nodiscard]] static load_result<dictionary> load_fixt(const std::string& transport_path,
                                                         const std::string& app_path);
  // Parses a dictionary held in memory; `origin` names it in error messages.
  [[nodiscard]] static load_result<dictionary> load_from_string(std::string_view xml, std::string_view origin);

  // "FIX.4.4", "FIXT.1.1", ...: from the <fix type major minor> root of the
  // (transport) dictionary.
  [[nodiscard]] std::string_view begin_string() const noexcept { return begin_string_; }
  // True for a FIXT pair (load_fixt): admin messages are then validated with
  // the transport's fields only, as a FIXT session dictionary would, so a tag
  // only the application defines is unknown in a Heartbeat.
  [[nodiscard]] bool has_separate_transport() const noexcept { return separate_transport_; }

  // ---- fields -------------------------------------------------------------
  // Field id of `tag`, or no_field when the dictionary does not define it.
  [[nodiscard]] std::uint16_t field_id(std::uint32_t tag) const noexcept {
    return tag < tags_.size() ? tags_[tag].id() : no_field;
  }
  [[nodiscard]] const field_info* field(std::uint32_t tag) const noexcept {
    const std::uint16_t id = field_id(tag);
    return id == no_field ? nullptr : &fields_[id];
  }
  [[nodiscard]] const field_info& field_by_id(std::uint16_t id) const noexcept { return fields_[id]; }
  // The dense tables themselves, for loops that hoist them: tag -> tag_entry
  // (id no_field when undefined; tags past the end are undefined) and id -> field.
  [[nodiscard]] std::span<const tag_entry> tag_table() const noexcept { return tags_; }
  [[nodiscard]] std::span<const field_info> field_table() const noexcept { return fields_; }
  [[nodiscard]] std::size_t field_count() const noexcept { return fields_.size(); }
  [[nodiscard]] std::string_view field_name(std::uint32_t tag) const noexcept {
    const std::uint16_t id = field_id(tag);
    return id == no_field ? std::string_view{} : std::string_view{field_names_[id]};
  }
  // Tag of the field called `name`, or 0. Cold: linear search.
  [[nodiscard]] std::uint32_t tag_of(std::string_view name) const noexcept;
  // True when `value` is acceptable for the field's enumeration (always true
  // for fields without one). For MultipleValueString-like types every
  // space-separated item must be enumerated.
  [[nodiscard]] bool enum_allows(const field_info& f, std::string_view value) const noexcept;
  // Enumerated values of a field, in ascending byte order (empty when none).
  [[nodiscard]] std::span<const std::string_view> enum_values(std::uint32_t tag) const noexcept;
  // The single-byte enumeration test behind enum_allows, for a field with flag_char_enum.
  [[nodiscard]] bool char_enum_allows(const field_info& f, unsigned char c) const noexcept {
    return (char_sets_[f.char_set * 4u + c / 64] >> (c % 64) & 1u) != 0;
  }
  // DATA fields and the Length fields that give their size, to pass to message::parse.
  [[nodiscard]] const data_field_table& data_fields() const noexcept { return data_table_; }
  [[nodiscard]] std::span<const data_field_pair> data_field_pairs() const noexcept { return data_pairs_; }

  // ---- messages -------------------------------------------------------------
  // Index of the message with this MsgType, or no_message. No allocation.
  [[nodiscard]] std::uint32_t find_message(std::string_view msg_type) const noexcept;
  [[nodiscard]] bool is_defined(std::string_view msg_type) const noexcept {
    return find_message(msg_type) != no_message;
  }
  // True when the MsgType is defined with msgcat="admin" (session-level).
  [[nodiscard]] bool is_admin(std::string_view msg_type) const noexcept {
    const std::uint32_t m = find_message(msg_type);
    return m != no_message && messages_[m].admin;
  }
  [[nodiscard]] std::span<const message_def> messages() const noexcept { return messages_; }
  [[nodiscard]] const message_def& message_at(std::uint32_t index) const noexcept { return messages_[index]; }
  [[nodiscard]] const message_def& header() const noexcept { return header_; }
  [[nodiscard]] const message_def& trailer() const noexcept { return trailer_; }

  // Words in each field-id bitset (allowed / required sets).
  [[nodiscard]] std::size_t bitset_words() const noexcept { return words_; }
  [[nodiscard]] const std::uint64_t* allowed_bits(const message_def& m) const noexcept {
    return bits_.data() + m.allowed_first;
  }
  [[nodiscard]] const std::uint64_t* required_bits(const message_def& m) const noexcept {
    return bits_.data() + m.required_first;
  }
  [[nodiscard]] std::span<const required_word> required_words(const message_def& m) const noexcept {
    return {required_words_.data() + m.required_words_first, m.required_words_count};
  }
  // True when the field may appear at the top level of `m` (header fields for
  // the header context, body fields for a message; group members are not).
  [[nodiscard]] bool allows(const message_def& m, std::uint32_t tag) const noexcept {
    const std::uint16_t id = field_id(tag);
    return id != no_field && (allowed_bits(m)[id / 64] >> (id % 64) & 1u);
  }
  [[nodiscard]] bool requires_field(const message_def& m, std::uint32_t tag) const noexcept {
    const std::uint16_t id = field_id(tag);
    return id != no_field && (required_bits(m)[id / 64] >> (id % 64) & 1u);
  }

  // ---- groups ---------------------------------------------------------------
  // Group id of the repeating group whose NumInGroup is `count_tag` at the top
  // level of `m`, or no_group.
  [[nodiscard]] std::uint32_t find_group(const message_def& m, std::uint32_t count_tag) const noexcept {
    const auto* g = context_groups_.data() + m.groups_first;
    for (std::uint32_t i = 0; i < m.groups_count; ++i)
      if (g[i].first == count_tag) return g[i].second;
    return no_group;
  }
  [[nodiscard]] const group_def& group(std::uint32_t id) const noexcept { return groups_[id]; }
  [[nodiscard]] std::size_t group_count() const noexcept { return groups_.size(); }
  [[nodiscard]] std::span<const group_member> members(const group_def& g) const noexcept {
    return {members_.data() + g.members_first, g.members_count};
  }
  // Position of `tag` among the group's members, or no_member.
  [[nodiscard]] std::uint32_t member_index(const group_def& g, std::uint32_t tag) const noexcept {
    const std::uint32_t mask = (1u << (32 - g.slots_shift)) - 1u;
    std::uint32_t s = (tag * 2654435761u) >> g.slots_shift;
    const auto* slots = slots_.data() + g.slots_first;
    for (;;) {
      const auto& slot = slots[s];
      if (slot.tag == tag) return slot.member;
      if (slot.tag == 0) return no_member;
      s = (s + 1) & mask;
    }
  }
  // Member positions that every instance must carry, ascending by tag.
  [[nodiscard]] std::span<const std::uint16_t> required_members(const group_def& g) const noexcept {
    return {required_positions_.data() + g.required_first, g.required_count};
  }

  dictionary() = default;
  // Move-only: data_fields() refers into data_pairs_, enum_values_ into enum_chars_;
  // a move carries those heap buffers along, a copy would not.
  dictionary(dictionary&&) noexcept = default;
  dictionary& operator=(dictionary&&) noexcept = default;
  dictionary(const dictionary&) = delete;
  dictionary& operator=(const dictionary&) = delete;

 private:
  friend class dictionary_builder;
  struct slot {
    std::uint32_t tag;     // 0 = empty
    std::uint32_t member;  // position in the group
  };

  std::string begin_string_;
  bool separate_transport_ = false;
  std::vector<tag_entry> tags_;
  std::vector<field_info> fields_;
  std::vector<std::string> field_names_;
  std::vector<char> enum_chars_;                 // backing store of enum_values_ (heap: views survive moves)
  std::vector<std::string_view> enum_values_;    // per field, sorted
  std::vector<std::uint64_t> char_sets_;         // 4 words per single-byte enumeration
  std::vector<data_field_pair> data_pairs_;
  data_field_table data_table_{std::span<const data_field_pair>{}};

  std::vector<message_def> messages_;
  message_def header_;
  message_def trailer_;
  std::size_t words_ = 0;
  std::vector<std::uint64_t> bits_;
  std::vector<required_word> required_words_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> context_groups_;  // (count tag, group id)
  std::vector<std::uint16_t> one_char_types_;     // 128 entries: message index + 1, 0 = none
  std::vector<std::uint16_t> two_char_types_;     // 128 * 128 entries, likewise
  std::vector<std::uint32_t> long_types_;         // message indices of longer MsgTypes

  std::vector<group_def> groups_;
  std::vector<group_member> members_;
  std::vector<std::uint16_t> required_positions_;
  std::vector<slot> slots_;
};

inline std::uint32_t dictionary::find_message(std::string_view t) const noexcept {
  if (t.size() == 1) {
    const auto c = static_cast<unsigned char>(t[0]);
    return c < 128 && one_char_types_[c] ? one_char_types_[c] - 1u : no_message;
  }
  if (t.size() == 2) {
    const auto c0 = static_cast<unsigned char>(t[0]), c1 = static_cast<unsigned char>(t[1]);
    if (c0 >= 128 || c1 >= 128) return no_message;
    const std::uint16_t v = two_char_types_[c0 * 128u + c1];
    return v ? v - 1u : no_message;
  }
  for (std::uint32_t m : long_types_)
    if (messages_[m].msg_type == t) return m;
  return no_message;
}

inline bool dictionary::enum_allows(const field_info& f, std::string_view value) const noexcept {
  if (f.enums == enum_kind::none) return true;
  auto one = [&](std::string_view v) noexcept {
    if (f.flags & field_info::flag_char_enum) {
      if (v.size() != 1) return false;
      const auto c = static_cast<unsigned char>(v[0]);
      return char_enum_allows(f, c);
    }
    // Binary search over the field's sorted values.
    std::uint32_t lo = f.enum_first, hi = f.enum_first + f.enum_count;
    while (lo < hi) {
      const std::uint32_t mid = lo + (hi - lo) / 2;
      const int c = enum_values_[mid].compare(v);
      if (c == 0) return true;
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return false;
  };
  if (f.enums == enum_kind::single) return one(value);
  // Space-separated items; an empty item (double space, leading/trailing space) is malformed.
  std::size_t start = 0;
  for (;;) {
    const std::size_t sp = value.find(' ', start);
    const std::string_view item = value.substr(start, sp == std::string_view::npos ? sp : sp - start);
    if (item.empty() || !one(item)) return false;
    if (sp == std::string_view::npos) return true;
    start = sp + 1;
  }
}

}  // namespace fixring::codec
