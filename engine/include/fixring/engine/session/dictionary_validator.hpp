// Binds the codec's dictionary validation (codec/validate.hpp) to the session
// core as its Validator: every post-Logon message is checked against the data
// dictionary, and a failure becomes a session Reject(35=3) with RefSeqNum(45),
// Text(58) = the FIX name of the reason, RefTagID(371) when one tag is at
// fault, RefMsgType(372) and SessionRejectReason(373).
//
// It also gives the session the dictionary's DATA field pairs for indexing
// fields, and lets it answer a field whose tag number is below 1 ("0=", "-1=")
// with "Invalid tag number" instead of discarding the message.
//
// Ownership: refers to the dictionary, which must outlive it (dictionaries are
// loaded once, on the cold path). Thread contract: validate() only reads, so
// sessions on several threads may share one dictionary.
#pragma once

#include <cstdint>
#include <string_view>

#include "fixring/codec/dictionary.hpp"
#include "fixring/codec/validate.hpp"
#include "fixring/engine/session/session_types.hpp"

namespace fixring::engine {

class dictionary_validator {
 public:
  explicit dictionary_validator(const codec::dictionary& dict, const codec::validation_options& options = {}) noexcept
      : dict_(&dict), options_(options) {}

  [[nodiscard]] validation_result validate(const codec::message& m) const noexcept {
    const codec::validation_result r = codec::validate(*dict_, m, options_);
    return {static_cast<reject_reason>(r.reason), r.ref_tag};
  }
  [[nodiscard]] bool find_invalid_tag(std::string_view framed, std::int64_t& tag) const noexcept {
    return codec::find_invalid_tag_number(framed, tag);
  }
  [[nodiscard]] const codec::data_field_table& data_fields() const noexcept { return dict_->data_fields(); }
  [[nodiscard]] const codec::dictionary& dictionary() const noexcept { return *dict_; }

 private:
  const codec::dictionary* dict_;
  codec::validation_options options_;
};

static_assert(session_validator<dictionary_validator>);

// The two enumerations carry the FIX SessionRejectReason values, so the
// conversion above is a cast; these pin that.
static_assert(static_cast<int>(reject_reason::none) == static_cast<int>(codec::session_reject_reason::none));
static_assert(static_cast<int>(reject_reason::invalid_tag_number) ==
              static_cast<int>(codec::session_reject_reason::invalid_tag_number));
static_assert(static_cast<int>(reject_reason::value_is_incorrect) ==
              static_cast<int>(codec::session_reject_reason::value_out_of_range));
static_assert(static_cast<int>(reject_reason::tag_specified_out_of_required_order) ==
              static_cast<int>(codec::session_reject_reason::tag_out_of_order));
static_assert(static_cast<int>(reject_reason::incorrect_num_in_group_count) ==
              static_cast<int>(codec::session_reject_reason::incorrect_num_in_group_count));
static_assert(static_cast<int>(reject_reason::non_data_value_includes_field_delimiter) ==
              static_cast<int>(codec::session_reject_reason::non_data_value_includes_field_delimiter));
static_assert(static_cast<int>(reject_reason::other) == static_cast<int>(codec::session_reject_reason::other));

}  // namespace fixring::engine
