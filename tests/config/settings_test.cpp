// The settings file: syntax, inheritance, ${VAR} expansion, every typed key,
// cross-key rules, and error messages that name file, line and key.
#include "fixring/engine/config/settings.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <algorithm>
#include <map>
#include <string>

#include "time_helpers.hpp"
#include "zoneinfo_required.hpp"

using namespace fixring::engine::config;
using fixring::test::epoch_ns;

namespace {

// Lines 1-8; a key appended by with_line() lands on line 9, inside [SESSION].
constexpr std::string_view base_initiator =
    "[DEFAULT]\n"
    "ConnectionType=initiator\n"
    "HeartBtInt=30\n"
    "SocketConnectHost=127.0.0.1\n"
    "SocketConnectPort=9876\n"
    "[SESSION]\n"
    "BeginString=FIX.4.4\n"
    "SenderCompID=CLIENT\n";

std::string with_line(std::string_view extra) {
  std::string s(base_initiator);
  s.append(extra).append("\nTargetCompID=SERVER\n");
  return s;
}

parse_options env_of(std::map<std::string, std::string> vars) {
  parse_options o;
  o.env_lookup = [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  return o;
}

settings parse_ok(std::string_view text, const parse_options& o = env_of({})) {
  result<settings> r = parse_settings_text(text, "test.cfg", o);
  INFO(r.error().message);
  REQUIRE(r.has_value());
  return std::move(r).value();
}

config_error parse_error(std::string_view text, const parse_options& o = env_of({})) {
  result<settings> r = parse_settings_text(text, "test.cfg", o);
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

session_settings one_session(std::string_view text, const parse_options& o = env_of({})) {
  settings s = parse_ok(text, o);
  REQUIRE(s.sessions.size() == 1);
  return s.sessions.front();
}

}  // namespace

// ---------------------------------------------------------------------------
// Syntax
// ---------------------------------------------------------------------------

TEST_CASE("a minimal initiator parses with the documented defaults", "[settings]") {
  const session_settings s = one_session(with_line(""));
  CHECK(s.connection == connection_type::initiator);
  CHECK(s.id.begin_string == fix_version::fix44);
  CHECK(s.id.sender_comp_id == "CLIENT");
  CHECK(s.id.target_comp_id == "SERVER");
  CHECK(s.heartbeat_interval_s == 30);
  REQUIRE(s.connect_endpoints.size() == 1);
  CHECK(s.connect_endpoints[0] == endpoint{"127.0.0.1", 9876});
  CHECK(s.source == "test.cfg:6");
  CHECK_FALSE(s.reset_on_logon);
  CHECK(s.use_data_dictionary);
  CHECK(s.check_latency);
  CHECK(s.max_latency_s == 120);
  CHECK(s.logon_timeout_s == 10);
  CHECK(s.logout_timeout_s == 2);
  CHECK(s.persist_messages);
  CHECK(s.timestamp_precision_digits == 3);
  CHECK(s.session_schedule.kind == schedule_kind::non_stop);
  CHECK(s.reconnect == backoff_policy{});
  CHECK(s.durability == durability_mode::none);
  CHECK_FALSE(s.tls.enabled);
  CHECK(s.tls.verify_level == 1);
  CHECK(s.tls.protocols == (tls_v1_2 | tls_v1_3));
  CHECK(s.test_req_id == "TEST");
  CHECK(s.resend_chunk == 0);
}

TEST_CASE("comments, blank lines, spaces around = and CRLF line ends are ignored", "[settings]") {
  const session_settings s = one_session(
      "# a comment\r\n"
      "; another comment\r\n"
      "\r\n"
      "  [DEFAULT]  \r\n"
      "   ConnectionType = acceptor  \r\n"
      "\tSocketAcceptPort\t=\t5001\r\n"
      "[SESSION]\r\n"
      "BeginString=FIX.4.2\r\n"
      "SenderCompID=  EXEC\r\n"
      "   # indented comment\r\n"
      "TargetCompID=BANZAI\r\n");
  CHECK(s.connection == connection_type::acceptor);
  CHECK(s.accept_port == 5001);
  CHECK(s.id.begin_string == fix_version::fix42);
  CHECK(s.id.sender_comp_id == "EXEC");
  CHECK(s.id.target_comp_id == "BANZAI");
}

TEST_CASE("keys and section names match case-insensitively", "[settings]") {
  const session_settings s = one_session(
      "[default]\nconnectiontype=acceptor\nSOCKETACCEPTPORT=5001\n"
      "[Session]\nbeginstring=FIX.4.4\nsendercompid=A\nTARGETCOMPID=B\n");
  CHECK(s.accept_port == 5001);
  CHECK(s.id.target_comp_id == "B");
}

TEST_CASE("everything after = is the value, including # and ;", "[settings]") {
  const session_settings s = one_session(with_line("FileStorePath=/var/fix#1;store"));
  CHECK(s.file_store_path == "/var/fix#1;store");
}

TEST_CASE("sessions inherit [DEFAULT] values and may override them", "[settings]") {
  const settings all = parse_ok(
      "[DEFAULT]\nConnectionType=acceptor\nSocketAcceptPort=5001\nBeginString=FIX.4.4\n"
      "SenderCompID=EXEC\nHeartBtInt=20\nResetOnLogon=Y\n"
      "[SESSION]\nTargetCompID=ONE\n"
      "[SESSION]\nTargetCompID=TWO\nResetOnLogon=N\nBeginString=FIX.4.2\n");
  REQUIRE(all.sessions.size() == 2);
  CHECK(all.sessions[0].id.target_comp_id == "ONE");
  CHECK(all.sessions[0].reset_on_logon);
  CHECK(all.sessions[0].id.begin_string == fix_version::fix44);
  CHECK(all.sessions[0].heartbeat_interval_s == 20);
  CHECK(all.sessions[1].id.target_comp_id == "TWO");
  CHECK_FALSE(all.sessions[1].reset_on_logon);
  CHECK(all.sessions[1].id.begin_string == fix_version::fix42);
  CHECK(all.sessions[1].source == "test.cfg:10");
}

TEST_CASE("a [DEFAULT] after a [SESSION] still applies to it", "[settings]") {
  const session_settings s = one_session(
      "[SESSION]\nBeginString=FIX.4.4\nSenderCompID=A\nTargetCompID=B\n"
      "[DEFAULT]\nConnectionType=acceptor\n"
      "[DEFAULT]\nSocketAcceptPort=7001\n");
  CHECK(s.connection == connection_type::acceptor);
  CHECK(s.accept_port == 7001);
}

TEST_CASE("a file with only [DEFAULT] yields no sessions but keeps reactor keys", "[settings]") {
  const settings s = parse_ok("[DEFAULT]\nFixringCpu=3\nFixringBusyPoll=Y\nHeartBtInt=5\n");
  CHECK(s.sessions.empty());
  CHECK(s.reactor.cpu == 3);
  CHECK(s.reactor.busy_poll);
}

TEST_CASE("reactor keys default to unpinned, idle-friendly", "[settings]") {
  const settings s = parse_ok(with_line(""));
  CHECK(s.reactor.cpu == -1);
  CHECK_FALSE(s.reactor.busy_poll);
}

// ---------------------------------------------------------------------------
// Environment expansion
// ---------------------------------------------------------------------------

TEST_CASE("${VAR} is replaced by the environment variable", "[settings][env]") {
  const session_settings s = one_session(
      with_line("FileStorePath=${FIX_HOME}/store/${DESK}\nSenderSubID=${DESK}"),
      env_of({{"FIX_HOME", "/opt/fix"}, {"DESK", "rates"}}));
  CHECK(s.file_store_path == "/opt/fix/store/rates");
  CHECK(s.id.sender_sub_id == "rates");
}

TEST_CASE("expanded values are parsed and validated like literal ones", "[settings][env]") {
  CHECK(one_session(with_line("HeartBtInt=${HB}"), env_of({{"HB", "45"}})).heartbeat_interval_s == 45);
  const config_error e = parse_error(with_line("HeartBtInt=${HB}"), env_of({{"HB", "soon"}}));
  CHECK(e.code == config_errc::bad_value);
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:9: HeartBtInt: "));
  CHECK_THAT(e.message, Catch::Contains("'soon'"));
}

TEST_CASE("a $ not followed by { is kept literally", "[settings][env]") {
  CHECK(one_session(with_line("FileLogPath=/tmp/$x$")).file_log_path == "/tmp/$x$");
}

TEST_CASE("the process environment is used when no lookup is given", "[settings][env]") {
  ::setenv("FIXRING_CONFIG_TEST_DIR", "/srv/journal", 1);
  const session_settings s = one_session(with_line("FileStorePath=${FIXRING_CONFIG_TEST_DIR}"), {});
  CHECK(s.file_store_path == "/srv/journal");
}

TEST_CASE("an unset variable is an error naming it, the file, line and key", "[settings][env]") {
  const config_error e = parse_error(with_line("FileStorePath=${NOPE_NOT_SET}/x"));
  CHECK(e.code == config_errc::unset_variable);
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:9: FileStorePath: "));
  CHECK_THAT(e.message, Catch::Contains("NOPE_NOT_SET"));
}

TEST_CASE("an unterminated or malformed ${ is a syntax error", "[settings][env]") {
  config_error e = parse_error(with_line("FileStorePath=${HOME"));
  CHECK(e.code == config_errc::syntax_error);
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:9: FileStorePath: "));
  e = parse_error(with_line("FileStorePath=${A-B}"));
  CHECK(e.code == config_errc::syntax_error);
  CHECK_THAT(e.message, Catch::Contains("A-B"));
}

// ---------------------------------------------------------------------------
// Syntax errors
// ---------------------------------------------------------------------------

TEST_CASE("an unknown key is an error naming file, line and key", "[settings][errors]") {
  const config_error e = parse_error(with_line("HeartBeatInt=30"));
  CHECK(e.code == config_errc::unknown_key);
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:9: HeartBeatInt: unknown key"));
}

TEST_CASE("an unknown key close to a real one suggests it", "[settings][errors]") {
  CHECK(parse_error(with_line("HeartBeatInt=30")).message ==
        "test.cfg:9: HeartBeatInt: unknown key (did you mean HeartBtInt?)");
  CHECK_THAT(parse_error(with_line("SocketConectPort=1")).message,
             Catch::EndsWith("(did you mean SocketConnectPort?)"));
  CHECK(parse_error(with_line("Colour=blue")).message == "test.cfg:9: Colour: unknown key");
}

TEST_CASE("an unknown key in [DEFAULT] is an error too", "[settings][errors]") {
  const config_error e = parse_error("[DEFAULT]\nFixringTurbo=Y\n");
  CHECK(e.code == config_errc::unknown_key);
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:2: FixringTurbo: "));
}

TEST_CASE("a key before any section is a syntax error", "[settings][errors]") {
  const config_error e = parse_error("# header\nHeartBtInt=30\n[DEFAULT]\n");
  CHECK(e.code == config_errc::syntax_error);
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:2: HeartBtInt: "));
}

TEST_CASE("a line that is not key=value, a header or a comment is a syntax error", "[settings][errors]") {
  const config_error e = parse_error(with_line("HeartBtInt 30"));
  CHECK(e.code == config_errc::syntax_error);
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:9: HeartBtInt 30: "));
}

TEST_CASE("an empty key is a syntax error", "[settings][errors]") {
  const config_error e = parse_error(with_line("=30"));
  CHECK(e.code == config_errc::syntax_error);
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:9: "));
}

TEST_CASE("an unknown or unclosed section is a syntax error", "[settings][errors]") {
  config_error e = parse_error("[DEFAULT]\n[SESSIONS]\n");
  CHECK(e.code == config_errc::syntax_error);
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:2: [SESSIONS]: "));
  e = parse_error("[DEFAULT\n");
  CHECK(e.code == config_errc::syntax_error);
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:1: "));
}

TEST_CASE("a key set twice in one section names both lines", "[settings][errors]") {
  const config_error e = parse_error(with_line("HeartBtInt=10\nheartbtint=20"));
  CHECK(e.code == config_errc::bad_value);
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:10: heartbtint: "));
  CHECK_THAT(e.message, Catch::Contains("line 9"));
}

TEST_CASE("a key set in two [DEFAULT] sections names both lines", "[settings][errors]") {
  const config_error e = parse_error("[DEFAULT]\nHeartBtInt=10\n[DEFAULT]\nHeartBtInt=20\n");
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:4: HeartBtInt: "));
  CHECK_THAT(e.message, Catch::Contains("line 2"));
}

// ---------------------------------------------------------------------------
// Bad values: each names file, line 9 and the key, and quotes the value.
// ---------------------------------------------------------------------------

TEST_CASE("bad values are errors naming file, line and key", "[settings][errors]") {
  struct bad {
    const char* line;
    const char* key;
    config_errc code;
  };
  const bad cases[] = {
      {"HeartBtInt=0", "HeartBtInt", config_errc::bad_value},
      {"HeartBtInt=-5", "HeartBtInt", config_errc::bad_value},
      {"HeartBtInt=30s", "HeartBtInt", config_errc::bad_value},
      {"HeartBtInt=", "HeartBtInt", config_errc::bad_value},
      {"SocketConnectPort=http", "SocketConnectPort", config_errc::bad_value},
      {"SocketConnectPort=70000", "SocketConnectPort", config_errc::bad_value},
      {"SocketConnectPort=0", "SocketConnectPort", config_errc::bad_value},
      {"SocketAcceptPort=-1", "SocketAcceptPort", config_errc::bad_value},
      {"ResetOnLogon=yes", "ResetOnLogon", config_errc::bad_value},
      {"ResetOnLogout=true", "ResetOnLogout", config_errc::bad_value},
      {"CheckLatency=y", "CheckLatency", config_errc::bad_value},
      {"ConnectionType=both", "ConnectionType", config_errc::bad_value},
      {"BeginString=FIX.5.0", "BeginString", config_errc::bad_value},
      {"SenderCompID=", "SenderCompID", config_errc::bad_value},
      {"StartTime=25:00:00", "StartTime", config_errc::bad_value},
      {"StartTime=9am", "StartTime", config_errc::bad_value},
      {"EndTime=12:60:00", "EndTime", config_errc::bad_value},
      {"EndTime=12:00:60", "EndTime", config_errc::bad_value},
      {"StartDay=Funday", "StartDay", config_errc::bad_value},
      {"StartDay=M", "StartDay", config_errc::bad_value},
      {"Weekdays=Mon,Xyz", "Weekdays", config_errc::bad_value},
      {"Weekdays=", "Weekdays", config_errc::bad_value},
      {"TimeZone=Mars/Olympus_Mons", "TimeZone", config_errc::bad_time_zone},
      {"TimeZone=America", "TimeZone", config_errc::bad_time_zone},
      {"TimeZone=../../etc/passwd", "TimeZone", config_errc::bad_time_zone},
      {"TimeZone=", "TimeZone", config_errc::bad_value},
      {"DefaultApplVerID=FIX99", "DefaultApplVerID", config_errc::bad_value},
      {"TimestampPrecision=4", "TimestampPrecision", config_errc::bad_value},
      {"MaxLatency=0", "MaxLatency", config_errc::bad_value},
      {"LogonTimeout=forever", "LogonTimeout", config_errc::bad_value},
      {"ReconnectInterval=0", "ReconnectInterval", config_errc::bad_value},
      {"CertificateVerifyLevel=9", "CertificateVerifyLevel", config_errc::bad_value},
      {"SSLProtocol=+TLSv9", "SSLProtocol", config_errc::bad_value},
      {"SSLProtocol=all -TLSv1 -TLSv1_1 -TLSv1_2 -TLSv1_3", "SSLProtocol", config_errc::bad_value},
      {"SSLEnable=1", "SSLEnable", config_errc::bad_value},
      {"FixringDurability=sometimes", "FixringDurability", config_errc::bad_value},
      {"FixringSyncIntervalMs=0", "FixringSyncIntervalMs", config_errc::bad_value},
      {"FixringReconnectJitter=1.5", "FixringReconnectJitter", config_errc::bad_value},
      {"FixringReconnectFactor=0.5", "FixringReconnectFactor", config_errc::bad_value},
      {"FixringReconnectFactor=fast", "FixringReconnectFactor", config_errc::bad_value},
      {"FixringReconnectInitialMs=-1", "FixringReconnectInitialMs", config_errc::bad_value},
      {"FixringMaxMessageBytes=10", "FixringMaxMessageBytes", config_errc::bad_value},
      {"FixringMaxQueuedMessages=0", "FixringMaxQueuedMessages", config_errc::bad_value},
      {"FixringMaxQueuedBytes=100", "FixringMaxQueuedBytes", config_errc::bad_value},
      {"FixringQueueFull=grow", "FixringQueueFull", config_errc::bad_value},
      {"FixringPrefault=sometimes", "FixringPrefault", config_errc::bad_value},
      {"FixringTestReqId=", "FixringTestReqId", config_errc::bad_value},
      {"FixringResendChunk=-2", "FixringResendChunk", config_errc::bad_value},
      {"FixringTestRequestThresholdPct=100", "FixringTestRequestThresholdPct", config_errc::bad_value},
      {"SocketConnectHost2=", "SocketConnectHost2", config_errc::bad_value},
      {"SocketConnectPort2=port", "SocketConnectPort2", config_errc::bad_value},
      {"FixringCpu=2", "FixringCpu", config_errc::bad_value},  // reactor key outside [DEFAULT]
  };
  for (const bad& c : cases) {
    INFO(c.line);
    const config_error e = parse_error(with_line(c.line));
    CHECK(e.code == c.code);
    CHECK_THAT(e.message, Catch::StartsWith(std::string("test.cfg:9: ") + c.key + ": "));
  }
}

TEST_CASE("a bad value message quotes the value and says what was expected", "[settings][errors]") {
  const config_error e = parse_error(with_line("SocketConnectPort=70000"));
  CHECK(e.message == "test.cfg:9: SocketConnectPort: expected an integer in 1..65535, got '70000'");
  CHECK(parse_error(with_line("ResetOnLogon=yes")).message ==
        "test.cfg:9: ResetOnLogon: expected Y or N, got 'yes'");
}

TEST_CASE("a bad value in [DEFAULT] is reported at its own line", "[settings][errors]") {
  const config_error e = parse_error("[DEFAULT]\nConnectionType=acceptor\nHeartBtInt=0\n");
  CHECK(e.code == config_errc::bad_value);
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:3: HeartBtInt: "));
}

TEST_CASE("a settings file that cannot be opened is an I/O error naming it", "[settings][errors]") {
  const result<settings> r = parse_settings_file("/nonexistent/dir/fixring.cfg");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == config_errc::io_error);
  CHECK_THAT(r.error().message, Catch::StartsWith("/nonexistent/dir/fixring.cfg: "));
}

TEST_CASE("a directory given as the settings file is an I/O error naming it", "[settings][errors]") {
  const result<settings> r = parse_settings_file("/tmp");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == config_errc::io_error);
  CHECK_THAT(r.error().message, Catch::StartsWith("/tmp: "));
}

