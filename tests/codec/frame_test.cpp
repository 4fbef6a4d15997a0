#include <catch2/catch.hpp>

#include <string>

#include "fix_text.hpp"
#include "fixring/codec/frame.hpp"
#include "guard_page.hpp"

using namespace fixring::codec;
using fixring::test::fix;
using fixring::test::wire;

namespace {
const std::string nos = fix(
    "8=FIX.4.4|35=D|34=2|49=TW44|52=20260101-12:00:00.000|56=ISLD|11=ID|21=1|38=002000.00|40=1|54=1|55=INTC|"
    "60=20260101-12:00:00|");
const std::string heartbeat = fix("8=FIX.4.4|35=0|34=3|49=TW44|52=20260101-12:00:01|56=ISLD|");

frame_result frame_guarded(std::string_view s) {
  static fixring::test::guard_page_buffer guard(1 << 16);
  const std::string_view g = guard.place(s);
  return frame(g.data(), g.size());
}

// Replaces the CheckSum value so that a test can break only the sum.
std::string with_checksum(std::string s, std::string_view value) {
  const auto at = s.rfind("\x01" "10=") + 4;
  return s.substr(0, at) + std::string(value) + '\x01';
}
}  // namespace

TEST_CASE("a whole message frames as complete with its exact size") {
  const frame_result r = frame_guarded(nos);
  REQUIRE(r.status == frame_status::complete);
  CHECK(r.size_bytes == nos.size());
  CHECK(std::string_view(nos).substr(r.body_offset, 5) == "35=D\x01");
  CHECK(r.body_length == nos.size() - r.body_offset - 7);
}

TEST_CASE("every proper prefix of a message is incomplete, never invalid") {
  for (std::size_t n = 0; n < nos.size(); ++n) {
    INFO("prefix length " << n);
    CHECK(frame_guarded(std::string_view(nos).substr(0, n)).status == frame_status::incomplete);
  }
}

TEST_CASE("two messages split at every byte are framed one after the other") {
  const std::string stream = nos + heartbeat;
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    INFO("split at " << cut);
    // The receiver sees the first `cut` bytes, frames what it can, then gets the rest.
    std::string buf = stream.substr(0, cut);
    std::vector<std::string> got;
    auto drain = [&] {
      for (;;) {
        const frame_result r = frame(buf.data(), buf.size());
        if (r.status != frame_status::complete) {
          REQUIRE(r.status == frame_status::incomplete);
          return;
        }
        got.push_back(buf.substr(0, r.size_bytes));
        buf.erase(0, r.size_bytes);
      }
    };
    drain();
    buf += stream.substr(cut);
    drain();
    REQUIRE(got.size() == 2);
    CHECK(got[0] == nos);
    CHECK(got[1] == heartbeat);
    CHECK(buf.empty());
  }
}

TEST_CASE("a wrong checksum value is invalid and discards exactly the message") {
  const std::string bad = with_checksum(nos, nos.substr(nos.size() - 4, 3) == "000" ? "001" : "000");
  const frame_result r = frame_guarded(bad + heartbeat);
  CHECK(r.status == frame_status::invalid);
  CHECK(r.error == frame_error::checksum_mismatch);
  CHECK(r.size_bytes == bad.size());
}

TEST_CASE("a checksum that is not three digits is invalid up to its SOH") {
  for (const char* v : {"0", "12", "1234", "25x", "256x"}) {
    INFO(v);
    const std::string bad = with_checksum(nos, v);
    const frame_result r = frame_guarded(bad + heartbeat);
    CHECK(r.status == frame_status::invalid);
    CHECK(r.size_bytes == bad.size());
    const frame_result next = frame(heartbeat.data(), heartbeat.size());
    CHECK(next.status == frame_status::complete);
  }
}

TEST_CASE("a BodyLength that is too short discards the message and keeps the next one") {
  std::string bad = nos;
  const auto at = bad.find("9=") + 2, end = bad.find('\x01', at);
  bad.replace(at, end - at, "30");
  const std::string stream = bad + heartbeat;
  const frame_result r = frame_guarded(stream);
  REQUIRE(r.status == frame_status::invalid);
  CHECK(r.error == frame_error::body_length_mismatch);
  CHECK(r.size_bytes == bad.size());
  const frame_result next = frame(stream.data() + r.size_bytes, stream.size() - r.size_bytes);
  CHECK(next.status == frame_status::complete);
}

TEST_CASE("a BodyLength that is too long swallows the message it runs into") {
  std::string bad = nos;
  const auto at = bad.find("9=") + 2, end = bad.find('\x01', at);
  const std::size_t real = std::stoul(bad.substr(at, end - at));
  bad.replace(at, end - at, std::to_string(real + 20));
  const std::string stream = bad + heartbeat + heartbeat;
  const frame_result r = frame_guarded(stream);
  REQUIRE(r.status == frame_status::invalid);
  CHECK(r.error == frame_error::body_length_mismatch);
  CHECK(r.size_bytes == bad.size() + heartbeat.size());
}

TEST_CASE("a declared length beyond the limit is invalid at once") {
  const std::string bad = wire("8=FIX.4.4|9=99999999|35=0|");
  const frame_result r = frame_guarded(bad + heartbeat);
  CHECK(r.status == frame_status::invalid);
  CHECK(r.error == frame_error::message_too_large);
  CHECK(r.size_bytes == bad.size());
  // What the declared message is, for whoever follows it (the session's oversize_tracker).
  CHECK(r.body_offset == wire("8=FIX.4.4|9=99999999|").size());
  CHECK(r.body_length == 99999999);
}

