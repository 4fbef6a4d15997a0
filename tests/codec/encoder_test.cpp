#include <catch2/catch.hpp>

#include <string>

#include "alloc_counter.hpp"
#include "fix_text.hpp"
#include "fixring/codec/encoder.hpp"
#include "fixring/codec/message.hpp"

using namespace fixring::codec;
using fixring::test::fix;

namespace {
void write_exec_report(encoder& e) {
  e.begin("FIX.4.4", "8");
  e.add_uint(34, 17);
  e.add(49, "ISLD");
  e.add_timestamp(52, 1767268800123000000LL, time_precision::ms);
  e.add(56, "TW44");
  e.add(6, "0");
  e.add(11, "ORD-1");
  e.add(14, "0");
  e.add(17, "EXEC-1");
  e.add_char(39, '0');
  e.add_decimal(38, decimal{200000, 2});
  e.add(55, "INTC");
}
}  // namespace

TEST_CASE("encoder output matches golden bytes") {
  char buf[512];
  encoder e(buf, sizeof buf);
  write_exec_report(e);
  const encode_result r = e.finish();
  REQUIRE(r.ok());
  const std::string golden = fix(
      "8=FIX.4.4|35=8|34=17|49=ISLD|52=20260101-12:00:00.123|56=TW44|6=0|11=ORD-1|14=0|17=EXEC-1|39=0|"
      "38=2000.00|55=INTC|");
  CHECK(fixring::test::readable({buf, r.size_bytes}) == fixring::test::readable(golden));
}

TEST_CASE("BodyLength of one, two, three and four digits is written in place") {
  for (std::size_t pad : {0u, 5u, 60u, 200u, 1200u}) {
    INFO("pad " << pad);
    std::string text(pad, 'x');
    char buf[2048];
    encoder e(buf, sizeof buf);
    e.begin("FIX.4.2", "0");
    if (pad) e.add(58, text);
    const encode_result r = e.finish();
    REQUIRE(r.ok());
    const std::string expected = fix("8=FIX.4.2|35=0|" + (pad ? "58=" + text + "|" : std::string()));
    CHECK(std::string(buf, r.size_bytes) == expected);
  }
}

TEST_CASE("encode then parse gives back every value") {
  char buf[512];
  encoder e(buf, sizeof buf);
  write_exec_report(e);
  e.add_int(9001, -5);
  e.add_bool(9002, true);
  const encode_result r = e.finish();
  REQUIRE(r.ok());
  message m;
  REQUIRE(m.parse({buf, r.size_bytes}) == parse_error::none);
  CHECK(m.msg_type() == "8");
  CHECK(m.get_or(11) == "ORD-1");
  decimal qty;
  REQUIRE(m.get_decimal(38, qty));
  CHECK(qty == decimal{2000, 0});
  std::int64_t v = 0;
  REQUIRE(m.get_int(9001, v));
  CHECK(v == -5);
  bool b = false;
  REQUIRE(m.get_bool(9002, b));
  CHECK(b);
}

TEST_CASE("a buffer that is too small is reported and never overrun") {
  char full[512];
  encoder ref(full, sizeof full);
  write_exec_report(ref);
  const encode_result whole = ref.finish();
  REQUIRE(whole.ok());
  for (std::size_t cap = 0; cap < whole.size_bytes; ++cap) {
    INFO("capacity " << cap);
    std::string buf(cap + 16, '#');
    encoder e(buf.data(), cap);
    write_exec_report(e);
    CHECK(e.finish().status == encode_status::buffer_too_small);
    CHECK(buf.substr(cap) == std::string(16, '#'));  // nothing written past capacity
  }
  std::string exact(whole.size_bytes, '\0');
  encoder e(exact.data(), exact.size());
  write_exec_report(e);
  CHECK(e.finish().ok());
}

TEST_CASE("parse, typed access and encode allocate nothing") {
  const std::string wire = fix(
      "8=FIX.4.4|35=D|34=2|49=TW44|52=20260101-12:00:00.123|56=ISLD|11=ORD-1|38=100|40=2|44=10.5|54=1|55=X|"
      "60=20260101-12:00:00|");
  static message m;  // the index is large; keep it off the test's stack
  char buf[512];
  fixring::test::alloc_scope scope;
  for (int i = 0; i < 100; ++i) {
    REQUIRE(m.parse(wire) == parse_error::none);
    decimal px;
    utc_timestamp ts;
    std::int64_t seq;
    REQUIRE(m.get_decimal(44, px));
    REQUIRE(m.get_timestamp(52, ts));
    REQUIRE(m.get_int(34, seq));
    encoder e(buf, sizeof buf);
    write_exec_report(e);
    REQUIRE(e.finish().ok());
  }
  CHECK(scope.allocations() == 0);
}

