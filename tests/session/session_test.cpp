// Behaviour tests of the session core, one per rule, with a fake clock.
#include <catch2/catch.hpp>

#include "session_harness.hpp"

using namespace fixring::test;
using fixring::engine::session_error;
using fixring::engine::session_role;
using fixring::engine::session_status;
namespace store = fixring::store;
namespace codec = fixring::codec;

namespace {
std::string E(std::string_view s) { return expect("FIX.4.4", s); }

void send_order(harness<>& h, std::string_view id, std::uint32_t flags = store::flag_none) {
  const auto r = h.s->send("D", [&](codec::encoder& e) noexcept { e.add(11, id); e.add(55, "INTC"); }, h.now, {}, flags);
  REQUIRE(r == send_result::sent);
}
}  // namespace

// ---------------------------------------------------------------- Logon

TEST_CASE("acceptor answers a valid Logon echoing HeartBtInt") {
  harness<> h;
  h.make().on_connected(h.now);
  CHECK(h.s->status() == session_status::connected);
  h.receive("A", 1, "98=0|108=30|");
  CHECK(h.s->status() == session_status::active);
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=A|34=1|49=ISLD|52=@|56=TW44|98=0|108=30|"));
  CHECK(h.s->heartbeat_interval_ns() == 30 * sec);
  CHECK(h.s->next_inbound_seq() == 2);
  CHECK(h.s->next_outbound_seq() == 2);
}

TEST_CASE("acceptor disconnects silently when the first message is not a Logon") {
  harness<> h;
  h.make().on_connected(h.now);
  h.receive("0", 1);
  CHECK(h.sink.sent.empty());
  CHECK(h.sink.disconnects == 1);
  CHECK(h.s->status() == session_status::error);
  CHECK(h.s->last_error() == session_error::invalid_logon);
}

TEST_CASE("acceptor disconnects silently on an invalid Logon") {
  harness<> h;
  h.make().on_connected(h.now);
  SECTION("unknown SenderCompID") { h.peer_id = "WT"; }
  SECTION("wrong BeginString") { h.peer_begin = "FIX.4.2"; }
  SECTION("SendingTime outside the window") { h.now -= 121 * sec; }
  std::string logon = h.msg("A", 1, "98=0|108=30|");
  h.now = t0_ns;
  h.receive(logon);
  CHECK(h.sink.sent.empty());
  CHECK(h.sink.disconnects == 1);
  CHECK(h.s->last_error() == session_error::invalid_logon);
}

TEST_CASE("a first message that is not well formed gets a silent disconnect") {
  harness<> h;
  h.make().on_connected(h.now);
  std::string logon = h.msg("A", 1, "98=0|108=30|");
  logon.replace(logon.find("9="), 4, "9=40");  // BodyLength wrong
  (void)h.s->on_bytes({logon.data(), logon.size()}, h.now);
  CHECK(h.sink.sent.empty());
  CHECK(h.sink.disconnects == 1);
  CHECK(h.s->last_error() == session_error::invalid_logon);
}

TEST_CASE("FIXT Logon requires DefaultApplVerID and the answer carries it") {
  harness<> h(session_role::acceptor, "FIXT.1.1");
  h.cfg.default_appl_ver_id = "9";
  h.make().on_connected(h.now);
  SECTION("without 1137") {
    h.receive("A", 1, "98=0|108=30|");
    CHECK(h.sink.disconnects == 1);
    CHECK(h.sink.sent.empty());
  }
  SECTION("with 1137") {
    h.receive("A", 1, "98=0|108=30|1137=9|");
    REQUIRE(h.sent().size() == 1);
    CHECK(h.sent()[0] == expect("FIXT.1.1", "35=A|34=1|49=ISLD|52=@|56=TW44|98=0|108=30|1137=9|"));
  }
}

TEST_CASE("ResetSeqNumFlag is acted on only after the Logon is authenticated") {
  harness<> h;
  REQUIRE(h.store.reset(0) == store::store_status::ok);
  h.make();
  // Sequence numbers from an earlier connection.
  REQUIRE(h.store.set_next_outbound_seq(7) == store::store_status::ok);
  REQUIRE(h.store.set_next_inbound_seq(5) == store::store_status::ok);
  h.s->on_connected(h.now);
  SECTION("refused by the authentication hook: nothing reset") {
    h.handler.accept_logon = false;
    h.receive("A", 1, "98=0|108=30|141=Y|553=u|554=bad|");
    CHECK(h.s->last_error() == session_error::authentication_failed);
    CHECK(h.store.next_outbound_seq() == 7);
    CHECK(h.store.next_inbound_seq() == 5);
    CHECK(h.sink.sent.empty());
  }
  SECTION("accepted: both sequences reset and 141=Y echoed") {
    h.receive("A", 1, "98=0|108=30|141=Y|");
    REQUIRE(h.sent().size() == 1);
    CHECK(h.sent()[0] == E("35=A|34=1|49=ISLD|52=@|56=TW44|98=0|108=30|141=Y|"));
    CHECK(h.s->next_inbound_seq() == 2);
  }
}

TEST_CASE("ResetOnLogon starts both sequences at 1 on every Logon") {
  harness<> h;
  h.cfg.reset_on_logon = true;
  h.make();
  REQUIRE(h.store.set_next_outbound_seq(9) == store::store_status::ok);
  REQUIRE(h.store.set_next_inbound_seq(9) == store::store_status::ok);
  h.s->on_connected(h.now);
  h.receive("A", 1, "98=0|108=30|");
  CHECK(h.sent()[0] == E("35=A|34=1|49=ISLD|52=@|56=TW44|98=0|108=30|"));
  CHECK(h.s->next_inbound_seq() == 2);
}

// FIX session protocol: a Logon with ResetSeqNumFlag(141)=Y is answered by a
// Logon that carries 141=Y too. ResetOnLogon alone is the acceptor's own
// setting, not a request: its answer to a Logon without 141 carries no 141
// (as QuickFIX answers, and as every script of the acceptance suite expects).
TEST_CASE("an acceptor with ResetOnLogon echoes ResetSeqNumFlag only when the Logon carried it") {
  harness<> h;
  h.cfg.reset_on_logon = true;
  h.make();
  REQUIRE(h.store.set_next_outbound_seq(9) == store::store_status::ok);
  REQUIRE(h.store.set_next_inbound_seq(9) == store::store_status::ok);
  h.s->on_connected(h.now);
  SECTION("Logon 141=Y at MsgSeqNum 1: answered with 141=Y at MsgSeqNum 1") {
    h.receive("A", 1, "98=0|108=30|141=Y|");
    REQUIRE(h.sent().size() == 1);
    CHECK(h.sent()[0] == E("35=A|34=1|49=ISLD|52=@|56=TW44|98=0|108=30|141=Y|"));
  }
  SECTION("Logon without 141 at MsgSeqNum 1: answered at MsgSeqNum 1 without 141") {
    h.receive("A", 1, "98=0|108=30|");
    REQUIRE(h.sent().size() == 1);
    CHECK(h.sent()[0] == E("35=A|34=1|49=ISLD|52=@|56=TW44|98=0|108=30|"));
  }
  CHECK(h.s->status() == session_status::active);
  CHECK(h.s->next_inbound_seq() == 2);
  CHECK(h.s->next_outbound_seq() == 2);
  // The reset Logon was the answer's trigger, not a request still open: the
  // next message is an ordinary one in sequence.
  h.clear();
  h.receive("1", 2, "112=X|");
  CHECK(h.sent() == std::vector<std::string>{E("35=0|34=2|49=ISLD|52=@|56=TW44|112=X|")});
}

