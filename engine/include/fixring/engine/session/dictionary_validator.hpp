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
    return codec::validate(*dict_, m, options_);
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

}  // namespace fixring::engine
