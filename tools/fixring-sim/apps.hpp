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
//   fill_responder  answers each NewOrderSingle with ExecutionReports, per
//                   fill_options: by default New (150=0, 39=0) then a full
//                   Fill (150=F or 2, 39=2); or a share of orders Rejected
//                   (150=8, 39=8, 58=reason) chosen by a seeded generator;
//                   or New then N partial fills (the last 39=2); or New then
//                   Canceled (150=4, 39=4); optionally each answer deferred
//                   by a latency, sent from on_tick(out, now_ns). Anything
//                   but NewOrderSingle: BusinessMessageReject 380=3.
//
// Both talk to their session through an `Out` the caller supplies:
//   out.send(msg_type, body_fn, header_fields)      body_fn(codec::encoder&); answers
//                                                   void, or bool (true: sequenced)
//   out.business_reject(ref_message, reason, text)
// so the same logic answers through a bare session core (with a fake clock)
// or through fixring::engine::engine.
//
// Thread contract: one responder per session, called on that session's thread.
// Ownership: a responder keeps copies of ClOrdIDs (echo), its scratch field
// list, and the orders waiting for their latency (fill, at most
// fill_options::max_deferred_orders); it allocates while they grow (test
// applications, not a hot path).
#pragma once

#include <algorithm>
#include <array>
#include <deque>
#include <type_traits>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fixring/codec/encoder.hpp"
#include "fixring/codec/message.hpp"
#include "fixring/codec/types.hpp"
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

// How fill_responder answers a NewOrderSingle (fixring-sim --reject-ratio,
// --fill, --fill-latency-us, --seed). The defaults are the plain New + Fill.
enum class fill_mode : std::uint8_t {
  full,     // New, then one Fill (39=2)
  partial,  // New, partial_fills - 1 partial fills (39=1), then the last fill (39=2)
  cancel,   // New, then Canceled (150=4, 39=4)
};

struct fill_options {
  double reject_ratio = 0.0;         // share of orders answered with one Rejected report, [0, 1]
  fill_mode mode = fill_mode::full;
  std::uint32_t partial_fills = 2;   // fill_mode::partial: fills per order, the last completing it
  std::int64_t latency_ns = 0;       // answers leave this long after the order arrived
  std::uint64_t seed = 1;            // reject choices; the same seed gives the same choices
  std::size_t max_deferred_orders = 65536;  // bound of the latency queue; beyond it, answered at once
};

// What a fill_responder did, over its life.
struct fill_stats {
  std::uint64_t orders_received = 0;
  std::uint64_t orders_rejected = 0;
  std::uint64_t business_rejects = 0;
  std::uint64_t exec_reports = 0;                   // accepted by the session (sequenced)
  std::array<std::uint64_t, 128> by_exec_type{};    // exec_reports by ExecType(150) character
  std::uint64_t answers_dropped = 0;                // deferred answers lost: the session went down first
  std::uint64_t deferred_overflow = 0;              // orders answered at once: the latency queue was full
  std::uint64_t cl_ord_id_checksum = 0;             // sum mod 2^64 of fnv1a64(ClOrdID): order independent
};

// FNV-1a, 64 bits: the ClOrdID checksum's hash (fill_stats::cl_ord_id_checksum).
[[nodiscard]] constexpr std::uint64_t fnv1a64(std::string_view s) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

// splitmix64: a small, seedable, deterministic generator.
class split_mix64 {
 public:
  explicit split_mix64(std::uint64_t seed) noexcept : state_(seed) {}
  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double next_unit() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  std::uint64_t state_;
};

// The quantities of each fill of `qty` split into at most `fills` parts: the
// first parts are qty/fills (in units of its last decimal), the last takes the
// remainder; never a zero-size part (a quantity of 2 units in 3 fills is 2 fills).
[[nodiscard]] inline std::vector<codec::decimal> split_quantity(codec::decimal qty, std::uint32_t fills) {
  std::vector<codec::decimal> parts;
  const std::int64_t units = qty.mantissa;
  if (units <= 0 || fills <= 1) {
    parts.push_back(qty);
    return parts;
  }
  const auto n = static_cast<std::int64_t>(fills) < units ? static_cast<std::int64_t>(fills) : units;
  const std::int64_t each = units / n;
  for (std::int64_t i = 0; i + 1 < n; ++i) parts.push_back(codec::decimal{each, qty.scale});
  parts.push_back(codec::decimal{units - each * (n - 1), qty.scale});
  return parts;
}

