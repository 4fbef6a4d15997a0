// The fast indexer (SIMD, in codec/src/field_index_kernel.inc) must give the
// same answer as the careful one for every input: the same error, or the same
// fields. These tests run both on messages built to reach each of the fast
// path's cases and on every one-byte change of them, through the public
// parse() calls and against detail::index_message_careful.
#include <catch2/catch.hpp>

#include <random>
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

namespace {

// Every fast kernel this CPU runs, each compared with the careful indexer
// directly (the public calls only reach the widest one).
std::vector<detail::fast_kernel> supported_kernels() {
  std::vector<detail::fast_kernel> ks;
  for (auto k : {detail::fast_kernel::baseline, detail::fast_kernel::avx2, detail::fast_kernel::avx512})
    if (detail::fast_kernel_supported(k)) ks.push_back(k);
  return ks;
}

// Both detail calls of kernel k against the reference, with the bytes ending
// `slack` bytes before a guard page, into an index of `capacity` entries. With
// no slack a read past the end faults; with some, the kernels' loads that
// reach past the end stay on a mapped page (a path of their own).
void check_kernel(detail::fast_kernel k, std::string_view bytes, std::uint32_t capacity, std::size_t slack = 0) {
  static fixring::test::guard_page_buffer guard(1 << 16);
  const std::string_view g = guard.place(std::string(bytes) + std::string(slack, '\x01')).substr(0, bytes.size());
  INFO("kernel " << static_cast<int>(k) << ", capacity " << capacity << ": " << fixring::test::readable(g));
  const reference ref = careful_parse(g, standard_data_field_table, capacity);
  std::vector<field_ref> out(capacity);
  const auto check = [&](detail::index_result r) {
    REQUIRE(r.error == ref.error);
    if (r.error != parse_error::none) return;
    REQUIRE(r.count == ref.fields.size());
    for (std::uint32_t i = 0; i < r.count; ++i) {
      INFO("field " << i);
      REQUIRE(out[i].tag == ref.fields[i].tag);
      REQUIRE(out[i].offset == ref.fields[i].offset);
      REQUIRE(out[i].length == ref.fields[i].length);
    }
  };
  check(detail::parse_message_by(k, g.data(), g.size(), out.data(), capacity, standard_data_field_table));
  const frame_result f = frame(g.data(), g.size());
  if (f.is_complete() && f.size_bytes == g.size())
    check(detail::index_message_by(k, g.data(), static_cast<std::uint32_t>(g.size()), f.body_offset, out.data(),
                                   capacity, standard_data_field_table));
}

// A readable message ("8=...|35=...|...|") with random fields: tags of one to
// five digits (rarely a leading zero or none), values of 0..90 bytes that may
// hold '=', now and then a DATA pair whose value holds an SOH.
std::string random_readable(std::mt19937& rng) {
  const auto pick = [&](std::uint32_t n) { return static_cast<std::uint32_t>(rng() % n); };
  std::string t = "8=" + std::string(1 + pick(12), 'F') + "|35=" + (pick(8) == 0 ? "AE" : "D") + "|";
  const std::uint32_t fields = pick(8) == 0 ? 40 + pick(40) : pick(24);
  static constexpr char value_chars[] = "abcXYZ0189=.-: ";
  for (std::uint32_t f = 0; f < fields; ++f) {
    if (pick(150) == 0) {
      const std::uint32_t len = 1 + pick(10);
      std::string v(len, 'd');
      v[pick(len)] = '|';  // an SOH inside the DATA value
      t += "95=" + std::to_string(len) + "|96=" + v + "|";
      continue;
    }
    const std::uint32_t digits = pick(150) == 0 ? 5 : 1 + pick(4);
    std::string tag;
    for (std::uint32_t d = 0; d < digits; ++d) tag += static_cast<char>('0' + (d == 0 ? 1 + pick(9) : pick(10)));
    if (pick(200) == 0) tag[0] = '0';
    if (pick(300) == 0) tag.clear();
    const std::uint32_t len = pick(30) == 0 ? 40 + pick(51) : pick(12);
    std::string v;
    for (std::uint32_t i = 0; i < len; ++i) v += value_chars[pick(sizeof value_chars - 1)];
    t += tag + "=" + v + "|";
  }
  return t;
}

}  // namespace

