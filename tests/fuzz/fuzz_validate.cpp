// libFuzzer target: dictionary validation (and repeating-group walking) of
// arbitrary messages.
//
// Dictionaries: tests/fuzz/fuzz44.xml (small, so random inputs reach every
// rule) and, when the checked-in conformance tree is beside the repository,
// ../shared/conformance/spec/FIX44.xml. Both are loaded once: they are
// immutable after loading, so no state passes from one input to the next.
//
// Input layout:
//   byte 0       bit 0: dictionary (0 small, 1 FIX44 when present)
//                bit 1: frame it: the rest is a message body ("35=...<SOH>...")
//                       given BeginString, BodyLength and CheckSum here, with
//                       '|' read as SOH, so most inputs pass framing
//   bytes 1..2   validation_options, one bit per check (bit set = check off)
//   the rest     the message (raw wire bytes when bit 1 is clear)
//
// Invariants:
//   - validate() answers a reason from the SessionRejectReason enum, the same
//     one twice, RefTagID 0 exactly when the reason has no single tag;
//   - a per-field reason names a tag the message carries; a missing required
//     tag names a tag the dictionary defines;
//   - with every check switched off, every parsed message passes;
//   - find_invalid_tag_number() on a garbled message does not crash and
//     answers a tag below 1;
//   - every repeating group found walks instances that tile [first, end) in
//     order, nested groups inside their instance.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "fixring/codec/dictionary.hpp"
#include "fixring/codec/frame.hpp"
#include "fixring/codec/groups.hpp"
#include "fixring/codec/message.hpp"
#include "fixring/codec/validate.hpp"
#include "fuzz_support.hpp"
#include "guard_page.hpp"

#ifndef FIXRING_FUZZ_DIR
#error "FIXRING_FUZZ_DIR (tests/fuzz) must be defined by the build"
#endif
#ifndef FIXRING_CONFORMANCE_DIR
#define FIXRING_CONFORMANCE_DIR ""
#endif