TEST_CASE("a message that never reaches its checksum is cut off at the size limit") {
  frame_limits lim;
  lim.max_message_bytes = 256;
  std::string bad = wire("8=FIX.4.4|9=50|35=0|");
  while (bad.size() < 300) bad += wire("58=xxxxxxxxxx|");
  const frame_result r = frame(bad.data(), bad.size(), lim);
  CHECK(r.status == frame_status::invalid);
  CHECK(r.body_length == 0);  // not refused on its BodyLength: nothing declared to follow
}

TEST_CASE("BodyLength that is not a positive number is invalid") {
  for (const char* s : {"8=FIX.4.4|9=|35=0|", "8=FIX.4.4|9=1x|35=0|", "8=FIX.4.4|9=0|35=0|",
                        "8=FIX.4.4|9=-5|35=0|", "8=FIX.4.4|9=1234567890|35=0|"}) {
    INFO(s);
    const frame_result r = frame_guarded(wire(s));
    CHECK(r.status == frame_status::invalid);
    CHECK(r.error == frame_error::bad_body_length);
  }
}

TEST_CASE("the first three fields must be 8, 9 and 35 in that order") {
  CHECK(frame_guarded(wire("35=0|8=FIX.4.4|9=5|")).error == frame_error::no_begin_string);
  CHECK(frame_guarded(wire("8=FIX.4.4|35=0|9=5|")).error == frame_error::no_body_length);
  CHECK(frame_guarded(wire("8=FIX.4.4|9=5|34=2|35=0|")).error == frame_error::no_msg_type);
  CHECK(frame_guarded(wire("8=|9=5|35=0|")).error == frame_error::bad_begin_string);
  CHECK(frame_guarded(wire("8=FIX.4.4.4.4.4.4.4.4.4.4|9=5|35=0|")).error == frame_error::bad_begin_string);
}

TEST_CASE("garbage before a message is skipped up to the next SOH 8=") {
  const std::string stream = wire("garbage|58=not a start|") + nos;
  frame_result r = frame_guarded(stream);
  REQUIRE(r.status == frame_status::invalid);
  CHECK(r.error == frame_error::no_begin_string);
  CHECK(stream.substr(r.size_bytes) == nos);
}

TEST_CASE("out-of-order first fields resynchronise on the following message") {
  const std::string bad = wire("35=0|8=FIX.4.4|9=29|34=2|49=TW44|52=20260101-12:00:00|56=ISLD|10=121|");
  std::string stream = bad + heartbeat;
  std::size_t pos = 0, invalid = 0;
  for (;;) {
    const frame_result r = frame(stream.data() + pos, stream.size() - pos);
    if (r.status == frame_status::complete) {
      CHECK(stream.substr(pos, r.size_bytes) == heartbeat);
      break;
    }
    REQUIRE(r.status == frame_status::invalid);
    REQUIRE(r.size_bytes >= 1);
    pos += r.size_bytes;
    ++invalid;
  }
  CHECK(invalid >= 1);
}

TEST_CASE("embedded NUL bytes and missing SOH never read past the buffer") {
  std::string nul = nos;
  nul[nos.find("INTC")] = '\0';
  const frame_result r = frame_guarded(nul);
  CHECK(r.status == frame_status::invalid);  // the sum no longer matches
  std::string no_soh = nos;
  no_soh.erase(no_soh.find("\x01" "11="), 1);
  CHECK(frame_guarded(no_soh).status != frame_status::complete);
  CHECK(frame_guarded(std::string(4000, '8')).status == frame_status::invalid);
  CHECK(frame_guarded(std::string(4000, '\x01')).status == frame_status::invalid);
}

TEST_CASE("invalid always discards at least one byte, so a loop makes progress") {
  std::string junk;
  for (int i = 0; i < 2000; ++i) junk.push_back(static_cast<char>("8=9\x01" "135"[i % 7]));
  std::size_t pos = 0;
  int steps = 0;
  while (pos < junk.size() && steps < 100000) {
    const frame_result r = frame(junk.data() + pos, junk.size() - pos);
    if (r.status == frame_status::incomplete) break;
    REQUIRE(r.size_bytes >= 1);
    pos += r.size_bytes;
    ++steps;
  }
  CHECK(steps < 100000);
}

TEST_CASE("resync_offset finds an 8= only after an SOH") {
  const std::string s = wire("x58=1|8=FIX");
  CHECK(resync_offset(s.data(), s.size()) == s.find("8=FIX"));
  const std::string t = wire("abc|8");
  CHECK(resync_offset(t.data(), t.size()) == t.size() - 1);
  const std::string u = "abc";
  CHECK(resync_offset(u.data(), u.size()) == 3);
}

TEST_CASE("checksum agrees with a bytewise sum at every length and alignment") {
  std::string bytes;
  for (int i = 0; i < 300; ++i) bytes.push_back(static_cast<char>((i * 37 + 11) & 0xFF));
  for (std::size_t start = 0; start < 16; ++start) {
    for (std::size_t n = 0; n + start <= bytes.size(); ++n) {
      unsigned sum = 0;
      for (std::size_t k = 0; k < n; ++k) sum += static_cast<unsigned char>(bytes[start + k]);
      REQUIRE(checksum(bytes.data() + start, n) == static_cast<std::uint8_t>(sum));
    }
  }
}
