// Loader for QuickFIX-format XML dictionaries. Cold path: allocates freely,
// reports the first problem with the file and the element at fault.
#include "fixring/codec/dictionary.hpp"

#include <pugixml.hpp>

#include <algorithm>
#include <array>
#include <map>
#include <unordered_map>

namespace fixring::codec {

namespace {

struct type_entry {
  std::string_view name;
  field_type type;
  value_format format;
};

// Every type name QuickFIX dictionaries use, FIX.4.0 through FIX 5.0 SP2.
constexpr type_entry type_names[] = {
    {"STRING", field_type::string, value_format::any},
    {"CHAR", field_type::character, value_format::character},
    {"BOOLEAN", field_type::boolean, value_format::boolean},
    {"INT", field_type::integer, value_format::signed_int},
    {"LENGTH", field_type::length, value_format::unsigned_int},
    {"NUMINGROUP", field_type::num_in_group, value_format::unsigned_int},
    {"SEQNUM", field_type::seq_num, value_format::unsigned_int},
    {"TAGNUM", field_type::tag_num, value_format::unsigned_int},
    {"DAYOFMONTH", field_type::day_of_month, value_format::day_of_month},
    {"FLOAT", field_type::floating, value_format::decimal},
    {"QTY", field_type::qty, value_format::decimal},
    {"QUANTITY", field_type::qty, value_format::decimal},
    {"PRICE", field_type::price, value_format::decimal},
    {"PRICEOFFSET", field_type::price_offset, value_format::decimal},
    {"AMT", field_type::amt, value_format::decimal},
    {"PERCENTAGE", field_type::percentage, value_format::decimal},
    {"MULTIPLEVALUESTRING", field_type::multiple_value_string, value_format::any},
    {"MULTIPLESTRINGVALUE", field_type::multiple_value_string, value_format::any},
    {"MULTIPLECHARVALUE", field_type::multiple_char_value, value_format::any},
    {"CURRENCY", field_type::currency, value_format::any},
    {"EXCHANGE", field_type::exchange, value_format::any},
    {"COUNTRY", field_type::country, value_format::any},
    {"LANGUAGE", field_type::language, value_format::any},
    {"UTCTIMESTAMP", field_type::utc_timestamp, value_format::utc_timestamp},
    {"TIME", field_type::utc_timestamp, value_format::utc_timestamp},
    {"UTCTIMEONLY", field_type::utc_time_only, value_format::utc_time_only},
    {"UTCDATEONLY", field_type::utc_date_only, value_format::date},
    {"UTCDATE", field_type::utc_date_only, value_format::date},
    {"DATE", field_type::utc_date_only, value_format::date},
    {"LOCALMKTDATE", field_type::local_mkt_date, value_format::date},
    {"MONTHYEAR", field_type::month_year, value_format::month_year},
    {"TZTIMESTAMP", field_type::tz_timestamp, value_format::tz_timestamp},
    {"TZTIMEONLY", field_type::tz_time_only, value_format::any},
    {"LOCALMKTTIME", field_type::local_mkt_time, value_format::any},
    {"DATA", field_type::data, value_format::any},
    {"XMLDATA", field_type::xml_data, value_format::any},
    {"XID", field_type::xid, value_format::any},
    {"XIDREF", field_type::xid_ref, value_format::any},
    {"PATTERN", field_type::pattern, value_format::any},
    {"TENOR", field_type::tenor, value_format::any},
    {"RESERVED100PLUS", field_type::reserved, value_format::any},
    {"RESERVED1000PLUS", field_type::reserved, value_format::any},
    {"RESERVED4000PLUS", field_type::reserved, value_format::any},
};

struct source {
  std::string path;  // as named in error messages
  pugi::xml_document doc;
  pugi::xml_node root;
};

struct field_def {
  std::uint32_t tag = 0;
  std::string name;
  field_type type = field_type::string;
  value_format format = value_format::any;
  std::vector<std::string> values;
  const source* from = nullptr;
  bool transport = false;  // the first (transport) file defines it
};

// One entry of an expanded context (message, header, trailer or group), in order.
struct entry {
  std::uint32_t tag;
  bool required;
  std::uint32_t nested_group;  // no_group for plain fields
};

std::string describe(const pugi::xml_node& n) {
  std::string s = "<";
  s += n.name();
  for (const char* a : {"name", "number", "msgtype"}) {
    if (auto attr = n.attribute(a)) {
      s += ' ';
      s += a;
      s += "='";
      s += attr.value();
      s += '\'';
    }
  }
  s += '>';
  return s;
}

bool parse_tag(const char* s, std::uint32_t& out) {
  std::uint64_t v = 0;
  const std::string_view sv{s};
  if (!parse_uint(sv, v) || v == 0 || v >= max_dictionary_tag || sv[0] == '0') return false;
  out = static_cast<std::uint32_t>(v);
  return true;
}

}  // namespace

class dictionary_builder {
 public:
  explicit dictionary_builder(std::vector<source*> sources) : sources_(std::move(sources)) {}

