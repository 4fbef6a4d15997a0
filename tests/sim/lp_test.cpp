// fixring-sim's LP logic without sockets: the fill responder's answers
// (through a recording Out and a fake clock), the quantity split, the flag
// parsers, and the market data bodies against golden bytes.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "../../tools/fixring-sim/apps.hpp"
#include "../../tools/fixring-sim/lp_options.hpp"
#include "fix_text.hpp"

using namespace fixring;

namespace {

// Records every message the responder sends as "type|tag=value|...".
struct recording_out {
  std::vector<std::string> sent;
  bool accept = true;
  template <class BodyFn>
  bool send(std::string_view type, BodyFn&& body, const engine::header_fields&) {
    char buf[1024];
    codec::encoder e(buf, sizeof buf);
    body(e);
    std::string text(type);
    text += '|';
    for (char c : std::string_view(buf, e.size_bytes())) text += c == '\x01' ? '|' : c;
    if (accept) sent.push_back(text);
    return accept;
  }
  void business_reject(const codec::message&, std::uint32_t reason, std::string_view text) {
    sent.push_back("j|380=" + std::to_string(reason) + "|58=" + std::string(text) + "|");
  }
};

struct parsed_order {
  std::string bytes;
  codec::message msg;
  explicit parsed_order(const std::string& fields)
      : bytes(test::fix("8=FIX.4.4|35=D|34=2|49=T|52=20260101-00:00:00.000|56=S|" + fields)) {
    REQUIRE(msg.parse(bytes) == codec::parse_error::none);
  }
};

// What r answers at once to an order with order_fields, through the clocked
// form at time 0 (no latency set).
std::vector<std::string> answers_to(sim::fill_responder& r, const std::string& order_fields) {
  recording_out out;
  parsed_order d(order_fields);
  r.on_app_message(out, d.msg, 0);
  return out.sent;
}

std::string field(const std::string& sent, std::string_view tag_eq) {
  const std::size_t at = sent.find("|" + std::string(tag_eq));
  if (at == std::string::npos) return "<none>";
  const std::size_t start = at + 1 + tag_eq.size();
  return sent.substr(start, sent.find('|', start) - start);
}

}  // namespace

TEST_CASE("split_quantity gives equal parts with the remainder last and never an empty part") {
  auto parts = sim::split_quantity(codec::decimal{100, 0}, 3);
  REQUIRE(parts.size() == 3);
  CHECK(parts[0].mantissa == 33);
  CHECK(parts[1].mantissa == 33);
  CHECK(parts[2].mantissa == 34);
  parts = sim::split_quantity(codec::decimal{15, 1}, 3);  // 1.5 in three: 0.5 each
  REQUIRE(parts.size() == 3);
  CHECK((parts[0].mantissa == 5 && parts[0].scale == 1 && parts[2].mantissa == 5));
  parts = sim::split_quantity(codec::decimal{2, 0}, 5);
  REQUIRE(parts.size() == 2);
  CHECK(parts[1].mantissa == 1);
  CHECK(sim::split_quantity(codec::decimal{0, 0}, 4).size() == 1);
}

TEST_CASE("partial fills keep CumQty and LeavesQty consistent for a decimal quantity") {
  sim::fill_options o;
  o.mode = sim::fill_mode::partial;
  o.partial_fills = 3;
  sim::fill_responder r(o);
  const auto sent = answers_to(r, "11=A|38=1.5|44=2|54=2|55=X|");
  REQUIRE(sent.size() == 4);
  CHECK(field(sent[0], "150=") == "0");
  CHECK(field(sent[0], "151=") == "1.5");
  CHECK(field(sent[1], "14=") == "0.5");
  CHECK(field(sent[1], "151=") == "1.0");
  CHECK(field(sent[1], "39=") == "1");
  CHECK(field(sent[2], "14=") == "1.0");
  CHECK(field(sent[3], "14=") == "1.5");
  CHECK(field(sent[3], "151=") == "0.0");
  CHECK(field(sent[3], "39=") == "2");
  CHECK(field(sent[3], "32=") == "0.5");
  CHECK(r.stats().by_exec_type['F'] == 3);
}