TEST_CASE("initiator sends its Logon on connect with 141, 553, 554 and 789 as configured") {
  harness<> h(session_role::initiator);
  h.cfg.reset_on_logon = true;
  h.cfg.username = "user";
  h.cfg.password = "secret";
  h.cfg.send_next_expected_msg_seq_num = true;
  h.cfg.heartbeat_interval_s = 10;
  h.make().on_connecting(h.now);
  CHECK(h.s->status() == session_status::connecting);
  h.s->on_connected(h.now);
  CHECK(h.s->status() == session_status::logging_in);
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=A|34=1|49=ISLD|52=@|56=TW44|98=0|108=10|141=Y|553=user|554=secret|789=1|"));
  h.receive("A", 1, "98=0|108=10|141=Y|789=2|");
  CHECK(h.s->status() == session_status::active);
  CHECK(h.sent().size() == 1);
  CHECK(h.s->next_inbound_seq() == 2);
}

TEST_CASE("logon timeout disconnects") {
  harness<> h(session_role::initiator);
  h.cfg.logon_timeout_ns = 5 * sec;
  h.make().on_connected(h.now);
  h.advance(4 * sec);
  CHECK(h.s->status() == session_status::logging_in);
  h.advance(1 * sec);
  CHECK(h.s->status() == session_status::error);
  CHECK(h.s->last_error() == session_error::logon_timeout);
  CHECK(h.sink.disconnects == 1);
}

TEST_CASE("acceptor disconnects without a word when no Logon arrives within LogonTimeout") {
  harness<> h;
  h.cfg.logon_timeout_ns = 5 * sec;
  h.make().on_connected(h.now);
  CHECK(h.s->next_deadline_ns() == t0_ns + 5 * sec);
  h.advance(4 * sec);
  CHECK(h.s->status() == session_status::connected);
  // Half a Logon does not restart the timer.
  const std::string logon = h.msg("A", 1, "98=0|108=30|");
  CHECK(h.s->on_bytes({logon.data(), logon.size() / 2}, h.now) == 0);
  CHECK(h.s->next_deadline_ns() == t0_ns + 5 * sec);
  h.advance(1 * sec);
  CHECK(h.s->status() == session_status::error);
  CHECK(h.s->last_error() == session_error::logon_timeout);
  CHECK(h.sink.disconnects == 1);
  CHECK(h.sink.sent.empty());  // no Logout: the connection never logged on
  CHECK(h.s->stats().logouts_sent == 0);
}

TEST_CASE("a Logon within LogonTimeout stops the acceptor's logon timer") {
  harness<> h;
  h.cfg.logon_timeout_ns = 5 * sec;
  h.make().on_connected(h.now);
  h.advance(4 * sec);
  h.receive("A", 1, "98=0|108=30|");
  REQUIRE(h.s->status() == session_status::active);
  CHECK(h.s->next_deadline_ns() > t0_ns + 5 * sec);
  h.advance(2 * sec);
  CHECK(h.s->status() == session_status::active);
  CHECK(h.sink.disconnects == 0);
}

TEST_CASE("Logon with MsgSeqNum too high is answered, then the gap is requested") {
  harness<> h;
  h.make().on_connected(h.now);
  h.receive("A", 5, "98=0|108=30|");
  REQUIRE(h.sent().size() == 2);
  CHECK(h.sent()[0] == E("35=A|34=1|49=ISLD|52=@|56=TW44|98=0|108=30|"));
  CHECK(h.sent()[1] == E("35=2|34=2|49=ISLD|52=@|56=TW44|7=1|16=0|"));
  // The counterparty fills 1..4; the early Logon's number is then consumed.
  h.receive(h.msg("4", 1, "43=Y|122=" + timestamp(h.now) + "|36=5|123=Y|"));
  CHECK(h.s->next_inbound_seq() == 6);
  CHECK_FALSE(h.s->gap_open());
}

TEST_CASE("NextExpectedMsgSeqNum lower than what we sent makes us resend") {
  harness<> h;
  h.make();
  h.given_logged_on();
  send_order(h, "A1");
  h.s->on_disconnected(h.now);
  h.clear();
  h.s->on_connected(h.now);
  // Peer expects our 2 (the order) again.
  h.receive("A", 2, "98=0|108=30|789=2|");
  REQUIRE(h.sent().size() == 2);
  CHECK(h.sent()[0] == E("35=A|34=3|49=ISLD|52=@|56=TW44|98=0|108=30|"));
  CHECK(h.sent()[1] == E("35=D|34=2|43=Y|49=ISLD|52=@|56=TW44|122=@|11=A1|55=INTC|"));
}

// ---------------------------------------------------------------- Heartbeats

TEST_CASE("heartbeat after HeartBtInt without sending") {
  harness<> h;
  h.given_logged_on(6);
  h.advance(5 * sec);
  CHECK(h.sent().empty());
  h.receive("0", 2);
  h.advance(1 * sec);
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=0|34=2|49=ISLD|52=@|56=TW44|"));
  CHECK(h.s->stats().heartbeats_sent == 1);
}

TEST_CASE("test request after 1.2 x HeartBtInt without receiving, disconnect after 2.4 x") {
  harness<> h;
  h.given_logged_on(10);
  h.receive("0", 2);
  h.advance(10 * sec);  // heartbeat due
  REQUIRE(h.sent().size() == 1);
  h.advance(2 * sec);   // 12 s without receiving
  REQUIRE(h.sent().size() == 2);
  CHECK(h.sent()[1] == E("35=1|34=3|49=ISLD|52=@|56=TW44|112=TEST|"));
  // No heartbeat while the TestRequest is unanswered.
  h.advance(10 * sec);
  CHECK(h.sent().size() == 2);
  CHECK(h.s->status() == session_status::active);
  h.advance(2 * sec);  // 24 s without receiving
  CHECK(h.s->status() == session_status::error);
  CHECK(h.s->last_error() == session_error::heartbeat_timeout);
  CHECK(h.sink.disconnects == 1);
}