  load_result<dictionary> build() {
    if (!read_roots() || !read_fields() || !read_components()) return error_;
    assign_ids();
    if (!fields_fit()) return error_;
    dict_.words_ = (dict_.fields_.size() + 63) / 64;
    // Header and trailer come from the first (transport) dictionary only.
    const source& t = *sources_.front();
    if (!build_context(t.root.child("header"), t, dict_.header_, field_info::flag_header) ||
        !build_context(t.root.child("trailer"), t, dict_.trailer_, field_info::flag_trailer))
      return error_;
    if (!read_messages()) return error_;
    build_msg_type_index();
    build_data_pairs();
    build_tag_table();
    return std::move(dict_);
  }

 private:
  bool fail(dictionary_errc code, const source& s, const std::string& what) {
    error_ = {code, s.path + ": " + what};
    return false;
  }
  bool fail_at(dictionary_errc code, const source& s, const pugi::xml_node& n, const std::string& what,
               const std::string& context = {}) {
    return fail(code, s, describe(n) + (context.empty() ? "" : " in " + context) + ": " + what);
  }

  bool read_roots() {
    for (source* s : sources_) {
      s->root = s->doc.child("fix");
      if (!s->root) return fail(dictionary_errc::not_a_dictionary, *s, "no <fix> root element");
      if (!s->root.child("fields")) return fail(dictionary_errc::not_a_dictionary, *s, "no <fields> section");
      if (!s->root.child("messages")) return fail(dictionary_errc::not_a_dictionary, *s, "no <messages> section");
    }
    dict_.separate_transport_ = sources_.size() > 1;
    const pugi::xml_node r = sources_.front()->root;
    const std::string type = r.attribute("type").as_string("FIX");
    dict_.begin_string_ = type + "." + r.attribute("major").as_string("0") + "." + r.attribute("minor").as_string("0");
    return true;
  }

  bool read_fields() {
    for (const source* s : sources_) {
      std::map<std::uint32_t, bool> seen_here;
      std::map<std::string, bool, std::less<>> names_here;
      for (pugi::xml_node n : s->root.child("fields").children("field")) {
        field_def f;
        f.from = s;
        f.transport = s == sources_.front();
        if (!parse_tag(n.attribute("number").value(), f.tag))
          return fail_at(dictionary_errc::bad_attribute, *s, n, "number must be a tag between 1 and 1048575");
        f.name = n.attribute("name").value();
        if (f.name.empty()) return fail_at(dictionary_errc::bad_attribute, *s, n, "no name");
        const std::string_view type = n.attribute("type").value();
        const auto* te = std::find_if(std::begin(type_names), std::end(type_names),
                                      [&](const type_entry& e) { return e.name == type; });
        if (te == std::end(type_names))
          return fail_at(dictionary_errc::unknown_type, *s, n, "unknown type '" + std::string(type) + "'");
        f.type = te->type;
        f.format = te->format;
        for (pugi::xml_node v : n.children("value")) {
          const pugi::xml_attribute e = v.attribute("enum");
          if (!e || !*e.value())
            return fail_at(dictionary_errc::bad_attribute, *s, n, "a <value> without enum");
          f.values.emplace_back(e.value());
        }
        if (seen_here.count(f.tag))
          return fail_at(dictionary_errc::duplicate_field, *s, n, "number " + std::to_string(f.tag) + " defined twice");
        if (names_here.count(f.name))
          return fail_at(dictionary_errc::duplicate_field, *s, n, "name '" + f.name + "' defined twice");
        seen_here[f.tag] = true;
        names_here[f.name] = true;
        auto it = by_tag_.find(f.tag);
        if (it != by_tag_.end()) {
          // FIXT: the application dictionary repeats transport fields; same name required.
          if (it->second.name != f.name)
            return fail_at(dictionary_errc::transport_mismatch, *s, n,
                           "tag " + std::to_string(f.tag) + " is '" + it->second.name + "' in " +
                               it->second.from->path);
          f.transport = it->second.transport;
          it->second = std::move(f);
        } else {
          auto nt = by_name_.find(f.name);
          if (nt != by_name_.end())
            return fail_at(dictionary_errc::transport_mismatch, *s, n,
                           "name '" + f.name + "' has tag " + std::to_string(nt->second) + " in another file");
          by_name_[f.name] = f.tag;
          by_tag_.emplace(f.tag, std::move(f));
        }
      }
    }
    return true;
  }

