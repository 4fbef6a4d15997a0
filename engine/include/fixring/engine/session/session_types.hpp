// Vocabulary of the session core: roles, statuses, error reasons, the
// configuration a session is built with, its statistics, and the concepts its
// collaborators (outbound sink, application handler, dictionary validator)
// satisfy. See session.hpp for the state machine that uses them.
//
// Thread contract: plain values; no shared state.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "fixring/codec/frame.hpp"
#include "fixring/codec/message.hpp"
#include "fixring/codec/validate.hpp"

namespace fixring::engine {

enum class session_role : std::uint8_t { initiator, acceptor };

// Status of one session. Transitions (anything not listed does not happen):
//
//   disconnected --on_connecting()------------------> connecting      (initiator)
//   disconnected|connecting --on_connected()--------> logging_in      (initiator: Logon sent)
//   disconnected --on_connected()-------------------> connected       (acceptor: awaiting Logon)
//   connected  --valid Logon, answered--------------> active          (acceptor)
//   logging_in --valid Logon answer-----------------> active          (initiator)
//   active     --logout() or peer Logout------------> logging_out
//   logging_out --Logout answered / answer received -> logged_out     (disconnect requested)
//   logging_out --logout timeout--------------------> error(logout_timeout)
//   any connected status --protocol failure---------> error(reason)   (disconnect requested)
//   any status --on_disconnected()------------------> disconnected    (last_error() keeps the reason)
enum class session_status : std::uint8_t {
  disconnected,
  connecting,
  connected,
  logging_in,
  active,
  logging_out,
  logged_out,
  error,
};

[[nodiscard]] constexpr std::string_view to_string(session_status s) noexcept {
  switch (s) {
    case session_status::disconnected: return "disconnected";
    case session_status::connecting: return "connecting";
    case session_status::connected: return "connected";
    case session_status::logging_in: return "logging_in";
    case session_status::active: return "active";
    case session_status::logging_out: return "logging_out";
    case session_status::logged_out: return "logged_out";
    case session_status::error: return "error";
  }
  return "unknown";
}

// Why a session ended in session_status::error (or why the last connection ended).
enum class session_error : std::uint8_t {
  none,
  invalid_logon,          // first message not an acceptable Logon (silent disconnect)
  authentication_failed,  // the handler's authenticate_logon() said no
  logon_timeout,          // no Logon (answer) within logon_timeout_ns
  logout_timeout,         // our Logout was not answered within logout_timeout_ns
  heartbeat_timeout,      // nothing received for disconnect_factor x HeartBtInt
  seq_too_low,            // MsgSeqNum too low without PossDupFlag
  next_expected_too_high, // peer's NextExpectedMsgSeqNum(789) beyond what we sent
  queue_overflow,         // inbound queue full under queue_full_policy::disconnect
  store_failure,          // the store refused a write (see store last_status())
  connection_lost,        // transport closed while logged on, without a Logout
  message_too_large,      // a message beyond max_message_bytes whose MsgSeqNum could not be read (Logout sent)
};

[[nodiscard]] constexpr std::string_view to_string(session_error e) noexcept {
  switch (e) {
    case session_error::none: return "none";
    case session_error::invalid_logon: return "invalid logon";
    case session_error::authentication_failed: return "logon authentication failed";
    case session_error::logon_timeout: return "logon timed out";
    case session_error::logout_timeout: return "logout not answered in time";
    case session_error::heartbeat_timeout: return "nothing received from the counterparty in time";
    case session_error::seq_too_low: return "MsgSeqNum too low without PossDupFlag";
    case session_error::next_expected_too_high: return "NextExpectedMsgSeqNum(789) too high";
    case session_error::queue_overflow: return "inbound queue full";
    case session_error::store_failure: return "store refused a write";
    case session_error::connection_lost: return "connection lost while logged on";
    case session_error::message_too_large: return "message larger than FixringMaxMessageBytes without a readable MsgSeqNum(34)";
  }
  return "unknown";
}

// What a sink answers for a send. back_pressured: the sink did NOT take the
// bytes; the session keeps them (they are in the store) and offers them again
// from poll(). closed: the transport is gone; on_disconnected() will follow.
enum class send_status : std::uint8_t { ok, back_pressured, closed };

// What the application's send calls answer.
enum class send_result : std::uint8_t {
  sent,          // sequenced, stored and handed to the sink
  queued,        // sequenced and stored; the sink was back-pressured, poll() sends it
  not_logged_on, // no sequence number used: the session is not active
  too_large,     // no sequence number used: the message does not fit max_message_bytes
  store_error,   // no sequence number used: the store refused it (session now in error)
  closed,        // sequenced and stored, but the transport is closed
  // Only from session::send_duplicate(), which sequences and stores nothing:
  not_found,       // no application message stored under that MsgSeqNum
  back_pressured,  // the sink refused the bytes; nothing is kept to send later
};

// SessionRejectReason(373) values, their FIX names (the Reject's Text(58)) and
// a dictionary validator's answer are the codec's (codec/validate.hpp), the one
// definition: reject_reason::none means the message is acceptable;
// validation_result::ref_tag 0 means no single tag is at fault (the Reject then
// carries no RefTagID(371)); reject_text(r) is codec::to_string(r).
using reject_reason = codec::session_reject_reason;
using validation_result = codec::validation_result;

[[nodiscard]] constexpr std::string_view reject_text(reject_reason r) noexcept { return codec::to_string(r); }

// When the inbound queue (messages held while a gap is filled) is full.
enum class queue_full_policy : std::uint8_t {
  drop,        // discard the new message; it is requested again once the gap closes
  disconnect,  // Logout and disconnect with session_error::queue_overflow
};

// Optional header fields of an outbound message (FIX standard header), written
// in ascending tag order after 34/49/52/56. Views are read during the call only.
struct header_fields {
  bool poss_resend = false;               // PossResend(97)=Y
  std::string_view on_behalf_of_comp_id;  // 115
  std::string_view on_behalf_of_sub_id;   // 116
  std::string_view deliver_to_comp_id;    // 128
  std::string_view deliver_to_sub_id;     // 129
  std::string_view on_behalf_of_location_id;  // 144
  std::string_view deliver_to_location_id;    // 145
};

// Session settings. Cold: read once at construction (the strings are copied).
struct session_config {
  session_role role = session_role::acceptor;
  std::string begin_string = "FIX.4.4";
  std::string sender_comp_id;
  std::string target_comp_id;
  // Initiator: the HeartBtInt(108) proposed in its Logon. Acceptor: ignored,
  // the initiator's value is adopted and echoed.
  std::uint32_t heartbeat_interval_s = 30;
  // Fractions of HeartBtInt, in thousandths: TestRequest after 1.2 x HeartBtInt
  // without receiving, disconnect after 2.4 x.
  std::uint32_t test_request_permille = 1200;
  std::uint32_t disconnect_permille = 2400;
  std::string test_req_id = "TEST";
  bool reset_on_logon = false;       // every Logon starts both sequences at 1 (initiator sends 141=Y)
  bool reset_on_logout = false;      // a completed Logout resets both sequences
  bool reset_on_disconnect = false;  // any disconnect resets both sequences
  bool send_next_expected_msg_seq_num = false;  // put NextExpectedMsgSeqNum(789) in our Logon
  std::string username;              // 553 in the initiator's Logon, when not empty
  std::string password;              // 554 in the initiator's Logon, when not empty
  std::string default_appl_ver_id;   // FIXT.1.1: 1137 in our Logon; required in the peer's
  std::int64_t logon_timeout_ns = 10'000'000'000;
  std::int64_t logout_timeout_ns = 2'000'000'000;
  bool check_comp_ids = true;
  bool check_latency = true;                     // SendingTime accuracy window
  std::int64_t max_latency_ns = 120'000'000'000;
  // ResendRequest chunking: at most this many messages per request; 0 asks for
  // the whole gap at once (EndSeqNo 0, "infinity", FIX.4.2 and later; 999999 before).
  std::uint32_t max_messages_per_resend_request = 0;
  // SendRedundantResendRequests: every message that arrives too high asks for
  // the whole gap below it again, even while an earlier ResendRequest for it
  // is outstanding (false: one request per gap, repeated only when unanswered).
  bool send_redundant_resend_requests = false;
  // Fractional digits of SendingTime and OrigSendingTime (TimestampPrecision);
  // FIX.4.0/4.1 sessions always send whole seconds.
  codec::time_precision timestamp_precision = codec::time_precision::ms;
  // Largest outbound message, its resend included: a new message is encoded
  // within max_message_bytes - resend_headroom_bytes (resend.hpp).
  std::uint32_t max_message_bytes = 8192;
  std::uint32_t queue_capacity_messages = 1024;  // inbound queue bound (messages)
  std::uint32_t queue_capacity_bytes = 1u << 20; // inbound queue bound (bytes)
  queue_full_policy queue_policy = queue_full_policy::drop;
  codec::frame_limits frame_limits{};
};

// Counters, monotonically increasing over the session object's life.
struct session_stats {
  std::int64_t start_time_ns = 0;  // first on_connected()
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_received = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t heartbeats_sent = 0;
  std::uint64_t heartbeats_received = 0;
  std::uint64_t test_requests_sent = 0;
  std::uint64_t test_requests_received = 0;
  std::uint64_t resend_requests_sent = 0;
  std::uint64_t resend_requests_received = 0;
  std::uint64_t messages_resent = 0;
  std::uint64_t sequence_resets_sent = 0;
  std::uint64_t sequence_resets_received = 0;
  std::uint64_t gaps_detected = 0;
  std::uint64_t rejects_sent = 0;
  std::uint64_t rejects_received = 0;
  std::uint64_t logouts_sent = 0;
  std::uint64_t logouts_received = 0;
  std::uint64_t duplicates_dropped = 0;
  std::uint64_t garbled_discarded = 0;
  std::uint64_t queue_overflows = 0;
  std::uint64_t errors = 0;
};

// The transport side. send() is offered one whole message at a time and
// answers per send_status. disconnect() asks the transport to close; the
// driver later calls session::on_disconnected(). Both are called only from
// the session's thread.
template <class S>
concept outbound_sink = requires(S& s, std::span<const char> bytes) {
  { s.send(bytes) } noexcept -> std::same_as<send_status>;
  { s.disconnect() } noexcept;
};

// The application side, bound statically.
// - on_app_message: an application message, in sequence, exactly once per
//   MsgSeqNum. The view is valid during the call only. The handler may call
//   the session's send functions from inside (e.g. a BusinessMessageReject).
// - authenticate_logon: the counterparty's Logon (553/554 and all) before it is
//   acted on; false refuses it (silent disconnect, session_error::authentication_failed).
// - on_status: every status change, with the error reason when it is one.
template <class H>
concept session_handler = requires(H& h, const codec::message& m, std::int64_t now_ns, session_status st,
                                   session_error err) {
  { h.on_app_message(m, now_ns) } noexcept;
  { h.authenticate_logon(m) } noexcept -> std::same_as<bool>;
  { h.on_status(st, err) } noexcept;
};

// Dictionary validation of an in-sequence message, run before it is acted on.
template <class V>
concept session_validator = requires(const V& v, const codec::message& m) {
  { v.validate(m) } noexcept -> std::same_as<validation_result>;
};

// Accepts every message: the session's own checks (BeginString, CompIDs,
// SendingTime, MsgSeqNum, PossDup, OrigSendingTime, MsgType form) still run.
struct no_validator {
  [[nodiscard]] validation_result validate(const codec::message&) const noexcept { return {}; }
};

}  // namespace fixring::engine