TEST_CASE("the default fill answers New then a full Fill, as before the LP flags") {
  sim::fill_responder r;
  recording_out out;
  parsed_order d("11=B|38=100|44=1.25|54=1|55=EUR/USD|");
  r.on_app_message(out, d.msg);
  REQUIRE(out.sent.size() == 2);
  CHECK(out.sent[0] == "8|6=0|11=B|14=0|17=1|37=1|38=100|39=0|54=1|55=EUR/USD|150=0|151=100|");
  CHECK(out.sent[1] == "8|6=1.25|11=B|14=100|17=2|31=1.25|32=100|37=1|38=100|39=2|54=1|55=EUR/USD|150=F|151=0|");
}

TEST_CASE("reject ratio 1 rejects every order with one report, 0 none, and a seed repeats its choices") {
  sim::fill_options o;
  o.reject_ratio = 1.0;
  sim::fill_responder all(o);
  const std::string order = "11=C|38=10|44=1|54=1|55=X|";
  const auto sent = answers_to(all, order);
  REQUIRE(sent.size() == 1);
  CHECK(field(sent[0], "150=") == "8");
  CHECK(field(sent[0], "39=") == "8");
  CHECK(field(sent[0], "58=") != "<none>");

  auto pattern = [&](std::uint64_t seed) {
    sim::fill_options h;
    h.reject_ratio = 0.5;
    h.seed = seed;
    sim::fill_responder r(h);
    std::string p;
    for (int i = 0; i < 64; ++i) p += answers_to(r, order).size() == 1 ? 'R' : 'F';
    return p;
  };
  CHECK(pattern(5) == pattern(5));
  CHECK(pattern(5) != pattern(6));
}

TEST_CASE("fill latency holds the answers until on_tick reaches the due time") {
  sim::fill_options o;
  o.latency_ns = 5'000'000;
  sim::fill_responder r(o);
  recording_out out;
  parsed_order d("11=L|38=1|44=1|54=1|55=X|");
  r.on_app_message(out, d.msg, 1'000'000'000);
  CHECK(out.sent.empty());
  r.on_tick(out, 1'004'999'999);
  CHECK(out.sent.empty());
  r.on_tick(out, 1'005'000'000);
  CHECK(out.sent.size() == 2);
  r.on_app_message(out, d.msg, 2'000'000'000);
  r.on_session_down();
  r.on_tick(out, 3'000'000'000);
  CHECK(out.sent.size() == 2);
  CHECK(r.stats().answers_dropped == 1);
}

TEST_CASE("a refused send is not counted as a report sent") {
  sim::fill_responder r;
  recording_out out;
  out.accept = false;
  parsed_order d("11=N|38=1|44=1|54=1|55=X|");
  r.on_app_message(out, d.msg);
  CHECK(r.stats().orders_received == 1);
  CHECK(r.stats().exec_reports == 0);
  CHECK(r.stats().cl_ord_id_checksum == sim::fnv1a64("N"));
}

TEST_CASE("market data bodies follow FIX44.xml's field order") {
  char buf[256];
  codec::encoder w(buf, sizeof buf);
  sim::encode_md_snapshot(w, "EUR/USD", 0);
  CHECK(std::string(buf, w.size_bytes()) ==
        test::wire("55=EUR/USD|268=2|269=0|270=1.10000|271=1000000|269=1|270=1.10020|271=1000000|"));
  codec::encoder x(buf, sizeof buf);
  sim::encode_md_incremental(x, "USD/JPY", 7);
  CHECK(std::string(buf, x.size_bytes()) == test::wire("268=1|279=1|269=0|55=USD/JPY|270=1.10007|271=1000000|83=7|"));
}

TEST_CASE("flag parsers name the accepted forms when a value is bad") {
  sim::fill_options f;
  CHECK(sim::parse_fill_mode("partial:4", f).empty());
  CHECK((f.mode == sim::fill_mode::partial && f.partial_fills == 4));
  CHECK(sim::parse_fill_mode("cancel", f).empty());
  CHECK(f.mode == sim::fill_mode::cancel);
  CHECK(sim::parse_fill_mode("partial:", f).find("partial:N") != std::string::npos);
  CHECK(!sim::parse_fill_mode("partial:1001", f).empty());
  std::vector<std::string> syms;
  CHECK(sim::parse_symbols("A,B/C", syms).empty());
  CHECK(syms == std::vector<std::string>{"A", "B/C"});
  CHECK(!sim::parse_symbols("A,", syms).empty());
  CHECK(!sim::parse_symbols("A|B", syms).empty());
  CHECK(syms == std::vector<std::string>{"A", "B/C"});  // unchanged on error
}
