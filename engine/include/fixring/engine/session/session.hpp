// The FIX session protocol core: one session's state machine, sans I/O.
//
// Driven entirely from outside, with the time passed in:
//   on_connecting / on_connected / on_disconnected   transport events
//   on_bytes(data, now_ns)                            raw inbound bytes (framed here)
//   on_message(msg, now_ns)                           one already-framed, parsed message
//   poll(now_ns)                                      timers and back-pressured output
//   send / logout / reset_sequence_numbers / ...      application calls
// and emitting
//   bytes to Sink::send (whole messages), Sink::disconnect() requests,
//   Handler::on_app_message / authenticate_logon / on_status callbacks.
// It never reads a clock, touches a descriptor or allocates after construction.
//
// Rules implemented (FIX Session Protocol, FIX.4.2 - FIXT.1.1):
// - Logon: BeginString/CompID/SendingTime/FIXT 1137 checks on the first message
//   (failure: silent disconnect), authentication hook, then ResetSeqNumFlag(141)
//   and ResetOnLogon acted on; HeartBtInt adopted by the acceptor and echoed;
//   NextExpectedMsgSeqNum(789) optional both ways; logon timeout.
// - Heartbeat after HeartBtInt without sending; TestRequest after
//   test_request_permille of it without receiving; disconnect after
//   disconnect_permille; no Heartbeat while our TestRequest is unanswered;
//   TestRequest answered with its TestReqID.
// - MsgSeqNum too high: ResendRequest (chunked per config, EndSeqNo 0 = all for
//   4.2+, 999999 before), later messages queued (bounded) and delivered in order.
//   Too low without PossDupFlag: Logout "MsgSeqNum too low, expecting N but
//   received M" and disconnect. Too low with PossDupFlag: dropped. PossDupFlag=Y
//   without OrigSendingTime: Reject(1, 122); OrigSendingTime later than
//   SendingTime: Reject(10) + Logout.
// - ResendRequest served from the store: application messages resent with 43=Y,
//   122 and a new 52; runs of admin messages and flag_no_resend messages become
//   one SequenceReset-GapFill each. Served even while our own gap is open.
//   Logout and ResendRequest are acted on whatever their MsgSeqNum.
// - SequenceReset: GapFill under the sequence checks, Reset at any MsgSeqNum;
//   NewSeqNo below the expected number: Reject(5).
// - CompIDs: Reject(9) + Logout. SendingTime outside the window: Reject(10) +
//   Logout. BeginString changed: Logout "Incorrect BeginString". MsgType not of
//   the FIX form: Reject(11). Dictionary checks via Validator: Reject with
//   RefSeqNum/RefTagID/RefMsgType/SessionRejectReason. Rejects reverse the
//   routing tags 115/116/144 <-> 128/129/145 (empty ones dropped).
// - More fields than the index holds, or a whole valid message larger than
//   frame_limits.max_message_bytes (followed, not buffered): Reject(99) at the
//   expected MsgSeqNum, which it consumes (reject_unindexable, reject_oversized).
// - Logout handshake with a timeout; answered when the counterparty starts it.
// - Outbound messages are encoded once into the store's reservation, committed,
//   then sent from those bytes; header order 8, 9, 35, 34, 43, 49, 52, 56, 97,
//   115, 116, 122, 128, 129, 144, 145, then body; SendingTime with
//   session_config::timestamp_precision digits (seconds for FIX.4.0/4.1).
//
// Reject layout: 45=RefSeqNum|58=text|371=RefTagID|372=RefMsgType|373=reason,
// 371 only when one tag is at fault; FIX.4.2 leaves out 373 above 11;
// FIX.4.0/4.1 carry 45 and 58 only.
//
// Thread contract: one thread (the session's reactor) makes every call; the
// handler and sink are called back on that thread, and the handler may call
// send()/logout() from inside its callbacks.
// Ownership: the session refers to (does not own) the store, sink and handler;
// all three must outlive it. It owns its inbound queue and a scratch buffer,
// allocated in the constructor.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>
#include <utility>

#include "fixring/codec/encoder.hpp"
#include "fixring/codec/frame.hpp"
#include "fixring/codec/message.hpp"
#include "fixring/codec/types.hpp"
#include "fixring/engine/session/inbound_queue.hpp"
#include "fixring/engine/session/oversize.hpp"
#include "fixring/engine/session/resend.hpp"
#include "fixring/engine/session/session_types.hpp"
#include "fixring/engine/session/store_concept.hpp"
#include "fixring/store/session_types.hpp"

namespace fixring::engine {

namespace detail {
// FIX MsgType values are one or more letters/digits ("0", "D", "AE", "U1").
[[nodiscard]] constexpr bool msg_type_well_formed(std::string_view t) noexcept {
  if (t.empty()) return false;
  for (char c : t)
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
  return true;
}
[[nodiscard]] constexpr bool is_admin_type(std::string_view t) noexcept {
  return t.size() == 1 && (t[0] == '0' || t[0] == '1' || t[0] == '2' || t[0] == '3' || t[0] == '4' ||
                           t[0] == '5' || t[0] == 'A');
}
inline constexpr std::int64_t ns_per_s = 1'000'000'000;

// Value of the first "<SOH>tag=" field in raw message bytes (empty when absent);
// for messages the field index could not be built for.
[[nodiscard]] inline std::string_view raw_field(std::string_view bytes, std::uint32_t tag) noexcept {
  char pat[16];
  pat[0] = codec::soh;
  std::size_t n = 1 + codec::format_uint(pat + 1, tag);
  pat[n++] = '=';
  const std::size_t at = bytes.find(std::string_view(pat, n));
  if (at == std::string_view::npos) return {};
  const std::size_t start = at + n;
  const std::size_t end = bytes.find(codec::soh, start);
  return bytes.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

// `v` in decimal with a comma every three digits ("131,072"); returns the length.
// `out` holds at least 26 bytes.
inline std::size_t format_grouped(char* out, std::uint64_t v) noexcept {
  char digits[20];
  const std::size_t n = codec::format_uint(digits, v);
  std::size_t k = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (i != 0 && (n - i) % 3 == 0) out[k++] = ',';
    out[k++] = digits[i];
  }
  return k;
}
}  // namespace detail

template <session_store Store, outbound_sink Sink, session_handler Handler, session_validator Validator = no_validator>
class session {
 public:
  session(session_config config, Store& store, Sink& sink, Handler& handler, Validator validator = {})
      : cfg_(std::move(config)),
        store_(store),
        sink_(sink),
        handler_(handler),
        validator_(std::move(validator)),
        queue_(cfg_.queue_capacity_messages, cfg_.queue_capacity_bytes),
        scratch_(new char[cfg_.max_message_bytes]) {
    const std::string_view bs = cfg_.begin_string;
    fixt_ = bs.starts_with("FIXT");
    pre42_ = bs == "FIX.4.0" || bs == "FIX.4.1";
    precision_ = pre42_ ? codec::time_precision::s : cfg_.timestamp_precision;
    heartbeat_ns_ = static_cast<std::int64_t>(cfg_.heartbeat_interval_s) * detail::ns_per_s;
  }
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  // ---- transport events -------------------------------------------------

  // Initiator: a connection attempt has started.
  void on_connecting(std::int64_t) noexcept {
    if (status_ == session_status::disconnected) set_status(session_status::connecting, session_error::none);
  }

  // The transport is up. The initiator sends its Logon at once; the acceptor
  // waits for one (logon_timeout_ns).
  void on_connected(std::int64_t now_ns) noexcept {
    if (stats_.start_time_ns == 0) stats_.start_time_ns = now_ns;
    clear_connection_state(now_ns);
    logon_deadline_ns_ = now_ns + cfg_.logon_timeout_ns;
    last_error_ = session_error::none;
    if (cfg_.role == session_role::acceptor) {
      set_status(session_status::connected, session_error::none);
      return;
    }
    set_status(session_status::logging_in, session_error::none);
    if (cfg_.reset_on_logon || reset_pending_) {
      if (!reset_store(now_ns)) return;
      sent_reset_ = true;
    }
    reset_pending_ = false;
    heartbeat_ns_ = static_cast<std::int64_t>(cfg_.heartbeat_interval_s) * detail::ns_per_s;
    (void)send_logon(now_ns, sent_reset_);
  }