  bool read_components() {
    for (const source* s : sources_)
      for (pugi::xml_node c : s->root.child("components").children("component")) {
        const std::string name = c.attribute("name").value();
        if (name.empty()) return fail_at(dictionary_errc::bad_attribute, *s, c, "no name");
        components_[name] = {c, s};
      }
    return true;
  }

  void assign_ids() {
    // Ids ascend with tags, so the lowest missing bit of a required set is the
    // lowest missing tag (the one a Reject names).
    std::uint32_t max_tag = 0;
    for (const auto& [tag, f] : by_tag_) max_tag = std::max(max_tag, tag);
    tag_to_id_.assign(max_tag + 1u, dictionary::no_field);
    std::vector<std::pair<std::size_t, std::size_t>> enum_ranges;  // offsets into enum_chars_, then counts
    std::vector<std::pair<std::uint32_t, std::uint32_t>> value_spans;  // (offset, length)
    for (auto& [tag, f] : by_tag_) {
      const auto id = static_cast<std::uint16_t>(dict_.fields_.size());
      tag_to_id_[tag] = id;
      field_info info;
      info.tag = tag;
      info.type = f.type;
      info.format = f.format;
      if (f.transport) info.flags |= field_info::flag_transport;
      std::sort(f.values.begin(), f.values.end());
      f.values.erase(std::unique(f.values.begin(), f.values.end()), f.values.end());
      info.enum_first = static_cast<std::uint32_t>(value_spans.size());
      info.enum_count = static_cast<std::uint16_t>(std::min<std::size_t>(f.values.size(), 0xFFFF));
      if (!f.values.empty()) {
        info.enums = (f.type == field_type::multiple_value_string || f.type == field_type::multiple_char_value)
                         ? enum_kind::multiple
                         : enum_kind::single;
        const bool all_one_byte =
            std::all_of(f.values.begin(), f.values.end(), [](const std::string& v) { return v.size() == 1; });
        if (all_one_byte && dict_.char_sets_.size() / 4 < 0xFFFF) {
          info.flags |= field_info::flag_char_enum;
          info.char_set = static_cast<std::uint16_t>(dict_.char_sets_.size() / 4);
          std::array<std::uint64_t, 4> set{};
          for (const auto& v : f.values) {
            const auto c = static_cast<unsigned char>(v[0]);
            set[c / 64] |= std::uint64_t{1} << (c % 64);
          }
          dict_.char_sets_.insert(dict_.char_sets_.end(), set.begin(), set.end());
        }
        for (const auto& v : f.values) {
          value_spans.emplace_back(static_cast<std::uint32_t>(dict_.enum_chars_.size()),
                                   static_cast<std::uint32_t>(v.size()));
          dict_.enum_chars_.insert(dict_.enum_chars_.end(), v.begin(), v.end());
        }
      }
      dict_.fields_.push_back(info);
      dict_.field_names_.push_back(f.name);
    }
    // Views only once the backing store has stopped growing.
    dict_.enum_values_.reserve(value_spans.size());
    for (const auto& [off, len] : value_spans) dict_.enum_values_.emplace_back(dict_.enum_chars_.data() + off, len);
  }

  bool fields_fit() {
    if (dict_.fields_.size() >= max_field_ids)
      return fail(dictionary_errc::limit_exceeded, *sources_.back(),
                  std::to_string(dict_.fields_.size()) + " fields; at most " + std::to_string(max_field_ids - 1) +
                      " are supported");
    return true;
  }

