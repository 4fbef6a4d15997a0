// Rewriting a stored outbound message for a resend (FIX session rule: messages
// resent in answer to a ResendRequest carry PossDupFlag(43)=Y, OrigSendingTime(122)
// = their original SendingTime(52), and a new SendingTime; MsgSeqNum and the body
// are unchanged).
//
//   stored : 8 | 9 | 35 | 34 | 49 | 52=T0 | 56 | ...hdr... | body... | 10
//   resent : 8 | 9'| 35 | 34 | 43=Y | 49 | 52=now | 56 | ...hdr... 122=T0 ... | body... | 10'
//
// Header fields are recognised by tag (the FIX standard header) and rewritten
// in ascending tag order, 43 and 122 merged in; the body bytes are copied
// unchanged; BodyLength and CheckSum are recomputed by the encoder.
//
// Contract: noexcept, no allocation; writes at most `capacity_bytes` into `out`.
// Thread-safe (no shared state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fixring/codec/encoder.hpp"
#include "fixring/codec/message.hpp"

namespace fixring::engine {

// True for the tags of the FIX standard header (all versions through FIXT.1.1).
[[nodiscard]] constexpr bool is_header_tag(std::uint32_t tag) noexcept {
  switch (tag) {
    case 8: case 9: case 35: case 34: case 43: case 49: case 50: case 52: case 56: case 57:
    case 90: case 91: case 97: case 115: case 116: case 122: case 128: case 129:
    case 142: case 143: case 144: case 145: case 212: case 213: case 347: case 369:
    case 627: case 628: case 629: case 630: case 1128: case 1129: case 1156:
      return true;
    default:
      return false;
  }
}

// Number of decimal digits of a tag, for locating the start of a field.
[[nodiscard]] constexpr std::uint32_t tag_chars(std::uint32_t tag) noexcept {
  std::uint32_t n = 1;
  while (tag >= 10) {
    tag /= 10;
    ++n;
  }
  return n;
}

// The most a resend's rewrite adds to a stored message: PossDupFlag "43=Y|"
// (5), OrigSendingTime "122=" + a 27-character nanosecond timestamp + SOH
// (32), a new SendingTime up to 10 characters longer than the stored one (if
// TimestampPrecision was raised in between) and one more BodyLength digit,
// rounded up. Outbound messages are encoded within max_message_bytes minus
// this, so that every stored message can be resent within max_message_bytes.
inline constexpr std::uint32_t resend_headroom_bytes = 64;

// `original` is a parsed stored message. Writes the resend form into `out`.
[[nodiscard]] inline codec::encode_result rewrite_for_resend(const codec::message& original, std::int64_t now_ns,
                                                             codec::time_precision precision, char* out,
                                                             std::size_t capacity_bytes) noexcept {
  codec::encoder enc(out, capacity_bytes);
  enc.begin(original.begin_string(), original.msg_type());
  const auto fields = original.fields();
  std::string_view orig_sending_time;
  bool wrote_poss_dup = false, wrote_orig_time = false;
  std::size_t i = 3;
  auto pending_before = [&](std::uint32_t tag) noexcept {
    if (!wrote_poss_dup && tag > 43) {
      enc.add(43, "Y");
      wrote_poss_dup = true;
    }
    if (!wrote_orig_time && tag > 122 && !orig_sending_time.empty()) {
      enc.add(122, orig_sending_time);
      wrote_orig_time = true;
    }
  };
  for (; i < fields.size() && is_header_tag(fields[i].tag); ++i) {
    const codec::field_ref& f = fields[i];
    pending_before(f.tag);
    if (f.tag == 43) {
      if (!wrote_poss_dup) enc.add(43, "Y");
      wrote_poss_dup = true;
    } else if (f.tag == 52) {
      orig_sending_time = original.value(f);
      enc.add_timestamp(52, now_ns, precision);
    } else if (f.tag == 122) {
      // Already a resend of a resend: the first SendingTime is the original.
      enc.add(122, original.value(f));
      wrote_orig_time = true;
    } else {
      enc.add(f.tag, original.value(f));
    }
  }
  pending_before(~std::uint32_t{0});
  // Body: from the first non-header field up to (not including) "10=".
  const std::string_view bytes = original.bytes();
  const codec::field_ref& trailer = fields[fields.size() - 1];
  const std::size_t body_end = trailer.offset - 3;
  if (i < fields.size() - 1) {
    const std::size_t body_start = fields[i].offset - tag_chars(fields[i].tag) - 1;
    enc.add_raw_fields(bytes.substr(body_start, body_end - body_start));
  }
  return enc.finish();
}

}  // namespace fixring::engine
