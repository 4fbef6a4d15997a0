// Fault-injection calls of the session core: suppressed heartbeats and
// duplicates sent with PossDupFlag.
#include <catch2/catch.hpp>

#include "session_harness.hpp"

using namespace fixring::test;
using fixring::engine::send_result;
using fixring::engine::session_error;
using fixring::engine::session_status;
namespace store = fixring::store;
namespace codec = fixring::codec;

namespace {
std::string E(std::string_view s) { return expect("FIX.4.4", s); }

void send_order(harness<>& h, std::string_view id, std::uint32_t flags = store::flag_none) {
  const auto r = h.s->send("D", [&](codec::encoder& e) noexcept { e.add(11, id); }, h.now, {}, flags);
  REQUIRE(r == send_result::sent);
}
}  // namespace

// ---------------------------------------------------------------- heartbeats suppressed

TEST_CASE("suppressed heartbeats: no interval Heartbeat and no TestRequest") {
  harness<> h;
  h.given_logged_on(10);
  h.s->set_heartbeats_suppressed(true);
  h.receive("0", 2);
  h.advance(10 * sec);  // a Heartbeat would be due
  h.advance(2 * sec);   // and a TestRequest at 12 s without receiving
  CHECK(h.sent().empty());
  CHECK(h.s->stats().heartbeats_sent == 0);
  CHECK(h.s->stats().test_requests_sent == 0);
  CHECK(h.s->status() == session_status::active);
}

TEST_CASE("suppressed heartbeats: a TestRequest is consumed but not answered") {
  harness<> h;
  h.given_logged_on();
  h.s->set_heartbeats_suppressed(true);
  h.receive("1", 2, "112=HELLO|");
  CHECK(h.sent().empty());
  CHECK(h.s->next_inbound_seq() == 3);
  CHECK(h.s->stats().test_requests_received == 1);
}

TEST_CASE("suppressed heartbeats: the counterparty's silence still disconnects us") {
  harness<> h;
  h.given_logged_on(10);
  h.s->set_heartbeats_suppressed(true);
  CHECK(h.s->next_deadline_ns() == h.now + 24 * sec);
  h.advance(23 * sec);
  CHECK(h.s->status() == session_status::active);
  h.advance(1 * sec);
  CHECK(h.s->status() == session_status::error);
  CHECK(h.s->last_error() == session_error::heartbeat_timeout);
  CHECK(h.sent().empty());
}

TEST_CASE("suppressed heartbeats: application messages still flow") {
  harness<> h;
  h.given_logged_on(10);
  h.s->set_heartbeats_suppressed(true);
  send_order(h, "A");
  h.receive("D", 2, "11=X|");
  CHECK(h.sent().size() == 1);
  CHECK(h.handler.app.size() == 1);
}

TEST_CASE("heartbeats resume when suppression is lifted") {
  harness<> h;
  h.given_logged_on(10);
  h.s->set_heartbeats_suppressed(true);
  h.advance(11 * sec);
  CHECK(h.sent().empty());
  h.s->set_heartbeats_suppressed(false);
  CHECK_FALSE(h.s->heartbeats_suppressed());
  h.advance(0);
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=0|34=2|49=ISLD|52=@|56=TW44|"));
}

// ---------------------------------------------------------------- duplicates

TEST_CASE("send_duplicate resends a stored application message with PossDup and its original SendingTime") {
  harness<> h;
  h.given_logged_on();
  const std::int64_t sent_at = h.now;
  send_order(h, "A");  // 2
  send_order(h, "B");  // 3
  h.now += 3 * sec;
  h.clear();
  REQUIRE(h.s->send_duplicate(2, h.now) == send_result::sent);
  REQUIRE(h.sink.sent.size() == 1);
  CHECK(h.sent()[0] == E("35=D|34=2|43=Y|49=ISLD|52=@|56=TW44|122=@|11=A|"));
  const std::string r = readable(h.sink.sent[0]);
  CHECK(r.find("|122=" + timestamp(sent_at, codec::time_precision::ms) + "|") != std::string::npos);
  CHECK(r.find("|52=" + timestamp(h.now, codec::time_precision::ms) + "|") != std::string::npos);
  codec::message m;
  CHECK(m.parse(h.sink.sent[0]) == codec::parse_error::none);
  CHECK(h.s->next_outbound_seq() == 4);  // sequence numbers untouched
  send_order(h, "C");
  CHECK(h.last_sent() == E("35=D|34=4|49=ISLD|52=@|56=TW44|11=C|"));
}

TEST_CASE("send_duplicate answers not_found for an unknown or admin MsgSeqNum") {
  harness<> h;
  h.given_logged_on();
  h.receive("1", 2, "112=X|");  // our 2: Heartbeat (admin)
  send_order(h, "A", store::flag_no_resend);  // our 3
  h.clear();
  CHECK(h.s->send_duplicate(1, h.now) == send_result::not_found);   // our Logon
  CHECK(h.s->send_duplicate(2, h.now) == send_result::not_found);   // Heartbeat
  CHECK(h.s->send_duplicate(3, h.now) == send_result::not_found);   // not to be resent
  CHECK(h.s->send_duplicate(99, h.now) == send_result::not_found);  // never sent
  CHECK(h.sent().empty());
  CHECK(h.s->next_outbound_seq() == 4);
}

TEST_CASE("send_duplicate needs an active session and reports a back-pressured sink") {
  harness<> h;
  h.make();
  CHECK(h.s->send_duplicate(1, h.now) == send_result::not_logged_on);
  h.given_logged_on();
  send_order(h, "A");
  h.sink.answer = fixring::engine::send_status::back_pressured;
  CHECK(h.s->send_duplicate(2, h.now) == send_result::back_pressured);
  h.sink.answer = fixring::engine::send_status::ok;
  h.clear();
  h.advance(0);
  CHECK(h.sent().empty());  // a refused duplicate is not kept for later
}
