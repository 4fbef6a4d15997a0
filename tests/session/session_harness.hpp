// Given/when helpers for session behaviour tests: a fake clock, a recording
// sink, a recording handler, and readable builders for inbound messages.
#pragma once

#include <catch2/catch.hpp>

#include <functional>
#include <regex>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "fix_text.hpp"
#include "fixring/codec/types.hpp"
#include "fixring/engine/session/memory_store.hpp"
#include "fixring/engine/session/session.hpp"

namespace fixring::test {

using namespace fixring::engine;

// 2026-01-01 12:00:00 UTC.
inline constexpr std::int64_t t0_ns = 1767268800LL * 1'000'000'000;
inline constexpr std::int64_t sec = 1'000'000'000;

struct recording_sink {
  std::vector<std::string> sent;
  int disconnects = 0;
  send_status answer = send_status::ok;

  send_status send(std::span<const char> b) noexcept {
    if (answer != send_status::ok) return answer;
    sent.emplace_back(b.data(), b.size());
    return send_status::ok;
  }
  void disconnect() noexcept { ++disconnects; }
};

struct recording_handler {
  std::vector<std::string> app;
  std::vector<std::pair<session_status, session_error>> statuses;
  bool accept_logon = true;
  std::function<void(const codec::message&, std::int64_t)> on_app;

  void on_app_message(const codec::message& m, std::int64_t now_ns) noexcept {
    app.emplace_back(m.bytes());
    if (on_app) on_app(m, now_ns);
  }
  bool authenticate_logon(const codec::message&) noexcept { return accept_logon; }
  void on_status(session_status s, session_error e) noexcept { statuses.emplace_back(s, e); }
};

inline std::string timestamp(std::int64_t ns, codec::time_precision p = codec::time_precision::s) {
  char buf[32];
  return {buf, codec::format_utc_timestamp(buf, ns, p)};
}

// Wire bytes to readable, with SendingTime/OrigSendingTime values replaced by
// "T" and CheckSum by "C" (the rest, BodyLength included, stays literal).
inline std::string norm(std::string_view wire_bytes) {
  std::string r = readable(wire_bytes);
  static const std::regex ts("(\\|(52|122)=)[0-9]{8}-[0-9:.]+");
  static const std::regex cks("\\|10=[0-9]{3}\\|$");
  r = std::regex_replace(r, ts, "$1T");
  r = std::regex_replace(r, cks, "|10=C|");
  return r;
}

template <class Validator = no_validator>
struct harness {
  using session_t = session<memory_store, recording_sink, recording_handler, Validator>;

  std::int64_t now = t0_ns;
  session_config cfg;
  memory_store store{std::size_t{4} << 20, 1u << 14};
  recording_sink sink;
  recording_handler handler;
  std::unique_ptr<session_t> s;
  std::string peer_begin = "FIX.4.4";
  std::string peer_id = "TW44";
  std::string our_id = "ISLD";

  explicit harness(session_role role = session_role::acceptor, std::string begin = "FIX.4.4") {
    cfg.role = role;
    cfg.begin_string = begin;
    peer_begin = begin;
    cfg.sender_comp_id = our_id;
    cfg.target_comp_id = peer_id;
  }

  std::unique_ptr<Validator> validator;  // when not default-constructible, set before make()

  session_t& make() {
    if constexpr (std::is_default_constructible_v<Validator>) {
      s = std::make_unique<session_t>(cfg, store, sink, handler, validator ? *validator : Validator{});
    } else {
      s = std::make_unique<session_t>(cfg, store, sink, handler, *validator);
    }
    return *s;
  }

  // Inbound message text "8=..|35=type|34=seq|49=peer|52=now|56=us|<fields>" with 9 and 10.
  std::string msg(std::string_view type, std::uint64_t seq, std::string_view fields = "") const {
    return fix("8=" + peer_begin + "|35=" + std::string(type) + "|34=" + std::to_string(seq) + "|49=" + peer_id +
               "|52=" + timestamp(now) + "|56=" + our_id + "|" + std::string(fields));
  }
  void receive(const std::string& wire_bytes) {
    const std::size_t used = s->on_bytes({wire_bytes.data(), wire_bytes.size()}, now);
    REQUIRE(used == wire_bytes.size());
  }
  void receive(std::string_view type, std::uint64_t seq, std::string_view fields = "") { receive(msg(type, seq, fields)); }
  void advance(std::int64_t ns) {
    now += ns;
    s->poll(now);
  }

  // Acceptor: connected and logged on with HeartBtInt hb_s; output cleared.
  void given_logged_on(int hb_s = 30) {
    if (!s) make();
    s->on_connected(now);
    receive("A", 1, "98=0|108=" + std::to_string(hb_s) + "|");
    REQUIRE(s->status() == session_status::active);
    sink.sent.clear();
  }

  std::vector<std::string> sent() const {
    std::vector<std::string> out;
    for (const auto& m : sink.sent) out.push_back(norm(m));
    return out;
  }
  std::string last_sent() const { return sink.sent.empty() ? std::string() : norm(sink.sent.back()); }
  void clear() { sink.sent.clear(); }
};

// Expected outbound text: "35=..|52=@|..." -> "8=FIX.4.4|9=N|35=..|52=T|...|10=C|".
// '@' stands for a millisecond timestamp, so BodyLength is computed as sent.
inline std::string expect(std::string_view begin, std::string_view after_begin) {
  std::string s = "8=" + std::string(begin) + "|" + std::string(after_begin);
  for (std::size_t p; (p = s.find('@')) != std::string::npos;) s.replace(p, 1, "20260101-12:00:00.000");
  return norm(fix(s));
}

}  // namespace fixring::test
