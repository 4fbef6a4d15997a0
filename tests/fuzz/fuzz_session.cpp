// libFuzzer target: the session core. An initiator and an acceptor session
// (engine/session/session.hpp over memory_store) joined by a link the input
// drives. The input is a configuration byte and then a program of operations:
//
//   op % 16  what                                      arguments
//   0, 1     deliver bytes in flight to acceptor / initiator   u16 count
//   2, 3     hostile raw bytes to acceptor / initiator         u8 length, bytes
//   4        time passes, both sessions polled                  u16 (x 10 ms)
//   5, 6     application message from initiator / acceptor     -
//   7        logout                                             u8 side
//   8        reset_sequence_numbers                             u8 side
//   9        disconnect both and reconnect                      -
//   10       toggle sink back-pressure                          u8 side
//   11, 12   forged, well-formed message to acceptor / initiator  type u8,
//            MsgSeqNum offset i8, flags u8, u8 length + extra fields ('|' = SOH)
//   13       request_resend                                     u8 side, u8 begin, u8 end
//   14       restart one side from its store (crash)            u8 side
//   15       time jumps, both polled                            u16 (x 1 s)
//
// Invariants (each sink and store checks them as the sessions call in):
//   - every send() offers one whole message that frames complete with a correct
//     CheckSum, parses, and carries our BeginString and CompIDs;
//   - outbound MsgSeqNum without PossDup strictly increases within a store epoch,
//     and a PossDup message carries a number already used;
//   - the stores see sequence numbers that never decrease except through reset()
//     or an inbound number set back to 1 (the peer's ResetSeqNumFlag);
//   - a commit always uses the store's next outbound number;
//   - the inbound queue stays within its bounds.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "fix_text.hpp"
#include "fixring/codec/frame.hpp"
#include "fixring/codec/message.hpp"
#include "fixring/codec/types.hpp"
#include "fixring/engine/session/memory_store.hpp"
#include "fixring/engine/session/session.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace fixring::engine;
namespace codec = fixring::codec;
namespace store = fixring::store;
using fixring::fuzz::check;

constexpr std::int64_t ms = 1'000'000;
constexpr std::int64_t sec = 1'000'000'000;
constexpr std::int64_t t0_ns = 1767268800LL * sec;  // 2026-01-01 12:00:00 UTC

// memory_store with the sequence-number invariants checked on every call.
class checking_store {
 public:
  checking_store() : inner_(std::size_t{1} << 20, 4096) {}

  [[nodiscard]] std::span<char> reserve_outbound(std::size_t max_bytes) noexcept { return inner_.reserve_outbound(max_bytes); }
  [[nodiscard]] store::store_status commit_outbound(std::uint64_t seq, std::size_t size_bytes, std::uint32_t flags,
                                                    std::int64_t now_ns) noexcept {
    check(seq == inner_.next_outbound_seq(), "commit_outbound with a number other than the next outbound");
    return inner_.commit_outbound(seq, size_bytes, flags, now_ns);
  }
  [[nodiscard]] store::store_status record_inbound(std::uint64_t seq, std::span<const char> bytes, std::uint32_t flags,
                                                   std::int64_t now_ns) noexcept {
    // A late record is allowed (a too-high Logon or ResendRequest that a
    // GapFill jumped over is journaled under its own number afterwards), but
    // it must never move the next expected number back.
    const std::uint64_t before = inner_.next_inbound_seq();
    const store::store_status s = inner_.record_inbound(seq, bytes, flags, now_ns);
    check(inner_.next_inbound_seq() >= before, "record_inbound lowered the inbound number",
          std::string_view(bytes.data(), bytes.size()));
    return s;
  }
  [[nodiscard]] store::stored_message find_outbound(std::uint64_t seq) const noexcept { return inner_.find_outbound(seq); }
  [[nodiscard]] std::uint64_t next_outbound_seq() const noexcept { return inner_.next_outbound_seq(); }
  [[nodiscard]] std::uint64_t next_inbound_seq() const noexcept { return inner_.next_inbound_seq(); }
  [[nodiscard]] store::store_status set_next_outbound_seq(std::uint64_t seq) noexcept {
    check(seq >= inner_.next_outbound_seq(), "outbound number set lower without a reset");
    return inner_.set_next_outbound_seq(seq);
  }
  [[nodiscard]] store::store_status set_next_inbound_seq(std::uint64_t seq) noexcept {
    check(seq >= inner_.next_inbound_seq() || seq == 1, "inbound number set lower, not back to 1");
    return inner_.set_next_inbound_seq(seq);
  }
  [[nodiscard]] store::store_status reset(std::int64_t now_ns) noexcept { return inner_.reset(now_ns); }
  [[nodiscard]] store::store_status last_status() const noexcept { return inner_.last_status(); }
  [[nodiscard]] std::uint64_t epoch() const noexcept { return inner_.epoch(); }