TEST_CASE("errors from a file on disk carry its path", "[settings][errors]") {
  const std::string path = "fixring_config_test_" + std::to_string(::getpid()) + ".cfg";
  {
    std::ofstream out(path);
    out << with_line("Bogus=1");
  }
  const result<settings> bad = parse_settings_file(path);
  {
    std::ofstream out(path);
    out << with_line("");
  }
  const result<settings> good = parse_settings_file(path);
  std::remove(path.c_str());
  REQUIRE_FALSE(bad.has_value());
  CHECK_THAT(bad.error().message, Catch::StartsWith(path + ":9: Bogus: "));
  REQUIRE(good.has_value());
  CHECK(good.value().sessions.size() == 1);
}

// ---------------------------------------------------------------------------
// Typed values
// ---------------------------------------------------------------------------

TEST_CASE("every BeginString from FIX.4.0 to FIXT.1.1 is accepted", "[settings][values]") {
  const std::pair<const char*, fix_version> versions[] = {
      {"FIX.4.0", fix_version::fix40}, {"FIX.4.1", fix_version::fix41},
      {"FIX.4.2", fix_version::fix42}, {"FIX.4.3", fix_version::fix43},
      {"FIX.4.4", fix_version::fix44}};
  for (const auto& [text, version] : versions) {
    std::string cfg = with_line("");
    cfg.replace(cfg.find("FIX.4.4"), 7, text);
    CHECK(one_session(cfg).id.begin_string == version);
    CHECK(to_string(version) == text);
  }
}

