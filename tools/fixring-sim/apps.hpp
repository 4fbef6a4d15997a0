// The test applications behind fixring-sim, shared with the in-process run of
// the session acceptance suite (tests/conformance/inproc_conformance.cpp).
//
//   echo_responder  the acceptance suite's application (../shared/conformance
//                   README, "The application behind the acceptor"):
//                   NewOrderSingle(D) echoed back as a new message with body
//                   fields in ascending tag order, values byte for byte,
//                   PossResend(97) kept, 43/122 dropped; a 97=Y repeat of a
//                   ClOrdID seen since the last logout is ignored;
//                   SecurityDefinition(d) echoed; anything else answered with
//                   BusinessMessageReject 380=3 "Unsupported Message Type".
//   fill_responder  answers each NewOrderSingle with two ExecutionReports:
//                   New (150=0, 39=0) then a full Fill (150=F or 2, 39=2).
//
// Both talk to their session through an `Out` the caller supplies:
//   out.send(msg_type, body_fn, header_fields)      body_fn(codec::encoder&)
//   out.business_reject(ref_message, reason, text)
// so the same logic answers through a bare session core (with a fake clock)
// or through fixring::engine::engine.
//
// Thread contract: one responder per session, called on that session's thread.
// Ownership: a responder keeps copies of ClOrdIDs (echo) and its scratch field
// list; it allocates while they grow (test applications, not a hot path).
#pragma once

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fixring/codec/encoder.hpp"
#include "fixring/codec/message.hpp"
#include "fixring/engine/session/session_types.hpp"

namespace fixring::sim {

// Standard header and trailer tags: everything that is not echoed as body.
[[nodiscard]] inline bool is_header_or_trailer_tag(std::uint32_t tag) noexcept {
  switch (tag) {
    case 8: case 9: case 35: case 34: case 43: case 49: case 50: case 52: case 56: case 57: case 97:
    case 115: case 116: case 122: case 128: case 129: case 142: case 143: case 144: case 145: case 369:
    case 627: case 1128: case 1129: case 1156: case 10: case 89: case 93: case 90: case 91: case 212:
    case 213: case 347:
      return true;
    default:
      return false;
  }
}

class echo_responder {
 public:
  template <class Out>
  void on_app_message(Out& out, const codec::message& m) {
    const std::string_view type = m.msg_type();
    if (type == "D") {
      char pr = 0;
      const bool poss_resend = m.get_char(97, pr) && pr == 'Y';
      std::string id(m.get_or(11));
      if (poss_resend && seen_cl_ord_ids_.count(id) != 0) return;  // the MsgSeqNum is consumed all the same
      seen_cl_ord_ids_.insert(std::move(id));
      echo(out, m);
    } else if (type == "d") {
      echo(out, m);
    } else {
      out.business_reject(m, 3, "Unsupported Message Type");
    }
  }

  // The session logged out or lost its connection: ClOrdIDs are forgotten.
  void on_session_down() noexcept { seen_cl_ord_ids_.clear(); }

 private:
  template <class Out>
  void echo(Out& out, const codec::message& m) {
    engine::header_fields h;
    char pr = 0;
    h.poss_resend = m.get_char(97, pr) && pr == 'Y';
    body_.clear();
    for (const codec::field_ref& f : m.fields())
      if (!is_header_or_trailer_tag(f.tag)) body_.push_back(f);
    std::stable_sort(body_.begin(), body_.end(), [](const auto& x, const auto& y) { return x.tag < y.tag; });
    out.send(
        m.msg_type(),
        [&](codec::encoder& e) noexcept {
          for (const codec::field_ref& f : body_) e.add(f.tag, m.value(f));
        },
        h);
  }

  std::set<std::string> seen_cl_ord_ids_;
  std::vector<codec::field_ref> body_;
};

class fill_responder {
 public:
  template <class Out>
  void on_app_message(Out& out, const codec::message& m) {
    if (m.msg_type() != "D") {
      out.business_reject(m, 3, "Unsupported Message Type");
      return;
    }
    const bool fix42 = m.get_or(8) == "FIX.4.2";
    const std::string_view cl_ord_id = m.get_or(11);
    const std::string_view symbol = m.get_or(55, "N/A");
    const std::string_view side = m.get_or(54, "1");
    const std::string_view qty = m.get_or(38, "0");
    const std::string_view px = m.get_or(44, "0");
    const std::uint64_t order_id = ++orders_;
    for (int leg = 0; leg < 2; ++leg) {
      const bool fill = leg == 1;
      const std::uint64_t exec_id = ++execs_;
      out.send(
          "8",
          [&](codec::encoder& e) noexcept {
            e.add(6, fill ? px : std::string_view("0"));       // AvgPx
            e.add(11, cl_ord_id);                               // ClOrdID
            e.add(14, fill ? qty : std::string_view("0"));      // CumQty
            e.add_uint(17, exec_id);                            // ExecID
            if (fix42) e.add_char(20, '0');                     // ExecTransType New
            if (fill) {
              e.add(31, px);                                    // LastPx
              e.add(32, qty);                                   // LastQty
            }
            e.add_uint(37, order_id);                           // OrderID
            e.add(38, qty);                                     // OrderQty
            e.add_char(39, fill ? '2' : '0');                   // OrdStatus
            e.add(54, side);                                    // Side
            e.add(55, symbol);                                  // Symbol
            e.add_char(150, fill ? (fix42 ? '2' : 'F') : '0');  // ExecType
            e.add(151, fill ? std::string_view("0") : qty);     // LeavesQty
          },
          engine::header_fields{});
    }
  }
  void on_session_down() noexcept {}

 private:
  std::uint64_t orders_ = 0;
  std::uint64_t execs_ = 0;
};

}  // namespace fixring::sim