TEST_CASE("TestReqID is configurable and an answered TestRequest keeps the session up") {
  harness<> h;
  h.cfg.test_req_id = "PING";
  h.make();
  h.given_logged_on(10);
  h.advance(12 * sec);
  REQUIRE_FALSE(h.sent().empty());
  CHECK(h.last_sent() == E("35=1|34=2|49=ISLD|52=@|56=TW44|112=PING|"));
  h.receive("0", 2, "112=PING|");
  h.advance(11 * sec);
  CHECK(h.s->status() == session_status::active);
}

TEST_CASE("TestRequest answered with its TestReqID") {
  harness<> h;
  h.given_logged_on();
  h.receive("1", 2, "112=HELLO|");
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=0|34=2|49=ISLD|52=@|56=TW44|112=HELLO|"));
  CHECK(h.s->stats().test_requests_received == 1);
}

TEST_CASE("TestRequest with an empty TestReqID is answered with an empty one") {
  harness<> h;
  h.given_logged_on();
  h.receive("1", 2, "112=|");
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=0|34=2|49=ISLD|52=@|56=TW44|112=|"));
}

// ---------------------------------------------------------------- Sequence numbers

TEST_CASE("resend request when MsgSeqNum is too high, queued messages delivered in order") {
  harness<> h;
  h.given_logged_on();
  h.receive("D", 2, "11=a|");
  h.receive("D", 5, "11=d|");
  h.receive("D", 6, "11=e|");
  REQUIRE(h.sent().size() == 1);  // one request for the whole gap
  CHECK(h.sent()[0] == E("35=2|34=2|49=ISLD|52=@|56=TW44|7=3|16=0|"));
  CHECK(h.handler.app.size() == 1);
  CHECK(h.s->queued_messages() == 2);
  h.receive("D", 3, "11=b|");
  h.receive("D", 4, "11=c|");
  REQUIRE(h.handler.app.size() == 5);
  const char* ids[] = {"a", "b", "c", "d", "e"};
  for (int i = 0; i < 5; ++i) CHECK(readable(h.handler.app[i]).find(std::string("|11=") + ids[i] + "|") != std::string::npos);
  CHECK(h.s->next_inbound_seq() == 7);
  CHECK(h.s->queued_messages() == 0);
  CHECK_FALSE(h.s->gap_open());
  CHECK(h.s->stats().gaps_detected == 1);
}

TEST_CASE("resend requests are chunked to the configured maximum") {
  harness<> h;
  h.cfg.max_messages_per_resend_request = 2;
  h.make();
  h.given_logged_on();
  h.receive("0", 7);
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=2|34=2|49=ISLD|52=@|56=TW44|7=2|16=3|"));
  h.receive("0", 2);
  h.receive("0", 3);
  REQUIRE(h.sent().size() == 2);
  CHECK(h.sent()[1] == E("35=2|34=3|49=ISLD|52=@|56=TW44|7=4|16=5|"));
  h.receive("0", 4);
  h.receive("0", 5);
  REQUIRE(h.sent().size() == 3);
  CHECK(h.sent()[2] == E("35=2|34=4|49=ISLD|52=@|56=TW44|7=6|16=6|"));
  h.receive("0", 6);
  CHECK(h.s->next_inbound_seq() == 8);
  CHECK_FALSE(h.s->gap_open());
}

TEST_CASE("FIX.4.1 asks for the rest of a gap with EndSeqNo 999999") {
  harness<> h(session_role::acceptor, "FIX.4.1");
  h.given_logged_on();
  h.receive("0", 4);
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == expect("FIX.4.1", "35=2|34=2|49=ISLD|52=20260101-12:00:00|56=TW44|7=2|16=999999|"));
}

TEST_CASE("an unanswered resend request is repeated after a heartbeat interval") {
  harness<> h;
  h.given_logged_on(10);
  h.receive("0", 4);
  h.clear();
  h.advance(5 * sec);
  h.receive("0", 5);  // keeps the line alive; the gap is still open
  h.advance(5 * sec);
  REQUIRE_FALSE(h.sent().empty());
  CHECK(h.sent()[0] == E("35=2|34=3|49=ISLD|52=@|56=TW44|7=2|16=0|"));
}

TEST_CASE("logout when MsgSeqNum is too low") {
  harness<> h;
  h.given_logged_on();
  h.receive("0", 2);
  h.receive("0", 3);
  h.receive("0", 4);
  h.receive("0", 2);
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=5|34=2|49=ISLD|52=@|56=TW44|58=MsgSeqNum too low, expecting 5 but received 2|"));
  CHECK(h.sink.disconnects == 1);
  CHECK(h.s->last_error() == session_error::seq_too_low);
}

TEST_CASE("PossDup duplicate is dropped") {
  harness<> h;
  h.given_logged_on();
  h.receive("D", 2, "11=a|");
  h.receive("D", 2, "43=Y|122=" + timestamp(h.now) + "|11=a|");
  CHECK(h.sent().empty());
  CHECK(h.handler.app.size() == 1);
  CHECK(h.s->stats().duplicates_dropped == 1);
  CHECK(h.s->status() == session_status::active);
}

TEST_CASE("PossDup without OrigSendingTime is rejected") {
  harness<> h;
  h.given_logged_on();
  h.receive("D", 2, "11=a|");
  h.receive("D", 2, "43=Y|11=a|");
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=3|34=2|49=ISLD|52=@|56=TW44|45=2|58=Required tag missing|371=122|372=D|373=1|"));
  CHECK(h.s->status() == session_status::active);
}

TEST_CASE("OrigSendingTime later than SendingTime: Reject 10 and Logout") {
  harness<> h;
  h.given_logged_on();
  h.receive("D", 2, "11=a|");
  h.receive("D", 2, "43=Y|122=" + timestamp(h.now + 10 * sec) + "|11=a|");
  REQUIRE(h.sent().size() == 2);
  CHECK(h.sent()[0] == E("35=3|34=2|49=ISLD|52=@|56=TW44|45=2|58=SendingTime accuracy problem|372=D|373=10|"));
  CHECK(h.sent()[1] == E("35=5|34=3|49=ISLD|52=@|56=TW44|"));
  CHECK(h.s->status() == session_status::logging_out);
}

// ---------------------------------------------------------------- Serving resends