TEST_CASE("FIXT.1.1 requires DefaultApplVerID", "[settings][values]") {
  const std::string fixt =
      "[SESSION]\nConnectionType=acceptor\nSocketAcceptPort=5001\nBeginString=FIXT.1.1\n"
      "SenderCompID=A\nTargetCompID=B\n";
  const config_error e = parse_error(fixt);
  CHECK(e.code == config_errc::missing_key);
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:1: [SESSION]: "));
  CHECK_THAT(e.message, Catch::Contains("DefaultApplVerID"));
  CHECK(one_session(fixt + "DefaultApplVerID=FIX50SP2\n").default_appl_ver_id == appl_ver_id::fix50sp2);
}

TEST_CASE("DefaultApplVerID accepts names, dotted names and numbers", "[settings][values]") {
  CHECK(one_session(with_line("DefaultApplVerID=FIX50SP2")).default_appl_ver_id == appl_ver_id::fix50sp2);
  CHECK(one_session(with_line("DefaultApplVerID=9")).default_appl_ver_id == appl_ver_id::fix50sp2);
  CHECK(one_session(with_line("DefaultApplVerID=FIX.5.0SP1")).default_appl_ver_id == appl_ver_id::fix50sp1);
  CHECK(one_session(with_line("DefaultApplVerID=7")).default_appl_ver_id == appl_ver_id::fix50);
  CHECK(one_session(with_line("DefaultApplVerID=FIX44")).default_appl_ver_id == appl_ver_id::fix44);
}

