// Session behaviour that follows a settings key: SendRedundantResendRequests
// and TimestampPrecision.
#include <catch2/catch.hpp>

#include "session_harness.hpp"

using namespace fixring::test;
using fixring::engine::session_error;
using fixring::engine::session_role;
using fixring::engine::session_status;
namespace codec = fixring::codec;

namespace {
std::string E(std::string_view s) { return expect("FIX.4.4", s); }

// Logs on an acceptor speaking begin_string with TimestampPrecision p at
// t0 + after_t0_ns, sends it a TestRequest and returns its one answer, readable.
std::string answer_to_test_request(codec::time_precision p, std::int64_t after_t0_ns,
                                   std::string begin_string = "FIX.4.4") {
  harness<> h(session_role::acceptor, std::move(begin_string));
  h.cfg.timestamp_precision = p;
  h.make();
  h.now += after_t0_ns;
  h.given_logged_on();
  h.receive("1", 2, "112=X|");
  REQUIRE(h.sink.sent.size() == 1);
  return readable(h.sink.sent[0]);
}
}  // namespace

TEST_CASE("SendRedundantResendRequests asks for the gap again for each message that arrives too high") {
  harness<> h;
  h.cfg.send_redundant_resend_requests = true;
  h.make();
  h.given_logged_on();
  h.receive("0", 5);
  h.receive("0", 6);
  REQUIRE(h.sent().size() == 2);
  CHECK(h.sent()[0] == E("35=2|34=2|49=ISLD|52=@|56=TW44|7=2|16=0|"));
  CHECK(h.sent()[1] == E("35=2|34=3|49=ISLD|52=@|56=TW44|7=2|16=0|"));
  h.receive("0", 2);
  h.receive("0", 3);
  h.receive("0", 4);
  CHECK(h.s->next_inbound_seq() == 7);
  CHECK_FALSE(h.s->gap_open());
}

TEST_CASE("without SendRedundantResendRequests a gap is asked for once") {
  harness<> h;
  h.given_logged_on();
  h.receive("0", 5);
  h.receive("0", 6);
  CHECK(h.sent().size() == 1);
}

TEST_CASE("TimestampPrecision 9 sends SendingTime in nanoseconds") {
  const std::string r = answer_to_test_request(codec::time_precision::ns, 123'456'789);
  CHECK(r.find("|52=20260101-12:00:00.123456789|") != std::string::npos);
}

TEST_CASE("TimestampPrecision 6 sends microseconds, and a resend's OrigSendingTime keeps them") {
  harness<> h;
  h.cfg.timestamp_precision = codec::time_precision::us;
  h.make();
  h.now += 123'456'789;
  h.given_logged_on();
  REQUIRE(h.s->send("D", [](codec::encoder& e) noexcept { e.add(11, "A"); }, h.now) == send_result::sent);
  h.now += 1'000;
  h.clear();
  h.receive("2", 2, "7=2|16=2|");
  REQUIRE(h.sink.sent.size() == 1);
  const std::string r = readable(h.sink.sent[0]);
  CHECK(r.find("|122=20260101-12:00:00.123456|") != std::string::npos);
  CHECK(r.find("|52=20260101-12:00:00.123457|") != std::string::npos);
}

TEST_CASE("TimestampPrecision 0 sends whole seconds") {
  const std::string r = answer_to_test_request(codec::time_precision::s, 123'456'789);
  CHECK(r.find("|52=20260101-12:00:00|") != std::string::npos);
}

TEST_CASE("FIX.4.1 sends whole seconds whatever TimestampPrecision says") {
  const std::string r = answer_to_test_request(codec::time_precision::ns, 0, "FIX.4.1");
  CHECK(r.find("|52=20260101-12:00:00|") != std::string::npos);
}

// ---------------------------------------------------------------- memory limits

TEST_CASE("FixringMaxQueuedBytes: a message that does not fit the gap queue is dropped and asked for again") {
  harness<> h;
  h.cfg.queue_capacity_bytes = 200;  // two heartbeats of about 80 bytes
  h.make();
  h.given_logged_on(10);
  for (int seq = 3; seq <= 6; ++seq) h.receive("0", seq);
  CHECK(h.s->queued_messages() == 2);
  CHECK(h.s->queued_bytes() <= 200);
  CHECK(h.s->stats().queue_overflows == 2);
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=2|34=2|49=ISLD|52=@|56=TW44|7=2|16=0|"));
  h.receive("0", 2);  // fills the gap: 3 and 4 are delivered from the queue
  CHECK(h.s->next_inbound_seq() == 5);
  CHECK(h.s->gap_open());  // 5 and 6 were dropped
  h.clear();
  h.advance(10 * sec);  // unanswered for a heartbeat interval: asked for again
  REQUIRE_FALSE(h.sent().empty());
  CHECK(h.sent()[0] == E("35=2|34=3|49=ISLD|52=@|56=TW44|7=5|16=0|"));
}

TEST_CASE("FixringQueueFull=logout: a full gap queue logs out") {
  harness<> h;
  h.cfg.queue_capacity_bytes = 200;
  h.cfg.queue_policy = fixring::engine::queue_full_policy::disconnect;
  h.make();
  h.given_logged_on();
  for (int seq = 3; seq <= 5; ++seq) h.receive("0", seq);
  CHECK(h.s->status() == session_status::logging_out);
  CHECK(h.s->last_error() == session_error::queue_overflow);
  CHECK(h.last_sent() == E("35=5|34=3|49=ISLD|52=@|56=TW44|58=Inbound queue full|"));
}

TEST_CASE("FixringMaxMessageBytes: a longer inbound message is rejected, its number consumed, and the next one is read") {
  harness<> h;
  h.cfg.frame_limits.max_message_bytes = 256;
  h.make();
  h.given_logged_on();
  h.receive("D", 2, "11=" + std::string(300, 'x') + "|");
  CHECK(h.s->stats().rejects_sent == 1);
  CHECK(h.last_sent().find("|373=99|") != std::string::npos);
  CHECK(h.handler.app.empty());
  CHECK(h.s->next_inbound_seq() == 3);
  CHECK(h.s->status() == session_status::active);
  h.receive("D", 3, "11=short|");
  CHECK(h.handler.app.size() == 1);
  CHECK(h.s->next_inbound_seq() == 4);
}