TEST_CASE("ResendRequest: application messages resent with PossDup, admin runs gap-filled") {
  harness<> h;
  h.given_logged_on();
  h.receive("1", 2, "112=X|");  // our 2: Heartbeat
  send_order(h, "A");           // our 3
  send_order(h, "B");           // our 4
  h.receive("1", 3, "112=Y|");  // our 5: Heartbeat
  h.receive("1", 4, "112=Z|");  // our 6: Heartbeat
  h.clear();
  h.receive("2", 5, "7=2|16=0|");
  const auto out = h.sent();
  REQUIRE(out.size() == 4);
  CHECK(out[0] == E("35=4|34=2|43=Y|49=ISLD|52=@|56=TW44|122=@|36=3|123=Y|"));
  CHECK(out[1] == E("35=D|34=3|43=Y|49=ISLD|52=@|56=TW44|122=@|11=A|55=INTC|"));
  CHECK(out[2] == E("35=D|34=4|43=Y|49=ISLD|52=@|56=TW44|122=@|11=B|55=INTC|"));
  CHECK(out[3] == E("35=4|34=5|43=Y|49=ISLD|52=@|56=TW44|122=@|36=7|123=Y|"));
  CHECK(h.s->next_outbound_seq() == 7);
  CHECK(h.s->stats().messages_resent == 2);
  CHECK(h.s->stats().resend_requests_received == 1);
}

TEST_CASE("OrigSendingTime of a resend is the original SendingTime") {
  harness<> h;
  h.given_logged_on();
  const std::int64_t sent_at = h.now;
  send_order(h, "A");
  h.now += 5 * sec;
  h.clear();
  h.receive("2", 2, "7=2|16=2|");
  REQUIRE(h.sink.sent.size() == 1);
  const std::string r = readable(h.sink.sent[0]);
  CHECK(r.find("|122=" + timestamp(sent_at, codec::time_precision::ms) + "|") != std::string::npos);
  CHECK(r.find("|52=" + timestamp(h.now, codec::time_precision::ms) + "|") != std::string::npos);
  codec::message m;
  CHECK(m.parse(h.sink.sent[0]) == codec::parse_error::none);  // BodyLength and CheckSum recomputed
}

TEST_CASE("messages marked not to be resent are gap-filled") {
  harness<> h;
  h.given_logged_on();
  send_order(h, "A", store::flag_no_resend);  // 2
  send_order(h, "B");                         // 3
  h.clear();
  h.receive("2", 2, "7=2|16=3|");
  const auto out = h.sent();
  REQUIRE(out.size() == 2);
  CHECK(out[0] == E("35=4|34=2|43=Y|49=ISLD|52=@|56=TW44|122=@|36=3|123=Y|"));
  CHECK(out[1] == E("35=D|34=3|43=Y|49=ISLD|52=@|56=TW44|122=@|11=B|55=INTC|"));
}

TEST_CASE("simultaneous resend: a ResendRequest is honoured while our own gap is open") {
  harness<> h;
  h.given_logged_on();
  h.receive("D", 2, "11=a|");
  send_order(h, "X");  // our 2
  h.receive("0", 5);   // gap 3..4
  REQUIRE(h.sent().size() == 2);
  CHECK(h.sent()[1] == E("35=2|34=3|49=ISLD|52=@|56=TW44|7=3|16=0|"));
  h.clear();
  h.receive("2", 6, "7=2|16=2|");  // early, acted on anyway
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=D|34=2|43=Y|49=ISLD|52=@|56=TW44|122=@|11=X|55=INTC|"));
  h.receive(h.msg("0", 3, "43=Y|122=" + timestamp(h.now) + "|"));
  h.receive(h.msg("0", 4, "43=Y|122=" + timestamp(h.now) + "|"));
  CHECK(h.s->next_inbound_seq() == 7);  // 5 and the early ResendRequest 6 consumed from the queue
  CHECK_FALSE(h.s->gap_open());
  CHECK(h.sent().size() == 1);  // the ResendRequest was not served twice
}

// ---------------------------------------------------------------- SequenceReset

TEST_CASE("SequenceReset-GapFill moves the expected MsgSeqNum") {
  harness<> h;
  h.given_logged_on();
  h.receive("4", 2, "36=20|123=Y|");
  CHECK(h.s->next_inbound_seq() == 20);
  h.receive("1", 20, "112=HELLO|");
  CHECK(h.sent().size() == 1);
  CHECK(h.s->next_inbound_seq() == 21);
}

TEST_CASE("SequenceReset-GapFill with MsgSeqNum too high is queued behind a ResendRequest") {
  harness<> h;
  h.given_logged_on();
  h.receive("4", 10, "36=20|123=Y|");
  h.receive("1", 20, "112=HELLO|");
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=2|34=2|49=ISLD|52=@|56=TW44|7=2|16=0|"));
  h.receive(h.msg("4", 2, "43=Y|36=10|123=Y|"));
  CHECK(h.s->next_inbound_seq() == 21);
  CHECK(h.last_sent() == E("35=0|34=3|49=ISLD|52=@|56=TW44|112=HELLO|"));
}

TEST_CASE("SequenceReset-Reset is accepted at any MsgSeqNum; a lower NewSeqNo is rejected with reason 5") {
  harness<> h;
  h.given_logged_on();
  h.receive("4", 0, "36=25|");
  CHECK(h.s->next_inbound_seq() == 25);
  h.receive("4", 0, "36=1|");
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=3|34=2|49=ISLD|52=@|56=TW44|45=0|58=Value is incorrect (out of range) for this tag|372=4|373=5|"));
  CHECK(h.s->next_inbound_seq() == 25);
}

// ---------------------------------------------------------------- Validation

TEST_CASE("CompID problem: Reject 9 and Logout") {
  harness<> h;
  h.given_logged_on();
  h.peer_id = "WT";
  h.receive("D", 2, "11=ID|");
  REQUIRE(h.sent().size() == 2);
  CHECK(h.sent()[0] == E("35=3|34=2|49=ISLD|52=@|56=TW44|45=2|58=CompID problem|372=D|373=9|"));
  CHECK(h.sent()[1] == E("35=5|34=3|49=ISLD|52=@|56=TW44|"));
  CHECK(h.s->status() == session_status::logging_out);
  h.peer_id = "TW44";
  h.receive("5", 3);
  CHECK(h.s->status() == session_status::logged_out);
  CHECK(h.sink.disconnects == 1);
  CHECK(h.handler.app.empty());
}

TEST_CASE("SendingTime accuracy problem: Reject 10 and Logout") {
  harness<> h;
  h.given_logged_on();
  const std::string late = h.msg("0", 2);
  h.now += 121 * sec;
  h.receive(late);
  REQUIRE(h.sent().size() == 2);
  CHECK(h.sent()[0] == E("35=3|34=2|49=ISLD|52=@|56=TW44|45=2|58=SendingTime accuracy problem|372=0|373=10|"));
  CHECK(h.sent()[1] == E("35=5|34=3|49=ISLD|52=@|56=TW44|"));
}