TEST_CASE("Y/N keys and numeric keys land in their fields", "[settings][values]") {
  const session_settings s = one_session(with_line(
      "ResetOnLogon=Y\nResetOnLogout=Y\nResetOnDisconnect=Y\nRefreshOnLogon=Y\n"
      "UseDataDictionary=N\nCheckLatency=N\nMaxLatency=30\nCheckCompID=N\n"
      "ValidateFieldsHaveValues=N\nValidateFieldsOutOfOrder=N\nValidateUserDefinedFields=N\n"
      "AllowUnknownMsgFields=Y\nLogonTimeout=5\nLogoutTimeout=7\nSendRedundantResendRequests=Y\n"
      "PersistMessages=N\nDataDictionary=/d/FIX44.xml\nTransportDataDictionary=/d/FIXT11.xml\n"
      "AppDataDictionary=/d/FIX50SP2.xml\nFileStorePath=/j\nFileLogPath=/l\n"
      "SenderSubID=SS\nTargetSubID=TS\nSenderLocationID=SL\nTargetLocationID=TL\n"
      "SessionQualifier=Q\nSocketAcceptAddress=10.0.0.1"));
  CHECK(s.reset_on_logon);
  CHECK(s.reset_on_logout);
  CHECK(s.reset_on_disconnect);
  CHECK(s.refresh_on_logon);
  CHECK_FALSE(s.use_data_dictionary);
  CHECK_FALSE(s.check_latency);
  CHECK(s.max_latency_s == 30);
  CHECK_FALSE(s.check_comp_id);
  CHECK_FALSE(s.validate_fields_have_values);
  CHECK_FALSE(s.validate_fields_out_of_order);
  CHECK_FALSE(s.validate_user_defined_fields);
  CHECK(s.allow_unknown_msg_fields);
  CHECK(s.logon_timeout_s == 5);
  CHECK(s.logout_timeout_s == 7);
  CHECK(s.send_redundant_resend_requests);
  CHECK_FALSE(s.persist_messages);
  CHECK(s.data_dictionary == "/d/FIX44.xml");
  CHECK(s.transport_data_dictionary == "/d/FIXT11.xml");
  CHECK(s.app_data_dictionary == "/d/FIX50SP2.xml");
  CHECK(s.file_store_path == "/j");
  CHECK(s.file_log_path == "/l");
  CHECK(s.id.to_string() == "FIX.4.4:CLIENT/SS/SL->SERVER/TS/TL:Q");
  CHECK(s.accept_address == "10.0.0.1");
}

TEST_CASE("MillisecondsInTimeStamp=N means whole seconds unless TimestampPrecision says", "[settings][values]") {
  CHECK(one_session(with_line("MillisecondsInTimeStamp=N")).timestamp_precision_digits == 0);
  CHECK(one_session(with_line("MillisecondsInTimeStamp=N\nTimestampPrecision=6")).timestamp_precision_digits == 6);
  CHECK(one_session(with_line("TimestampPrecision=9")).timestamp_precision_digits == 9);
}

TEST_CASE("fixring's own keys land in their fields", "[settings][values]") {
  const session_settings s = one_session(with_line(
      "FixringDurability=interval\nFixringSyncIntervalMs=50\nFixringMaxMessageBytes=4096\n"
      "FixringMaxQueuedMessages=77\nFixringTestReqId=PING\nFixringResendChunk=2500\n"
      "FixringTestRequestThresholdPct=150\nFixringDisconnectThresholdPct=300"));
  CHECK(s.durability == durability_mode::interval);
  CHECK(s.sync_interval_ms == 50);
  CHECK(s.max_message_bytes == 4096);
  CHECK(s.max_queued_messages == 77);
  CHECK(s.test_req_id == "PING");
  CHECK(s.resend_chunk == 2500);
  CHECK(s.test_request_threshold_pct == 150);
  CHECK(s.disconnect_threshold_pct == 300);
  CHECK(one_session(with_line("FixringDurability=every")).durability == durability_mode::every);
  CHECK_FALSE(one_session(with_line("FixringDurability=every")).prefault_helper);  // idle by default
  CHECK(one_session(with_line("FixringPrefault=helper")).prefault_helper);
}

TEST_CASE("the disconnect threshold must exceed the TestRequest threshold", "[settings][values]") {
  const config_error e = parse_error(with_line("FixringDisconnectThresholdPct=110\nFixringTestRequestThresholdPct=120"));
  CHECK(e.code == config_errc::conflicting_keys);
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:9: FixringDisconnectThresholdPct: "));
}

// ---------------------------------------------------------------------------
// Cross-key rules
// ---------------------------------------------------------------------------

TEST_CASE("an initiator needs SocketConnectHost, SocketConnectPort and HeartBtInt", "[settings][rules]") {
  for (const char* key : {"SocketConnectHost", "SocketConnectPort", "HeartBtInt"}) {
    INFO(key);
    std::string cfg = with_line("");
    const std::size_t at = cfg.find(key);
    cfg.erase(at, cfg.find('\n', at) - at + 1);
    const config_error e = parse_error(cfg);
    CHECK(e.code == config_errc::missing_key);
    CHECK_THAT(e.message, Catch::StartsWith("test.cfg:5: [SESSION]: "));
    CHECK_THAT(e.message, Catch::Contains(key));
  }
}

TEST_CASE("an acceptor needs SocketAcceptPort", "[settings][rules]") {
  const config_error e = parse_error("[SESSION]\nConnectionType=acceptor\nBeginString=FIX.4.4\nSenderCompID=A\nTargetCompID=B\n");
  CHECK(e.code == config_errc::missing_key);
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:1: [SESSION]: SocketAcceptPort"));
}

