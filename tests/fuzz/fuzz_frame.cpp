// libFuzzer target: framing and parsing as a receiver drives them.
//
// Input layout:
//   byte 0        number of chunk sizes k (0..15; 0 = the whole stream at once)
//   byte 1        limits: bit 7 set = small max_message_bytes (64 + 4 x low bits),
//                 bits 0..4 also set max_begin_string_bytes (1..32) when bit 6 set
//   bytes 2..k+1  chunk sizes (each value + 1), used in a cycle
//   the rest      the byte stream
//
// The stream arrives chunk by chunk into a receive buffer; after each chunk the
// receiver frames from the front: complete -> parse and consume, invalid ->
// discard, incomplete -> keep and wait. Every frame() call sees the buffer placed
// so that its last byte sits just before a PROT_NONE page: reading one byte too
// far faults.
//
// Invariants:
//   - invalid discards at least 1 byte and never more than is buffered;
//   - incomplete only while fewer than max_message_bytes are buffered (the
//     receive buffer is bounded);
//   - complete: the message starts "8=", BodyLength and CheckSum agree with an
//     independent count, every proper prefix is incomplete, and a parse that
//     succeeds indexes 8, 9, 35 first and 10 last, inside the message, in order;
//     rebuilding the message from its fields (new 9 and 10) parses to the same
//     fields, and so does the one-call parse of the same bytes;
//   - the index (fast path) equals the careful reference indexer's, error or fields.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fixring/codec/frame.hpp"
#include "fixring/codec/message.hpp"
#include "fuzz_support.hpp"
#include "guard_page.hpp"