 private:
  memory_store inner_;
};
static_assert(session_store<checking_store>);

struct side;

// Takes whole messages off the session, checks them and puts them on the link.
struct checking_sink {
  side* self = nullptr;
  send_status send(std::span<const char> b) noexcept;
  void disconnect() noexcept;
};

struct null_handler {
  side* self = nullptr;
  void on_app_message(const codec::message& m, std::int64_t now_ns) noexcept;
  bool authenticate_logon(const codec::message&) noexcept { return true; }
  void on_status(session_status, session_error) noexcept {}
};

using session_t = session<checking_store, checking_sink, null_handler>;

struct side {
  const char* name = "";
  session_config cfg;
  checking_store st;
  checking_sink sink;
  null_handler handler;
  std::optional<session_t> s;
  std::string to_peer;   // bytes on the link towards the other side
  std::string received;  // bytes received but not yet consumed (an incomplete message)
  bool back_pressure = false;
  bool disconnect_requested = false;
  bool answer_app = false;  // reply to application messages from inside the callback
  std::uint64_t last_seq = 0;
  std::uint64_t last_epoch = 0;
  std::uint64_t app_sent = 0;
  std::int64_t* now = nullptr;

  void build() {
    s.reset();
    s.emplace(cfg, st, sink, handler);
  }
};

send_status checking_sink::send(std::span<const char> b) noexcept {
  side& me = *self;
  const std::string_view bytes(b.data(), b.size());
  const codec::frame_result f = codec::frame(bytes.data(), bytes.size());
  check(f.is_complete() && f.size_bytes == bytes.size(), "session sent something that is not one whole message", bytes);
  check(fixring::fuzz::reference_checksum(bytes.substr(0, bytes.size() - 7)) ==
            static_cast<unsigned>((bytes[bytes.size() - 4] - '0') * 100 + (bytes[bytes.size() - 3] - '0') * 10 +
                                  (bytes[bytes.size() - 2] - '0')),
        "outbound CheckSum wrong", bytes);
  codec::message m;
  check(m.parse(bytes, f.body_offset) == codec::parse_error::none, "outbound message does not parse", bytes);
  check(m.begin_string() == me.cfg.begin_string, "outbound BeginString is not ours", bytes);
  check(m.get_or(49) == me.cfg.sender_comp_id && m.get_or(56) == me.cfg.target_comp_id, "outbound CompIDs wrong", bytes);
  std::uint64_t seq = 0;
  check(m.get_uint(34, seq) && seq >= 1, "outbound MsgSeqNum missing or zero", bytes);
  if (me.back_pressure) return send_status::back_pressured;
  bool poss_dup = false;
  (void)m.get_bool(43, poss_dup);
  if (me.st.epoch() != me.last_epoch) {
    me.last_epoch = me.st.epoch();
    me.last_seq = 0;
  }
  if (poss_dup) {
    check(seq < me.st.next_outbound_seq(), "PossDup message with a number never used", bytes);
  } else {
    check(seq > me.last_seq, "outbound MsgSeqNum did not increase", bytes);
    me.last_seq = seq;
  }
  me.to_peer.append(bytes);
  if (me.to_peer.size() > (std::size_t{1} << 22)) me.to_peer.erase(0, me.to_peer.size() / 2);
  return send_status::ok;
}

