#include <catch2/catch.hpp>

#include <string>

#include "fix_text.hpp"
#include "fixring/codec/message.hpp"
#include "guard_page.hpp"

using namespace fixring::codec;
using fixring::test::fix;

namespace {
const std::string nos = fix(
    "8=FIX.4.4|35=D|34=2|49=TW44|52=20260101-12:00:00.123|56=ISLD|11=ORD-1|21=1|38=002000.00|40=2|44=-12.50|"
    "54=1|55=INTC|59=0|60=20260101-12:00:00|");
}

TEST_CASE("parse indexes every field in wire order, header and trailer included") {
  message m;
  REQUIRE(m.parse(nos) == parse_error::none);
  const auto f = m.fields();
  REQUIRE(f.size() == 17);
  CHECK(f[0].tag == 8);
  CHECK(f[1].tag == 9);
  CHECK(f[2].tag == 35);
  CHECK(f.back().tag == 10);
  CHECK(m.begin_string() == "FIX.4.4");
  CHECK(m.msg_type() == "D");
  CHECK(m.value(f[1]) == std::to_string(nos.size() - nos.find("35=") - 7));
  CHECK(m.get_or(11) == "ORD-1");
  CHECK(m.get_or(55) == "INTC");
  CHECK(m.get_or(9999, "none") == "none");
}

TEST_CASE("field values are views into the received bytes, not copies") {
  message m;
  REQUIRE(m.parse(nos) == parse_error::none);
  const std::string_view v = m.get_or(55);
  CHECK(v.data() >= nos.data());
  CHECK(v.data() < nos.data() + nos.size());
}

TEST_CASE("typed accessors read int, decimal, char, bool and timestamps") {
  message m;
  REQUIRE(m.parse(nos) == parse_error::none);
  std::int64_t seq = 0;
  REQUIRE(m.get_int(34, seq));
  CHECK(seq == 2);
  decimal qty, px;
  REQUIRE(m.get_decimal(38, qty));
  CHECK(qty.mantissa == 200000);
  CHECK(qty.scale == 2);
  REQUIRE(m.get_decimal(44, px));
  CHECK(px == decimal{-125, 1});
  char side = 0;
  REQUIRE(m.get_char(54, side));
  CHECK(side == '1');
  utc_timestamp ts;
  REQUIRE(m.get_timestamp(52, ts));
  CHECK(ts.precision == time_precision::ms);
  CHECK(ts.ns_since_epoch == 1767268800123000000LL);
  std::int64_t bad = 0;
  CHECK_FALSE(m.get_int(55, bad));   // INTC is not a number
  CHECK_FALSE(m.get_int(9999, bad)); // absent
}

TEST_CASE("a garbled tag makes the message unparseable") {
  for (const char* s : {"8=FIX.4.4|35=0|34=2|4garbled9=TW|52=20260101-12:00:00|56=ISLD|",
                        "8=FIX.4.4|35=0|34=2|49garbled=TW|52=20260101-12:00:00|56=ISLD|",
                        "8=FIX.4.4|35=0|34=2|=TW|56=ISLD|", "8=FIX.4.4|35=0|34=2|049=TW|56=ISLD|",
                        "8=FIX.4.4|35=0|34=2|novalue|56=ISLD|"}) {
    INFO(s);
    message m;
    CHECK(m.parse(fix(s)) == parse_error::garbled_field);
    CHECK(m.empty());
  }
}

TEST_CASE("an empty value is indexed with length zero") {
  message m;
  REQUIRE(m.parse(fix("8=FIX.4.4|35=D|34=2|58=|56=ISLD|")) == parse_error::none);
  const field_ref* f = m.find(58);
  REQUIRE(f);
  CHECK(f->length == 0);
}

TEST_CASE("a DATA field may contain SOH when its Length field precedes it") {
  std::string raw = "ab\x01" "cd";
  const std::string s = fix("8=FIX.4.4|35=A|34=1|95=5|96=" + std::string("ab|cd") + "|98=0|108=30|");
  // fix() turned the '|' inside RawData into SOH as well, which is what we want on the wire.
  message m;
  REQUIRE(m.parse(s) == parse_error::none);
  CHECK(m.get_or(96) == raw);
  CHECK(m.get_or(108) == "30");
}

TEST_CASE("a DATA field whose length overruns the message is rejected") {
  message m;
  CHECK(m.parse(fix("8=FIX.4.4|35=A|34=1|95=500|96=abc|98=0|")) == parse_error::bad_data_length);
  CHECK(m.parse(fix("8=FIX.4.4|35=A|34=1|95=2|96=abc|98=0|")) == parse_error::bad_data_length);
}

TEST_CASE("more fields than the index holds is an error, not an overrun") {
  std::string s = "8=FIX.4.4|35=W|";
  for (int i = 0; i < 40; ++i) s += "58=x|";
  basic_message<16> m;
  CHECK(m.parse(fix(s)) == parse_error::too_many_fields);
}

TEST_CASE("bytes that are not exactly one framed message are refused") {
  message m;
  CHECK(m.parse(nos.substr(0, nos.size() - 1)) == parse_error::not_framed);
  CHECK(m.parse(nos + nos) == parse_error::not_framed);
}

TEST_CASE("parsing at the end of a guarded page reads nothing beyond the message") {
  fixring::test::guard_page_buffer guard(1 << 14);
  message m;
  for (std::size_t cut = 0; cut <= nos.size(); ++cut) {
    const std::string_view g = guard.place(std::string_view(nos).substr(0, cut));
    const parse_error e = m.parse(g);
    CHECK((cut == nos.size() ? e == parse_error::none : e == parse_error::not_framed));
  }
}
