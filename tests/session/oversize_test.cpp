// A message larger than max_message_bytes: the framing never buffers it, the
// session follows it through the stream (oversize.hpp) and answers it once it
// has arrived whole with a valid CheckSum, so that neither it nor its resend
// stalls the session.
#include "session_harness.hpp"

using namespace fixring::test;
using fixring::engine::session_error;
using fixring::engine::session_status;

namespace {

constexpr std::uint32_t limit_bytes = 4096;

std::string E(std::string_view s) { return expect("FIX.4.4", s); }

// A session whose framing refuses anything above limit_bytes.
harness<> small_limit_harness() {
  harness<> h;
  h.cfg.max_message_bytes = limit_bytes;
  h.cfg.frame_limits.max_message_bytes = limit_bytes;
  return h;
}

std::string big_text(std::size_t n) { return "58=" + std::string(n, 'y') + "|"; }

// Offers `bytes` in pieces of `piece` bytes the way the reactor does: whatever
// the session leaves unconsumed is offered again in front of the next piece.
void receive_in_pieces(harness<>& h, const std::string& bytes, std::size_t piece) {
  std::string carry;
  for (std::size_t at = 0; at < bytes.size(); at += piece) {
    carry += bytes.substr(at, piece);
    carry.erase(0, h.s->on_bytes({carry.data(), carry.size()}, h.now));
  }
  CHECK(carry.empty());
}

std::string too_large_text(std::size_t size) {
  const std::string s = std::to_string(size);
  std::string grouped;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i != 0 && (s.size() - i) % 3 == 0) grouped += ',';
    grouped += s[i];
  }
  return "message of " + grouped + " bytes exceeds FixringMaxMessageBytes 4,096";
}