class fill_responder {
 public:
  fill_responder() : fill_responder(fill_options{}) {}
  explicit fill_responder(const fill_options& options, std::uint64_t stream = 0)
      : opts_(options), rng_(options.seed * 0x9e3779b97f4a7c15ull + stream) {}

  // Answers at once (whatever latency_ns says): the form for callers without a clock.
  template <class Out>
  void on_app_message(Out& out, const codec::message& m) {
    if (m.msg_type() != "D") {
      business_reject(out, m);
      return;
    }
    order o = read_order(m);
    answer(out, o);
  }

  // Answers now, or latency_ns after now_ns (from on_tick) when it is set.
  template <class Out>
  void on_app_message(Out& out, const codec::message& m, std::int64_t now_ns) {
    if (m.msg_type() != "D") {
      business_reject(out, m);
      return;
    }
    order o = read_order(m);
    if (opts_.latency_ns <= 0) {
      answer(out, o);
    } else if (deferred_.size() >= opts_.max_deferred_orders) {
      ++stats_.deferred_overflow;
      answer(out, o);
    } else {
      o.due_ns = now_ns + opts_.latency_ns;
      deferred_.push_back(std::move(o));
    }
  }

  // Sends the deferred answers that are due at now_ns (arrival order is due order).
  template <class Out>
  void on_tick(Out& out, std::int64_t now_ns) {
    while (!deferred_.empty() && deferred_.front().due_ns <= now_ns) {
      answer(out, deferred_.front());
      deferred_.pop_front();
    }
  }

  // The session logged out or lost its connection: answers not sent yet are dropped.
  void on_session_down() noexcept {
    stats_.answers_dropped += deferred_.size();
    deferred_.clear();
  }

  [[nodiscard]] const fill_stats& stats() const noexcept { return stats_; }
  [[nodiscard]] std::size_t deferred_orders() const noexcept { return deferred_.size(); }

 private:
  struct order {
    std::string cl_ord_id, symbol, side, qty_text, px_text;
    codec::decimal qty{};
    bool qty_ok = false;
    bool fix42 = false;
    bool reject = false;
    std::int64_t due_ns = 0;
  };

  // Out::send may answer void (always counted) or bool (counted when true).
  template <class Out, class BodyFn>
  bool send(Out& out, std::string_view type, BodyFn&& body) {
    if constexpr (std::is_void_v<decltype(out.send(type, body, engine::header_fields{}))>) {
      out.send(type, body, engine::header_fields{});
      return true;
    } else {
      return static_cast<bool>(out.send(type, body, engine::header_fields{}));
    }
  }

  template <class Out>
  void business_reject(Out& out, const codec::message& m) {
    ++stats_.business_rejects;
    out.business_reject(m, 3, "Unsupported Message Type");
  }

  order read_order(const codec::message& m) {
    order o;
    o.fix42 = m.get_or(8) == "FIX.4.2";
    o.cl_ord_id = m.get_or(11);
    o.symbol = m.get_or(55, "N/A");
    o.side = m.get_or(54, "1");
    o.qty_text = m.get_or(38, "0");
    o.px_text = m.get_or(44, "0");
    o.qty_ok = codec::parse_decimal(o.qty_text, o.qty);
    ++stats_.orders_received;
    stats_.cl_ord_id_checksum += fnv1a64(o.cl_ord_id);
    // One draw per order whatever the ratio, so a seed gives the same stream.
    const double draw = rng_.next_unit();
    o.reject = draw < opts_.reject_ratio;
    return o;
  }

  // One ExecutionReport. cum/leaves/last as text; last empty: no LastPx/LastQty.
  template <class Out>
  void report(Out& out, const order& o, std::uint64_t order_id, char exec_type, char ord_status,
              std::string_view avg_px, std::string_view cum, std::string_view leaves, std::string_view last_qty,
              std::string_view text) {
    const std::uint64_t exec_id = ++execs_;
    const bool ok = send(out, "8", [&](codec::encoder& e) noexcept {
      e.add(6, avg_px);                      // AvgPx
      e.add(11, o.cl_ord_id);                // ClOrdID
      e.add(14, cum);                        // CumQty
      e.add_uint(17, exec_id);               // ExecID
      if (o.fix42) e.add_char(20, '0');      // ExecTransType New
      if (!last_qty.empty()) {
        e.add(31, o.px_text);                // LastPx
        e.add(32, last_qty);                 // LastQty
      }
      e.add_uint(37, order_id);              // OrderID
      e.add(38, o.qty_text);                 // OrderQty
      e.add_char(39, ord_status);            // OrdStatus
      e.add(54, o.side);                     // Side
      e.add(55, o.symbol);                   // Symbol
      if (!text.empty()) e.add(58, text);    // Text
      e.add_char(150, exec_type);            // ExecType
      e.add(151, leaves);                    // LeavesQty
    });
    if (ok) {
      ++stats_.exec_reports;
      ++stats_.by_exec_type[static_cast<unsigned char>(exec_type) & 0x7f];
    }
  }