  // The transport is gone (whoever closed it).
  void on_disconnected(std::int64_t now_ns) noexcept {
    if (status_ == session_status::disconnected) return;
    if (status_ == session_status::active && last_error_ == session_error::none) last_error_ = session_error::connection_lost;
    if (cfg_.reset_on_disconnect) (void)store_.reset(now_ns);
    clear_connection_state(now_ns);
    set_status(session_status::disconnected, last_error_);
  }

  // ---- inbound ------------------------------------------------------------

  // Frames and handles every complete message at the front of `data`; returns
  // the number of bytes consumed. The caller keeps the rest (an incomplete
  // message) and offers it again with more bytes. Once logged on, invalid or
  // garbled messages are discarded silently and consume no MsgSeqNum; before
  // that, the first message must be a well-formed Logon (otherwise: silent
  // disconnect, session_error::invalid_logon). Stops early, with bytes left,
  // when the session stops taking input (a disconnect was requested).
  // A message larger than frame_limits.max_message_bytes is consumed as it
  // arrives, never buffered; once it has all arrived with a valid CheckSum it
  // is answered (see reject_oversized()).
  std::size_t on_bytes(std::span<const char> data, std::int64_t now_ns) noexcept {
    std::size_t pos = 0;
    while (pos < data.size() && accepting_input()) {
      if (oversize_.active()) {
        const detail::oversize_tracker::step st = oversize_.feed(data.data() + pos, data.size() - pos);
        pos += st.consumed_bytes;
        if (st.v == detail::oversize_tracker::verdict::more) break;
        if (st.v == detail::oversize_tracker::verdict::valid) reject_oversized(now_ns);
        continue;
      }
      const codec::frame_result f = codec::frame(data.data() + pos, data.size() - pos, cfg_.frame_limits);
      if (f.status == codec::frame_status::incomplete) break;
      if (f.status == codec::frame_status::invalid) {
        ++stats_.garbled_discarded;
        if (awaiting_logon()) {
          pos += f.size_bytes;
          fail(session_error::invalid_logon);
          continue;
        }
        // The tracker takes an oversized message from its first byte; it
        // stops where the framing would have resynchronised if the message
        // turns out not to be one.
        if (oversize_.start(f)) continue;
        pos += f.size_bytes;
        continue;
      }
      const std::string_view bytes(data.data() + pos, f.size_bytes);
      pos += f.size_bytes;
      const codec::parse_error pe = parse_msg_.parse(bytes, f.body_offset, data_fields());
      if (pe != codec::parse_error::none) {
        if (awaiting_logon()) {
          ++stats_.garbled_discarded;
          fail(session_error::invalid_logon);
          break;
        }
        if (pe == codec::parse_error::too_many_fields) {
          reject_unindexable(bytes, now_ns);
        } else {
          on_garbled(bytes, now_ns);
        }
        if (!accepting_input()) break;
        continue;
      }
      on_message(parse_msg_, now_ns);
      if (!accepting_input()) break;
    }
    return pos;
  }

  // Handles one complete, parsed message.
  void on_message(const codec::message& m, std::int64_t now_ns) noexcept {
    if (!accepting_input()) return;
    ++stats_.messages_received;
    stats_.bytes_received += m.bytes().size();
    last_received_ns_ = now_ns;
    test_request_pending_ = false;
    if (status_ == session_status::connected || status_ == session_status::logging_in) {
      handle_logon_phase(m, now_ns);
    } else {
      handle_session_message(m, now_ns);
    }
    drain_queue(now_ns);
    check_gap_progress(now_ns);
  }

  // ---- timers ------------------------------------------------------------

  // Runs due timers and offers back-pressured output again. Call at or after
  // next_deadline_ns(), and whenever the sink has room again.
  void poll(std::int64_t now_ns) noexcept {
    flush_output(now_ns);
    switch (status_) {
      case session_status::connected:
      case session_status::logging_in:
        if (now_ns >= logon_deadline_ns_) fail(session_error::logon_timeout);
        return;
      case session_status::logging_out:
        if (now_ns >= logout_deadline_ns_) fail(session_error::logout_timeout);
        return;
      case session_status::active:
        break;
      default:
        return;
    }
    if (gap_active_ && now_ns - gap_progress_ns_ >= resend_retry_ns()) {
      ++stats_.gaps_detected;
      send_resend_request(store_.next_inbound_seq(), gap_target_ - 1, now_ns);
    }
    if (heartbeat_ns_ <= 0) return;
    const std::int64_t since_recv = now_ns - last_received_ns_;
    if (since_recv >= permille(cfg_.disconnect_permille)) {
      fail(session_error::heartbeat_timeout);
    } else if (heartbeats_suppressed_) {
      return;
    } else if (!test_request_pending_ && since_recv >= permille(cfg_.test_request_permille)) {
      if (send_test_request(cfg_.test_req_id, now_ns) != send_result::not_logged_on) test_request_pending_ = true;
    } else if (!test_request_pending_ && now_ns - last_sent_ns_ >= heartbeat_ns_) {
      (void)send_heartbeat({}, now_ns);
    }
  }

  // The earliest time poll() has something to do (INT64_MAX: nothing pending).
  [[nodiscard]] std::int64_t next_deadline_ns() const noexcept {
    constexpr std::int64_t never = INT64_MAX;
    switch (status_) {
      case session_status::connected:
      case session_status::logging_in: return logon_deadline_ns_;
      case session_status::logging_out: return logout_deadline_ns_;
      case session_status::active: break;
      default: return never;
    }
    std::int64_t d = never;
    if (backlog_from_ != 0 || job_active_) d = last_sent_ns_;
    if (gap_active_) d = std::min(d, gap_progress_ns_ + resend_retry_ns());
    if (heartbeat_ns_ <= 0) return d;
    if (test_request_pending_ || heartbeats_suppressed_) return std::min(d, last_received_ns_ + permille(cfg_.disconnect_permille));
    return std::min({d, last_sent_ns_ + heartbeat_ns_, last_received_ns_ + permille(cfg_.test_request_permille)});
  }

  // ---- application API ---------------------------------------------------

  // Sends an application message: sequenced, stored, then handed to the sink.
  // `body(codec::encoder&)` appends the body fields. flags: store::flag_no_resend
  // makes a later resend replace it with a GapFill. Only while active.
  template <class BodyFn>
  send_result send(std::string_view msg_type, BodyFn&& body, std::int64_t now_ns, const header_fields& header = {},
                   std::uint32_t flags = store::flag_none) noexcept {
    if (status_ != session_status::active) return send_result::not_logged_on;
    return send_sequenced(msg_type, header, flags & ~std::uint32_t{store::flag_admin}, now_ns,
                          std::forward<BodyFn>(body));
  }

  // BusinessMessageReject(35=j) for an application message the application does
  // not support: 45=RefSeqNum|58=text|372=RefMsgType|380=reason. The decision is
  // the application's; FIXT sessions add the configured DefaultApplVerID(1137).
  send_result send_business_reject(const codec::message& ref, std::uint32_t reason, std::string_view text,
                                   std::int64_t now_ns) noexcept {
    const std::string_view ref_seq = ref.get_or(34);
    const std::string_view ref_type = ref.msg_type();
    return send("j",
                [&](codec::encoder& e) noexcept {
                  if (!ref_seq.empty()) e.add(45, ref_seq);
                  if (!text.empty()) e.add(58, text);
                  e.add(372, ref_type);
                  e.add_uint(380, reason);
                  if (fixt_ && !cfg_.default_appl_ver_id.empty()) e.add(1137, cfg_.default_appl_ver_id);
                },
                now_ns);
  }