TEST_CASE("an acceptor without HeartBtInt takes the counterparty's", "[settings][rules]") {
  const session_settings s = one_session(
      "[SESSION]\nConnectionType=acceptor\nSocketAcceptPort=5001\nBeginString=FIX.4.4\n"
      "SenderCompID=A\nTargetCompID=B\n");
  CHECK(s.heartbeat_interval_s == 0);
}

TEST_CASE("identity keys and ConnectionType are required", "[settings][rules]") {
  for (const char* key : {"ConnectionType", "BeginString", "SenderCompID", "TargetCompID"}) {
    INFO(key);
    std::string cfg =
        "[SESSION]\nConnectionType=acceptor\nSocketAcceptPort=1\nBeginString=FIX.4.4\n"
        "SenderCompID=A\nTargetCompID=B\n";
    const std::size_t at = cfg.find(key);
    cfg.erase(at, cfg.find('\n', at) - at + 1);
    const config_error e = parse_error(cfg);
    CHECK(e.code == config_errc::missing_key);
    CHECK_THAT(e.message, Catch::StartsWith(std::string("test.cfg:1: [SESSION]: ") + key));
  }
}

TEST_CASE("failover endpoints follow the primary in order of n", "[settings][rules]") {
  const session_settings s = one_session(with_line(
      "SocketConnectHost2=c.example\nSocketConnectPort2=3\n"
      "SocketConnectHost1=b.example\nSocketConnectPort1=2"));
  REQUIRE(s.connect_endpoints.size() == 3);
  CHECK(s.connect_endpoints[0] == endpoint{"127.0.0.1", 9876});
  CHECK(s.connect_endpoints[1] == endpoint{"b.example", 2});
  CHECK(s.connect_endpoints[2] == endpoint{"c.example", 3});
}

TEST_CASE("a failover host without its port, or port without host, names the key", "[settings][rules]") {
  config_error e = parse_error(with_line("SocketConnectHost1=b.example"));
  CHECK(e.code == config_errc::missing_key);
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:9: SocketConnectHost1: needs SocketConnectPort1"));
  e = parse_error(with_line("SocketConnectPort4=99"));
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:9: SocketConnectPort4: needs SocketConnectHost4"));
}

TEST_CASE("two sessions with the same identity are an error naming both", "[settings][rules]") {
  const std::string cfg =
      "[DEFAULT]\nConnectionType=acceptor\nSocketAcceptPort=5001\nBeginString=FIX.4.4\n"
      "[SESSION]\nSenderCompID=A\nTargetCompID=B\n"
      "[SESSION]\nSenderCompID=A\nTargetCompID=C\n"
      "[SESSION]\nSenderCompID=A\nTargetCompID=B\n";
  const config_error e = parse_error(cfg);
  CHECK(e.code == config_errc::duplicate_session);
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:11: [SESSION]: "));
  CHECK_THAT(e.message, Catch::Contains("FIX.4.4:A->B"));
  CHECK_THAT(e.message, Catch::Contains("test.cfg:5"));
}

TEST_CASE("a qualifier, SubID or BeginString makes otherwise equal sessions distinct", "[settings][rules]") {
  const std::string cfg =
      "[DEFAULT]\nConnectionType=acceptor\nSocketAcceptPort=5001\nBeginString=FIX.4.4\n"
      "SenderCompID=A\nTargetCompID=B\n"
      "[SESSION]\n[SESSION]\nSessionQualifier=two\n[SESSION]\nTargetSubID=desk\n"
      "[SESSION]\nBeginString=FIX.4.2\n";
  CHECK(parse_ok(cfg).sessions.size() == 4);
}

TEST_CASE("reactor keys are only allowed in [DEFAULT]", "[settings][rules]") {
  const config_error e = parse_error(with_line("FixringBusyPoll=Y"));
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:9: FixringBusyPoll: "));
  CHECK_THAT(e.message, Catch::Contains("[DEFAULT]"));
}

TEST_CASE("a TLS acceptor needs a server certificate", "[settings][rules]") {
  const std::string acceptor =
      "[SESSION]\nConnectionType=acceptor\nSocketAcceptPort=5001\nBeginString=FIX.4.4\n"
      "SenderCompID=A\nTargetCompID=B\nSSLEnable=Y\n";
  const config_error e = parse_error(acceptor);
  CHECK(e.code == config_errc::missing_key);
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:7: SSLEnable: "));
  CHECK_THAT(e.message, Catch::Contains("ServerCertificateFile"));
  const session_settings s = one_session(acceptor + "ServerCertificateFile=/c/server.pem\n");
  CHECK(s.tls.enabled);
  CHECK(s.tls.server_certificate_file == "/c/server.pem");
}

TEST_CASE("SocketUseSSL is the same switch as SSLEnable", "[settings][rules]") {
  CHECK(one_session(with_line("SocketUseSSL=Y")).tls.enabled);
}

TEST_CASE("a client key file needs a client certificate file", "[settings][rules]") {
  const config_error e = parse_error(with_line("ClientCertificateKeyFile=/k.pem"));
  CHECK(e.code == config_errc::missing_key);
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:9: ClientCertificateKeyFile: "));
}

TEST_CASE("TLS keys land in tls_settings; SSLProtocol adds and removes versions", "[settings][values]") {
  const session_settings s = one_session(with_line(
      "SSLEnable=Y\nClientCertificateFile=/c.pem\nClientCertificateKeyFile=/k.pem\n"
      "CertificateAuthoritiesFile=/ca.pem\nCertificateVerifyLevel=3\n"
      "SSLProtocol=all -SSLv2 -SSLv3 -TLSv1 -TLSv1_1\nSSLCipherSuite=HIGH:!aNULL\n"
      "ServerCertificateKeyFile=/sk.pem"));
  CHECK(s.tls.enabled);
  CHECK(s.tls.client_certificate_file == "/c.pem");
  CHECK(s.tls.client_certificate_key_file == "/k.pem");
  CHECK(s.tls.certificate_authorities_file == "/ca.pem");
  CHECK(s.tls.server_certificate_key_file == "/sk.pem");
  CHECK(s.tls.verify_level == 3);
  CHECK(s.tls.protocols == (tls_v1_2 | tls_v1_3));
  CHECK(s.tls.cipher_suite == "HIGH:!aNULL");
  CHECK(one_session(with_line("SSLProtocol=TLSv1_3")).tls.protocols == tls_v1_3);
}

// ---------------------------------------------------------------------------
// Schedules
// ---------------------------------------------------------------------------

TEST_CASE("no schedule keys means a non-stop session in UTC", "[settings][schedule]") {
  const session_settings s = one_session(with_line(""));
  CHECK(s.session_schedule.kind == schedule_kind::non_stop);
  CHECK(s.session_schedule.zone == nullptr);
}

