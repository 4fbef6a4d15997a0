// The fast indexer (SIMD, in codec/src/field_index_kernel.inc) must give the
// same answer as the careful one for every input: the same error, or the same
// fields. These tests run both on messages built to reach each of the fast
// path's cases and on every one-byte change of them, through the public
// parse() calls and against detail::index_message_careful.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "fix_text.hpp"
#include "fixring/codec/message.hpp"
#include "guard_page.hpp"

using namespace fixring::codec;
using fixring::test::fix;

namespace {

using big_message = basic_message<1024>;

struct reference {
  parse_error error = parse_error::none;
  std::vector<field_ref> fields;
};

// What the careful path answers for one-call parse(bytes).
reference careful_parse(std::string_view bytes, const data_field_table& table = standard_data_field_table,
                        std::uint32_t capacity = 1024) {
  reference r;
  const frame_result f = frame(bytes.data(), bytes.size());
  if (!f.is_complete() || f.size_bytes != bytes.size()) {
    r.error = parse_error::not_framed;
    return r;
  }
  std::vector<field_ref> out(capacity);
  const detail::index_result ir = detail::index_message_careful(
      bytes.data(), static_cast<std::uint32_t>(bytes.size()), f.body_offset, out.data(), capacity, table);
  r.error = ir.error;
  if (ir.error == parse_error::none) r.fields.assign(out.begin(), out.begin() + ir.count);
  return r;
}

template <class Message>
void check_same(const Message& m, parse_error e, const reference& ref, std::string_view bytes) {
  INFO(fixring::test::readable(bytes));
  REQUIRE(e == ref.error);
  if (e != parse_error::none) {
    CHECK(m.empty());
    return;
  }
  REQUIRE(m.field_count() == ref.fields.size());
  for (std::size_t i = 0; i < ref.fields.size(); ++i) {
    INFO("field " << i);
    CHECK(m.fields()[i].tag == ref.fields[i].tag);
    CHECK(m.fields()[i].offset == ref.fields[i].offset);
    CHECK(m.fields()[i].length == ref.fields[i].length);
  }
}

// Both public calls against the reference, the bytes placed against a guard
// page so that a read past the end faults.
void check_both_calls(std::string_view bytes, const data_field_table& table = standard_data_field_table) {
  static fixring::test::guard_page_buffer guard(1 << 16);
  const std::string_view g = guard.place(bytes);
  const reference ref = careful_parse(g, table);
  big_message m;
  check_same(m, m.parse(g, table), ref, g);
  const frame_result f = frame(g.data(), g.size());
  if (f.is_complete() && f.size_bytes == g.size()) check_same(m, m.parse(g, f.body_offset, table), ref, g);
}

const std::string nos_text =
    "8=FIX.4.4|35=D|34=1234|49=CLIENT1|52=20260101-12:00:00.123|56=BROKER1|11=ORD-0001234|21=1|"
    "38=1000|40=2|44=101.25|54=1|55=AAPL|59=0|60=20260101-12:00:00.123|";

}  // namespace

TEST_CASE("fast and careful indexers agree on typical messages of every size class") {
  std::vector<std::string> texts = {
      nos_text,
      "8=FIX.4.4|35=0|",                                              // shorter than 64 bytes
      "8=FIX.4.4|35=0|34=2|49=A|56=B|52=20260101-12:00:00|",          // still short
      "8=FIX.4.4|35=8|34=987|49=BROKER1|52=20260101-12:00:00.456|56=CLIENT1|6=101.25|11=ORD-0001234|"
      "14=500|17=EXEC-000987|31=101.25|32=500|37=OID-55123|38=1000|39=1|40=2|44=101.25|54=1|55=AAPL|59=0|"
      "60=20260101-12:00:00.456|150=F|151=500|",
      "8=FIXT.1.1|35=W|1128=9|262=REQ1|268=2|269=0|270=10.5|271=100|269=1|270=10.6|271=200|",  // 4-digit tag
      "8=FIX.4.4|35=0|58=" + std::string(200, 'x') + "|34=5|",    // a field longer than 64 bytes
      "8=FIX.4.4|35=0|20001=custom|34=5|",                           // a 5-digit tag
      "8=FIX.4.4|35=0|58=a=b=c|34=5|",                               // '=' inside a value
      "8=FIX.4.4|35=0|58=|34=5|",                                     // an empty value
  };
  for (const std::string& t : texts) check_both_calls(fix(t));
}