  // Starts the Logout handshake (reason in Text(58) when not empty). The peer's
  // Logout completes it; without one within logout_timeout_ns the session disconnects.
  send_result logout(std::string_view reason, std::int64_t now_ns) noexcept {
    if (status_ != session_status::active) return send_result::not_logged_on;
    return begin_logout(reason, now_ns);
  }

  // Resets both sequence numbers to 1.
  // - Not logged on and no Logon sent on this connection (disconnected, error,
  //   logged_out, acceptor awaiting Logon): the store is reset now; answers sent.
  // - Active: an in-session reset, a Logon with ResetSeqNumFlag(141)=Y at
  //   MsgSeqNum 1 (the counterparty answers with its own); answers as a send.
  // - Initiator connecting or awaiting its Logon answer: remembered, and done
  //   with 141=Y in the next Logon; answers queued.
  // store_error when the store refused (the session is then in error).
  send_result reset_sequence_numbers(std::int64_t now_ns) noexcept {
    if (status_ == session_status::disconnected || status_ == session_status::error ||
        status_ == session_status::logged_out || status_ == session_status::connected) {
      return store_.reset(now_ns) == store::store_status::ok ? send_result::sent : send_result::store_error;
    }
    if (status_ != session_status::active) {
      reset_pending_ = true;
      return send_result::queued;
    }
    if (!reset_store(now_ns)) return send_result::store_error;
    sent_reset_ = true;
    return send_logon(now_ns, true);
  }

  // Asks the counterparty to resend [begin_seq, end_seq] (end 0: everything
  // after begin). Only while active. Answers as send() does.
  send_result request_resend(std::uint64_t begin_seq, std::uint64_t end_seq, std::int64_t now_ns) noexcept {
    if (status_ != session_status::active) return send_result::not_logged_on;
    ++stats_.resend_requests_sent;
    return send_resend_request_raw(begin_seq, end_seq, now_ns);
  }

  // Skips `count` outbound MsgSeqNums without sending anything: the next
  // message goes out `count` numbers higher, so the counterparty sees a gap and
  // asks for it; the resend answers the skipped numbers with a
  // SequenceReset-GapFill (nothing is stored under them). For simulators and
  // fault drills. Only while active; sent when done, store_error when the store
  // refused (the session is then in error), not_logged_on otherwise.
  send_result skip_outbound_sequence(std::uint64_t count) noexcept {
    if (status_ != session_status::active) return send_result::not_logged_on;
    if (count == 0) return send_result::sent;
    if (store_.set_next_outbound_seq(store_.next_outbound_seq() + count) != store::store_status::ok) {
      fail(session_error::store_failure);
      return send_result::store_error;
    }
    return send_result::sent;
  }

  // A Heartbeat now (with TestReqID(112) when not empty), or a TestRequest.
  // While connected (logged on or not). Answers as send() does.
  send_result send_heartbeat(std::string_view test_req_id, std::int64_t now_ns) noexcept {
    if (!can_send_admin()) return send_result::not_logged_on;
    ++stats_.heartbeats_sent;
    return send_sequenced("0", {}, store::flag_admin, now_ns, [&](codec::encoder& e) noexcept {
      if (!test_req_id.empty()) e.add(112, test_req_id);
    });
  }

  send_result send_test_request(std::string_view test_req_id, std::int64_t now_ns) noexcept {
    if (!can_send_admin()) return send_result::not_logged_on;
    ++stats_.test_requests_sent;
    return send_sequenced("1", {}, store::flag_admin, now_ns,
                          [&](codec::encoder& e) noexcept { e.add(112, test_req_id); });
  }

  // Fault injection ("drop heartbeats"): while set, the session sends no
  // Heartbeat on its own (neither the HeartBtInt one nor the answer to a
  // TestRequest, which is still consumed) and no TestRequest, so the
  // counterparty times out. Everything else is unchanged, our own check of
  // the counterparty's silence included; explicit send_heartbeat() and
  // send_test_request() calls still send. Kept across connections.
  void set_heartbeats_suppressed(bool suppressed) noexcept { heartbeats_suppressed_ = suppressed; }
  [[nodiscard]] bool heartbeats_suppressed() const noexcept { return heartbeats_suppressed_; }

  // Fault injection ("send duplicates with PossDup"): sends the stored
  // outbound application message `seq` again exactly as a resend would
  // (PossDupFlag(43)=Y, OrigSendingTime(122) = its original SendingTime, a new
  // SendingTime, the same MsgSeqNum and body). Sequence numbers, the store and
  // any resend or backlog in progress are left alone. Answers: sent;
  // not_found when nothing is stored under `seq` or it is an admin message or
  // flagged not to be resent; not_logged_on unless active; too_large when the
  // rewritten form does not fit max_message_bytes; back_pressured or closed
  // from the sink (nothing is kept to send later).
  send_result send_duplicate(std::uint64_t seq, std::int64_t now_ns) noexcept {
    if (status_ != session_status::active) return send_result::not_logged_on;
    if (transport_closed_) return send_result::closed;
    const store::stored_message sm = store_.find_outbound(seq);
    if (!resendable(sm)) return send_result::not_found;
    return resend_stored(sm, now_ns);
  }

  [[nodiscard]] std::uint64_t next_outbound_seq() const noexcept { return store_.next_outbound_seq(); }
  [[nodiscard]] std::uint64_t next_inbound_seq() const noexcept { return store_.next_inbound_seq(); }
  [[nodiscard]] session_status status() const noexcept { return status_; }
  [[nodiscard]] session_error last_error() const noexcept { return last_error_; }
  [[nodiscard]] const session_stats& stats() const noexcept { return stats_; }
  [[nodiscard]] const session_config& config() const noexcept { return cfg_; }
  [[nodiscard]] std::int64_t heartbeat_interval_ns() const noexcept { return heartbeat_ns_; }
  [[nodiscard]] std::uint32_t queued_messages() const noexcept { return queue_.size(); }
  [[nodiscard]] std::uint32_t queued_bytes() const noexcept { return queue_.bytes_used(); }
  [[nodiscard]] bool gap_open() const noexcept { return gap_active_; }

 private:
  // DATA field pairs for the field index: the validator's dictionary's when it
  // has one, the standard FIX pairs otherwise.
  [[nodiscard]] const codec::data_field_table& data_fields() const noexcept {
    if constexpr (requires(const Validator& v) {
                    { v.data_fields() } noexcept -> std::same_as<const codec::data_field_table&>;
                  }) {
      return validator_.data_fields();
    } else {
      return codec::standard_data_field_table;
    }
  }

  // ---- status -------------------------------------------------------------

  void set_status(session_status s, session_error e) noexcept {
    if (s == status_) return;
    status_ = s;
    handler_.on_status(s, e);
  }

  [[nodiscard]] bool accepting_input() const noexcept {
    return status_ == session_status::connected || status_ == session_status::logging_in ||
           status_ == session_status::active || status_ == session_status::logging_out;
  }
  [[nodiscard]] bool can_send_admin() const noexcept { return accepting_input(); }
  [[nodiscard]] bool awaiting_logon() const noexcept {
    return status_ == session_status::connected || status_ == session_status::logging_in;
  }

  // Protocol failure: disconnect, status error(reason).
  void fail(session_error e) noexcept {
    last_error_ = e;
    ++stats_.errors;
    sink_.disconnect();
    set_status(session_status::error, e);
  }

  // Clean end of a Logout handshake.
  void finish_logout(std::int64_t now_ns) noexcept {
    if (cfg_.reset_on_logout) (void)store_.reset(now_ns);
    sink_.disconnect();
    set_status(session_status::logged_out, session_error::none);
  }

  void clear_connection_state(std::int64_t now_ns) noexcept {
    queue_.clear();
    oversize_.clear();
    gap_active_ = false;
    job_active_ = false;
    backlog_from_ = 0;
    transport_closed_ = false;
    test_request_pending_ = false;
    sent_reset_ = false;
    last_sent_ns_ = last_received_ns_ = now_ns;
  }