  // Expands the children of `el` (fields, components, groups) into `out`.
  // `required_chain` is false when an enclosing component is optional.
  bool expand(const pugi::xml_node& el, const source& s, bool required_chain, std::vector<entry>& out,
              const std::string& context, std::size_t depth) {
    for (pugi::xml_node n : el.children()) {
      const std::string_view kind = n.name();
      if (kind != "field" && kind != "component" && kind != "group") continue;
      const std::string name = n.attribute("name").value();
      const std::string_view req = n.attribute("required").as_string("N");
      if (req != "Y" && req != "N" && req != "y" && req != "n")
        return fail_at(dictionary_errc::bad_attribute, s, n, "required must be Y or N", context);
      const bool required = required_chain && (req == "Y" || req == "y");
      if (kind == "component") {
        auto it = components_.find(name);
        if (it == components_.end())
          return fail_at(dictionary_errc::component_not_found, s, n, "no component called '" + name + "'", context);
        if (std::find(expanding_.begin(), expanding_.end(), name) != expanding_.end())
          return fail_at(dictionary_errc::component_cycle, s, n, "component contains itself", context);
        expanding_.push_back(name);
        const bool ok = expand(it->second.first, *it->second.second, required, out,
                               describe(n) + " in " + context, depth);
        expanding_.pop_back();
        if (!ok) return false;
        continue;
      }
      auto f = by_name_.find(name);
      if (f == by_name_.end())
        return fail_at(dictionary_errc::unknown_field, s, n, "no field called '" + name + "'", context);
      const std::uint32_t tag = f->second;
      if (kind == "field") {
        out.push_back({tag, required, no_group});
        continue;
      }
      // <group name='NoX'>: a NumInGroup field followed by its members.
      if (depth + 1 > max_group_depth)
        return fail_at(dictionary_errc::limit_exceeded, s, n,
                       "groups nest deeper than " + std::to_string(max_group_depth), context);
      std::vector<entry> members;
      if (!expand(n, s, true, members, describe(n) + " in " + context, depth + 1)) return false;
      if (members.empty()) return fail_at(dictionary_errc::empty_group, s, n, "group without members", context);
      if (members.size() > max_group_members)
        return fail_at(dictionary_errc::limit_exceeded, s, n,
                       std::to_string(members.size()) + " members; at most " + std::to_string(max_group_members),
                       context);
      out.push_back({tag, required, make_group(tag, members)});
    }
    return true;
  }

  std::uint32_t make_group(std::uint32_t count_tag, const std::vector<entry>& members) {
    group_def g;
    g.count_tag = count_tag;
    g.delimiter_tag = members.front().tag;
    g.members_first = static_cast<std::uint32_t>(dict_.members_.size());
    std::vector<std::pair<std::uint32_t, std::uint16_t>> required;  // (tag, position)
    std::uint32_t count = 0;
    std::vector<std::uint32_t> tags;
    for (const entry& e : members) {
      // A tag listed twice (two components sharing a field) is one member: the first.
      if (std::find(tags.begin(), tags.end(), e.tag) != tags.end()) continue;
      tags.push_back(e.tag);
      dict_.members_.push_back({e.tag, e.nested_group, e.required});
      if (e.required) required.emplace_back(e.tag, static_cast<std::uint16_t>(count));
      ++count;
    }
    g.members_count = count;
    std::sort(required.begin(), required.end());
    g.required_first = static_cast<std::uint32_t>(dict_.required_positions_.size());
    g.required_count = static_cast<std::uint32_t>(required.size());
    for (const auto& r : required) dict_.required_positions_.push_back(r.second);
    // Open addressing at load factor <= 1/2: a miss ends at an empty slot within a probe or two.
    std::uint32_t bits = 1;
    while ((1u << bits) < 2 * count) ++bits;
    g.slots_shift = 32 - bits;
    g.slots_first = static_cast<std::uint32_t>(dict_.slots_.size());
    dict_.slots_.resize(dict_.slots_.size() + (std::size_t{1} << bits), {0, 0});
    auto* slots = dict_.slots_.data() + g.slots_first;
    const std::uint32_t mask = (1u << bits) - 1u;
    for (std::uint32_t i = 0; i < count; ++i) {
      std::uint32_t s = (tags[i] * 2654435761u) >> g.slots_shift;
      while (slots[s].tag != 0) s = (s + 1) & mask;
      slots[s] = {tags[i], i};
    }
    dict_.fields_[tag_to_id_[count_tag]].flags |= field_info::flag_group_count;
    dict_.groups_.push_back(g);
    return static_cast<std::uint32_t>(dict_.groups_.size() - 1);
  }