TEST_CASE("StartTime/EndTime/TimeZone make a DST-correct daily schedule", "[settings][schedule]") {
  const session_settings s =
      one_session(with_line("StartTime=09:00:00\nEndTime=17:00\nTimeZone=America/New_York"));
  const schedule& sch = s.session_schedule;
  CHECK(sch.kind == schedule_kind::daily);
  CHECK(sch.start_time_s == 9 * 3600);
  CHECK(sch.end_time_s == 17 * 3600);
  REQUIRE(sch.zone != nullptr);
  CHECK(sch.zone->name() == "America/New_York");
  CHECK(current_session_start_utc_ns(sch, epoch_ns(2024, 7, 1, 15)) == epoch_ns(2024, 7, 1, 13));
  CHECK(current_session_start_utc_ns(sch, epoch_ns(2024, 1, 15, 15)) == epoch_ns(2024, 1, 15, 14));
}

TEST_CASE("sessions naming the same TimeZone share one loaded zone", "[settings][schedule]") {
  const settings all = parse_ok(
      "[DEFAULT]\nConnectionType=acceptor\nSocketAcceptPort=5001\nBeginString=FIX.4.4\n"
      "SenderCompID=A\nStartTime=08:00:00\nEndTime=16:00:00\nTimeZone=Europe/London\n"
      "[SESSION]\nTargetCompID=B\n[SESSION]\nTargetCompID=C\n");
  REQUIRE(all.sessions.size() == 2);
  CHECK(all.sessions[0].session_schedule.zone == all.sessions[1].session_schedule.zone);
}

TEST_CASE("StartDay/EndDay make a weekly schedule; day names may be abbreviated", "[settings][schedule]") {
  const session_settings s = one_session(with_line(
      "StartTime=17:00:00\nEndTime=17:00:00\nStartDay=sunday\nEndDay=Fr\nTimeZone=America/New_York"));
  const schedule& sch = s.session_schedule;
  CHECK(sch.kind == schedule_kind::weekly);
  CHECK(sch.start_day == 0);
  CHECK(sch.end_day == 5);
  CHECK(is_in_session(sch, epoch_ns(2024, 7, 10, 12)));
  CHECK_FALSE(is_in_session(sch, epoch_ns(2024, 7, 13, 12)));
}

TEST_CASE("Weekdays restricts a daily schedule to the listed days", "[settings][schedule]") {
  const session_settings s =
      one_session(with_line("StartTime=08:00:00\nEndTime=16:00:00\nWeekdays=Mon, Tue,wed,THU,Friday"));
  CHECK(s.session_schedule.kind == schedule_kind::daily);
  CHECK(s.session_schedule.weekdays_mask == 0b0111110);
}

TEST_CASE("NonStopSession=Y excludes StartTime and the other schedule keys", "[settings][schedule]") {
  CHECK(one_session(with_line("NonStopSession=Y")).session_schedule.kind == schedule_kind::non_stop);
  const config_error e = parse_error(with_line("NonStopSession=Y\nStartTime=08:00:00\nEndTime=09:00:00"));
  CHECK(e.code == config_errc::conflicting_keys);
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:10: StartTime: "));
  CHECK_THAT(e.message, Catch::Contains("line 9"));
}

TEST_CASE("StartTime without EndTime, or StartDay without EndDay, is an error", "[settings][schedule]") {
  config_error e = parse_error(with_line("StartTime=08:00:00"));
  CHECK(e.code == config_errc::missing_key);
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:9: StartTime: needs EndTime"));
  e = parse_error(with_line("EndTime=08:00:00"));
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:9: EndTime: needs StartTime"));
  e = parse_error(with_line("StartTime=08:00:00\nEndTime=09:00:00\nStartDay=Mon"));
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:11: StartDay: needs EndDay"));
  e = parse_error(with_line("Weekdays=Mon"));
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:9: Weekdays: needs StartTime"));
}

TEST_CASE("Weekdays cannot be combined with StartDay/EndDay", "[settings][schedule]") {
  const config_error e = parse_error(
      with_line("StartTime=08:00:00\nEndTime=09:00:00\nStartDay=Mon\nEndDay=Fri\nWeekdays=Mon"));
  CHECK(e.code == config_errc::conflicting_keys);
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:13: Weekdays: "));
}

// ---------------------------------------------------------------------------
// Reconnect
// ---------------------------------------------------------------------------

TEST_CASE("ReconnectInterval maps to a fixed backoff", "[settings][reconnect]") {
  CHECK(one_session(with_line("ReconnectInterval=15")).reconnect ==
        backoff_policy::from_reconnect_interval(15));
}