  void remember_appl_ver_id(std::string_view v) noexcept {
    peer_appl_ver_id_bytes_ = v.size() < peer_appl_ver_id_.size() ? v.size() : peer_appl_ver_id_.size();
    std::memcpy(peer_appl_ver_id_.data(), v.data(), peer_appl_ver_id_bytes_);
  }

  // A new epoch in the store: both sequences start at 1, so whatever was
  // pending against the old numbers (a resend job, a back-pressured backlog,
  // messages queued behind a gap) no longer refers to anything and is dropped.
  [[nodiscard]] bool reset_store(std::int64_t now_ns) noexcept {
    if (store_.reset(now_ns) != store::store_status::ok) {
      fail(session_error::store_failure);
      return false;
    }
    job_active_ = false;
    backlog_from_ = 0;
    queue_.clear();
    gap_active_ = false;
    return true;
  }

  [[nodiscard]] std::int64_t permille(std::uint32_t p) const noexcept { return heartbeat_ns_ / 1000 * p; }
  [[nodiscard]] std::int64_t resend_retry_ns() const noexcept {
    return heartbeat_ns_ > 0 ? heartbeat_ns_ : 30 * detail::ns_per_s;
  }

  // ---- outbound -----------------------------------------------------------

  void write_header(codec::encoder& e, std::string_view msg_type, std::uint64_t seq, const header_fields& h,
                    std::int64_t now_ns) noexcept {
    e.begin(cfg_.begin_string, msg_type);
    e.add_uint(34, seq);
    e.add(49, cfg_.sender_comp_id);
    e.add_timestamp(52, now_ns, precision_);
    e.add(56, cfg_.target_comp_id);
    if (h.poss_resend) e.add(97, "Y");
    if (!h.on_behalf_of_comp_id.empty()) e.add(115, h.on_behalf_of_comp_id);
    if (!h.on_behalf_of_sub_id.empty()) e.add(116, h.on_behalf_of_sub_id);
    if (!h.deliver_to_comp_id.empty()) e.add(128, h.deliver_to_comp_id);
    if (!h.deliver_to_sub_id.empty()) e.add(129, h.deliver_to_sub_id);
    if (!h.on_behalf_of_location_id.empty()) e.add(144, h.on_behalf_of_location_id);
    if (!h.deliver_to_location_id.empty()) e.add(145, h.deliver_to_location_id);
  }

  // Encodes once into the store's reservation, commits, then transmits those bytes.
  template <class BodyFn>
  send_result send_sequenced(std::string_view msg_type, const header_fields& h, std::uint32_t flags,
                             std::int64_t now_ns, BodyFn&& body) noexcept {
    const std::uint64_t seq = store_.next_outbound_seq();
    const std::span<char> buf = store_.reserve_outbound(cfg_.max_message_bytes);
    if (buf.empty()) {
      if (store_.last_status() == store::store_status::too_large) return send_result::too_large;
      fail(session_error::store_failure);
      return send_result::store_error;
    }
    // Room is left for the resend's PossDup/OrigSendingTime rewrite: a
    // message that could be sent but not resent would leave a gap its
    // counterparty could never close.
    codec::encoder e(buf.data(), std::min<std::size_t>(buf.size(), encode_limit()));
    write_header(e, msg_type, seq, h, now_ns);
    body(e);
    const codec::encode_result r = e.finish();
    if (!r.ok()) return send_result::too_large;
    if (store_.commit_outbound(seq, r.size_bytes, flags, now_ns) != store::store_status::ok) {
      fail(session_error::store_failure);
      return send_result::store_error;
    }
    ++stats_.messages_sent;
    if (transport_closed_) return send_result::closed;
    if (backlog_from_ != 0 || job_active_) {
      if (backlog_from_ == 0) backlog_from_ = seq;
      return send_result::queued;
    }
    switch (transmit({buf.data(), r.size_bytes}, now_ns)) {
      case send_status::ok: return send_result::sent;
      case send_status::back_pressured: backlog_from_ = seq; return send_result::queued;
      case send_status::closed: return send_result::closed;
    }
    return send_result::closed;
  }

  send_status transmit(std::span<const char> bytes, std::int64_t now_ns) noexcept {
    const send_status s = sink_.send(bytes);
    if (s == send_status::ok) {
      stats_.bytes_sent += bytes.size();
      last_sent_ns_ = now_ns;
    } else if (s == send_status::closed) {
      transport_closed_ = true;
    }
    return s;
  }

  // Resend job first, then stored messages the sink refused earlier.
  void flush_output(std::int64_t now_ns) noexcept {
    if (transport_closed_) return;
    if (job_active_ && !run_resend_job(now_ns)) return;
    while (backlog_from_ != 0) {
      if (backlog_from_ >= store_.next_outbound_seq()) {
        backlog_from_ = 0;
        break;
      }
      const store::stored_message sm = store_.find_outbound(backlog_from_);
      if (sm.found() && transmit(sm.bytes, now_ns) != send_status::ok) return;
      ++backlog_from_;
    }
  }

  send_result send_logon(std::int64_t now_ns, bool reset_flag) noexcept {
    const auto hb_s = static_cast<std::uint64_t>(heartbeat_ns_ / detail::ns_per_s);
    return send_sequenced("A", {}, store::flag_admin, now_ns, [&](codec::encoder& e) noexcept {
      e.add(98, "0");
      e.add_uint(108, hb_s);
      if (reset_flag) e.add(141, "Y");
      if (cfg_.role == session_role::initiator) {
        if (!cfg_.username.empty()) e.add(553, cfg_.username);
        if (!cfg_.password.empty()) e.add(554, cfg_.password);
      }
      if (cfg_.send_next_expected_msg_seq_num) e.add_uint(789, store_.next_inbound_seq());
      if (fixt_)
        e.add(1137, cfg_.default_appl_ver_id.empty() ? std::string_view(peer_appl_ver_id_.data(), peer_appl_ver_id_bytes_)
                                                    : std::string_view(cfg_.default_appl_ver_id));
    });
  }

  send_result send_logout_msg(std::string_view text, std::int64_t now_ns) noexcept {
    ++stats_.logouts_sent;
    return send_sequenced("5", {}, store::flag_admin, now_ns, [&](codec::encoder& e) noexcept {
      if (!text.empty()) e.add(58, text);
    });
  }

  send_result begin_logout(std::string_view text, std::int64_t now_ns) noexcept {
    const send_result r = send_logout_msg(text, now_ns);
    logout_deadline_ns_ = now_ns + cfg_.logout_timeout_ns;
    if (status_ != session_status::error) set_status(session_status::logging_out, session_error::none);
    return r;
  }

  // Logout "MsgSeqNum too low, expecting N but received M", then disconnect.
  void logout_seq_too_low(std::uint64_t expected, std::uint64_t received, std::int64_t now_ns) noexcept {
    char text[96];
    constexpr std::string_view a = "MsgSeqNum too low, expecting ", b = " but received ";
    std::size_t n = 0;
    std::memcpy(text, a.data(), a.size());
    n += a.size();
    n += codec::format_uint(text + n, expected);
    std::memcpy(text + n, b.data(), b.size());
    n += b.size();
    n += codec::format_uint(text + n, received);
    (void)send_logout_msg({text, n}, now_ns);
    fail(session_error::seq_too_low);
  }

  // Session-level Reject (35=3) of `ref`, routing tags reversed.
  // ref_tag 0: no RefTagID(371). (A tag number below 1 can only be reported
  // through reject_garbled(), which passes its own value.)
  void send_reject(const codec::message& ref, reject_reason reason, std::int64_t ref_tag, std::int64_t now_ns) noexcept {
    send_reject([&](std::uint32_t tag) noexcept { return ref.get_or(tag); }, ref.msg_type(), reason,
                ref_tag == 0 ? no_ref_tag : ref_tag, now_ns);
  }

  static constexpr std::int64_t no_ref_tag = INT64_MIN;