TEST_CASE("every fast kernel agrees with the careful indexer on generated and damaged messages") {
  const std::vector<detail::fast_kernel> kernels = supported_kernels();
  REQUIRE(!kernels.empty());
  std::mt19937 rng(20260101);
  for (int round = 0; round < 6000; ++round) {
    std::string s = fix(random_readable(rng));
    switch (rng() % 4) {
      case 0: break;  // as generated
      case 1: {        // one body byte changed, BodyLength and CheckSum made right again
        std::string readable = fixring::test::readable(s.substr(0, s.size() - 7));
        const std::size_t first = readable.find('|') + 1;
        const std::size_t body = readable.find('|', first) + 1;
        readable = readable.substr(0, first) + readable.substr(body);
        const std::size_t at = body + rng() % (readable.size() - body);
        readable[at] = "=|0A\x80\x01"[rng() % 6];
        s = fix(readable);
        break;
      }
      case 2: s[rng() % s.size()] = static_cast<char>(rng()); break;  // any byte, framing included
      default: s.resize(rng() % s.size()); break;                      // cut short
    }
    const std::uint32_t capacity = rng() % 4 == 0 ? 4 + static_cast<std::uint32_t>(rng() % 40) : 1024;
    const std::size_t slack = rng() % 2 == 0 ? 0 : rng() % 200;
    for (detail::fast_kernel k : kernels) check_kernel(k, s, capacity, slack);
  }
}

TEST_CASE("every fast kernel agrees with the careful indexer at every length near the block edges") {
  const std::vector<detail::fast_kernel> kernels = supported_kernels();
  for (std::size_t pad = 0; pad < 300; ++pad) {
    for (const char* field : {"1=", "58=", "9999=", "21=1|38="}) {
      const std::string s = fix("8=FIX.4.4|35=0|34=7|" + std::string(field) + std::string(pad, 'p') + "|");
      for (detail::fast_kernel k : kernels)
        for (std::size_t slack : {0, 1, 7, 63, 64, 191}) check_kernel(k, s, 1024, slack);
    }
  }
}

TEST_CASE("every fast kernel refuses each wrong CheckSum of a message that takes more than one step") {
  // Over 32 short fields: more than one step of the widest kernel, within the
  // bytes of its first window.
  std::string t = "8=FIX.4.4|35=0|";
  for (int i = 0; i < 40; ++i) t += std::to_string(1 + i % 9) + "=a|";
  const std::string good = fix(t);
  const std::vector<detail::fast_kernel> kernels = supported_kernels();
  for (int cks = 0; cks < 256; ++cks) {
    std::string s = good;
    s.replace(s.size() - 4, 3, std::to_string(1000 + cks).substr(1));
    for (detail::fast_kernel k : kernels) check_kernel(k, s, 1024);
  }
}

TEST_CASE("every fast kernel refuses each wrong CheckSum of a message that ends around or past its first window") {
  // The widest kernel sums a message of up to 256 bytes before "10=" from the
  // first window's registers, and a longer one in a pass of its own.
  for (std::size_t pad : {224, 225, 226, 227, 300}) {  // "10=" at byte 254 .. 257, and 330
    const std::string good = fix("8=FIX.4.4|35=0|34=7|58=" + std::string(pad, 'p') + "|");
    const std::vector<detail::fast_kernel> kernels = supported_kernels();
    for (int cks = 0; cks < 256; ++cks) {
      std::string s = good;
      s.replace(s.size() - 4, 3, std::to_string(1000 + cks).substr(1));
      for (detail::fast_kernel k : kernels)
        for (std::size_t slack : {0, 64}) check_kernel(k, s, 1024, slack);
    }
  }
}