void checking_sink::disconnect() noexcept { self->disconnect_requested = true; }

void null_handler::on_app_message(const codec::message& m, std::int64_t now_ns) noexcept {
  side& me = *self;
  if (!me.answer_app || !me.s) return;
  const std::string_view id = m.get_or(11, "none");
  (void)me.s->send("8", [&](codec::encoder& e) noexcept {
    e.add(11, id);
    e.add(39, "0");
  }, now_ns);
}

struct world {
  std::int64_t now = t0_ns;
  side init;
  side acc;

  explicit world(std::uint8_t config_bits) {
    init.name = "initiator";
    acc.name = "acceptor";
    init.cfg.role = session_role::initiator;
    init.cfg.sender_comp_id = acc.cfg.target_comp_id = "INIT";
    init.cfg.target_comp_id = acc.cfg.sender_comp_id = "ACC";
    acc.cfg.role = session_role::acceptor;
    for (side* s : {&init, &acc}) {
      s->cfg.heartbeat_interval_s = 2;
      s->cfg.logon_timeout_ns = 5 * sec;
      s->cfg.logout_timeout_ns = 2 * sec;
      s->cfg.reset_on_logon = config_bits & 1;
      s->cfg.reset_on_logout = config_bits & 2;
      s->cfg.reset_on_disconnect = config_bits & 4;
      s->cfg.send_next_expected_msg_seq_num = config_bits & 8;
      s->cfg.max_messages_per_resend_request = (config_bits & 16) ? 3 : 0;
      s->cfg.queue_capacity_messages = (config_bits & 32) ? 4 : 64;
      s->cfg.queue_capacity_bytes = (config_bits & 32) ? 2048 : 1u << 16;
      s->cfg.queue_policy = (config_bits & 64) ? queue_full_policy::disconnect : queue_full_policy::drop;
      s->cfg.max_message_bytes = 2048;
      s->answer_app = config_bits & 128;
      s->sink.self = s;
      s->handler.self = s;
      s->now = &now;
      s->build();
    }
    connect();
  }

  side& pick(std::uint8_t b) { return b & 1 ? acc : init; }
  side& peer_of(side& s) { return &s == &init ? acc : init; }

  void connect() {
    for (side* s : {&init, &acc}) {
      s->to_peer.clear();
      s->received.clear();
      s->disconnect_requested = false;
    }
    acc.s->on_connected(now);
    init.s->on_connecting(now);
    init.s->on_connected(now);
  }

  void drop_link() {
    for (side* s : {&init, &acc}) {
      s->s->on_disconnected(now);
      s->to_peer.clear();
      s->received.clear();
      s->disconnect_requested = false;
    }
  }

  // Bytes arrive at `to`; what the session does not consume stays buffered.
  void receive(side& to, std::string_view bytes) {
    if (to.s->status() == session_status::disconnected) return;
    to.received.append(bytes);
    const std::size_t used = to.s->on_bytes(std::span<const char>(to.received.data(), to.received.size()), now);
    check(used <= to.received.size(), "on_bytes consumed more than it was given");
    to.received.erase(0, used);
    // A real receiver drops a connection whose buffer the framing never drains.
    if (to.received.size() > (std::size_t{1} << 21)) to.s->on_disconnected(now);
  }

  void deliver(side& from, std::size_t n) {
    side& to = peer_of(from);
    n = std::min(n, from.to_peer.size());
    const std::string chunk = from.to_peer.substr(0, n);
    from.to_peer.erase(0, n);
    receive(to, chunk);
  }

  void after_op() {
    if (init.disconnect_requested || acc.disconnect_requested) drop_link();
    for (side* s : {&init, &acc}) {
      check(s->s->queued_messages() <= s->cfg.queue_capacity_messages, "inbound queue beyond its message bound");
      check(s->s->queued_bytes() <= s->cfg.queue_capacity_bytes, "inbound queue beyond its byte bound");
    }
  }