  // `field(tag)` answers the referenced message's value of a tag (empty when
  // absent). ref_tag no_ref_tag: no RefTagID(371).
  // Text(58): `text`, or the reason's FIX name when empty.
  template <class FieldOf>
  void send_reject(FieldOf&& field, std::string_view ref_type, reject_reason reason, std::int64_t ref_tag,
                   std::int64_t now_ns, std::string_view text = {}) noexcept {
    header_fields h;
    h.deliver_to_comp_id = field(115);
    h.deliver_to_sub_id = field(116);
    h.deliver_to_location_id = field(144);
    h.on_behalf_of_comp_id = field(128);
    h.on_behalf_of_sub_id = field(129);
    h.on_behalf_of_location_id = field(145);
    const std::string_view ref_seq = field(34);
    const std::string_view bs = cfg_.begin_string;
    const bool fix42 = bs == "FIX.4.2";
    ++stats_.rejects_sent;
    (void)send_sequenced("3", h, store::flag_admin, now_ns, [&](codec::encoder& e) noexcept {
      if (!ref_seq.empty()) e.add(45, ref_seq);
      e.add(58, text.empty() ? reject_text(reason) : text);
      if (pre42_) return;
      if (ref_tag != no_ref_tag) e.add_int(371, ref_tag);
      e.add(372, ref_type);
      const auto code = static_cast<std::uint32_t>(reason);
      if (!(fix42 && code > 11)) e.add_uint(373, code);
    });
  }

  [[nodiscard]] std::uint64_t infinity_end() const noexcept { return pre42_ ? 999999 : 0; }

  send_result send_resend_request_raw(std::uint64_t begin, std::uint64_t end, std::int64_t now_ns) noexcept {
    return send_sequenced("2", {}, store::flag_admin, now_ns, [&](codec::encoder& e) noexcept {
      e.add_uint(7, begin);
      e.add_uint(16, end);
    });
  }

  // Requests [begin, last] (last: the highest missing number), chunked per config.
  void send_resend_request(std::uint64_t begin, std::uint64_t last, std::int64_t now_ns) noexcept {
    const std::uint64_t chunk = cfg_.max_messages_per_resend_request;
    std::uint64_t end = infinity_end();
    gap_request_end_ = 0;
    if (chunk != 0) {
      end = last < begin + chunk - 1 ? last : begin + chunk - 1;
      gap_request_end_ = end;
    }
    gap_active_ = true;
    gap_progress_ns_ = now_ns;
    ++stats_.resend_requests_sent;
    (void)send_resend_request_raw(begin, end, now_ns);
  }

  // ---- resend (serving the counterparty's ResendRequest) -------------------

  void start_resend_job(std::uint64_t begin, std::uint64_t end, std::int64_t now_ns) noexcept {
    std::uint64_t last = store_.next_outbound_seq() - 1;
    if (backlog_from_ != 0 && backlog_from_ - 1 < last) last = backlog_from_ - 1;  // the rest goes out anyway
    if (end == 0 || end >= 999999 || end > last) end = last;
    if (begin == 0) begin = 1;
    if (begin > end) return;
    if (job_active_) {
      // A second request while one is being served: widen to cover both.
      if (begin < job_next_) job_next_ = begin;
      if (end > job_end_) job_end_ = end;
    } else {
      job_active_ = true;
      job_next_ = begin;
      job_end_ = end;
    }
    if (!transport_closed_) (void)run_resend_job(now_ns);
  }

  // Returns true when the job is finished; false when the sink pushed back.
  bool run_resend_job(std::int64_t now_ns) noexcept {
    while (job_next_ <= job_end_) {
      const std::uint64_t run_start = job_next_;
      store::stored_message sm{};
      while (job_next_ <= job_end_) {
        sm = store_.find_outbound(job_next_);
        if (resendable(sm)) break;
        ++job_next_;
      }
      if (run_start < job_next_) {
        if (!send_gap_fill(run_start, job_next_, now_ns)) {
          job_next_ = run_start;
          return false;
        }
      }
      if (job_next_ > job_end_) break;
      // Only the sink's refusal stops the job. A stored message that does not
      // parse, or does not fit once rewritten (a journal written with a larger
      // FixringMaxMessageBytes), is covered by a GapFill: skipping it silently
      // would leave the counterparty waiting for that number for good.
      const send_result r = resend_stored(sm, now_ns);
      if (r == send_result::back_pressured || r == send_result::closed) return false;
      if ((r == send_result::not_found || r == send_result::too_large) &&
          !send_gap_fill(job_next_, job_next_ + 1, now_ns)) {
        return false;
      }
      ++job_next_;
    }
    job_active_ = false;
    return true;
  }

  // Largest outbound message encoded: max_message_bytes less the room a
  // resend's rewrite needs (see resend_headroom_bytes).
  [[nodiscard]] std::size_t encode_limit() const noexcept {
    return cfg_.max_message_bytes > resend_headroom_bytes ? cfg_.max_message_bytes - resend_headroom_bytes
                                                          : cfg_.max_message_bytes;
  }

  // Application messages are resent; admin messages and those sent with
  // flag_no_resend are not (a resend covers them with a GapFill).
  [[nodiscard]] static bool resendable(const store::stored_message& sm) noexcept {
    return sm.found() && (sm.flags & (store::flag_admin | store::flag_no_resend)) == 0;
  }

  // Sends a stored message again, rewritten into the scratch buffer (43=Y,
  // 122 = its 52, a new 52). Answers sent; not_found when the stored bytes do
  // not parse; too_large when the rewritten form does not fit
  // max_message_bytes; back_pressured or closed from the sink (nothing kept).
  send_result resend_stored(const store::stored_message& sm, std::int64_t now_ns) noexcept {
    if (stored_msg_.parse({sm.bytes.data(), sm.bytes.size()}) != codec::parse_error::none) return send_result::not_found;
    const codec::encode_result r =
        rewrite_for_resend(stored_msg_, now_ns, precision_, scratch_.get(), cfg_.max_message_bytes);
    if (!r.ok()) return send_result::too_large;
    switch (transmit({scratch_.get(), r.size_bytes}, now_ns)) {
      case send_status::ok: ++stats_.messages_resent; return send_result::sent;
      case send_status::back_pressured: return send_result::back_pressured;
      case send_status::closed: return send_result::closed;
    }
    return send_result::closed;
  }

  // SequenceReset-GapFill at MsgSeqNum `seq` with NewSeqNo `new_seq`: not stored
  // (it reuses numbers already sent), written into the scratch buffer.
  bool send_gap_fill(std::uint64_t seq, std::uint64_t new_seq, std::int64_t now_ns) noexcept {
    codec::encoder e(scratch_.get(), cfg_.max_message_bytes);
    e.begin(cfg_.begin_string, "4");
    e.add_uint(34, seq);
    e.add(43, "Y");
    e.add(49, cfg_.sender_comp_id);
    e.add_timestamp(52, now_ns, precision_);
    e.add(56, cfg_.target_comp_id);
    e.add_timestamp(122, now_ns, precision_);
    e.add_uint(36, new_seq);
    e.add(123, "Y");
    const codec::encode_result r = e.finish();
    if (!r.ok()) return true;
    if (transmit({scratch_.get(), r.size_bytes}, now_ns) != send_status::ok) return false;
    ++stats_.sequence_resets_sent;
    ++stats_.messages_sent;
    return true;
  }

  // ---- inbound ------------------------------------------------------------

  [[nodiscard]] bool sending_time_ok(const codec::message& m, std::int64_t now_ns) const noexcept {
    if (!cfg_.check_latency) return true;
    codec::utc_timestamp t;
    if (!m.get_timestamp(52, t)) return false;
    const std::int64_t d = t.ns_since_epoch - now_ns;
    return d <= cfg_.max_latency_ns && -d <= cfg_.max_latency_ns;
  }

  [[nodiscard]] bool comp_ids_ok(const codec::message& m) const noexcept {
    return !cfg_.check_comp_ids ||
           (m.get_or(49) == std::string_view(cfg_.target_comp_id) && m.get_or(56) == std::string_view(cfg_.sender_comp_id));
  }