bool asked_to_resend(const harness<>& h) {
  for (const std::string& m : h.sent())
    if (m.find("|35=2|") != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("an oversized message at the expected number is rejected with reason 99 and its number consumed") {
  for (const std::size_t piece : {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{1000},
                                  std::size_t{limit_bytes}, std::size_t{1} << 20}) {
    CAPTURE(piece);
    harness<> h = small_limit_harness();
    h.given_logged_on();
    const std::string big = h.msg("D", 2, "11=big|" + big_text(10'000));
    REQUIRE(big.size() > limit_bytes);
    receive_in_pieces(h, big + h.msg("D", 3, "11=next|"), piece);
    REQUIRE(h.sent().size() == 1);
    CHECK(h.sent()[0] == E("35=3|34=2|49=ISLD|52=@|56=TW44|45=2|58=" + too_large_text(big.size()) + "|372=D|373=99|"));
    REQUIRE(h.handler.app.size() == 1);
    CHECK(h.handler.app[0].find("11=next") != std::string::npos);
    CHECK(h.s->next_inbound_seq() == 4);
    CHECK(h.s->status() == session_status::active);
    CHECK_FALSE(h.s->gap_open());
    CHECK(h.s->stats().garbled_discarded == 0);
  }
}

TEST_CASE("the rejected oversized message is not asked for again") {
  harness<> h = small_limit_harness();
  h.given_logged_on(1);
  h.receive(h.msg("D", 2, "11=big|" + big_text(10'000)));
  h.clear();
  h.advance(3 * sec / 2);  // past HeartBtInt: a stalled gap would ask again now
  h.receive("0", 3);
  h.advance(3 * sec / 2);
  CHECK_FALSE(asked_to_resend(h));
  CHECK(h.s->next_inbound_seq() == 4);
}

TEST_CASE("an oversized message above the expected number asks for itself and is rejected when resent") {
  harness<> h = small_limit_harness();
  h.given_logged_on();
  const std::string fields = "11=big|" + big_text(10'000);
  h.receive(h.msg("D", 3, fields));  // 2 is missing
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=2|34=2|49=ISLD|52=@|56=TW44|7=2|16=0|"));
  h.clear();
  h.receive("D", 2, "11=two|");
  const std::string resent = h.msg("D", 3, "43=Y|122=" + timestamp(h.now) + "|" + fields);
  h.receive(resent);
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0].find("|45=3|58=" + too_large_text(resent.size()) + "|372=D|373=99|") != std::string::npos);
  h.receive("D", 4, "11=after|");
  CHECK(h.handler.app.size() == 2);  // two and after
  CHECK(h.s->next_inbound_seq() == 5);
  CHECK_FALSE(h.s->gap_open());
}

TEST_CASE("a resent copy of an oversized message already rejected is dropped as a duplicate") {
  harness<> h = small_limit_harness();
  h.given_logged_on();
  const std::string fields = "11=big|" + big_text(10'000);
  h.receive(h.msg("D", 2, fields));
  h.clear();
  h.receive(h.msg("D", 2, "43=Y|122=" + timestamp(h.now) + "|" + fields));
  CHECK(h.sent().empty());
  CHECK(h.s->stats().duplicates_dropped == 1);
  CHECK(h.s->status() == session_status::active);
}

TEST_CASE("an oversized message below the expected number without PossDupFlag logs out") {
  harness<> h = small_limit_harness();
  h.given_logged_on();
  h.receive("D", 2, "11=a|");
  h.receive(h.msg("D", 2, "11=big|" + big_text(10'000)));
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=5|34=2|49=ISLD|52=@|56=TW44|58=MsgSeqNum too low, expecting 3 but received 2|"));
  CHECK(h.s->last_error() == session_error::seq_too_low);
}

TEST_CASE("an oversized message without a MsgSeqNum in its first bytes is answered with Logout naming the size") {
  harness<> h = small_limit_harness();
  h.given_logged_on();
  // MsgSeqNum(34) comes after a field longer than the header copy.
  const std::string big = fix("8=FIX.4.4|35=D|49=TW44|52=" + timestamp(h.now) + "|56=ISLD|58=" + std::string(2000, 'y') +
                              "|34=2|11=big|" + big_text(10'000));
  h.receive(big);
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=5|34=2|49=ISLD|52=@|56=TW44|58=" + too_large_text(big.size()) + "|"));
  CHECK(h.s->status() == session_status::logging_out);
  CHECK(h.s->last_error() == session_error::message_too_large);
  h.receive("5", 3);  // the counterparty's answer ends the handshake
  CHECK(h.sink.disconnects == 1);
  CHECK(h.s->status() == session_status::logged_out);
}

TEST_CASE("an oversized message with a wrong CheckSum stays silent and the next message is processed") {
  harness<> h = small_limit_harness();
  h.given_logged_on();
  std::string big = h.msg("D", 2, "11=big|" + big_text(10'000));
  big[big.size() - 2] = big[big.size() - 2] == '0' ? '1' : '0';
  for (const std::size_t piece : {std::size_t{1}, std::size_t{3}, std::size_t{1} << 20}) {
    CAPTURE(piece);
    receive_in_pieces(h, big, piece);
    CHECK(h.sent().empty());
  }
  h.receive("D", 2, "11=next|");
  CHECK(h.handler.app.size() == 1);
  CHECK(h.s->stats().garbled_discarded == 3);
}

TEST_CASE("a BodyLength beyond the limit does not swallow the message that follows it") {
  for (const std::size_t piece : {std::size_t{1}, std::size_t{2}, std::size_t{5}, std::size_t{1} << 20}) {
    CAPTURE(piece);
    harness<> h = small_limit_harness();
    h.given_logged_on();
    const std::string header = "35=0|34=2|49=TW44|52=" + timestamp(h.now) + "|56=ISLD|";
    const std::string bogus = wire("8=FIX.4.4|9=999999999|" + header + "10=000|");
    receive_in_pieces(h, bogus + h.msg("D", 2, "11=next|"), piece);
    CHECK(h.sent().empty());
    REQUIRE(h.handler.app.size() == 1);
    CHECK(h.s->next_inbound_seq() == 3);
  }
}

TEST_CASE("an oversized message whose declared end is not a CheckSum stays silent") {
  harness<> h = small_limit_harness();
  h.given_logged_on();
  // BodyLength 5,000 but the stream holds less, then a good message: the good
  // one's "<SOH>8=" ends the oversized one first.
  const std::string partial =
      wire("8=FIX.4.4|9=5000|35=D|34=2|49=TW44|52=" + timestamp(h.now) + "|56=ISLD|11=x|" + big_text(100));
  h.receive(partial + h.msg("D", 2, "11=next|"));
  CHECK(h.sent().empty());
  CHECK(h.handler.app.size() == 1);
}
