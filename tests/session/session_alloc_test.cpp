// Proves the session's hot path allocates nothing: an inbound application
// message in sequence, and an outbound application send.
#include <catch2/catch.hpp>

#include "alloc_counter.hpp"
#include "session_harness.hpp"

using namespace fixring::test;
namespace codec = fixring::codec;

namespace {
struct counting_sink {
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;
  send_status send(std::span<const char> b) noexcept {
    ++messages;
    bytes += b.size();
    return send_status::ok;
  }
  void disconnect() noexcept {}
};
struct counting_handler {
  std::uint64_t app_messages = 0;
  void on_app_message(const codec::message&, std::int64_t) noexcept { ++app_messages; }
  bool authenticate_logon(const codec::message&) noexcept { return true; }
  void on_status(session_status, session_error) noexcept {}
};

// A connected acceptor session ISLD <- TW44 built on the counting sink and
// handler (the shared harness records into vectors, which allocates), with
// messages prepared by msg() outside any counted region.
struct counting_session {
  using session_t = session<memory_store, counting_sink, counting_handler>;

  session_config cfg;
  memory_store store{std::size_t{1} << 20, 1024};
  counting_sink sink;
  counting_handler handler;
  std::unique_ptr<session_t> s;
  std::int64_t now = t0_ns;

  counting_session() {
    cfg.sender_comp_id = "ISLD";
    cfg.target_comp_id = "TW44";
    s = std::make_unique<session_t>(cfg, store, sink, handler);
    s->on_connected(now);
  }

  std::string msg(std::string_view type, int seq, std::string_view body) const {
    return fix("8=FIX.4.4|35=" + std::string(type) + "|34=" + std::to_string(seq) + "|49=TW44|52=" + timestamp(now) +
               "|56=ISLD|" + std::string(body));
  }
  void receive_logon() {
    const std::string logon = msg("A", 1, "98=0|108=30|");
    REQUIRE(s->on_bytes({logon.data(), logon.size()}, now) == logon.size());
  }
};
}  // namespace

TEST_CASE_METHOD(counting_session,
                 "inbound in-sequence application message and outbound send allocate nothing") {
  receive_logon();
  REQUIRE(s->status() == session_status::active);
  // Prepared outside the counted region.
  std::vector<std::string> orders;
  for (int seq = 2; seq < 12; ++seq) orders.push_back(msg("D", seq, "11=ORD|38=100|40=1|54=1|55=INTC|"));

  alloc_scope counted;
  for (const std::string& o : orders) {
    (void)s->on_bytes({o.data(), o.size()}, now);
    const send_result r = s->send("8", [](codec::encoder& e) noexcept {
      e.add(6, "0");
      e.add(11, "ORD");
      e.add(55, "INTC");
    }, now);
    REQUIRE(r == send_result::sent);
  }
  CHECK(counted.allocations() == 0);
  CHECK(handler.app_messages == orders.size());
  CHECK(sink.messages == 1 + orders.size());
}

TEST_CASE_METHOD(counting_session,
                 "a gap filled from the queue and a resend served from the store allocate nothing") {
  receive_logon();
  for (int i = 0; i < 5; ++i)
    REQUIRE(s->send("D", [](codec::encoder& e) noexcept { e.add(11, "ORD"); }, now) == send_result::sent);
  // Arrival order 4, 5, 2, 3: a gap, two queued, then filled.
  std::vector<std::string> inbound = {msg("D", 4, "11=c|"), msg("D", 5, "11=d|"), msg("D", 2, "11=a|"),
                                      msg("D", 3, "11=b|"), msg("2", 6, "7=1|16=0|")};
  const std::uint64_t sent_before = sink.messages;

  alloc_scope counted;
  for (const std::string& m : inbound) (void)s->on_bytes({m.data(), m.size()}, now);
  CHECK(counted.allocations() == 0);
  CHECK(handler.app_messages == 4);
  CHECK(s->next_inbound_seq() == 7);
  // ResendRequest sent for the gap, then Logon gap-filled, five orders resent, and the ResendRequest gap-filled.
  CHECK(sink.messages - sent_before == 1 + 1 + 5 + 1);
}