  // Fills a context's allowed/required bitsets and its top-level groups.
  bool build_context(const pugi::xml_node& el, const source& s, message_def& m, std::uint8_t section_flag) {
    std::vector<entry> entries;
    if (el && !expand(el, s, true, entries, describe(el), 0)) return false;
    m.allowed_first = static_cast<std::uint32_t>(dict_.bits_.size());
    m.required_first = m.allowed_first + static_cast<std::uint32_t>(dict_.words_);
    dict_.bits_.resize(dict_.bits_.size() + 2 * dict_.words_, 0);
    std::uint64_t* allowed = dict_.bits_.data() + m.allowed_first;
    std::uint64_t* required = dict_.bits_.data() + m.required_first;
    m.groups_first = static_cast<std::uint32_t>(dict_.context_groups_.size());
    for (const entry& e : entries) {
      const std::uint16_t id = tag_to_id_[e.tag];
      allowed[id / 64] |= std::uint64_t{1} << (id % 64);
      if (e.required) required[id / 64] |= std::uint64_t{1} << (id % 64);
      if (section_flag) mark_section(e, section_flag);
      if (e.nested_group != no_group && dict_.find_group(m, e.tag) == no_group) {
        dict_.context_groups_.emplace_back(e.tag, e.nested_group);
        ++m.groups_count;
      }
    }
    m.required_words_first = static_cast<std::uint32_t>(dict_.required_words_.size());
    for (std::size_t w = 0; w < dict_.words_; ++w)
      if (required[w] != 0) dict_.required_words_.push_back({static_cast<std::uint32_t>(w), required[w]});
    m.required_words_count = static_cast<std::uint32_t>(dict_.required_words_.size()) - m.required_words_first;
    return true;
  }

  void mark_section(const entry& e, std::uint8_t flag) {
    dict_.fields_[tag_to_id_[e.tag]].flags |= flag;
    if (e.nested_group == no_group) return;
    const group_def& g = dict_.groups_[e.nested_group];
    for (std::uint32_t i = 0; i < g.members_count; ++i) {
      const group_member& gm = dict_.members_[g.members_first + i];
      mark_section({gm.tag, gm.required, gm.nested_group}, flag);
    }
  }

  bool read_messages() {
    for (const source* s : sources_)
      for (pugi::xml_node n : s->root.child("messages").children("message")) {
        message_def m;
        m.msg_type = n.attribute("msgtype").value();
        m.name = n.attribute("name").value();
        if (m.msg_type.empty()) return fail_at(dictionary_errc::bad_attribute, *s, n, "no msgtype");
        if (m.name.empty()) return fail_at(dictionary_errc::bad_attribute, *s, n, "no name");
        m.admin = std::string_view{n.attribute("msgcat").value()} == "admin";
        for (const auto& other : dict_.messages_)
          if (other.msg_type == m.msg_type)
            return fail_at(dictionary_errc::duplicate_message, *s, n, "msgtype '" + m.msg_type + "' defined twice");
        if (!build_context(n, *s, m, 0)) return false;
        dict_.messages_.push_back(std::move(m));
        if (dict_.messages_.size() >= 0xFFFF)
          return fail_at(dictionary_errc::limit_exceeded, *s, n, "more than 65534 messages");
      }
    return true;
  }

  void build_msg_type_index() {
    dict_.one_char_types_.assign(128, 0);
    dict_.two_char_types_.assign(128 * 128, 0);
    for (std::uint32_t i = 0; i < dict_.messages_.size(); ++i) {
      const std::string& t = dict_.messages_[i].msg_type;
      const auto c0 = static_cast<unsigned char>(t[0]);
      const auto c1 = t.size() > 1 ? static_cast<unsigned char>(t[1]) : 0;
      if (t.size() == 1 && c0 < 128)
        dict_.one_char_types_[c0] = static_cast<std::uint16_t>(i + 1);
      else if (t.size() == 2 && c0 < 128 && c1 < 128)
        dict_.two_char_types_[c0 * 128u + c1] = static_cast<std::uint16_t>(i + 1);
      else
        dict_.long_types_.push_back(i);
    }
  }