TEST_CASE("fast and careful indexers agree at every message length around the 64-byte window") {
  for (std::size_t pad = 0; pad < 140; ++pad) {
    INFO("pad " << pad);
    check_both_calls(fix("8=FIX.4.4|35=0|34=7|58=" + std::string(pad, 'p') + "|"));
  }
}

TEST_CASE("every one-byte change of a message parses as the careful indexer says") {
  const std::string base = fix(nos_text);
  const std::size_t body_start = base.find("\x01" "35=") + 1;
  const std::size_t trailer = base.size() - 7;
  for (std::size_t pos = body_start; pos < trailer; ++pos) {
    for (char c : {'=', '|', '0', '7', 'A', '\0', '\x80'}) {
      // Change the body's byte, then give the message a correct BodyLength and
      // CheckSum so that the change reaches the indexer, not only the framing.
      std::string readable = fixring::test::readable(base.substr(0, trailer));
      readable[pos] = c;
      const std::size_t first = readable.find('|') + 1;
      const std::size_t body = readable.find('|', first) + 1;
      check_both_calls(fix(readable.substr(0, first) + readable.substr(body)));
    }
  }
}

TEST_CASE("a damaged frame is not_framed on the fast path as on the careful one") {
  const std::string good = fix(nos_text);
  for (std::size_t pos = 0; pos < good.size(); ++pos) {
    std::string bad = good;
    bad[pos] = bad[pos] == '9' ? '8' : '9';
    check_both_calls(bad);
  }
  for (std::size_t cut = 0; cut < good.size(); ++cut) check_both_calls(std::string_view(good).substr(0, cut));
}

TEST_CASE("a DATA field is indexed by its length even when its Length tag is above 255") {
  const std::string s = fix("8=FIX.4.4|35=B|34=1|354=5|355=ab|cd|148=news|95=3|96=x=y|");
  check_both_calls(s);
  big_message m;
  REQUIRE(m.parse(s) == parse_error::none);
  CHECK(m.get_or(355) == "ab\x01" "cd");
  CHECK(m.get_or(96) == "x=y");
  CHECK(m.get_or(148) == "news");
}

TEST_CASE("a dictionary's own DATA Length tag is honoured by the fast path") {
  static constexpr data_field_pair pairs[] = {{58, 59}};
  const data_field_table table{pairs};
  // 58 is the Length field of 59 here, so 59's value may hold an SOH.
  const std::string s = fix("8=FIX.4.4|35=0|58=3|59=a|b|34=2|");
  check_both_calls(s, table);
  big_message m;
  REQUIRE(m.parse(s, table) == parse_error::none);
  CHECK(m.get_or(59) == "a\x01" "b");
}

TEST_CASE("messages with more fields than one batch, and than the index holds, agree") {
  for (int fields : {7, 8, 9, 15, 16, 17, 100, 509, 510, 511, 600}) {
    INFO(fields << " fields");
    std::string t = "8=FIX.4.4|35=W|";
    for (int i = 0; i < fields; ++i) t += std::to_string(100 + i % 900) + "=v|";
    const std::string s = fix(t);
    check_both_calls(s);
    message m;  // 512 entries: the larger counts do not fit
    const reference ref = careful_parse(s, standard_data_field_table, message::capacity);
    check_same(m, m.parse(s), ref, s);
  }
}

TEST_CASE("a small index reports too_many_fields on both paths") {
  const std::string s = fix(nos_text);
  basic_message<16> small;
  const reference ref = careful_parse(s, standard_data_field_table, 16);
  check_same(small, small.parse(s), ref, s);
  CHECK(small.parse(s) == parse_error::too_many_fields);
  basic_message<17> exact;
  CHECK(exact.parse(s) == parse_error::none);
  CHECK(exact.field_count() == 17);
}