TEST_CASE("Incorrect BeginString: Logout, then disconnect when unanswered") {
  harness<> h;
  h.given_logged_on();
  h.peer_begin = "FIX.4.1";
  h.receive("1", 2, "112=id|");
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=5|34=2|49=ISLD|52=@|56=TW44|58=Incorrect BeginString|"));
  h.advance(2 * sec);
  CHECK(h.s->last_error() == session_error::logout_timeout);
  CHECK(h.sink.disconnects == 1);
}

TEST_CASE("invalid MsgType is rejected with reason 11 and its number consumed") {
  harness<> h;
  h.given_logged_on();
  h.receive("*", 2);
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=3|34=2|49=ISLD|52=@|56=TW44|45=2|58=Invalid MsgType|372=*|373=11|"));
  CHECK(h.s->next_inbound_seq() == 3);
}

TEST_CASE("Reject reverses routing tags, leaving out empty ones") {
  harness<> h;
  h.given_logged_on();
  h.receive("*", 2, "115=JCD|116=CS|144=CHI|");
  CHECK(h.last_sent() == E("35=3|34=2|49=ISLD|52=@|56=TW44|128=JCD|129=CS|145=CHI|45=2|58=Invalid MsgType|372=*|373=11|"));
  h.receive("*", 3, "128=JCD|129=|");
  CHECK(h.last_sent() == E("35=3|34=3|49=ISLD|52=@|56=TW44|115=JCD|45=3|58=Invalid MsgType|372=*|373=11|"));
}

namespace {
struct reject_tag_40 {
  fixring::engine::validation_result validate(const codec::message& m) const noexcept {
    if (m.get_or(40) == "w") return {fixring::engine::reject_reason::value_out_of_range, 40};
    if (m.has(9999)) return {fixring::engine::reject_reason::tag_appears_more_than_once, 9999};
    return {};
  }
};
}  // namespace

TEST_CASE("dictionary rejections from the validator use the Reject layout") {
  harness<reject_tag_40> h;
  h.given_logged_on();
  h.receive("D", 2, "11=ID|40=w|");
  CHECK(h.last_sent() == E("35=3|34=2|49=ISLD|52=@|56=TW44|45=2|58=Value is incorrect (out of range) for this tag|371=40|372=D|373=5|"));
  CHECK(h.handler.app.empty());
  CHECK(h.s->next_inbound_seq() == 3);
  CHECK(h.s->stats().rejects_sent == 1);
}

TEST_CASE("FIX.4.2 Reject leaves out SessionRejectReason above 11") {
  harness<reject_tag_40> h(session_role::acceptor, "FIX.4.2");
  h.given_logged_on();
  h.receive("D", 2, "11=ID|9999=1|");
  CHECK(h.last_sent() == expect("FIX.4.2", "35=3|34=2|49=ISLD|52=@|56=TW44|45=2|58=Tag appears more than once|371=9999|372=D|"));
}

TEST_CASE("the application may answer with a BusinessMessageReject") {
  harness<> h;
  h.make();
  h.handler.on_app = [&](const codec::message& m, std::int64_t now) {
    if (m.msg_type() == "8") (void)h.s->send_business_reject(m, 3, "Unsupported Message Type", now);
  };
  h.given_logged_on();
  h.receive("8", 2, "37=id|");
  CHECK(h.last_sent() == E("35=j|34=2|49=ISLD|52=@|56=TW44|45=2|58=Unsupported Message Type|372=8|380=3|"));
}

// ---------------------------------------------------------------- Logout

TEST_CASE("logout initiated by the application waits for the answer, then disconnects") {
  harness<> h;
  h.given_logged_on();
  CHECK(h.s->logout("end of day", h.now) == send_result::sent);
  CHECK(h.last_sent() == E("35=5|34=2|49=ISLD|52=@|56=TW44|58=end of day|"));
  CHECK(h.s->status() == session_status::logging_out);
  SECTION("answered") {
    h.receive("5", 2);
    CHECK(h.s->status() == session_status::logged_out);
    CHECK(h.sink.disconnects == 1);
    CHECK(h.sent().size() == 1);
  }
  SECTION("not answered") {
    h.advance(1 * sec);
    CHECK(h.sink.disconnects == 0);
    h.advance(1 * sec);
    CHECK(h.s->last_error() == session_error::logout_timeout);
    CHECK(h.sink.disconnects == 1);
  }
}

TEST_CASE("logout initiated by the counterparty is answered and the connection closed") {
  harness<> h;
  h.given_logged_on();
  h.receive("5", 2);
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=5|34=2|49=ISLD|52=@|56=TW44|"));
  CHECK(h.s->status() == session_status::logged_out);
  CHECK(h.sink.disconnects == 1);
  h.s->on_disconnected(h.now);
  CHECK(h.s->status() == session_status::disconnected);
}

TEST_CASE("a Logout with MsgSeqNum too high is still acted on") {
  harness<> h;
  h.given_logged_on();
  h.receive("5", 11);
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=5|34=2|49=ISLD|52=@|56=TW44|"));
}

TEST_CASE("ResetOnLogout and ResetOnDisconnect reset the store") {
  harness<> h;
  SECTION("logout") { h.cfg.reset_on_logout = true; }
  SECTION("disconnect") { h.cfg.reset_on_disconnect = true; }
  h.make();
  h.given_logged_on();
  h.receive("5", 2);
  h.s->on_disconnected(h.now);
  CHECK(h.store.next_outbound_seq() == 1);
  CHECK(h.store.next_inbound_seq() == 1);
}

TEST_CASE("in-session Logon with ResetSeqNumFlag resets both sequences") {
  harness<> h;
  h.given_logged_on();
  for (int i = 2; i < 10; ++i) h.receive("0", i);
  h.receive("A", 1, "98=0|108=30|141=Y|");
  CHECK(h.last_sent() == E("35=A|34=1|49=ISLD|52=@|56=TW44|98=0|108=30|141=Y|"));
  CHECK(h.s->next_inbound_seq() == 2);
  h.receive("1", 2, "112=1|");
  CHECK(h.last_sent() == E("35=0|34=2|49=ISLD|52=@|56=TW44|112=1|"));
}

TEST_CASE("reset_sequence_numbers while active sends Logon 141=Y and takes the answer") {
  harness<> h;
  h.given_logged_on();
  send_order(h, "A");
  CHECK(h.s->reset_sequence_numbers(h.now) == send_result::sent);
  CHECK(h.last_sent() == E("35=A|34=1|49=ISLD|52=@|56=TW44|98=0|108=30|141=Y|"));
  h.receive("A", 1, "98=0|108=30|141=Y|");
  CHECK(h.s->next_inbound_seq() == 2);
  CHECK(h.s->next_outbound_seq() == 2);
  CHECK(h.sent().size() == 2);  // the answer is not answered again
}

