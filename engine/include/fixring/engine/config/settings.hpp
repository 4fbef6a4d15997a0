// The QuickFIX-style settings file: syntax, every key, and the typed result.
//
// Syntax
//   * Sections `[DEFAULT]` and `[SESSION]` (names case-insensitive), each
//     repeatable. Keys in every [DEFAULT] section apply to every [SESSION],
//     wherever they appear in the file; a session's own value overrides them.
//   * `Key=Value` lines; spaces around key and value are trimmed; keys match
//     case-insensitively (as in QuickFIX/C++); a value may be empty. There are no
//     inline comments: everything after '=' is the value.
//   * Lines whose first non-blank character is '#' or ';' are comments; blank
//     lines are ignored; CRLF line ends are accepted.
//   * `${NAME}` in a value is replaced by the environment variable NAME
//     (NAME = letters, digits, '_'). An unset variable is an error naming it. A
//     '$' not followed by '{' is literal.
//   * Setting a key twice in one section, or in two [DEFAULT] sections, is an
//     error (the second line names the first).
//
// Errors (result<settings>::error()): every message starts with
// "FILE:LINE: KEY: " (or "FILE:LINE: [SESSION]: " for a rule about a whole
// section, pointing at its header line). Codes: io_error, syntax_error,
// unknown_key, bad_value, missing_key, conflicting_keys, unset_variable,
// duplicate_session, bad_time_zone (result.hpp). Parsing stops at the first error.
//
// Cross-key rules
//   * ConnectionType, BeginString, SenderCompID, TargetCompID are required.
//   * initiator: SocketConnectHost, SocketConnectPort and HeartBtInt are
//     required; SocketConnectHost<n>/SocketConnectPort<n> (n = 1, 2, ...) add
//     failover endpoints tried in order n after the primary; each needs its pair.
//   * acceptor: SocketAcceptPort is required.
//   * BeginString=FIXT.1.1 requires DefaultApplVerID.
//   * Schedule: no schedule key at all means a non-stop session. Otherwise
//     NonStopSession=Y excludes the other schedule keys; StartTime and EndTime
//     go together; StartDay and EndDay go together (weekly session); Weekdays
//     restricts a daily session and excludes StartDay/EndDay.
//   * SSLEnable=Y on an acceptor requires ServerCertificateFile;
//     ClientCertificateKeyFile requires ClientCertificateFile.
//   * FixringReconnectInitialMs must not exceed FixringReconnectMaxMs.
//   * FixringCpu and FixringBusyPoll configure the reactor and are only allowed
//     in [DEFAULT].
//   * Two sessions with the same identity (BeginString, Sender/Target CompID,
//     SubID and LocationID, SessionQualifier) are an error naming both sections.
//
// Cost and threads: everything here is cold code run once at start-up; it
// allocates and reads files (the settings file, zone files). The returned
// settings own all their data; the schedule's time_zone is shared immutable
// data. Call from any one thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fixring/engine/config/backoff.hpp"
#include "fixring/engine/config/result.hpp"
#include "fixring/engine/config/schedule.hpp"
#include "fixring/engine/config/time_zone.hpp"