namespace {

using namespace fixring::codec;
using fixring::fuzz::check;

struct dictionaries {
  std::optional<dictionary> small;
  std::optional<dictionary> fix44;
};

const dictionaries& loaded() {
  static const dictionaries d = [] {
    dictionaries out;
    auto s = dictionary::load(std::string(FIXRING_FUZZ_DIR) + "/fuzz44.xml");
    if (!s.has_value()) {
      std::fprintf(stderr, "fuzz_validate: %s\n", s.error().message.c_str());
      std::abort();
    }
    out.small.emplace(std::move(s).value());
    const std::string spec = std::string(FIXRING_CONFORMANCE_DIR) + "/spec/FIX44.xml";
    if (std::string_view(FIXRING_CONFORMANCE_DIR).size() > 0 && std::filesystem::exists(spec)) {
      auto f = dictionary::load(spec);
      if (!f.has_value()) {
        std::fprintf(stderr, "fuzz_validate: %s\n", f.error().message.c_str());
        std::abort();
      }
      out.fix44.emplace(std::move(f).value());
    }
    return out;
  }();
  return d;
}

bool known_reason(session_reject_reason r) {
  switch (r) {
    case session_reject_reason::invalid_tag_number:
    case session_reject_reason::required_tag_missing:
    case session_reject_reason::tag_not_defined_for_message_type:
    case session_reject_reason::undefined_tag:
    case session_reject_reason::tag_specified_without_value:
    case session_reject_reason::value_out_of_range:
    case session_reject_reason::incorrect_data_format:
    case session_reject_reason::decryption_problem:
    case session_reject_reason::signature_problem:
    case session_reject_reason::comp_id_problem:
    case session_reject_reason::sending_time_accuracy_problem:
    case session_reject_reason::invalid_msg_type:
    case session_reject_reason::xml_validation_error:
    case session_reject_reason::tag_appears_more_than_once:
    case session_reject_reason::tag_out_of_order:
    case session_reject_reason::repeating_group_fields_out_of_order:
    case session_reject_reason::incorrect_num_in_group_count:
    case session_reject_reason::non_data_value_includes_field_delimiter:
    case session_reject_reason::other:
    case session_reject_reason::none: return true;
  }
  return false;
}

// Reasons whose RefTagID is a field of the message itself.
bool names_a_field_of_the_message(session_reject_reason r) {
  switch (r) {
    case session_reject_reason::invalid_tag_number:
    case session_reject_reason::tag_not_defined_for_message_type:
    case session_reject_reason::undefined_tag:
    case session_reject_reason::tag_specified_without_value:
    case session_reject_reason::value_out_of_range:
    case session_reject_reason::incorrect_data_format:
    case session_reject_reason::tag_appears_more_than_once:
    case session_reject_reason::tag_out_of_order:
    case session_reject_reason::repeating_group_fields_out_of_order:
    case session_reject_reason::incorrect_num_in_group_count: return true;
    default: return false;
  }
}

validation_options options_from(std::uint16_t off) {
  validation_options o;
  bool* const checks[] = {&o.check_field_order,       &o.check_msg_type,          &o.check_required_fields,
                          &o.check_fields_have_values, &o.check_data_format,       &o.check_enum_values,
                          &o.check_unknown_fields,     &o.check_user_defined_fields, &o.check_fields_in_message,
                          &o.check_repeated_tags,      &o.check_group_counts,      &o.check_group_order};
  for (std::size_t i = 0; i < std::size(checks); ++i) *checks[i] = !(off >> i & 1u);
  o.report_unknown_as_undefined = off >> 12 & 1u;
  return o;
}

validation_options all_off() {
  validation_options o = options_from(0x0FFF);
  o.report_unknown_as_undefined = false;
  return o;
}

void walk_group(const group_view& g, const message& m, int depth) {
  if (!g.found() || depth > 8) return;
  check(g.end_index() <= m.field_count() && g.count_index() < g.end_index() + 1, "group outside the message", m.bytes());
  std::uint32_t expect = g.count_index() + 1;
  std::size_t n = 0;
  for (auto it = g.begin(); it != g.end(); ++it) {
    const group_instance inst = *it;
    check(inst.first_index() == expect, "group instances do not tile the group", m.bytes());
    const std::span<const field_ref> f = inst.fields();
    check(!f.empty(), "empty group instance", m.bytes());
    expect = inst.first_index() + static_cast<std::uint32_t>(f.size());
    check(expect <= g.end_index(), "group instance runs past the group end", m.bytes());
    for (const field_ref& fr : f) {
      const group_view nested = inst.group(fr.tag);
      if (nested.found()) {
        check(nested.count_index() >= inst.first_index() && nested.end_index() <= expect,
              "nested group outside its instance", m.bytes());
        walk_group(nested, m, depth + 1);
      }
    }
    check(++n <= m.field_count(), "more group instances than fields", m.bytes());
  }
  check(expect == g.end_index() || n == 0, "group instances end before the group does", m.bytes());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fixring::test::guard_page_buffer guard(std::size_t{1} << 17);
  const dictionaries& dicts = loaded();
  fixring::fuzz::input_reader in(data, size);
  const std::uint8_t mode = in.u8();
  const std::uint16_t off = in.u16();
  const dictionary& dict = (mode & 1) && dicts.fix44 ? *dicts.fix44 : *dicts.small;
  std::string_view text = in.rest();
  if (text.size() > (std::size_t{1} << 16)) return 0;

  std::string framed;
  if (mode & 2) {
    std::string body(text);
    for (char& c : body)
      if (c == '|') c = soh;
    framed = "8=FIX.4.4\x01" "9=" + std::to_string(body.size()) + '\x01' + body;
    const unsigned sum = fixring::fuzz::reference_checksum(framed);
    char cks[8];
    std::snprintf(cks, sizeof cks, "10=%03u\x01", sum);
    framed += cks;
    text = framed;
  }

  const std::string_view placed = guard.place(text);
  const frame_result f = frame(placed.data(), placed.size());
  if (!f.is_complete()) return 0;
  const std::string_view bytes = placed.substr(0, f.size_bytes);
  message m;
  const parse_error pe = m.parse(bytes, f.body_offset, dict.data_fields());
  if (pe == parse_error::garbled_field) {
    std::int64_t tag = 1;
    if (find_invalid_tag_number(bytes, tag)) check(tag < 1, "find_invalid_tag_number answered a valid tag", bytes);
    return 0;
  }
  if (pe != parse_error::none) return 0;

  const validation_options opts = options_from(off);
  const validation_result r = validate(dict, m, opts);
  check(known_reason(r.reason), "validate answered a reason outside the enum", bytes);
  check(validate(dict, m, opts) == r, "validate is not deterministic", bytes);
  if (r.ok()) check(r.ref_tag == 0, "a passing message with a RefTagID", bytes);
  if (r.reason == session_reject_reason::invalid_msg_type) check(r.ref_tag == 0, "invalid MsgType with a RefTagID", bytes);
  if (names_a_field_of_the_message(r.reason))
    check(r.ref_tag != 0 && m.has(r.ref_tag), "RefTagID not a field of the message", bytes);
  if (r.reason == session_reject_reason::required_tag_missing)
    check(r.ref_tag != 0 && dict.field(r.ref_tag) != nullptr, "missing required tag unknown to the dictionary", bytes);
  check(validate(dict, m, all_off()).ok(), "a message fails validation with every check off", bytes);

  for (const field_ref& fr : m.fields()) {
    const field_info* fi = dict.field(fr.tag);
    if (fi && fi->is_group_count()) walk_group(find_group(dict, m, fr.tag), m, 0);
  }
  return 0;
}