// ---------------------------------------------------------------- Persistence

TEST_CASE("a restarted session continues the journaled sequences and serves resends") {
  harness<> h;
  h.given_logged_on();
  send_order(h, "BEFORE");  // our 2
  h.receive("0", 2);
  h.s->on_disconnected(h.now);
  h.s.reset();  // process restart: only the store survives
  h.make();
  CHECK(h.s->next_outbound_seq() == 3);
  CHECK(h.s->next_inbound_seq() == 3);
  h.s->on_connected(h.now);
  h.receive("A", 3, "98=0|108=30|");
  CHECK(h.last_sent() == E("35=A|34=3|49=ISLD|52=@|56=TW44|98=0|108=30|"));
  h.clear();
  h.receive("2", 4, "7=1|16=0|");
  const auto out = h.sent();
  REQUIRE(out.size() == 3);
  CHECK(out[0] == E("35=4|34=1|43=Y|49=ISLD|52=@|56=TW44|122=@|36=2|123=Y|"));
  CHECK(out[1] == E("35=D|34=2|43=Y|49=ISLD|52=@|56=TW44|122=@|11=BEFORE|55=INTC|"));
  CHECK(out[2] == E("35=4|34=3|43=Y|49=ISLD|52=@|56=TW44|122=@|36=4|123=Y|"));
}

TEST_CASE("an outbound message leaves room for its resend, so the largest one sent is resent within the limit") {
  harness<> h;
  h.cfg.max_message_bytes = 512;
  h.cfg.timestamp_precision = codec::time_precision::ns;  // the longest OrigSendingTime
  h.given_logged_on();
  // Grow a Text field until the session refuses the message.
  std::size_t largest = 0, pad = 0;
  std::uint64_t largest_seq = 0;
  for (;; ++pad) {
    const std::uint64_t seq = h.s->next_outbound_seq();
    const std::string text(pad, 'x');
    const auto r = h.s->send("D", [&](codec::encoder& e) noexcept { e.add(11, "BIG"); e.add(58, text); }, h.now);
    if (r == send_result::too_large) {
      CHECK(h.s->next_outbound_seq() == seq);  // no number used
      break;
    }
    REQUIRE(r == send_result::sent);
    largest = h.sink.sent.back().size();
    largest_seq = seq;
  }
  CHECK(largest <= 512 - fixring::engine::resend_headroom_bytes);
  CHECK(largest + 8 > 512 - fixring::engine::resend_headroom_bytes);  // the limit, not something smaller
  h.clear();
  h.receive("2", 2, "7=" + std::to_string(largest_seq) + "|16=" + std::to_string(largest_seq) + "|");
  REQUIRE(h.sink.sent.size() == 1);
  const std::string& resent = h.sink.sent[0];
  CHECK(resent.size() <= 512);
  CHECK(resent.size() > largest);
  codec::message m;
  REQUIRE(m.parse(resent) == codec::parse_error::none);
  CHECK(m.get_or(43) == "Y");
  CHECK(m.get_or(122).size() == 27);
  CHECK(h.s->stats().messages_resent == 1);
}

TEST_CASE("a stored message too large to resend under a smaller limit is covered by a GapFill") {
  harness<> h;
  h.cfg.max_message_bytes = 1024;
  h.given_logged_on();
  send_order(h, "SMALL1");  // our 2
  const auto big = h.s->send("D", [&](codec::encoder& e) noexcept { e.add(11, "BIG"); e.add(58, std::string(700, 'x')); }, h.now);
  REQUIRE(big == send_result::sent);  // our 3
  send_order(h, "SMALL2");  // our 4
  h.s->on_disconnected(h.now);
  h.s.reset();  // restarted with a smaller FixringMaxMessageBytes on the same journal
  h.cfg.max_message_bytes = 512;
  h.make();
  h.s->on_connected(h.now);
  h.receive("A", 2, "98=0|108=30|");  // our 5: Logon
  h.clear();
  h.receive("2", 3, "7=2|16=4|");
  const auto out = h.sent();
  REQUIRE(out.size() == 3);
  CHECK(out[0] == E("35=D|34=2|43=Y|49=ISLD|52=@|56=TW44|122=@|11=SMALL1|55=INTC|"));
  CHECK(out[1] == E("35=4|34=3|43=Y|49=ISLD|52=@|56=TW44|122=@|36=4|123=Y|"));
  CHECK(out[2] == E("35=D|34=4|43=Y|49=ISLD|52=@|56=TW44|122=@|11=SMALL2|55=INTC|"));
  CHECK(h.s->stats().messages_resent == 2);
}

// ---------------------------------------------------------------- Input handling

TEST_CASE("garbled input is discarded silently without consuming a sequence number") {
  harness<> h;
  h.given_logged_on();
  std::string bad = h.msg("0", 2);
  bad[bad.size() - 3] = bad[bad.size() - 3] == '0' ? '1' : '0';  // wrong CheckSum
  h.receive(bad);
  h.receive(h.msg("1", 2, "112=A|"));
  CHECK(h.s->stats().garbled_discarded == 1);
  CHECK(h.s->next_inbound_seq() == 3);
  CHECK(h.sent().size() == 1);
}

TEST_CASE("on_bytes leaves an incomplete message for the caller") {
  harness<> h;
  h.given_logged_on();
  const std::string m = h.msg("1", 2, "112=A|");
  const std::string two = m + m.substr(0, 10);
  CHECK(h.s->on_bytes({two.data(), two.size()}, h.now) == m.size());
  CHECK(h.sent().size() == 1);
}

TEST_CASE("a full inbound queue drops under the drop policy and disconnects under the disconnect policy") {
  harness<> h;
  h.cfg.queue_capacity_messages = 2;
  SECTION("drop") {
    h.make();
    h.given_logged_on();
    for (int seq = 3; seq <= 6; ++seq) h.receive("0", seq);
    CHECK(h.s->queued_messages() == 2);
    CHECK(h.s->stats().queue_overflows == 2);
    CHECK(h.s->status() == session_status::active);
  }
  SECTION("disconnect") {
    h.cfg.queue_policy = fixring::engine::queue_full_policy::disconnect;
    h.make();
    h.given_logged_on();
    for (int seq = 3; seq <= 5; ++seq) h.receive("0", seq);
    CHECK(h.s->status() == session_status::logging_out);
    CHECK(h.s->last_error() == session_error::queue_overflow);
  }
}

// ---------------------------------------------------------------- Output