namespace fixring::engine::config {

// ---------------------------------------------------------------------------
// Key reference (the README's table is this table)
// ---------------------------------------------------------------------------

enum class setting_key : std::uint8_t {
  connection_type, begin_string, sender_comp_id, target_comp_id, sender_sub_id, target_sub_id,
  sender_location_id, target_location_id, session_qualifier, heart_bt_int,
  socket_connect_host, socket_connect_port, socket_connect_host_n, socket_connect_port_n,
  socket_accept_port, socket_accept_address,
  reset_on_logon, reset_on_logout, reset_on_disconnect, refresh_on_logon,
  data_dictionary, transport_data_dictionary, app_data_dictionary, default_appl_ver_id,
  use_data_dictionary, file_store_path, file_log_path,
  check_latency, max_latency, check_comp_id, validate_fields_have_values,
  validate_fields_out_of_order, validate_user_defined_fields, allow_unknown_msg_fields,
  logon_timeout, logout_timeout,
  start_time, end_time, start_day, end_day, time_zone, weekdays, non_stop_session,
  reconnect_interval, send_redundant_resend_requests, persist_messages,
  milliseconds_in_timestamp, timestamp_precision,
  ssl_enable, socket_use_ssl, server_certificate_file, server_certificate_key_file,
  client_certificate_file, client_certificate_key_file, certificate_authorities_file,
  certificate_verify_level, ssl_protocol, ssl_cipher_suite,
  fixring_reconnect_initial_ms, fixring_reconnect_max_ms, fixring_reconnect_factor,
  fixring_reconnect_jitter, fixring_reconnect_max_attempts, fixring_durability,
  fixring_sync_interval_ms, fixring_cpu, fixring_busy_poll, fixring_max_message_bytes,
  fixring_max_queued_messages, fixring_test_req_id, fixring_resend_chunk,
  fixring_test_request_threshold_pct, fixring_disconnect_threshold_pct,
  fixring_max_queued_bytes, fixring_queue_full, fixring_max_pending_connections, fixring_pending_timeout_ms,
  fixring_max_pending_per_address, fixring_prefault,
  count_  // not a key
};

enum class key_scope : std::uint8_t {
  session,       // [DEFAULT] or [SESSION]
  default_only,  // reactor-wide: [DEFAULT] only
};

struct key_info {
  setting_key key;
  std::string_view name;           // as documented; matched case-insensitively
  std::string_view type;           // accepted values
  std::string_view default_value;  // "(required)" where there is none
  std::string_view description;
  key_scope scope = key_scope::session;
};

// Booleans are exactly Y or N. Times are HH:MM:SS or HH:MM, 24-hour local time
// in TimeZone. Days are English names, full or abbreviated to 2 or 3 letters,
// any case (Monday, Mon, Mo). Durations carry their unit in the key or the type.
inline constexpr key_info setting_keys[] = {
  {setting_key::connection_type, "ConnectionType", "initiator|acceptor", "(required)",
   "Whether this side connects out or listens."},
  {setting_key::begin_string, "BeginString", "FIX.4.0|FIX.4.1|FIX.4.2|FIX.4.3|FIX.4.4|FIXT.1.1",
   "(required)", "Protocol version, tag 8."},
  {setting_key::sender_comp_id, "SenderCompID", "string", "(required)", "Our CompID, tag 49."},
  {setting_key::target_comp_id, "TargetCompID", "string", "(required)",
   "Counterparty CompID, tag 56."},
  {setting_key::sender_sub_id, "SenderSubID", "string", "(none)", "Tag 50; part of the identity."},
  {setting_key::target_sub_id, "TargetSubID", "string", "(none)", "Tag 57; part of the identity."},
  {setting_key::sender_location_id, "SenderLocationID", "string", "(none)",
   "Tag 142; part of the identity."},
  {setting_key::target_location_id, "TargetLocationID", "string", "(none)",
   "Tag 143; part of the identity."},
  {setting_key::session_qualifier, "SessionQualifier", "string", "(none)",
   "Distinguishes sessions that share CompIDs; never sent on the wire."},
  {setting_key::heart_bt_int, "HeartBtInt", "integer seconds 1..65535",
   "(required for initiators; acceptors use the Logon's)", "Heartbeat interval, tag 108."},
  {setting_key::socket_connect_host, "SocketConnectHost", "host name or address",
   "(required for initiators)", "Primary address to connect to."},
  {setting_key::socket_connect_port, "SocketConnectPort", "port 1..65535",
   "(required for initiators)", "Primary port to connect to."},
  {setting_key::socket_connect_host_n, "SocketConnectHost<n>", "host name or address", "(none)",
   "Failover address n (n >= 1), tried after the primary in order of n."},
  {setting_key::socket_connect_port_n, "SocketConnectPort<n>", "port 1..65535", "(none)",
   "Failover port n; required with SocketConnectHost<n>."},
  {setting_key::socket_accept_port, "SocketAcceptPort", "port 1..65535",
   "(required for acceptors)", "Port to listen on."},
  {setting_key::socket_accept_address, "SocketAcceptAddress", "address", "(all interfaces)",
   "Local address to listen on."},
  {setting_key::reset_on_logon, "ResetOnLogon", "Y|N", "N",
   "Reset sequence numbers to 1 at every logon (sends ResetSeqNumFlag=Y)."},
  {setting_key::reset_on_logout, "ResetOnLogout", "Y|N", "N",
   "Reset sequence numbers after a clean logout."},
  {setting_key::reset_on_disconnect, "ResetOnDisconnect", "Y|N", "N",
   "Reset sequence numbers whenever the connection drops."},
  {setting_key::refresh_on_logon, "RefreshOnLogon", "Y|N", "N",
   "Release the journal while disconnected and reload it (sequence numbers, history) from disk "
   "before each logon, so a standby process or a tool may use it in between."},
  {setting_key::data_dictionary, "DataDictionary", "file path", "(none)",
   "FIX dictionary for FIX.4.x sessions. Without one, only the session layer's own checks apply "
   "(framing, header, sequence, time); message bodies are not validated."},
  {setting_key::transport_data_dictionary, "TransportDataDictionary", "file path", "(none)",
   "FIXT.1.1 session-level dictionary."},
  {setting_key::app_data_dictionary, "AppDataDictionary", "file path", "(none)",
   "Application-level dictionary for FIXT.1.1 sessions (validation needs both; see DataDictionary)."},
  {setting_key::default_appl_ver_id, "DefaultApplVerID",
   "FIX27|FIX30|FIX40|FIX41|FIX42|FIX43|FIX44|FIX50|FIX50SP1|FIX50SP2, FIX.5.0SP2 style, or 0..9",
   "(required for FIXT.1.1)", "Tag 1137 sent in the Logon."},
  {setting_key::use_data_dictionary, "UseDataDictionary", "Y|N", "Y",
   "Validate messages against the dictionary."},
  {setting_key::file_store_path, "FileStorePath", "directory", "(engine default)",
   "Journal directory."},
  {setting_key::file_log_path, "FileLogPath", "directory", "(no message log)",
   "Directory for human-readable message and event logs."},
  {setting_key::check_latency, "CheckLatency", "Y|N", "Y",
   "Reject messages whose SendingTime is further than MaxLatency from now."},
  {setting_key::max_latency, "MaxLatency", "integer seconds 1..86400", "120",
   "SendingTime accuracy window."},
  {setting_key::check_comp_id, "CheckCompID", "Y|N", "Y",
   "Reject messages whose CompIDs do not match the session."},
  {setting_key::validate_fields_have_values, "ValidateFieldsHaveValues", "Y|N", "Y",
   "Reject fields with empty values."},
  {setting_key::validate_fields_out_of_order, "ValidateFieldsOutOfOrder", "Y|N", "Y",
   "Reject header/body/trailer fields out of place."},
  {setting_key::validate_user_defined_fields, "ValidateUserDefinedFields", "Y|N", "Y",
   "Reject user-defined fields (tag >= 5000) the dictionary does not list."},
  {setting_key::allow_unknown_msg_fields, "AllowUnknownMsgFields", "Y|N", "N",
   "Accept fields the dictionary does not define for the message."},
  {setting_key::logon_timeout, "LogonTimeout", "integer seconds 1..3600", "10",
   "Time allowed for the Logon answer."},
  {setting_key::logout_timeout, "LogoutTimeout", "integer seconds 1..3600", "2",
   "Time allowed for the Logout answer before disconnecting."},
  {setting_key::start_time, "StartTime", "HH:MM[:SS]", "(non-stop)",
   "Daily (or weekly, with StartDay) session start, local time."},
  {setting_key::end_time, "EndTime", "HH:MM[:SS]", "(non-stop)",
   "Session end, local time; at or before StartTime means the next day."},
  {setting_key::start_day, "StartDay", "day name", "(daily)", "Weekly session start day."},
  {setting_key::end_day, "EndDay", "day name", "(daily)", "Weekly session end day."},
  {setting_key::time_zone, "TimeZone", "IANA zone name, e.g. America/New_York", "UTC",
   "Zone of StartTime/EndTime; DST-correct."},
  {setting_key::weekdays, "Weekdays", "comma-separated day names", "(every day)",
   "Days on which a daily session starts."},
  {setting_key::non_stop_session, "NonStopSession", "Y|N", "N",
   "Never log out for the schedule; no scheduled sequence reset."},
  {setting_key::reconnect_interval, "ReconnectInterval", "integer seconds 1..86400",
   "(unset: fixring backoff)",
   "Fixed reconnect delay: initial = max = interval, factor 1, no jitter."},
  {setting_key::send_redundant_resend_requests, "SendRedundantResendRequests", "Y|N", "N",
   "Send a ResendRequest even when one covering the gap is outstanding."},
  {setting_key::persist_messages, "PersistMessages", "Y|N", "Y",
   "Journal outbound application messages for resend (N: gap-fill instead)."},
  {setting_key::milliseconds_in_timestamp, "MillisecondsInTimeStamp", "Y|N", "Y",
   "N sends whole seconds; TimestampPrecision overrides it."},
  {setting_key::timestamp_precision, "TimestampPrecision", "0|3|6|9", "3",
   "Fractional digits in SendingTime and other timestamps."},
  {setting_key::ssl_enable, "SSLEnable", "Y|N", "N", "Use TLS on this session's connection."},
  {setting_key::socket_use_ssl, "SocketUseSSL", "Y|N", "N", "Same as SSLEnable."},
  {setting_key::server_certificate_file, "ServerCertificateFile", "PEM file path",
   "(required for TLS acceptors)", "Acceptor certificate chain."},
  {setting_key::server_certificate_key_file, "ServerCertificateKeyFile", "PEM file path",
   "(key inside ServerCertificateFile)", "Acceptor private key."},
  {setting_key::client_certificate_file, "ClientCertificateFile", "PEM file path",
   "(no client certificate)", "Initiator certificate chain."},
  {setting_key::client_certificate_key_file, "ClientCertificateKeyFile", "PEM file path",
   "(key inside ClientCertificateFile)", "Initiator private key."},
  {setting_key::certificate_authorities_file, "CertificateAuthoritiesFile", "PEM file path",
   "(system store)", "Trusted CAs for verifying the peer."},
  {setting_key::certificate_verify_level, "CertificateVerifyLevel", "integer 0..7", "1",
   "OpenSSL SSL_VERIFY_* bits: 0 none, 1 verify peer, +2 require a peer certificate, "
   "+4 verify a client once."},
  {setting_key::ssl_protocol, "SSLProtocol",
   "space-separated [+|-]all|SSLv2|SSLv3|TLSv1|TLSv1_1|TLSv1_2|TLSv1_3", "TLSv1_2 TLSv1_3",
   "Enabled TLS versions (SSLv2/SSLv3 are accepted and never enabled)."},
  {setting_key::ssl_cipher_suite, "SSLCipherSuite", "OpenSSL cipher list", "(OpenSSL default)",
   "TLS 1.2 cipher list."},
  {setting_key::fixring_reconnect_initial_ms, "FixringReconnectInitialMs",
   "integer ms 0..86400000", "500 (or ReconnectInterval)", "First reconnect delay."},
  {setting_key::fixring_reconnect_max_ms, "FixringReconnectMaxMs", "integer ms 0..86400000",
   "30000 (or ReconnectInterval)", "Cap on the reconnect delay."},
  {setting_key::fixring_reconnect_factor, "FixringReconnectFactor", "decimal 1..100",
   "2 (or 1 with ReconnectInterval)", "Growth of the delay per failed attempt."},
  {setting_key::fixring_reconnect_jitter, "FixringReconnectJitter", "decimal 0..1",
   "0.2 (or 0 with ReconnectInterval)", "Fraction of each delay randomly taken off."},
  {setting_key::fixring_reconnect_max_attempts, "FixringReconnectMaxAttempts",
   "integer 0..1000000000", "0", "Give up after this many attempts; 0 = never."},
  {setting_key::fixring_durability, "FixringDurability", "none|interval|every", "none",
   "Journal fsync policy: never (page cache), every FixringSyncIntervalMs, or per message."},
  {setting_key::fixring_sync_interval_ms, "FixringSyncIntervalMs", "integer ms 1..60000", "10",
   "Sync period for FixringDurability=interval."},
  {setting_key::fixring_cpu, "FixringCpu", "integer CPU number, -1 = unpinned", "-1",
   "Core the reactor thread is pinned to.", key_scope::default_only},
  {setting_key::fixring_busy_poll, "FixringBusyPoll", "Y|N", "N",
   "Reactor spins on completions instead of sleeping.", key_scope::default_only},
  {setting_key::fixring_max_message_bytes, "FixringMaxMessageBytes", "integer 256..67108864",
   "65536", "Largest inbound or outbound message."},
  {setting_key::fixring_max_queued_messages, "FixringMaxQueuedMessages",
   "integer 1..100000000", "10000", "Bound on inbound messages held while a gap is filled."},
  {setting_key::fixring_test_req_id, "FixringTestReqId", "string", "TEST",
   "TestReqID(112) of the TestRequests we send (the Heartbeat must echo it)."},
  {setting_key::fixring_resend_chunk, "FixringResendChunk", "integer 0..1000000000", "0",
   "Most messages asked for per ResendRequest; 0 = the whole gap."},
  {setting_key::fixring_test_request_threshold_pct, "FixringTestRequestThresholdPct",
   "integer percent of HeartBtInt 101..1000", "120",
   "Silence after which a TestRequest is sent."},
  {setting_key::fixring_disconnect_threshold_pct, "FixringDisconnectThresholdPct",
   "integer percent of HeartBtInt 102..2000", "240",
   "Silence after which the connection is dropped; above the TestRequest threshold."},
  {setting_key::fixring_max_queued_bytes, "FixringMaxQueuedBytes", "integer 1024..2147483647", "1048576",
   "Bound on the bytes of inbound messages held while a gap is filled (allocated per session up front)."},
  {setting_key::fixring_queue_full, "FixringQueueFull", "drop|logout", "drop",
   "When the gap queue is full: drop the new message (it is asked for again once the gap before it "
   "is filled), or Logout \"Inbound queue full\" and disconnect."},
  {setting_key::fixring_max_pending_connections, "FixringMaxPendingConnections", "integer 1..65535",
   "64", "Accepted connections waiting for their first message; more are closed at accept.",
   key_scope::default_only},
  {setting_key::fixring_pending_timeout_ms, "FixringPendingTimeoutMs", "integer ms 1..3600000", "10000",
   "Time an accepted connection has to send its first message (the Logon) before it is closed.",
   key_scope::default_only},
  {setting_key::fixring_max_pending_per_address, "FixringMaxPendingPerAddress", "integer 1..65535", "8",
   "Accepted connections from one IP address waiting for their first message; more from that address "
   "are closed at accept, so one address cannot take every pending slot.",
   key_scope::default_only},
  {setting_key::fixring_prefault, "FixringPrefault", "idle|helper", "idle",
   "Who faults the journal's pages in ahead of the writer: the reactor in its idle iterations (right when "
   "every core busy-polls), or a background thread (right when it has a core of its own)."},
};

static_assert(std::size(setting_keys) == static_cast<std::size_t>(setting_key::count_),
              "every setting_key has exactly one row in setting_keys");

// Row of a key, or nullptr. Matches case-insensitively; "SocketConnectHost7"
// finds the SocketConnectHost<n> row and stores 7 in *index (0 otherwise).
[[nodiscard]] const key_info* find_key(std::string_view name, std::uint32_t* index = nullptr) noexcept;

// The table above as GitHub Markdown (header row, rule, one row per key), for
// the README. Pipes inside cells are escaped.
[[nodiscard]] std::string key_reference_markdown();

// ---------------------------------------------------------------------------
// Typed settings
// ---------------------------------------------------------------------------

enum class connection_type : std::uint8_t { initiator, acceptor };
enum class fix_version : std::uint8_t { fix40, fix41, fix42, fix43, fix44, fixt11 };

// Values are the ApplVerID(1128)/DefaultApplVerID(1137) codes.
enum class appl_ver_id : std::int8_t {
  none = -1, fix27 = 0, fix30 = 1, fix40 = 2, fix41 = 3, fix42 = 4, fix43 = 5, fix44 = 6,
  fix50 = 7, fix50sp1 = 8, fix50sp2 = 9,
};

enum class durability_mode : std::uint8_t { none, interval, every };

[[nodiscard]] std::string_view to_string(fix_version v) noexcept;  // "FIX.4.4", "FIXT.1.1"
[[nodiscard]] std::string_view to_string(connection_type c) noexcept;

struct session_identity {
  fix_version begin_string = fix_version::fix44;
  std::string sender_comp_id;
  std::string sender_sub_id;
  std::string sender_location_id;
  std::string target_comp_id;
  std::string target_sub_id;
  std::string target_location_id;
  std::string session_qualifier;

