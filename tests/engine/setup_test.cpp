// From settings to what a session core is built with (engine/setup.hpp): each
// settings key the session applies lands in session_config.
#include <catch2/catch.hpp>

#include <string>

#include "fixring/engine/config/settings.hpp"
#include "fixring/engine/engine/setup.hpp"

using namespace fixring;
using engine::config::settings;

namespace {
engine::config::session_settings one_session(const std::string& extra) {
  const std::string text = "[DEFAULT]\nConnectionType=acceptor\nSocketAcceptPort=5001\n" + extra +
                           "\n[SESSION]\nBeginString=FIX.4.4\nSenderCompID=A\nTargetCompID=B\n";
  auto r = engine::config::parse_settings_text(text, "setup.cfg");
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r.has_value());
  return r.value().sessions.at(0);
}
}  // namespace

TEST_CASE("TimestampPrecision and MillisecondsInTimeStamp set the session's timestamp precision", "[engine][setup]") {
  CHECK(engine::make_session_config(one_session("")).timestamp_precision == codec::time_precision::ms);
  CHECK(engine::make_session_config(one_session("TimestampPrecision=9")).timestamp_precision ==
        codec::time_precision::ns);
  CHECK(engine::make_session_config(one_session("TimestampPrecision=6")).timestamp_precision ==
        codec::time_precision::us);
  CHECK(engine::make_session_config(one_session("TimestampPrecision=0")).timestamp_precision ==
        codec::time_precision::s);
  CHECK(engine::make_session_config(one_session("MillisecondsInTimeStamp=N")).timestamp_precision ==
        codec::time_precision::s);
}

TEST_CASE("SendRedundantResendRequests reaches the session", "[engine][setup]") {
  CHECK_FALSE(engine::make_session_config(one_session("")).send_redundant_resend_requests);
  CHECK(engine::make_session_config(one_session("SendRedundantResendRequests=Y")).send_redundant_resend_requests);
}