TEST_CASE("a back-pressured sink keeps messages and poll sends them in order") {
  harness<> h;
  h.given_logged_on();
  h.sink.answer = send_status::back_pressured;
  const auto body = [](codec::encoder& e) noexcept { e.add(11, "Q"); };
  CHECK(h.s->send("D", body, h.now) == send_result::queued);
  CHECK(h.s->send("D", body, h.now) == send_result::queued);
  CHECK(h.s->next_outbound_seq() == 4);
  h.sink.answer = send_status::ok;
  h.s->poll(h.now);
  REQUIRE(h.sent().size() == 2);
  CHECK(h.sent()[0].find("|34=2|") != std::string::npos);
  CHECK(h.sent()[1].find("|34=3|") != std::string::npos);
}

TEST_CASE("application send is refused unless logged on") {
  harness<> h;
  h.make();
  CHECK(h.s->send("D", [](codec::encoder&) noexcept {}, h.now) == send_result::not_logged_on);
  CHECK(h.s->next_outbound_seq() == 1);
}

TEST_CASE("outbound header fields are written in ascending tag order") {
  harness<> h;
  h.given_logged_on();
  fixring::engine::header_fields hf;
  hf.poss_resend = true;
  hf.on_behalf_of_comp_id = "OB";
  hf.deliver_to_comp_id = "DT";
  CHECK(h.s->send("D", [](codec::encoder& e) noexcept { e.add(11, "1"); }, h.now, hf) == send_result::sent);
  CHECK(h.last_sent() == E("35=D|34=2|49=ISLD|52=@|56=TW44|97=Y|115=OB|128=DT|11=1|"));
}

// ---------------------------------------------------------------- Status and statistics

TEST_CASE("status transitions are reported to the handler") {
  harness<> h(session_role::initiator);
  h.make().on_connecting(h.now);
  h.s->on_connected(h.now);
  h.receive("A", 1, "98=0|108=30|");
  (void)h.s->logout({}, h.now);
  h.receive("5", 2);
  h.s->on_disconnected(h.now);
  std::vector<session_status> seen;
  for (auto& [st, err] : h.handler.statuses) seen.push_back(st);
  CHECK(seen == std::vector<session_status>{session_status::connecting, session_status::logging_in,
                                            session_status::active, session_status::logging_out,
                                            session_status::logged_out, session_status::disconnected});
}

TEST_CASE("connection lost while logged on is reported as such") {
  harness<> h;
  h.given_logged_on();
  h.s->on_disconnected(h.now);
  CHECK(h.s->status() == session_status::disconnected);
  CHECK(h.s->last_error() == session_error::connection_lost);
}

TEST_CASE("statistics count what crossed the session") {
  harness<> h;
  h.given_logged_on(10);
  h.receive("1", 2, "112=a|");
  h.receive("0", 3);
  h.receive("*", 4);
  h.receive("3", 5, "45=1|");
  h.receive("2", 6, "7=1|16=0|");
  h.advance(12 * sec);
  const auto& st = h.s->stats();
  CHECK(st.start_time_ns == t0_ns);
  CHECK(st.messages_received == 6);
  CHECK(st.heartbeats_received == 1);
  CHECK(st.test_requests_received == 1);
  CHECK(st.test_requests_sent == 1);
  CHECK(st.rejects_sent == 1);
  CHECK(st.rejects_received == 1);
  CHECK(st.resend_requests_received == 1);
  CHECK(st.sequence_resets_sent >= 1);
  CHECK(st.bytes_received > 0);
  CHECK(st.bytes_sent > 0);
}

namespace {
struct requires_target_and_spots_tag_zero {
  fixring::engine::validation_result validate(const codec::message& m) const noexcept {
    if (!m.has(56)) return {fixring::engine::reject_reason::required_tag_missing, 56};
    return {};
  }
  bool find_invalid_tag(std::string_view framed, std::int64_t& tag) const noexcept {
    if (framed.find("\x01" "0=") == std::string_view::npos) return false;
    tag = 0;
    return true;
  }
};
}  // namespace

TEST_CASE("dictionary checks run before the CompID check") {
  harness<requires_target_and_spots_tag_zero> h;
  h.given_logged_on();
  h.receive(fix("8=FIX.4.4|35=0|34=2|49=TW44|52=" + timestamp(h.now) + "|"));
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=3|34=2|49=ISLD|52=@|56=TW44|45=2|58=Required tag missing|371=56|372=0|373=1|"));
  CHECK(h.s->status() == session_status::active);
  CHECK(h.s->next_inbound_seq() == 3);
}

TEST_CASE("a field with tag number 0 is rejected as an invalid tag number when the validator spots it") {
  harness<requires_target_and_spots_tag_zero> h;
  h.given_logged_on();
  h.receive("0", 2, "0=HI|");
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=3|34=2|49=ISLD|52=@|56=TW44|45=2|58=Invalid tag number|371=0|372=0|373=0|"));
  CHECK(h.s->next_inbound_seq() == 3);
}

TEST_CASE("without a validator that spots it, a garbled field is discarded silently") {
  harness<> h;
  h.given_logged_on();
  h.receive("0", 2, "0=HI|");
  CHECK(h.sent().empty());
  CHECK(h.s->next_inbound_seq() == 2);
  CHECK(h.s->stats().garbled_discarded == 1);
}

TEST_CASE("a NextExpectedMsgSeqNum beyond what we sent ends the session with a Logout") {
  harness<> h;
  h.make().on_connected(h.now);
  h.receive("A", 1, "98=0|108=30|789=9|");
  REQUIRE(h.sent().size() == 2);
  CHECK(h.sent()[1] == E("35=5|34=2|49=ISLD|52=@|56=TW44|58=NextExpectedMsgSeqNum too high|"));
  CHECK(h.s->status() == session_status::logging_out);
  CHECK(h.s->last_error() == session_error::next_expected_too_high);
}

TEST_CASE("application API: request resend, heartbeat and test request") {
  harness<> h;
  h.given_logged_on();
  CHECK(h.s->request_resend(5, 0, h.now) == send_result::sent);
  CHECK(h.s->send_heartbeat({}, h.now) == send_result::sent);
  CHECK(h.s->send_test_request("T1", h.now) == send_result::sent);
  const auto out = h.sent();
  REQUIRE(out.size() == 3);
  CHECK(out[0] == E("35=2|34=2|49=ISLD|52=@|56=TW44|7=5|16=0|"));
  CHECK(out[1] == E("35=0|34=3|49=ISLD|52=@|56=TW44|"));
  CHECK(out[2] == E("35=1|34=4|49=ISLD|52=@|56=TW44|112=T1|"));
  CHECK(h.s->stats().resend_requests_sent == 1);
  CHECK(h.s->stats().heartbeats_sent == 1);
  CHECK(h.s->stats().test_requests_sent == 1);
}