  // Journals an inbound message under `seq`. False when the store refused it:
  // the session is then in error and the message must not reach the
  // application (after a restart the counterparty resends it, so delivering
  // it now would deliver it twice).
  bool consume(const codec::message& m, std::uint64_t seq, std::int64_t now_ns) noexcept {
    return consume(m.bytes(), m.msg_type(), seq, now_ns);
  }
  bool consume(std::string_view bytes, std::string_view type, std::uint64_t seq, std::int64_t now_ns) noexcept {
    return journal_inbound(bytes, seq, detail::is_admin_type(type) ? store::flag_admin : store::flag_none, now_ns);
  }
  bool journal_inbound(std::string_view bytes, std::uint64_t seq, std::uint32_t flags, std::int64_t now_ns) noexcept {
    if (store_.record_inbound(seq, {bytes.data(), bytes.size()}, flags, now_ns) != store::store_status::ok) {
      fail(session_error::store_failure);
      return false;
    }
    return true;
  }

  // A framed message whose fields could not be indexed. Discarded silently,
  // unless the validator recognises a tag number below 1 ("0=", "-1="), which
  // FIX answers with Reject "Invalid tag number" (RefTagID that number).
  void on_garbled(std::string_view bytes, std::int64_t now_ns) noexcept {
    ++stats_.garbled_discarded;
    if constexpr (requires(const Validator& v, std::string_view b, std::int64_t& t) {
                    { v.find_invalid_tag(b, t) } noexcept -> std::same_as<bool>;
                  }) {
      if (status_ != session_status::active && status_ != session_status::logging_out) return;
      std::int64_t tag = 0;
      if (!validator_.find_invalid_tag(bytes, tag)) return;
      reject_unparsed(bytes, reject_reason::invalid_tag_number, tag, now_ns);
    } else {
      (void)bytes;
      (void)now_ns;
    }
  }

  // Rejects a framed message the index could not take (`bytes`, read field by
  // field), counting it as received instead of discarded, and consumes its
  // MsgSeqNum when it is the expected one.
  void reject_unparsed(std::string_view bytes, reject_reason reason, std::int64_t ref_tag, std::int64_t now_ns) noexcept {
    recount_as_received(bytes.size(), now_ns);
    const auto field = [&](std::uint32_t t) noexcept { return detail::raw_field(bytes, t); };
    const std::string_view type = field(35);
    send_reject(field, type, reason, ref_tag, now_ns);
    std::uint64_t seq = 0;
    if (codec::parse_uint(field(34), seq) && seq == store_.next_inbound_seq()) (void)consume(bytes, type, seq, now_ns);
    drain_queue(now_ns);
    check_gap_progress(now_ns);
  }

  // A message first counted as garbled that is answered after all: counted
  // as received instead.
  void recount_as_received(std::uint64_t size_bytes, std::int64_t now_ns) noexcept {
    --stats_.garbled_discarded;
    ++stats_.messages_received;
    stats_.bytes_received += size_bytes;
    last_received_ns_ = now_ns;
  }

  // A well-framed message with more fields than the index holds. Discarding
  // it silently would stall the session for good (its resend is discarded the
  // same way, and everything behind it waits in the gap queue), so at the
  // expected MsgSeqNum it is rejected (SessionRejectReason 99, Other) and its
  // number consumed. Above the expected number it is dropped like a garbled
  // message: the gap is asked for, and the resend arrives in sequence.
  void reject_unindexable(std::string_view bytes, std::int64_t now_ns) noexcept {
    ++stats_.garbled_discarded;
    if (status_ != session_status::active && status_ != session_status::logging_out) return;
    std::uint64_t seq = 0;
    if (!codec::parse_uint(detail::raw_field(bytes, 34), seq) || seq != store_.next_inbound_seq()) return;
    reject_unparsed(bytes, reject_reason::other, no_ref_tag, now_ns);
  }

  // A message larger than max_message_bytes that arrived whole, with a valid
  // CheckSum (oversize_ holds its first bytes). Discarding it silently would
  // stall the session as an unindexable one would (see reject_unindexable()):
  // its resend is just as large. Read from its header, like those:
  // - at the expected MsgSeqNum: Reject(99, Other) "message of N bytes exceeds
  //   FixringMaxMessageBytes M", and the number consumed without journaling
  //   the message (the journal records the new expected number instead);
  // - above it: a ResendRequest up to and including it, whose resend arrives
  //   in sequence and is rejected then;
  // - below it: dropped with PossDupFlag=Y, else Logout "MsgSeqNum too low";
  // - no readable MsgSeqNum or MsgType in its first header_capture_bytes:
  //   Logout with that Text, then the disconnect
  //   (session_error::message_too_large).
  void reject_oversized(std::int64_t now_ns) noexcept {
    if (status_ != session_status::active && status_ != session_status::logging_out) return;
    recount_as_received(oversize_.size_bytes(), now_ns);
    char text[128];
    std::size_t n = 0;
    const auto put = [&](std::string_view t) noexcept {
      std::memcpy(text + n, t.data(), t.size());
      n += t.size();
    };
    put("message of ");
    n += detail::format_grouped(text + n, oversize_.size_bytes());
    put(" bytes exceeds FixringMaxMessageBytes ");
    n += detail::format_grouped(text + n, cfg_.frame_limits.max_message_bytes);
    const std::string_view why(text, n);
    const std::string_view header = oversize_.header();
    const auto field = [&](std::uint32_t t) noexcept { return detail::raw_field(header, t); };
    const std::string_view type = field(35);
    std::uint64_t seq = 0;
    if (!codec::parse_uint(field(34), seq) || type.empty()) {
      (void)begin_logout(why, now_ns);
      last_error_ = session_error::message_too_large;
      return;
    }
    const std::uint64_t expected = store_.next_inbound_seq();
    if (seq > expected) return ask_for_gap(seq, seq, now_ns);
    if (seq < expected) {
      if (field(43) != "Y") return logout_seq_too_low(expected, seq, now_ns);
      ++stats_.duplicates_dropped;
      return;
    }
    send_reject(field, type, reject_reason::other, no_ref_tag, now_ns, why);
    if (store_.set_next_inbound_seq(seq + 1) != store::store_status::ok) return fail(session_error::store_failure);
    drain_queue(now_ns);
    check_gap_progress(now_ns);
  }

  void handle_logon_phase(const codec::message& m, std::int64_t now_ns) noexcept {
    std::uint64_t seq = 0;
    std::int64_t hb_s = 0;
    if (m.msg_type() != "A") {
      if (m.msg_type() == "5") ++stats_.logouts_received;
      fail(session_error::invalid_logon);
      return;
    }
    if (m.begin_string() != std::string_view(cfg_.begin_string) || !comp_ids_ok(m) || !m.get_uint(34, seq) ||
        !sending_time_ok(m, now_ns) || !m.get_int(108, hb_s) || hb_s < 0 || (fixt_ && !m.has(1137))) {
      fail(session_error::invalid_logon);
      return;
    }
    if (!handler_.authenticate_logon(m)) {
      fail(session_error::authentication_failed);
      return;
    }
    // Authenticated: now ResetSeqNumFlag and ResetOnLogon are acted on.
    bool peer_reset = false;
    (void)m.get_bool(141, peer_reset);
    if (fixt_) remember_appl_ver_id(m.get_or(1137));
    if (cfg_.role == session_role::acceptor) {
      if ((peer_reset || cfg_.reset_on_logon) && !reset_store(now_ns)) return;
      heartbeat_ns_ = hb_s * detail::ns_per_s;
    } else if (peer_reset && !sent_reset_) {
      if (store_.set_next_inbound_seq(1) != store::store_status::ok) return fail(session_error::store_failure);
    }
    const std::uint64_t expected = store_.next_inbound_seq();
    if (seq < expected) {
      logout_seq_too_low(expected, seq, now_ns);
      return;
    }
    // The initiator's Logon went out already; the acceptor answers now, after
    // consuming the Logon so that its NextExpectedMsgSeqNum(789) counts it.
    if (seq == expected) consume(m, seq, now_ns);
    std::uint64_t our_logon_seq = store_.next_outbound_seq() - 1;
    std::uint64_t in_sync_789 = our_logon_seq + 1;  // the acceptor has seen our Logon
    if (cfg_.role == session_role::acceptor) {
      our_logon_seq = store_.next_outbound_seq();
      in_sync_789 = our_logon_seq;  // the initiator had not seen our answer yet
      (void)send_logon(now_ns, peer_reset);
    }
    sent_reset_ = false;  // a reset asked for in our Logon is answered by this one
    set_status(session_status::active, session_error::none);
    if (seq > expected) on_too_high(m, seq, true, now_ns);
    std::uint64_t next_expected = 0;
    if (m.get_uint(789, next_expected)) {
      if (next_expected > in_sync_789) {
        (void)begin_logout("NextExpectedMsgSeqNum too high", now_ns);
        last_error_ = session_error::next_expected_too_high;
      } else if (next_expected < our_logon_seq) {
        start_resend_job(next_expected, our_logon_seq - 1, now_ns);
      }
    }
  }