namespace {

using namespace fixring::codec;
using fixring::fuzz::check;

constexpr std::size_t max_buffer_bytes = std::size_t{1} << 17;

fixring::test::guard_page_buffer& guard() {
  // Reused across inputs: place() rewrites the bytes in front of the guard on
  // every call, so nothing from an earlier input is ever read.
  static fixring::test::guard_page_buffer g(max_buffer_bytes);
  return g;
}

// Rebuilds wire bytes from parsed fields: 8, a fresh 9, the fields from 35 up
// to (not including) 10, and a fresh 10.
std::string rebuild(const message& m) {
  std::string body;
  for (const field_ref& f : m.fields().subspan(2, m.field_count() - 3)) {
    body += std::to_string(f.tag);
    body += '=';
    body += m.value(f);
    body += soh;
  }
  std::string out = "8=";
  out += m.begin_string();
  out += soh;
  out += "9=" + std::to_string(body.size());
  out += soh;
  out += body;
  char cks[8] = {'1', '0', '=', 0, 0, 0, soh, 0};
  const unsigned sum = fixring::fuzz::reference_checksum(out);
  cks[3] = static_cast<char>('0' + sum / 100);
  cks[4] = static_cast<char>('0' + sum / 10 % 10);
  cks[5] = static_cast<char>('0' + sum % 10);
  out.append(cks, 7);
  return out;
}

void check_same_fields(const message& a, const message& b, bool compare_length_fields) {
  check(a.field_count() == b.field_count(), "reparse gives a different field count", b.bytes());
  for (std::size_t i = 0; i < a.field_count(); ++i) {
    const field_ref& fa = a.fields()[i];
    const field_ref& fb = b.fields()[i];
    check(fa.tag == fb.tag, "reparse gives a different tag", b.bytes());
    if (!compare_length_fields && (fa.tag == 9 || fa.tag == 10)) continue;
    check(a.value(fa) == b.value(fb), "reparse gives a different value", b.bytes());
  }
}

void check_complete(std::string_view msg, const frame_result& r, const frame_limits& lim) {
  check(msg.size() >= 2 && msg[0] == '8' && msg[1] == '=', "complete message does not start with 8=", msg);
  check(r.size_bytes <= lim.max_message_bytes, "complete message larger than max_message_bytes", msg);
  // BodyLength: from after the SOH ending 9= to the SOH before 10=.
  check(r.body_offset + r.body_length + 7 == msg.size(), "BodyLength disagrees with the message size", msg);
  check(msg.substr(r.body_offset, 3) == "35=", "body does not open with 35=", msg);
  const std::string_view tail = msg.substr(msg.size() - 7);
  check(tail.substr(0, 3) == "10=" && tail[6] == soh && msg[msg.size() - 8] == soh, "CheckSum field misplaced", msg);
  const unsigned declared = static_cast<unsigned>((tail[3] - '0') * 100 + (tail[4] - '0') * 10 + (tail[5] - '0'));
  check(declared == fixring::fuzz::reference_checksum(msg.substr(0, msg.size() - 7)), "CheckSum accepted but wrong", msg);

  // Every proper prefix must wait for more bytes (sampled for long messages).
  fixring::test::guard_page_buffer& g = guard();
  const std::size_t step = msg.size() <= 512 ? 1 : msg.size() / 97 + 1;
  for (std::size_t k = 0; k < msg.size(); k += step) {
    const std::string_view p = g.place(msg.substr(0, k));
    check(frame(p.data(), p.size(), lim).status == frame_status::incomplete, "proper prefix of a complete message not incomplete", msg);
  }

  const std::string_view placed = g.place(msg);
  message m;
  const parse_error e = m.parse(placed, r.body_offset);
  // The fast indexer must answer exactly as the careful (reference) one.
  {
    static field_ref ref[message::capacity];
    const detail::index_result cr = detail::index_message_careful(
        placed.data(), static_cast<std::uint32_t>(placed.size()), r.body_offset, ref, message::capacity,
        standard_data_field_table);
    check(cr.error == e, "fast and careful indexers disagree on the error", msg);
    if (e == parse_error::none) {
      check(cr.count == m.field_count(), "fast and careful indexers disagree on the field count", msg);
      for (std::size_t i = 0; i < m.field_count() && i < cr.count; ++i)
        check(ref[i].tag == m.fields()[i].tag && ref[i].offset == m.fields()[i].offset &&
                  ref[i].length == m.fields()[i].length,
              "fast and careful indexers disagree on a field", msg);
    }
  }
  if (e != parse_error::none) {
    check(m.empty(), "failed parse leaves fields behind", msg);
    return;
  }
  check(m.field_count() >= 4, "parsed message has fewer than 4 fields", msg);
  check(m.fields()[0].tag == 8 && m.fields()[1].tag == 9 && m.fields()[2].tag == 35, "first three fields not 8, 9, 35", msg);
  check(m.fields()[m.field_count() - 1].tag == 10, "last field not 10", msg);
  std::uint64_t prev_end = 0;
  for (const field_ref& f : m.fields()) {
    check(f.tag > 0, "tag 0 indexed", msg);
    check(f.offset >= prev_end && std::uint64_t{f.offset} + f.length <= msg.size(), "field outside the message or out of order", msg);
    prev_end = std::uint64_t{f.offset} + f.length;
  }

  // The one-call parse (it frames again, with the default limits) must agree,
  // when the message is within those limits.
  if (m.begin_string().size() <= frame_limits{}.max_begin_string_bytes &&
      msg.size() <= frame_limits{}.max_message_bytes) {
    message again;
    check(again.parse(placed) == parse_error::none, "one-call parse disagrees with frame+parse", msg);
    check_same_fields(m, again, true);
  }

  // Rebuilt from its fields, the message must reparse to the same fields. A
  // message that declared a BeginString longer than the default limit, or whose
  // rebuilt size passes the limit, is out of scope for the default limits.
  const std::string rebuilt = rebuild(m);
  const std::string_view rp = g.place(rebuilt);
  const frame_result rr = frame(rp.data(), rp.size(), lim);
  if (rebuilt.size() > lim.max_message_bytes) return;
  check(rr.status == frame_status::complete && rr.size_bytes == rebuilt.size(), "rebuilt message does not frame", rebuilt);
  message rm;
  check(rm.parse(rp, rr.body_offset) == parse_error::none, "rebuilt message does not parse", rebuilt);
  check_same_fields(m, rm, false);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fixring::fuzz::input_reader in(data, size);
  const std::size_t cuts = in.u8() % 16;
  const std::uint8_t limit_bits = in.u8();
  frame_limits lim;
  if (limit_bits & 0x80) lim.max_message_bytes = 64 + 4u * (limit_bits & 0x3F);
  if (limit_bits & 0x40) lim.max_begin_string_bytes = 1 + (limit_bits & 0x1F);
  std::size_t chunk[16];
  for (std::size_t i = 0; i < cuts; ++i) chunk[i] = std::size_t{in.u8()} + 1;
  const std::string_view stream = in.rest();
  if (stream.size() > max_buffer_bytes / 2) return 0;

  std::string buffered;
  std::size_t at = 0;
  std::size_t next_cut = 0;
  while (at < stream.size()) {
    const std::size_t n = cuts == 0 ? stream.size() : std::min(chunk[next_cut++ % cuts], stream.size() - at);
    buffered.append(stream.substr(at, n));
    at += n;
    for (;;) {
      const std::string_view view = guard().place(buffered);
      const frame_result r = frame(view.data(), view.size(), lim);
      if (r.status == frame_status::incomplete) {
        check(view.size() < lim.max_message_bytes, "incomplete with max_message_bytes buffered: unbounded buffer", view);
        break;
      }
      if (r.status == frame_status::invalid) {
        check(r.size_bytes >= 1 && r.size_bytes <= view.size(), "invalid must discard between 1 and all buffered bytes", view);
        check(r.error != frame_error::none, "invalid without an error", view);
        buffered.erase(0, r.size_bytes);
        if (buffered.empty()) break;
        continue;
      }
      check(r.size_bytes >= 1 && r.size_bytes <= view.size(), "complete size outside the buffer", view);
      check(r.error == frame_error::none, "complete with an error", view);
      check_complete(std::string(view.substr(0, r.size_bytes)), r, lim);
      buffered.erase(0, r.size_bytes);
      if (buffered.empty()) break;
    }
  }
  return 0;
}