TEST_CASE("Fixring reconnect keys set the backoff, over ReconnectInterval too", "[settings][reconnect]") {
  const session_settings s = one_session(with_line(
      "ReconnectInterval=5\nFixringReconnectMaxMs=60000\nFixringReconnectFactor=1.5\n"
      "FixringReconnectJitter=0.25\nFixringReconnectMaxAttempts=12"));
  CHECK(s.reconnect.initial_delay_ms == 5000);
  CHECK(s.reconnect.max_delay_ms == 60'000);
  CHECK(s.reconnect.factor == 1.5);
  CHECK(s.reconnect.jitter == 0.25);
  CHECK(s.reconnect.max_attempts == 12);
  CHECK(one_session(with_line("FixringReconnectInitialMs=50")).reconnect.initial_delay_ms == 50);
}

TEST_CASE("an initial reconnect delay above the maximum is an error", "[settings][reconnect]") {
  const config_error e = parse_error(with_line("FixringReconnectInitialMs=5000\nFixringReconnectMaxMs=1000"));
  CHECK(e.code == config_errc::conflicting_keys);
  CHECK_THAT(e.message, Catch::StartsWith("test.cfg:9: FixringReconnectInitialMs: "));
}

// ---------------------------------------------------------------------------
// Key reference
// ---------------------------------------------------------------------------

TEST_CASE("every documented key is found by name, in any case", "[settings][keys]") {
  for (const key_info& k : setting_keys) {
    INFO(k.name);
    CHECK_FALSE(k.type.empty());
    CHECK_FALSE(k.default_value.empty());
    CHECK_FALSE(k.description.empty());
    if (k.name.find('<') != std::string_view::npos) continue;
    std::string upper(k.name);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(find_key(k.name) == &k);
    CHECK(find_key(upper) == &k);
  }
}

TEST_CASE("numbered connect keys take n >= 1 without leading zeros", "[settings][keys]") {
  std::uint32_t n = 0;
  REQUIRE(find_key("SocketConnectHost12", &n) != nullptr);
  CHECK(n == 12);
  CHECK(find_key("SocketConnectPort1", &n)->key == setting_key::socket_connect_port_n);
  CHECK(find_key("SocketConnectHost0") == nullptr);
  CHECK(find_key("SocketConnectHost01") == nullptr);
  CHECK(find_key("SocketConnectHostX") == nullptr);
  CHECK(find_key("SocketConnectHost") ->key == setting_key::socket_connect_host);
}

TEST_CASE("every documented key can be set in a valid file", "[settings][keys]") {
  // One valid value per key; a key missing here fails the count below.
  const std::map<std::string_view, std::string_view> values = {
      {"ConnectionType", "initiator"}, {"BeginString", "FIX.4.4"}, {"SenderCompID", "S"},
      {"TargetCompID", "T"}, {"SenderSubID", "a"}, {"TargetSubID", "b"},
      {"SenderLocationID", "c"}, {"TargetLocationID", "d"}, {"SessionQualifier", "q"},
      {"HeartBtInt", "30"}, {"SocketConnectHost", "h"}, {"SocketConnectPort", "1"},
      {"SocketConnectHost<n>", "h1"}, {"SocketConnectPort<n>", "2"}, {"SocketAcceptPort", "3"},
      {"SocketAcceptAddress", "0.0.0.0"}, {"ResetOnLogon", "Y"}, {"ResetOnLogout", "Y"},
      {"ResetOnDisconnect", "Y"}, {"RefreshOnLogon", "Y"}, {"DataDictionary", "x"},
      {"TransportDataDictionary", "x"}, {"AppDataDictionary", "x"}, {"DefaultApplVerID", "9"},
      {"UseDataDictionary", "N"}, {"FileStorePath", "j"}, {"FileLogPath", "l"},
      {"CheckLatency", "Y"}, {"MaxLatency", "5"}, {"CheckCompID", "Y"},
      {"ValidateFieldsHaveValues", "Y"}, {"ValidateFieldsOutOfOrder", "Y"},
      {"ValidateUserDefinedFields", "Y"}, {"AllowUnknownMsgFields", "N"}, {"LogonTimeout", "3"},
      {"LogoutTimeout", "3"}, {"StartTime", "01:00:00"}, {"EndTime", "02:00:00"},
      {"StartDay", "Mon"}, {"EndDay", "Tue"}, {"TimeZone", "Asia/Kolkata"}, {"Weekdays", ""},
      {"NonStopSession", "N"}, {"ReconnectInterval", "10"}, {"SendRedundantResendRequests", "N"},
      {"PersistMessages", "Y"}, {"MillisecondsInTimeStamp", "Y"}, {"TimestampPrecision", "6"},
      {"SSLEnable", "N"}, {"SocketUseSSL", "N"}, {"ServerCertificateFile", "s"},
      {"ServerCertificateKeyFile", "k"}, {"ClientCertificateFile", "c"},
      {"ClientCertificateKeyFile", "ck"}, {"CertificateAuthoritiesFile", "ca"},
      {"CertificateVerifyLevel", "1"}, {"SSLProtocol", "TLSv1_2"}, {"SSLCipherSuite", "HIGH"},
      {"FixringReconnectInitialMs", "100"}, {"FixringReconnectMaxMs", "1000"},
      {"FixringReconnectFactor", "2"}, {"FixringReconnectJitter", "0.1"},
      {"FixringReconnectMaxAttempts", "3"}, {"FixringDurability", "every"},
      {"FixringSyncIntervalMs", "5"}, {"FixringCpu", "0"}, {"FixringBusyPoll", "Y"},
      {"FixringMaxMessageBytes", "4096"}, {"FixringMaxQueuedMessages", "10"},
      {"FixringTestReqId", "T"}, {"FixringResendChunk", "100"},
      {"FixringTestRequestThresholdPct", "130"}, {"FixringDisconnectThresholdPct", "260"},
      {"FixringMaxQueuedBytes", "4096"}, {"FixringQueueFull", "logout"},
      {"FixringMaxPendingConnections", "8"}, {"FixringPendingTimeoutMs", "500"},
      {"FixringMaxPendingPerAddress", "2"},
      {"FixringPrefault", "helper"},
  };
  std::string defaults = "[DEFAULT]\n";
  std::string session = "[SESSION]\n";
  std::size_t covered = 0;
  for (const key_info& k : setting_keys) {
    const auto it = values.find(k.name);
    INFO(k.name);
    REQUIRE(it != values.end());
    if (it->second.empty()) continue;  // Weekdays conflicts with StartDay; tested above
    ++covered;
    std::string name(k.name);
    if (const auto lt = name.find("<n>"); lt != std::string::npos) name = name.substr(0, lt) + "1";
    (k.scope == key_scope::default_only ? defaults : session) += name + "=" + std::string(it->second) + "\n";
  }
  CHECK(covered + 1 == std::size(setting_keys));
  const settings s = parse_ok(defaults + session);
  REQUIRE(s.sessions.size() == 1);
  CHECK(s.sessions[0].connect_endpoints.size() == 2);
  CHECK(s.sessions[0].session_schedule.kind == schedule_kind::weekly);
  CHECK(s.reactor.busy_poll);
}

TEST_CASE("mangled settings files give an error with a location, never a crash", "[settings][robustness]") {
  const std::string valid = with_line(
      "StartTime=08:00:00\nEndTime=16:00:00\nTimeZone=Europe/London\n"
      "SocketConnectHost1=b\nSocketConnectPort1=2\nFileStorePath=${HOME_DIR}/j");
  const parse_options env = env_of({{"HOME_DIR", "/h"}});
  REQUIRE(parse_settings_text(valid, "test.cfg", env).has_value());
  const std::string_view alphabet = "[]=#;${}\n\r \tYN0:9-,.AZaz";
  std::uint64_t state = 7;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  };
  std::size_t failures = 0;
  std::size_t unlocated = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text = valid;
    const int edits = 1 + static_cast<int>(next() % 3);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const std::size_t at = next() % text.size();
      switch (next() % 3) {
        case 0: text[at] = alphabet[next() % alphabet.size()]; break;
        case 1: text.erase(at, 1 + next() % 8); break;
        default: text.insert(at, 1, alphabet[next() % alphabet.size()]); break;
      }
    }
    const result<settings> r = parse_settings_text(text, "test.cfg", env);
    if (r) continue;
    ++failures;
    if (r.error().message.rfind("test.cfg:", 0) != 0) ++unlocated;
  }
  CHECK(failures > 100);
  CHECK(unlocated == 0);
}

TEST_CASE("the key reference renders as a Markdown table with every key", "[settings][keys]") {
  const std::string md = key_reference_markdown();
  CHECK_THAT(md, Catch::StartsWith("| Key | Type | Default | Meaning |"));
  for (const key_info& k : setting_keys) {
    INFO(k.name);
    CHECK_THAT(md, Catch::Contains("| `" + std::string(k.name) + "` |"));
  }
  CHECK_THAT(md, Catch::Contains("[DEFAULT] only"));
  CHECK(std::count(md.begin(), md.end(), '\n') == static_cast<long>(std::size(setting_keys)) + 2);
}

