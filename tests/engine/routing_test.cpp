#include <catch2/catch.hpp>

#include <string>

#include "fix_text.hpp"
#include "fixring/engine/routing.hpp"

using namespace fixring::engine;
using fixring::test::fix;
using fixring::test::wire;

namespace {
std::span<const char> span_of(const std::string& s) { return {s.data(), s.size()}; }

session_directory three_sessions() {
  session_directory d;
  d.add("FIX.4.2", "ISLD", "TW42");
  d.add("FIX.4.4", "ISLD", "TW44");
  d.add("FIX.4.4", "ISLD", "TW");
  return d;
}
}  // namespace

TEST_CASE("a Logon is routed to the session its BeginString and CompIDs name") {
  const auto dir = three_sessions();
  const std::string logon = fix("8=FIX.4.4|35=A|34=1|49=TW|52=20260101-12:00:00|56=ISLD|98=0|108=30|");
  logon_identity id;
  REQUIRE(read_identity(span_of(logon), id) == identity_status::found);
  CHECK(id.begin_string == "FIX.4.4");
  CHECK(id.sender_comp_id == "TW");
  CHECK(id.target_comp_id == "ISLD");
  CHECK(dir.find(id) == std::optional<std::size_t>(2));
}

TEST_CASE("the same CompIDs under another BeginString are another session or none") {
  const auto dir = three_sessions();
  logon_identity id;
  const std::string v42 = fix("8=FIX.4.2|35=A|34=1|49=TW42|52=20260101-12:00:00|56=ISLD|98=0|108=30|");
  REQUIRE(read_identity(span_of(v42), id) == identity_status::found);
  CHECK(dir.find(id) == std::optional<std::size_t>(0));
  const std::string wrong = fix("8=FIX.4.4|35=A|34=1|49=TW42|52=20260101-12:00:00|56=ISLD|98=0|108=30|");
  REQUIRE(read_identity(span_of(wrong), id) == identity_status::found);
  CHECK_FALSE(dir.find(id).has_value());
}

TEST_CASE("unknown CompIDs route nowhere") {
  const auto dir = three_sessions();
  logon_identity id;
  const std::string bad_target = fix("8=FIX.4.4|35=A|34=1|49=TW|52=20260101-12:00:00|56=OTHER|98=0|108=30|");
  REQUIRE(read_identity(span_of(bad_target), id) == identity_status::found);
  CHECK_FALSE(dir.find(id).has_value());
}

TEST_CASE("a first message still arriving asks for more bytes at every split") {
  const std::string logon = fix("8=FIX.4.4|35=A|34=1|49=TW|52=20260101-12:00:00|56=ISLD|98=0|108=30|");
  logon_identity id;
  for (std::size_t n = 0; n < logon.size(); ++n) {
    INFO("prefix " << n);
    CHECK(read_identity({logon.data(), n}, id) == identity_status::need_more);
  }
}

TEST_CASE("a message with a bad checksum still names its session") {
  std::string logon = fix("8=FIX.4.4|35=A|34=1|49=TW|52=20260101-12:00:00|56=ISLD|98=0|108=30|");
  logon[logon.size() - 2] = logon[logon.size() - 2] == '0' ? '1' : '0';
  logon_identity id;
  REQUIRE(read_identity(span_of(logon), id) == identity_status::found);
  CHECK(three_sessions().find(id) == std::optional<std::size_t>(2));
}

TEST_CASE("bytes that are not FIX are refused") {
  logon_identity id;
  const std::string http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  CHECK(read_identity(span_of(http), id) == identity_status::not_fix);
  const std::string no_ids = fix("8=FIX.4.4|35=A|34=1|52=20260101-12:00:00|98=0|108=30|");
  CHECK(read_identity(span_of(no_ids), id) == identity_status::not_fix);
}