  friend bool operator==(const session_identity&, const session_identity&) = default;
  // "FIX.4.4:SENDER->TARGET", with /sub/location parts and ":qualifier" when set.
  [[nodiscard]] std::string to_string() const;
};

struct endpoint {
  std::string host;
  std::uint16_t port = 0;
  friend bool operator==(const endpoint&, const endpoint&) = default;
};

// TLS protocol versions enabled by SSLProtocol.
enum tls_protocol_bits : std::uint8_t {
  tls_v1_0 = 1u << 0,
  tls_v1_1 = 1u << 1,
  tls_v1_2 = 1u << 2,
  tls_v1_3 = 1u << 3,
};

struct tls_settings {
  bool enabled = false;
  std::string server_certificate_file;
  std::string server_certificate_key_file;
  std::string client_certificate_file;
  std::string client_certificate_key_file;
  std::string certificate_authorities_file;
  std::uint8_t verify_level = 1;  // SSL_VERIFY_* bits
  std::uint8_t protocols = tls_v1_2 | tls_v1_3;
  std::string cipher_suite;
};

struct session_settings {
  session_identity id;
  connection_type connection = connection_type::initiator;
  std::string source;  // "FILE:LINE" of the [SESSION] header, for later messages

  std::int32_t heartbeat_interval_s = 0;  // 0 on acceptors without HeartBtInt
  std::vector<endpoint> connect_endpoints;  // primary first, then <n> in order of n
  std::uint16_t accept_port = 0;
  std::string accept_address;