  void handle_session_message(const codec::message& m, std::int64_t now_ns) noexcept {
    const std::string_view type = m.msg_type();
    if (m.begin_string() != std::string_view(cfg_.begin_string)) {
      (void)begin_logout("Incorrect BeginString", now_ns);
      return;
    }
    std::uint64_t seq = 0;
    const bool has_seq = m.get_uint(34, seq);
    // Dictionary checks come first (a missing or empty CompID is a dictionary
    // fault, reported as such, not as a CompID problem).
    if (const validation_result v = validator_.validate(m); !v.ok()) {
      reject_in_sequence(m, has_seq ? seq : 0, v.reason, v.ref_tag, now_ns);
      return;
    }
    if (!has_seq) {
      (void)begin_logout("MsgSeqNum(34) missing", now_ns);
      return;
    }
    if (!comp_ids_ok(m)) {
      send_reject(m, reject_reason::comp_id_problem, 0, now_ns);
      if (seq == store_.next_inbound_seq()) consume(m, seq, now_ns);
      (void)begin_logout({}, now_ns);
      return;
    }
    if (!m.has(52)) {
      reject_in_sequence(m, seq, reject_reason::required_tag_missing, 52, now_ns);
      return;
    }
    if (!sending_time_ok(m, now_ns)) {
      send_reject(m, reject_reason::sending_time_accuracy_problem, 0, now_ns);
      if (seq == store_.next_inbound_seq()) consume(m, seq, now_ns);
      (void)begin_logout({}, now_ns);
      return;
    }
    if (!detail::msg_type_well_formed(type)) {
      reject_in_sequence(m, seq, reject_reason::invalid_msg_type, 0, now_ns);
      return;
    }
    const std::uint64_t expected = store_.next_inbound_seq();
    if (type.size() == 1) {
      switch (type[0]) {
        case '5':  // Logout: acted on whatever its MsgSeqNum
          handle_logout(m, seq, now_ns);
          return;
        case '2':  // ResendRequest: acted on whatever its MsgSeqNum
          if (!serve_resend_request(m, seq, now_ns)) return;
          if (seq == expected) {
            consume(m, seq, now_ns);
          } else if (seq > expected) {
            on_too_high(m, seq, true, now_ns);
          }
          return;
        case 'A': {  // Logon with 141=Y: in-session reset, whatever its MsgSeqNum
          bool reset = false;
          if (m.get_bool(141, reset) && reset) {
            handle_logon_in_session(m, seq, now_ns);
            return;
          }
          break;
        }
        case '4': {
          bool gap_fill = false;
          (void)m.get_bool(123, gap_fill);
          if (!gap_fill) {  // Reset mode: no sequence checks
            apply_sequence_reset(m, now_ns);
            return;
          }
          break;
        }
        default: break;
      }
    }
    if (seq > expected) {
      on_too_high(m, seq, false, now_ns);
    } else if (seq < expected) {
      on_too_low(m, seq, expected, now_ns);
    } else {
      process_in_sequence(m, seq, false, now_ns);
    }
  }

  // Reject; a message at the expected number consumes it (except Logon and
  // SequenceReset, whose numbers the sender accounts for differently).
  void reject_in_sequence(const codec::message& m, std::uint64_t seq, reject_reason reason, std::int64_t tag,
                          std::int64_t now_ns) noexcept {
    send_reject(m, reason, tag, now_ns);
    if (seq == store_.next_inbound_seq() && m.msg_type() != "A" && m.msg_type() != "4") consume(m, seq, now_ns);
  }

  void handle_logout(const codec::message& m, std::uint64_t seq, std::int64_t now_ns) noexcept {
    ++stats_.logouts_received;
    if (seq == store_.next_inbound_seq()) consume(m, seq, now_ns);
    if (status_ == session_status::logging_out) {
      finish_logout(now_ns);  // the answer to ours
      return;
    }
    (void)send_logout_msg({}, now_ns);
    set_status(session_status::logging_out, session_error::none);
    finish_logout(now_ns);
  }

  // False when the request was rejected.
  bool serve_resend_request(const codec::message& m, std::uint64_t seq, std::int64_t now_ns) noexcept {
    ++stats_.resend_requests_received;
    std::uint64_t begin = 0, end = 0;
    if (!m.get_uint(7, begin)) {
      reject_in_sequence(m, seq, reject_reason::required_tag_missing, 7, now_ns);
      return false;
    }
    if (!m.get_uint(16, end)) {
      reject_in_sequence(m, seq, reject_reason::required_tag_missing, 16, now_ns);
      return false;
    }
    start_resend_job(begin, end, now_ns);
    return true;
  }

  // gap_fill: a SequenceReset-GapFill at exactly the expected MsgSeqNum, which
  // is journaled under its own number (so the journal shows every inbound
  // number: the GapFill's, then those it fills by the NewSeqNo jump).
  void apply_sequence_reset(const codec::message& m, std::int64_t now_ns, bool gap_fill = false) noexcept {
    ++stats_.sequence_resets_received;
    std::uint64_t new_seq = 0, seq = 0;
    (void)m.get_uint(34, seq);
    if (!m.get_uint(36, new_seq)) {
      // Not consumed (as for any SequenceReset): the sender fills the gap again.
      reject_in_sequence(m, seq, reject_reason::required_tag_missing, 36, now_ns);
      return;
    }
    const std::uint64_t expected = store_.next_inbound_seq();
    if (new_seq > expected) {
      if (gap_fill && seq == expected) {
        consume(m, seq, now_ns);
        if (new_seq == seq + 1 || !accepting_input()) return;
      }
      if (store_.set_next_inbound_seq(new_seq) != store::store_status::ok) fail(session_error::store_failure);
    } else if (new_seq < expected) {
      send_reject(m, reject_reason::value_out_of_range, 0, now_ns);
    }
  }

  void on_too_high(const codec::message& m, std::uint64_t seq, bool acted, std::int64_t now_ns) noexcept {
    if (!queue_.push(seq, m.bytes(), acted)) {
      ++stats_.queue_overflows;
      if (cfg_.queue_policy == queue_full_policy::disconnect) {
        (void)begin_logout("Inbound queue full", now_ns);
        last_error_ = session_error::queue_overflow;
        return;
      }
    }
    ask_for_gap(seq, seq - 1, now_ns);
  }

  // A message numbered `seq` arrived above the expected number: the gap from
  // the expected number to `last` is asked for, unless a ResendRequest is out
  // already (and SendRedundantResendRequests is off).
  void ask_for_gap(std::uint64_t seq, std::uint64_t last, std::int64_t now_ns) noexcept {
    if (seq > gap_target_ || !gap_active_) gap_target_ = seq;
    if (!gap_active_ || cfg_.send_redundant_resend_requests) {
      ++stats_.gaps_detected;
      send_resend_request(store_.next_inbound_seq(), last, now_ns);
    }
  }