  // The hot table: one 4-byte entry per tag, carrying what the validator needs
  // for every field (id, section flags, format, enumeration kind) in one load.
  void build_tag_table() {
    dict_.tags_.assign(tag_to_id_.size(), tag_entry{});
    for (std::size_t tag = 0; tag < tag_to_id_.size(); ++tag) {
      const std::uint16_t id = tag_to_id_[tag];
      if (id == dictionary::no_field) continue;
      const field_info& f = dict_.fields_[id];
      // MsgType's enumeration is not a validation rule: <messages> defines MsgTypes (reason 11).
      const enum_kind enums = tag == 35 ? enum_kind::none : f.enums;
      tag_entry e = tag_entry::make(id, f.flags, f.format, enums);
      if (enums != enum_kind::none && (f.flags & field_info::flag_char_enum)) e.bits |= tag_entry::char_enum_bit;
      dict_.tags_[tag] = e;
    }
  }

  void build_data_pairs() {
    // A DATA field's length is given by the LENGTH field named after it
    // ("RawData" <- "RawDataLength", "EncodedText" <- "EncodedTextLen"); when
    // no name matches, by the LENGTH field whose tag precedes it by one.
    auto is_length = [&](std::uint32_t tag) {
      auto it = by_tag_.find(tag);
      return it != by_tag_.end() && it->second.type == field_type::length;
    };
    for (const auto& [tag, f] : by_tag_) {
      if (f.type != field_type::data && f.type != field_type::xml_data) continue;
      std::uint32_t len_tag = 0;
      for (const char* suffix : {"Len", "Length"}) {
        auto it = by_name_.find(f.name + suffix);
        if (it != by_name_.end() && is_length(it->second)) {
          len_tag = it->second;
          break;
        }
      }
      if (len_tag == 0 && is_length(tag - 1)) len_tag = tag - 1;
      if (len_tag != 0) dict_.data_pairs_.push_back({len_tag, tag});
    }
    dict_.data_table_ = data_field_table{std::span<const data_field_pair>{dict_.data_pairs_}};
  }

  std::vector<source*> sources_;
  std::vector<std::uint16_t> tag_to_id_;  // dense tag -> id while building; dictionary::tags_ at the end
  dictionary dict_;
  dictionary_error error_;
  std::map<std::uint32_t, field_def> by_tag_;
  std::unordered_map<std::string, std::uint32_t> by_name_;
  std::unordered_map<std::string, std::pair<pugi::xml_node, const source*>> components_;
  std::vector<std::string> expanding_;
};

namespace {

bool open_file(source& s, const std::string& path, dictionary_error& err) {
  s.path = path;
  const pugi::xml_parse_result r = s.doc.load_file(path.c_str());
  if (r.status == pugi::status_file_not_found || r.status == pugi::status_io_error) {
    err = {dictionary_errc::file_not_found, path + ": cannot open file"};
    return false;
  }
  if (!r) {
    err = {dictionary_errc::not_xml, path + ": not XML at byte " + std::to_string(r.offset) + ": " + r.description()};
    return false;
  }
  return true;
}

}  // namespace

load_result<dictionary> dictionary::load(const std::string& path) {
  source s;
  dictionary_error err;
  if (!open_file(s, path, err)) return err;
  return dictionary_builder({&s}).build();
}

load_result<dictionary> dictionary::load_fixt(const std::string& transport_path, const std::string& app_path) {
  source t, a;
  dictionary_error err;
  if (!open_file(t, transport_path, err) || !open_file(a, app_path, err)) return err;
  return dictionary_builder({&t, &a}).build();
}

load_result<dictionary> dictionary::load_from_string(std::string_view xml, std::string_view origin) {
  source s;
  s.path = origin;
  const pugi::xml_parse_result r = s.doc.load_buffer(xml.data(), xml.size());
  if (!r)
    return dictionary_error{dictionary_errc::not_xml,
                            s.path + ": not XML at byte " + std::to_string(r.offset) + ": " + r.description()};
  return dictionary_builder({&s}).build();
}

std::uint32_t dictionary::tag_of(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < field_names_.size(); ++i)
    if (field_names_[i] == name) return fields_[i].tag;
  return 0;
}

std::span<const std::string_view> dictionary::enum_values(std::uint32_t tag) const noexcept {
  const field_info* f = field(tag);
  if (!f) return {};
  return {enum_values_.data() + f->enum_first, f->enum_count};
}

}  // namespace fixring::codec