TEST_CASE("the allocation counter does count allocations") {
  fixring::test::alloc_scope scope;
  int* volatile p = new int(5);  // volatile: the pair may not be elided
  delete p;
  CHECK(scope.allocations() == 1);
}

TEST_CASE("fast-path values match the reference formatters and keep the checksum right") {
  // Deterministic xorshift so a failure reproduces.
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  char buf[1024];
  message m;
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t r = next();
    const std::uint32_t tag = 1 + static_cast<std::uint32_t>(r % (i % 3 == 0 ? 9999999 : 999));
    std::uint64_t u = next() >> (next() % 64);
    const std::int64_t sv = static_cast<std::int64_t>(next()) >> (next() % 64);
    const decimal d{static_cast<std::int64_t>(next() % 20000000) - 5000000, static_cast<std::uint8_t>(next() % 9)};
    const std::int64_t ts = static_cast<std::int64_t>(next() % 4102444800000000000ull);  // 1970..2100
    const auto prec = static_cast<time_precision>((next() % 4) * 3);
    const std::string text(next() % 40, static_cast<char>('A' + next() % 26));
    encoder e(buf, sizeof buf);
    e.begin("FIX.4.4", "8");
    e.add_uint(tag, u);
    e.add_int(58, sv);
    e.add_decimal(44, d);
    e.add_timestamp(60, ts, prec);
    e.add(9001, text);
    e.add_char(54, static_cast<char>('0' + next() % 10));
    const encode_result res = e.finish();
    REQUIRE(res.ok());
    INFO("iteration " << i << ": " << fixring::test::readable({buf, res.size_bytes}));
    REQUIRE(frame(buf, res.size_bytes).status == frame_status::complete);  // BodyLength and CheckSum right
    REQUIRE(m.parse({buf, res.size_bytes}) == parse_error::none);
    char ref[64];
    const auto& f = m.fields();
    REQUIRE(f.size() == 10);
    CHECK(f[3].tag == tag);
    CHECK(m.value(f[3]) == std::string_view(ref, format_uint(ref, u)));
    CHECK(m.value(f[4]) == std::string_view(ref, format_int(ref, sv)));
    CHECK(m.value(f[5]) == std::string_view(ref, format_decimal(ref, d)));
    CHECK(m.value(f[6]) == std::string_view(ref, format_utc_timestamp(ref, ts, prec)));
    CHECK(m.value(f[7]) == text);
  }
}

TEST_CASE("digit counts are exact at every power of ten") {
  CHECK(detail::digits_below_1e8(0) == 1);
  std::uint32_t p = 1;
  for (unsigned d = 1; d <= 8; ++d, p *= 10) {
    CHECK(detail::digits_below_1e8(p) == d);
    CHECK(detail::digits_below_1e8(p * 10 - 1) == d);
    if (p > 1) CHECK(detail::digits_below_1e8(p - 1) == d - 1);
  }
}

TEST_CASE("a value of every length from 0 to 70 bytes is copied whole and counted once in the checksum") {
  // Distinct bytes, so that a misplaced or twice-counted byte of the
  // overlapping copies shows in the value or in CheckSum.
  char buf[1024];
  message m;
  for (std::size_t len = 0; len <= 70; ++len) {
    std::string v;
    for (std::size_t i = 0; i < len; ++i) v += static_cast<char>('!' + (i * 7 + len) % 90);
    encoder e(buf, sizeof buf);
    e.begin("FIX.4.4", "8");
    e.add(58, v);
    e.add(9001, std::string_view(v).substr(len / 3));
    const encode_result res = e.finish();
    REQUIRE(res.ok());
    INFO("length " << len << ": " << fixring::test::readable({buf, res.size_bytes}));
    REQUIRE(frame(buf, res.size_bytes).status == frame_status::complete);  // BodyLength and CheckSum right
    REQUIRE(m.parse({buf, res.size_bytes}) == parse_error::none);
    CHECK(m.get_or(58) == v);
    CHECK(m.get_or(9001) == std::string_view(v).substr(len / 3));
  }
}