  void on_too_low(const codec::message& m, std::uint64_t seq, std::uint64_t expected, std::int64_t now_ns) noexcept {
    bool poss_dup = false;
    (void)m.get_bool(43, poss_dup);
    if (!poss_dup) {
      logout_seq_too_low(expected, seq, now_ns);
      return;
    }
    if (m.msg_type() != "4" && !orig_sending_time_ok(m, now_ns)) return;
    ++stats_.duplicates_dropped;
  }

  // PossDupFlag=Y: OrigSendingTime must be present and not after SendingTime.
  // Sends the Reject (and Logout) itself; false when it did.
  bool orig_sending_time_ok(const codec::message& m, std::int64_t now_ns) noexcept {
    codec::utc_timestamp orig, sent;
    if (!m.has(122)) {
      send_reject(m, reject_reason::required_tag_missing, 122, now_ns);
      return false;
    }
    if (m.get_timestamp(122, orig) && m.get_timestamp(52, sent) && orig.ns_since_epoch > sent.ns_since_epoch) {
      send_reject(m, reject_reason::sending_time_accuracy_problem, 0, now_ns);
      (void)begin_logout({}, now_ns);
      return false;
    }
    return true;
  }

  // A message at exactly the expected MsgSeqNum (fresh or from the queue).
  void process_in_sequence(const codec::message& m, std::uint64_t seq, bool acted, std::int64_t now_ns) noexcept {
    const std::string_view type = m.msg_type();
    if (acted) {  // Logon / ResendRequest acted on when it arrived early
      consume(m, seq, now_ns);
      return;
    }
    bool poss_dup = false;
    (void)m.get_bool(43, poss_dup);
    if (poss_dup && type != "4" && !orig_sending_time_ok(m, now_ns)) {
      consume(m, seq, now_ns);
      return;
    }
    if (type.size() == 1) {
      switch (type[0]) {
        case '0':
          ++stats_.heartbeats_received;
          consume(m, seq, now_ns);
          return;
        case '1': {
          ++stats_.test_requests_received;
          consume(m, seq, now_ns);
          std::string_view id;
          if (!m.get(112, id)) {
            send_reject(m, reject_reason::required_tag_missing, 112, now_ns);
            return;
          }
          // Echoed as received, even empty (when the dictionary allows empty values).
          if (heartbeats_suppressed_) return;
          ++stats_.heartbeats_sent;
          (void)send_sequenced("0", {}, store::flag_admin, now_ns,
                               [&](codec::encoder& e) noexcept { e.add(112, id); });
          return;
        }
        case '3':
          ++stats_.rejects_received;
          consume(m, seq, now_ns);
          return;
        case '4':
          apply_sequence_reset(m, now_ns, true);
          return;
        case '2':  // from the queue is handled by `acted`; here only a fresh one
          consume(m, seq, now_ns);
          return;
        case '5':
          handle_logout(m, seq, now_ns);
          return;
        case 'A':
          handle_logon_in_session(m, seq, now_ns);
          return;
        default: break;
      }
    }
    if (!consume(m, seq, now_ns)) return;
    handler_.on_app_message(m, now_ns);
  }

  // A Logon while logged on: an in-session sequence reset (141=Y) or an error.
  void handle_logon_in_session(const codec::message& m, std::uint64_t seq, std::int64_t now_ns) noexcept {
    bool reset = false;
    (void)m.get_bool(141, reset);
    if (!reset) {
      consume(m, seq, now_ns);
      (void)begin_logout("Logon received while logged on", now_ns);
      return;
    }
    if (sent_reset_) {  // the answer to our reset
      sent_reset_ = false;
      if (seq == store_.next_inbound_seq()) consume(m, seq, now_ns);
      return;
    }
    if (!handler_.authenticate_logon(m)) {
      fail(session_error::authentication_failed);
      return;
    }
    std::int64_t hb_s = 0;
    if (cfg_.role == session_role::acceptor && m.get_int(108, hb_s) && hb_s >= 0) heartbeat_ns_ = hb_s * detail::ns_per_s;
    if (!reset_store(now_ns)) return;
    if (seq == 1) consume(m, seq, now_ns);
    (void)send_logon(now_ns, true);
  }

  void drain_queue(std::int64_t now_ns) noexcept {
    if (draining_) return;
    draining_ = true;
    while (!queue_.empty() && accepting_input()) {
      const detail::inbound_queue::entry e = queue_.front();
      const std::uint64_t expected = store_.next_inbound_seq();
      if (e.seq > expected) break;
      queue_.pop_front();  // bytes stay readable until the next push
      if (e.seq < expected) {
        // A GapFill jumped over it. One acted on when it arrived (a Logon or
        // ResendRequest) still goes into the journal, under its own number.
        if (e.acted) (void)journal_inbound(queue_.bytes(e), e.seq, store::flag_admin, now_ns);
        continue;
      }
      if (queued_msg_.parse(queue_.bytes(e), data_fields()) != codec::parse_error::none) continue;
      process_in_sequence(queued_msg_, e.seq, e.acted, now_ns);
    }
    draining_ = false;
  }

  void check_gap_progress(std::int64_t now_ns) noexcept {
    if (!gap_active_ || status_ != session_status::active) return;
    const std::uint64_t next_in = store_.next_inbound_seq();
    if (next_in != gap_seen_next_in_) {
      gap_seen_next_in_ = next_in;
      gap_progress_ns_ = now_ns;
    }
    if (next_in > gap_target_) {
      gap_active_ = false;  // everything up to the highest early message is here
      return;
    }
    if (gap_request_end_ != 0 && next_in > gap_request_end_) send_resend_request(next_in, gap_target_ - 1, now_ns);
  }

  // ---- state ----------------------------------------------------------------

  session_config cfg_;
  Store& store_;
  Sink& sink_;
  Handler& handler_;
  Validator validator_;
  detail::inbound_queue queue_;
  std::unique_ptr<char[]> scratch_;  // resends and GapFills (never stored)

  session_status status_ = session_status::disconnected;
  session_error last_error_ = session_error::none;
  session_stats stats_;
  codec::time_precision precision_ = codec::time_precision::ms;
  bool fixt_ = false;
  bool pre42_ = false;

  std::int64_t heartbeat_ns_ = 0;
  std::int64_t last_sent_ns_ = 0;
  std::int64_t last_received_ns_ = 0;
  std::int64_t logon_deadline_ns_ = 0;
  std::int64_t logout_deadline_ns_ = 0;
  bool test_request_pending_ = false;
  bool sent_reset_ = false;     // our Logon carried 141=Y; the peer's answer is the confirmation
  bool reset_pending_ = false;  // reset_sequence_numbers() before the next Logon
  bool transport_closed_ = false;
  bool draining_ = false;
  bool heartbeats_suppressed_ = false;  // set_heartbeats_suppressed()
  std::array<char, 16> peer_appl_ver_id_{};  // echoed in 1137 when none is configured
  std::size_t peer_appl_ver_id_bytes_ = 0;

  // Our open gap (ResendRequest sent, waiting for the counterparty).
  bool gap_active_ = false;
  std::uint64_t gap_target_ = 0;       // highest MsgSeqNum seen early
  std::uint64_t gap_request_end_ = 0;  // EndSeqNo of the chunk requested; 0 = all
  std::uint64_t gap_seen_next_in_ = 0;
  std::int64_t gap_progress_ns_ = 0;

  // Serving the counterparty's ResendRequest.
  bool job_active_ = false;
  std::uint64_t job_next_ = 0;
  std::uint64_t job_end_ = 0;

  std::uint64_t backlog_from_ = 0;  // first stored MsgSeqNum the sink refused; 0: none

  detail::oversize_tracker oversize_;  // a message beyond the size limit, arriving

  codec::message parse_msg_;
  codec::message queued_msg_;
  codec::message stored_msg_;
};

}  // namespace fixring::engine