  std::string forged(side& to, fixring::fuzz::input_reader& in) {
    static constexpr const char* types[] = {"0", "1", "2", "3", "4", "5", "A", "D", "8", "j", "AE", "x!"};
    const std::uint8_t t = in.u8();
    const auto seq_off = static_cast<std::int8_t>(in.u8());
    const std::uint8_t flags = in.u8();
    const std::string_view extra = in.bytes(in.u8());
    const std::int64_t expected = static_cast<std::int64_t>(to.s->next_inbound_seq());
    const std::int64_t seq = std::max<std::int64_t>(seq_off == -128 ? 0 : 1, expected + seq_off);
    char ts[32];
    const std::int64_t skew = (flags & 4) ? 300 * sec : 0;
    const std::string sending(ts, codec::format_utc_timestamp(ts, now - skew, codec::time_precision::ms));
    std::string m = "8=FIX.4.4|35=";
    m += types[t % std::size(types)];
    m += "|34=" + std::to_string(seq);
    m += (flags & 8) ? "|49=WRONG" : "|49=" + to.cfg.target_comp_id;
    m += "|52=" + sending + "|56=" + to.cfg.sender_comp_id + "|";
    if (flags & 1) m += "43=Y|";
    if (flags & 2) m += "122=" + sending + "|";
    if (flags & 16) m += "141=Y|";
    if (flags & 32) m += "108=2|98=0|";
    if (flags & 64) m += "36=" + std::to_string(expected + (flags >> 7 ? 3 : -1)) + "|123=Y|";
    if (flags & 128) m += "7=" + std::to_string(std::max<std::int64_t>(1, expected - 2)) + "|16=0|";
    m += extra;
    if (!m.ends_with('|')) m += '|';
    return fixring::test::fix(m);
  }

  void step(fixring::fuzz::input_reader& in) {
    const std::uint8_t op = in.u8() % 16;
    switch (op) {
      case 0: deliver(init, in.u16()); break;
      case 1: deliver(acc, in.u16()); break;
      case 2:
      case 3: {
        const std::string raw(in.bytes(in.u8()));
        receive(op == 2 ? acc : init, raw);
        break;
      }
      case 4:
        now += std::int64_t{in.u16()} * 10 * ms;
        init.s->poll(now);
        acc.s->poll(now);
        break;
      case 5:
      case 6: {
        side& from = op == 5 ? init : acc;
        const std::string id = std::to_string(++from.app_sent);
        (void)from.s->send("D", [&](codec::encoder& e) noexcept {
          e.add(11, id);
          e.add(55, "EUR/USD");
          e.add(54, "1");
        }, now);
        break;
      }
      case 7: (void)pick(in.u8()).s->logout("fuzz", now); break;
      case 8: (void)pick(in.u8()).s->reset_sequence_numbers(now); break;
      case 9:
        drop_link();
        now += 100 * ms;
        connect();
        break;
      case 10: {
        side& s = pick(in.u8());
        s.back_pressure = !s.back_pressure;
        if (!s.back_pressure) s.s->poll(now);
        break;
      }
      case 11:
      case 12: {
        side& to = op == 11 ? acc : init;
        if (to.s->status() == session_status::disconnected) break;
        receive(to, forged(to, in));
        break;
      }
      case 13: {
        side& s = pick(in.u8());
        const std::uint64_t begin = in.u8();
        const std::uint64_t end = in.u8();
        (void)s.s->request_resend(begin, end, now);
        break;
      }
      case 14: {
        // A crash: the session object dies with its connection, the store lives on.
        side& s = pick(in.u8());
        drop_link();
        s.build();
        now += 50 * ms;
        connect();
        break;
      }
      case 15:
        now += std::int64_t{in.u16()} * sec;
        init.s->poll(now);
        acc.s->poll(now);
        break;
    }
    after_op();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 8192) return 0;
  fixring::fuzz::input_reader in(data, size);
  world w(in.u8());
  for (int ops = 0; !in.empty() && ops < 2000; ++ops) w.step(in);
  return 0;
}
