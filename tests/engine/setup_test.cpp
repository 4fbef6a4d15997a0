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

TEST_CASE("gap-queue limits and policy reach the session", "[engine][setup]") {
  const engine::session_config d = engine::make_session_config(one_session(""));
  CHECK(d.queue_capacity_messages == 10'000);
  CHECK(d.queue_capacity_bytes == 1u << 20);
  CHECK(d.queue_policy == engine::queue_full_policy::drop);
  const engine::session_config c = engine::make_session_config(
      one_session("FixringMaxQueuedMessages=5\nFixringMaxQueuedBytes=4096\nFixringQueueFull=logout"));
  CHECK(c.queue_capacity_messages == 5);
  CHECK(c.queue_capacity_bytes == 4096);
  CHECK(c.queue_policy == engine::queue_full_policy::disconnect);
}

TEST_CASE("FixringMaxMessageBytes bounds inbound frames and outbound messages", "[engine][setup]") {
  const engine::session_config c = engine::make_session_config(one_session("FixringMaxMessageBytes=4096"));
  CHECK(c.frame_limits.max_message_bytes == 4096);
  CHECK(c.max_message_bytes == 4096);
}

TEST_CASE("SSLProtocol and SSLCipherSuite reach the TLS context settings", "[engine][setup]") {
  const engine::reactor::tls_config d = engine::make_tls_config(one_session("SSLEnable=Y\nServerCertificateFile=s.pem"));
  CHECK(d.versions == (engine::reactor::tls_version_1_2 | engine::reactor::tls_version_1_3));
  CHECK(d.cipher_list.empty());
  CHECK(d.cert_file == "s.pem");
  const engine::reactor::tls_config c = engine::make_tls_config(one_session(
      "SSLEnable=Y\nServerCertificateFile=s.pem\nSSLProtocol=TLSv1_3\nSSLCipherSuite=ECDHE-ECDSA-AES128-GCM-SHA256"));
  CHECK(c.versions == engine::reactor::tls_version_1_3);
  CHECK(c.cipher_list == "ECDHE-ECDSA-AES128-GCM-SHA256");
}