TEST_CASE("next_deadline_ns tells the driver when the next timer is due") {
  harness<> h;
  h.make().on_connected(h.now);
  CHECK(h.s->next_deadline_ns() == h.now + h.cfg.logon_timeout_ns);
  h.receive("A", 1, "98=0|108=30|");
  CHECK(h.s->next_deadline_ns() == h.now + 30 * sec);
  h.advance(30 * sec);  // heartbeat sent
  CHECK(h.s->next_deadline_ns() == t0_ns + 36 * sec);  // TestRequest due at 1.2 x
}

TEST_CASE("after an initiator's reset Logon is answered, a later peer reset is answered again") {
  harness<> h(session_role::initiator);
  h.cfg.reset_on_logon = true;
  h.make().on_connected(h.now);
  h.receive("A", 1, "98=0|108=30|141=Y|");
  REQUIRE(h.s->status() == session_status::active);
  h.receive("0", 2);
  h.clear();
  h.receive("A", 1, "98=0|108=30|141=Y|");
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=A|34=1|49=ISLD|52=@|56=TW44|98=0|108=30|141=Y|"));
}

TEST_CASE("reset_sequence_numbers before a Logon resets the store, or the next Logon for a busy initiator") {
  SECTION("acceptor awaiting its Logon") {
    harness<> h;
    h.make();
    REQUIRE(h.store.set_next_outbound_seq(7) == store::store_status::ok);
    h.s->on_connected(h.now);
    CHECK(h.s->reset_sequence_numbers(h.now) == send_result::sent);
    CHECK(h.s->next_outbound_seq() == 1);
  }
  SECTION("initiator awaiting its Logon answer") {
    harness<> h(session_role::initiator);
    h.make().on_connected(h.now);
    CHECK(h.s->reset_sequence_numbers(h.now) == send_result::queued);
    h.s->on_disconnected(h.now);
    h.clear();
    h.s->on_connected(h.now);
    REQUIRE(h.sent().size() == 1);
    CHECK(h.sent()[0] == E("35=A|34=1|49=ISLD|52=@|56=TW44|98=0|108=30|141=Y|"));
  }
}

// Found by fuzz_session: a resend job that could not finish before an in-session
// reset went on afterwards, sending a GapFill numbered in the old sequence into
// the new one (the peer then saw our next real messages as too low).
TEST_CASE("a sequence reset abandons an unfinished resend of the old sequence") {
  harness<> h;
  h.given_logged_on();
  send_order(h, "A");  // our 2
  send_order(h, "B");  // our 3
  h.clear();
  h.sink.answer = send_status::back_pressured;
  h.receive("2", 2, "7=1|16=0|");  // the resend job starts but the sink takes nothing
  REQUIRE(h.sink.sent.empty());
  REQUIRE(h.s->reset_sequence_numbers(h.now) == send_result::queued);
  h.sink.answer = send_status::ok;
  h.advance(sec / 10);
  const auto out = h.sent();
  REQUIRE(!out.empty());
  CHECK(out[0] == E("35=A|34=1|49=ISLD|52=@|56=TW44|98=0|108=30|141=Y|"));
  for (const auto& m : out) CHECK(m.find("|43=Y|") == std::string::npos);  // nothing resent from the old sequence
  CHECK(h.s->next_outbound_seq() == 2);
}

TEST_CASE("skipped outbound numbers open a gap the resend answers with a GapFill") {
  harness<> h;
  h.given_logged_on();
  send_order(h, "A");  // our 2
  CHECK(h.s->skip_outbound_sequence(3) == send_result::sent);
  CHECK(h.s->next_outbound_seq() == 6);
  send_order(h, "B");  // our 6: the counterparty sees 3..5 missing
  REQUIRE(h.sent().size() == 2);
  CHECK(h.sent()[1] == E("35=D|34=6|49=ISLD|52=@|56=TW44|11=B|55=INTC|"));
  h.clear();
  h.receive("2", 2, "7=2|16=0|");
  const auto out = h.sent();
  REQUIRE(out.size() == 3);
  CHECK(out[0] == E("35=D|34=2|43=Y|49=ISLD|52=@|56=TW44|122=@|11=A|55=INTC|"));
  CHECK(out[1] == E("35=4|34=3|43=Y|49=ISLD|52=@|56=TW44|122=@|36=6|123=Y|"));
  CHECK(out[2] == E("35=D|34=6|43=Y|49=ISLD|52=@|56=TW44|122=@|11=B|55=INTC|"));
}

TEST_CASE("skipping outbound numbers needs a logged-on session") {
  harness<> h;
  h.make();
  CHECK(h.s->skip_outbound_sequence(2) == send_result::not_logged_on);
  CHECK(h.s->next_outbound_seq() == 1);
}

TEST_CASE("a message the journal refuses is not delivered, and the session fails") {
  harness<> h;
  h.given_logged_on();
  h.receive("D", 2, "11=a|");
  REQUIRE(h.handler.app.size() == 1);
  h.store.refuse_inbound(store::store_status::no_space);
  h.receive("D", 3, "11=b|");
  CHECK(h.handler.app.size() == 1);  // after a restart the counterparty resends 3: no double delivery
  CHECK(h.s->status() == session_status::error);
  CHECK(h.s->last_error() == session_error::store_failure);
}

namespace {
std::string many_fields(int n) {
  std::string f = "11=big|";
  for (int i = 0; i < n; ++i) f += "5001=x|";
  return f;
}
}  // namespace

TEST_CASE("a message with more fields than the index holds is rejected in sequence, not left to stall the session") {
  harness<> h;
  h.given_logged_on();
  h.receive("D", 2, many_fields(600));
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=3|34=2|49=ISLD|52=@|56=TW44|45=2|58=Other|372=D|373=99|"));
  CHECK(h.s->next_inbound_seq() == 3);
  CHECK(h.handler.app.empty());
  h.receive("D", 3, "11=next|");
  CHECK(h.handler.app.size() == 1);
  CHECK(h.s->status() == session_status::active);
}

TEST_CASE("an unindexable message above the expected number opens a gap whose resend is then rejected") {
  harness<> h;
  h.given_logged_on();
  h.receive("D", 3, many_fields(600));  // 2 is missing; this one is dropped
  CHECK(h.sent().empty());
  h.receive("D", 4, "11=after|");  // too high: ResendRequest from 2
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=2|34=2|49=ISLD|52=@|56=TW44|7=2|16=0|"));
  h.clear();
  h.receive("D", 2, "11=two|");
  h.receive("D", 3, "43=Y|122=" + timestamp(h.now) + "|" + many_fields(600));
  h.receive("D", 4, "43=Y|122=" + timestamp(h.now) + "|11=after|");
  CHECK(h.s->next_inbound_seq() == 5);
  CHECK(h.handler.app.size() == 2);  // two and after; the big one rejected
  CHECK(h.s->status() == session_status::active);
}