  bool reset_on_logon = false;
  bool reset_on_logout = false;
  bool reset_on_disconnect = false;
  bool refresh_on_logon = false;

  std::string data_dictionary;
  std::string transport_data_dictionary;
  std::string app_data_dictionary;
  appl_ver_id default_appl_ver_id = appl_ver_id::none;
  bool use_data_dictionary = true;

  std::string file_store_path;
  std::string file_log_path;

  bool check_latency = true;
  std::int32_t max_latency_s = 120;
  bool check_comp_id = true;
  bool validate_fields_have_values = true;
  bool validate_fields_out_of_order = true;
  bool validate_user_defined_fields = true;
  bool allow_unknown_msg_fields = false;

  std::int32_t logon_timeout_s = 10;
  std::int32_t logout_timeout_s = 2;

  schedule session_schedule;  // non_stop, UTC, unless schedule keys say otherwise
  backoff_policy reconnect;

  bool send_redundant_resend_requests = false;
  bool persist_messages = true;
  std::uint8_t timestamp_precision_digits = 3;

  tls_settings tls;

  durability_mode durability = durability_mode::none;
  std::int32_t sync_interval_ms = 10;
  std::uint32_t max_message_bytes = 65'536;
  std::uint32_t max_queued_messages = 10'000;
  std::uint32_t max_queued_bytes = 1u << 20;
  bool queue_full_logout = false;  // FixringQueueFull=logout
  bool prefault_helper = false;    // FixringPrefault=helper
  std::string test_req_id = "TEST";
  std::uint32_t resend_chunk = 0;  // 0 = whole gap
  std::uint32_t test_request_threshold_pct = 120;
  std::uint32_t disconnect_threshold_pct = 240;
};

struct reactor_settings {
  std::int32_t cpu = -1;  // -1 = not pinned
  bool busy_poll = false;
  // Unset: engine_options' values (whose defaults are the documented 64 and 10,000).
  std::optional<std::uint32_t> max_pending_connections;  // FixringMaxPendingConnections
  std::optional<std::int64_t> pending_timeout_ms;        // FixringPendingTimeoutMs
  std::optional<std::uint32_t> max_pending_per_address;  // FixringMaxPendingPerAddress
};

struct settings {
  reactor_settings reactor;
  std::vector<session_settings> sessions;  // in file order
};

struct parse_options {
  // Looks up ${NAME}; empty function = the process environment (getenv).
  std::function<std::optional<std::string>(std::string_view)> env_lookup;
  std::filesystem::path zoneinfo_dir{default_zoneinfo_dir};
};

// Parses settings text; `file_name` is used in messages only.
[[nodiscard]] result<settings> parse_settings_text(std::string_view text, std::string_view file_name,
                                                   const parse_options& options = {});

// Reads and parses a settings file. io_error names the file when it cannot be read.
[[nodiscard]] result<settings> parse_settings_file(const std::filesystem::path& path,
                                                   const parse_options& options = {});

}  // namespace fixring::engine::config