TEST_CASE("the conformance acceptor's settings give five sessions on one port", "[settings][example]") {
  // The shape ../shared/conformance/README.md asks of the acceptor under test.
  const std::string cfg =
      "[DEFAULT]\n"
      "ConnectionType=acceptor\n"
      "SocketAcceptPort=${PORT}\n"
      "SenderCompID=ISLD\n"
      "ResetOnLogon=Y\n"
      "CheckCompID=Y\n"
      "MaxLatency=120\n"
      "LogoutTimeout=2\n"
      "FileStorePath=${JOURNALS}\n"
      "FixringTestReqId=TEST\n"
      "\n"
      "[SESSION]\nBeginString=FIX.4.2\nTargetCompID=TW42\nDataDictionary=${SPEC}/FIX42.xml\n"
      "[SESSION]\nBeginString=FIX.4.4\nTargetCompID=TW44\nDataDictionary=${SPEC}/FIX44.xml\n"
      "[SESSION]\nBeginString=FIXT.1.1\nTargetCompID=TW50SP2\nDefaultApplVerID=FIX50SP2\n"
      "TransportDataDictionary=${SPEC}/FIXT11.xml\nAppDataDictionary=${SPEC}/FIX50SP2.xml\n"
      "[SESSION]\nBeginString=FIX.4.4\nTargetCompID=TW\nDataDictionary=${SPEC}/FIX44.xml\n"
      "[SESSION]\nBeginString=FIX.4.4\nTargetCompID=NO_CHECK_FIELDS_HAVE_VALUES\n"
      "DataDictionary=${SPEC}/FIX44.xml\nValidateFieldsHaveValues=N\n";
  const settings all =
      parse_ok(cfg, env_of({{"PORT", "5001"}, {"JOURNALS", "/tmp/j"}, {"SPEC", "/spec"}}));
  REQUIRE(all.sessions.size() == 5);
  for (const session_settings& s : all.sessions) {
    CHECK(s.connection == connection_type::acceptor);
    CHECK(s.accept_port == 5001);
    CHECK(s.id.sender_comp_id == "ISLD");
    CHECK(s.reset_on_logon);
    CHECK(s.heartbeat_interval_s == 0);
    CHECK(s.test_req_id == "TEST");
    CHECK(s.file_store_path == "/tmp/j");
  }
  CHECK(all.sessions[2].id.begin_string == fix_version::fixt11);
  CHECK(all.sessions[2].default_appl_ver_id == appl_ver_id::fix50sp2);
  CHECK(all.sessions[2].app_data_dictionary == "/spec/FIX50SP2.xml");
  CHECK(all.sessions[3].validate_fields_have_values);
  CHECK_FALSE(all.sessions[4].validate_fields_have_values);
}

// ---------------------------------------------------------------------------
// The example files in tests/config/examples (meson passes their directory)
// ---------------------------------------------------------------------------

namespace {

std::string example(const char* name) {
  const char* dir = std::getenv("FIXRING_CONFIG_EXAMPLES");
  return std::string(dir != nullptr ? dir : "tests/config/examples") + "/" + name;
}

}  // namespace

TEST_CASE("the example initiator file parses into a weekday New York session", "[settings][example]") {
  const result<settings> r = parse_settings_file(example("initiator.cfg"), env_of({{"FIX_HOME", "/opt/fix"}}));
  INFO(r.error().message);
  REQUIRE(r.has_value());
  CHECK(r.value().reactor.cpu == 1);
  CHECK(r.value().reactor.busy_poll);
  REQUIRE(r.value().sessions.size() == 1);
  const session_settings& s = r.value().sessions[0];
  CHECK(s.connect_endpoints.size() == 2);
  CHECK(s.file_store_path == "/opt/fix/journal");
  CHECK(s.tls.enabled);
  CHECK(s.reconnect.initial_delay_ms == 250);
  CHECK(s.durability == durability_mode::interval);
  // Friday 2024-07-12 09:00 EDT is in session; Saturday is not.
  CHECK(is_in_session(s.session_schedule, epoch_ns(2024, 7, 12, 13)));
  CHECK_FALSE(is_in_session(s.session_schedule, epoch_ns(2024, 7, 13, 13)));
}

TEST_CASE("the example acceptor file parses into two weekly sessions", "[settings][example]") {
  const result<settings> r = parse_settings_file(example("acceptor.cfg"));
  INFO(r.error().message);
  REQUIRE(r.has_value());
  REQUIRE(r.value().sessions.size() == 2);
  for (const session_settings& s : r.value().sessions) {
    CHECK(s.accept_port == 5001);
    CHECK(s.session_schedule.kind == schedule_kind::weekly);
    CHECK(s.reconnect == backoff_policy::from_reconnect_interval(5));
  }
  CHECK(r.value().sessions[1].default_appl_ver_id == appl_ver_id::fix50sp2);
}

TEST_CASE("memory-limit keys land in their fields with documented defaults", "[settings][values]") {
  const settings d = parse_ok(with_line(""));
  CHECK(d.sessions[0].max_queued_messages == 10'000);
  CHECK(d.sessions[0].max_queued_bytes == 1u << 20);
  CHECK_FALSE(d.sessions[0].queue_full_logout);
  CHECK_FALSE(d.reactor.max_pending_connections.has_value());
  CHECK_FALSE(d.reactor.pending_timeout_ms.has_value());
  CHECK_FALSE(d.reactor.max_pending_per_address.has_value());
  const settings s = parse_ok(
      "[DEFAULT]\nFixringMaxPendingConnections=5\nFixringPendingTimeoutMs=250\nFixringMaxPendingPerAddress=3\n" +
      with_line("FixringMaxQueuedBytes=65536\nFixringQueueFull=logout").substr(std::string_view("[DEFAULT]\n").size()));
  CHECK(s.sessions[0].max_queued_bytes == 65536);
  CHECK(s.sessions[0].queue_full_logout);
  CHECK(s.reactor.max_pending_connections == 5u);
  CHECK(s.reactor.pending_timeout_ms == 250);
  CHECK(s.reactor.max_pending_per_address == 3u);
}

TEST_CASE("pending-connection keys are [DEFAULT]-only and range-checked", "[settings][values]") {
  CHECK_THAT(parse_error(with_line("FixringMaxPendingConnections=4")).message, Catch::Contains("[DEFAULT]"));
  CHECK_THAT(parse_error("[DEFAULT]\nFixringMaxPendingConnections=0\n").message,
             Catch::Contains("FixringMaxPendingConnections"));
  CHECK_THAT(parse_error("[DEFAULT]\nFixringPendingTimeoutMs=0\n").message,
             Catch::Contains("FixringPendingTimeoutMs"));
  CHECK_THAT(parse_error(with_line("FixringMaxPendingPerAddress=4")).message, Catch::Contains("[DEFAULT]"));
  CHECK_THAT(parse_error("[DEFAULT]\nFixringMaxPendingPerAddress=0\n").message,
             Catch::Contains("FixringMaxPendingPerAddress"));
  CHECK_THAT(parse_error("[DEFAULT]\nFixringMaxPendingPerAddress=65536\n").message,
             Catch::Contains("FixringMaxPendingPerAddress"));
}