  template <class Out>
  void answer(Out& out, const order& o) {
    const std::uint64_t order_id = ++orders_;
    if (o.reject) {
      ++stats_.orders_rejected;
      report(out, o, order_id, '8', '8', "0", "0", "0", {}, "simulated reject (--reject-ratio)");
      return;
    }
    report(out, o, order_id, '0', '0', "0", "0", o.qty_text, {}, {});
    if (opts_.mode == fill_mode::cancel) {
      report(out, o, order_id, '4', '4', "0", "0", "0", {}, {});
      return;
    }
    if (opts_.mode == fill_mode::full || !o.qty_ok) {
      report(out, o, order_id, o.fix42 ? '2' : 'F', '2', o.px_text, o.qty_text, "0", o.qty_text, {});
      return;
    }
    const std::vector<codec::decimal> parts = split_quantity(o.qty, opts_.partial_fills);
    std::int64_t cum = 0;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const bool last = i + 1 == parts.size();
      cum += parts[i].mantissa;
      char cum_s[24], leaves_s[24], last_s[24];
      const std::size_t nc = codec::format_decimal(cum_s, codec::decimal{cum, o.qty.scale});
      const std::size_t nl = codec::format_decimal(leaves_s, codec::decimal{o.qty.mantissa - cum, o.qty.scale});
      const std::size_t nq = codec::format_decimal(last_s, parts[i]);
      const char exec_type = o.fix42 ? (last ? '2' : '1') : 'F';
      report(out, o, order_id, exec_type, last ? '2' : '1', o.px_text, {cum_s, nc}, {leaves_s, nl}, {last_s, nq}, {});
    }
  }

  fill_options opts_;
  split_mix64 rng_;
  std::deque<order> deferred_;
  fill_stats stats_;
  std::uint64_t orders_ = 0;
  std::uint64_t execs_ = 0;
};

// ---- market data (fixring-sim --md-rate, --flood) ----
//
// FIX.4.4 bodies, fields in the order FIX44.xml gives them. The prices are a
// deterministic function of RptSeq so a receiver can check them too:
//   bid = 1.10000 + (rpt_seq % 50) * 0.00001, offer = bid + 0.00020, size 1000000.
//
// MarketDataSnapshotFullRefresh (35=W), one per symbol:
//   55=Symbol | 268=2 | 269=0 270=bid 271=size | 269=1 270=offer 271=size
// MarketDataIncrementalRefresh (35=X), one entry:
//   268=1 | 279=1 (Change) 269=0|1 (by RptSeq parity) 55=Symbol 270=px 271=size 83=RptSeq
// QuickFIX's FIX44.xml has no RptSeq(83) in MDIncGrp (FIX.5.0SP2 has it in the
// entry after MDEntrySize, where it is put here); a QuickFIX FIX.4.4 peer that
// validates against the stock dictionary needs RptSeq added to that group.
[[nodiscard]] constexpr codec::decimal md_bid(std::uint64_t rpt_seq) noexcept {
  return codec::decimal{110000 + static_cast<std::int64_t>(rpt_seq % 50), 5};
}

inline void encode_md_snapshot(codec::encoder& e, std::string_view symbol, std::uint64_t rpt_seq) noexcept {
  const codec::decimal bid = md_bid(rpt_seq);
  e.add(55, symbol);
  e.add_uint(268, 2);
  e.add_char(269, '0');
  e.add_decimal(270, bid);
  e.add_uint(271, 1000000);
  e.add_char(269, '1');
  e.add_decimal(270, codec::decimal{bid.mantissa + 20, bid.scale});
  e.add_uint(271, 1000000);
}

inline void encode_md_incremental(codec::encoder& e, std::string_view symbol, std::uint64_t rpt_seq) noexcept {
  const codec::decimal bid = md_bid(rpt_seq);
  const bool offer = (rpt_seq & 1) == 0;
  e.add_uint(268, 1);
  e.add_char(279, '1');
  e.add_char(269, offer ? '1' : '0');
  e.add(55, symbol);
  e.add_decimal(270, offer ? codec::decimal{bid.mantissa + 20, bid.scale} : bid);
  e.add_uint(271, 1000000);
  e.add_uint(83, rpt_seq);
}

}  // namespace fixring::sim
