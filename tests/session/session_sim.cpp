// Deterministic simulation: an initiator and an acceptor session joined by a
// simulated link that a seeded PRNG makes hostile. It drops connections (at
// times in the middle of a message), delays bytes, pushes back on sends,
// garbles bytes, replays a message already delivered, and restarts either side
// from its store (memory_store, which outlives the session object as a journal
// does). In-flight bytes die with their connection, so what was sent before a
// reconnect arrives after newer messages, through the resend machinery; and
// now and then the in-flight bytes of a dropped connection turn up late on the
// next one (a reorder across reconnects).
//
// Invariants, checked for every seed:
//   - every application message accepted by send() is delivered to the other
//     application exactly once and in order (checked at each delivery and at the end);
//   - after a quiet period both directions agree: next outbound = peer's next inbound;
//   - no unbounded growth: queues within their bounds, empty at the end.
//
// Environment: FIXRING_SIM_SEEDS (how many, default 2000), FIXRING_SIM_FIRST
// (first seed, default 1), FIXRING_SIM_SEED (replay exactly one seed, with a
// trace of the run on stderr when FIXRING_SIM_TRACE=1).
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "fixring/engine/session/memory_store.hpp"
#include "fixring/engine/session/session.hpp"

using namespace fixring::engine;
namespace codec = fixring::codec;

namespace {

constexpr std::int64_t ms = 1'000'000;
constexpr std::int64_t sec = 1'000'000'000;

struct failure {
  std::string what;
};

struct sim;

// One direction of the link: whole messages with the time they may arrive.
struct pipe {
  struct chunk {
    std::int64_t at_ns;
    std::string bytes;
  };
  std::deque<chunk> chunks;
  std::int64_t last_at_ns = 0;
};

struct endpoint;

struct sim_sink {
  sim* world = nullptr;
  endpoint* self = nullptr;
  bool disconnect_requested = false;
  send_status send(std::span<const char> b) noexcept;
  void disconnect() noexcept { disconnect_requested = true; }
};

struct sim_app {
  std::uint64_t next_expected_id = 0;  // durable application state
  std::string* error = nullptr;
  const char* name = "";

  void on_app_message(const codec::message& m, std::int64_t) noexcept {
    std::uint64_t id = 0;
    if (!m.get_uint(11, id)) {
      if (error->empty()) *error = std::string(name) + " received an application message without ClOrdID";
      return;
    }
    if (id != next_expected_id && error->empty())
      *error = std::string(name) + " expected application message " + std::to_string(next_expected_id) + " but got " +
               std::to_string(id) + (id < next_expected_id ? " (delivered twice)" : " (one skipped)");
    next_expected_id = id + 1;
  }
  bool authenticate_logon(const codec::message&) noexcept { return true; }
  std::uint64_t heartbeat_timeouts = 0;
  void on_status(session_status, session_error e) noexcept {
    if (e == session_error::heartbeat_timeout) ++heartbeat_timeouts;
  }
};

using sim_session = session<memory_store, sim_sink, sim_app>;

struct endpoint {
  endpoint(const char* n, memory_store& st) : name(n), store(st) {}
  const char* name;
  session_config cfg;
  memory_store& store;  // allocated once for all seeds, reset per seed
  sim_sink sink;
  sim_app app;
  std::unique_ptr<sim_session> s;
  std::string rx;           // bytes received, not yet consumed
  pipe* out = nullptr;      // towards the peer
  std::uint64_t sent_ids = 0;  // application messages accepted by send()

  void boot() { s = std::make_unique<sim_session>(cfg, store, sink, app); }
};

struct sim {
  std::mt19937_64 rng;
  std::int64_t now = 1767268800LL * sec;
  bool connected = false;
  bool chaos = true;
  std::int64_t reconnect_at = 0;
  pipe a_to_i, i_to_a;
  std::deque<pipe::chunk> stale_a_to_i, stale_i_to_a;  // held back for the next connection
  endpoint init, acc;
  std::string error;
  bool trace = false;
  // What the chaos did, summed over the run (proves the run was not benign).
  struct counters {
    std::uint64_t disconnects = 0, restarts = 0, garbled = 0, replays = 0, cuts = 0, gaps = 0, resent = 0,
                  duplicates_dropped = 0, back_pressured = 0, stalls = 0, heartbeat_timeouts = 0,
                  reordered = 0;
  } done;

  sim(std::uint64_t seed, memory_store& init_store, memory_store& acc_store)
      : rng(seed), init("initiator", init_store), acc("acceptor", acc_store) {
    for (endpoint* e : {&init, &acc}) {
      if (e->store.reset(0) != fixring::store::store_status::ok) error = "store reset failed";
      e->cfg.heartbeat_interval_s = 2;
      e->cfg.logon_timeout_ns = 3 * sec;
      e->cfg.logout_timeout_ns = 2 * sec;
      e->cfg.max_latency_ns = 3600 * sec;
      e->cfg.queue_capacity_messages = 64;
      e->cfg.queue_capacity_bytes = 16 * 1024;
      e->sink.world = this;
      e->sink.self = e;
      e->app.error = &error;
      e->app.name = e->name;
    }
    init.cfg.role = session_role::initiator;
    init.cfg.sender_comp_id = "INIT";
    init.cfg.target_comp_id = "ACC";
    acc.cfg.role = session_role::acceptor;
    acc.cfg.sender_comp_id = "ACC";
    acc.cfg.target_comp_id = "INIT";
    // Small resend chunks in some runs, to exercise chunking.
    if (chance(0.3)) init.cfg.max_messages_per_resend_request = acc.cfg.max_messages_per_resend_request = 5;
    init.out = &i_to_a;
    acc.out = &a_to_i;
    init.boot();
    acc.boot();
  }

  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }
  std::int64_t between(std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng); }
  endpoint& peer(endpoint& e) { return &e == &init ? acc : init; }

  void log(const std::string& s) {
    if (trace) std::fprintf(stderr, "%lld.%03lld %s\n", static_cast<long long>(now / sec % 100000),
                            static_cast<long long>(now / ms % 1000), s.c_str());
  }

  send_status on_send(endpoint& from, std::span<const char> b) {
    if (!connected) return send_status::closed;
    if (chaos && chance(0.01)) {
      ++done.back_pressured;
      return send_status::back_pressured;
    }
    pipe& p = *from.out;
    const std::int64_t at = std::max(p.last_at_ns, now + (chaos ? between(0, 30 * ms) : ms));
    p.last_at_ns = at;
    p.chunks.push_back({at, std::string(b.data(), b.size())});
    if (trace) {
      std::string r(b.data(), b.size());
      for (char& c : r)
        if (c == '\x01') c = '|';
      log(std::string(from.name) + " -> " + r);
    }
    return send_status::ok;
  }

  void connect() {
    connected = true;
    a_to_i = {};
    i_to_a = {};
    init.rx.clear();
    acc.rx.clear();
    init.sink.disconnect_requested = acc.sink.disconnect_requested = false;
    log("connect");
    acc.s->on_connected(now);
    init.s->on_connecting(now);
    init.s->on_connected(now);
    // Bytes of the previous connection, delivered late on this one (after
    // newer messages such as the Logon): a reorder across reconnects.
    for (pipe* p : {&i_to_a, &a_to_i}) {
      std::deque<pipe::chunk>& late = p == &i_to_a ? stale_i_to_a : stale_a_to_i;
      for (pipe::chunk& c : late) {
        c.at_ns = p->last_at_ns = std::max(p->last_at_ns, now + between(10 * ms, 300 * ms));
        p->chunks.push_back(std::move(c));
      }
      late.clear();
    }
  }

  void disconnect(const char* why) {
    if (!connected) return;
    connected = false;
    ++done.disconnects;
    log(std::string("disconnect: ") + why);
    if (chaos && chance(0.1)) {
      ++done.reordered;
      stale_a_to_i = std::move(a_to_i.chunks);
      stale_i_to_a = std::move(i_to_a.chunks);
    }
    a_to_i.chunks.clear();
    i_to_a.chunks.clear();
    init.s->on_disconnected(now);
    acc.s->on_disconnected(now);
    reconnect_at = now + between(100 * ms, 1500 * ms);
  }

  // The link stops delivering in one direction for longer than the
  // disconnect_permille of HeartBtInt: TestRequest, then heartbeat timeout.
  void stall(pipe& p) {
    ++done.stalls;
    log("link stalls");
    p.last_at_ns = std::max(p.last_at_ns, now) + between(3 * sec, 7 * sec);
  }

  void restart(endpoint& e) {
    log(std::string("restart ") + e.name);
    ++done.restarts;
    collect(e);
    disconnect("restart");
    e.s.reset();
    e.boot();
  }

  // Delivers what is due on one direction; in chaos, sometimes cuts the
  // connection after part of a message, garbles, or replays a message.
  void deliver(pipe& p, endpoint& to) {
    while (connected && !p.chunks.empty() && p.chunks.front().at_ns <= now) {
      pipe::chunk c = std::move(p.chunks.front());
      p.chunks.pop_front();
      if (chaos && chance(0.002)) {
        to.rx.append(c.bytes.substr(0, static_cast<std::size_t>(between(0, static_cast<std::int64_t>(c.bytes.size()) - 1))));
        feed(to);
        ++done.cuts;
        disconnect("cut mid-message");
        return;
      }
      if (chaos && chance(0.003)) {
        c.bytes[static_cast<std::size_t>(between(0, static_cast<std::int64_t>(c.bytes.size()) - 1))] ^=
            static_cast<char>(between(1, 255));
        log(std::string("garbled a message to ") + to.name);
        ++done.garbled;
      }
      const bool replay = chaos && chance(0.001);
      to.rx.append(c.bytes);
      if (replay) {
        to.rx.append(c.bytes);
        ++done.replays;
      }
      feed(to);
    }
  }

  void collect(endpoint& e) {
    done.gaps += e.s->stats().gaps_detected;
    done.resent += e.s->stats().messages_resent;
    done.duplicates_dropped += e.s->stats().duplicates_dropped;
  }

  void feed(endpoint& to) {
    const std::size_t used = to.s->on_bytes({to.rx.data(), to.rx.size()}, now);
    to.rx.erase(0, used);
    if (to.rx.size() > (1u << 20)) to.rx.clear();
  }

  void check_bounds(endpoint& e) {
    if (e.s->queued_messages() > e.cfg.queue_capacity_messages || e.s->queued_bytes() > e.cfg.queue_capacity_bytes)
      error = std::string(e.name) + " inbound queue beyond its bound";
  }

  void app_send(endpoint& e) {
    if (e.s->status() != session_status::active) return;
    const std::uint64_t id = e.sent_ids;
    const send_result r = e.s->send("D", [&](codec::encoder& enc) noexcept {
      enc.add_uint(11, id);
      enc.add(55, "SIM");
    }, now);
    if (r == send_result::sent || r == send_result::queued || r == send_result::closed) ++e.sent_ids;
  }

  void step() {
    now += between(1 * ms, 20 * ms);
    if (!connected && now >= reconnect_at) connect();
    if (chaos) {
      if (chance(0.15)) app_send(init);
      if (chance(0.15)) app_send(acc);
      if (chance(0.0015)) disconnect("link dropped");
      if (chance(0.0005)) stall(chance(0.5) ? i_to_a : a_to_i);
      if (chance(0.0005)) restart(init);
      if (chance(0.0005)) restart(acc);
      if (chance(0.0005) && init.s->status() == session_status::active) (void)init.s->logout("sim", now);
    }
    deliver(i_to_a, acc);
    deliver(a_to_i, init);
    init.s->poll(now);
    acc.s->poll(now);
    if (init.sink.disconnect_requested || acc.sink.disconnect_requested) disconnect("requested by a session");
    check_bounds(init);
    check_bounds(acc);
  }

  bool settled() const {
    return connected && init.s->status() == session_status::active && acc.s->status() == session_status::active &&
           acc.app.next_expected_id == init.sent_ids && init.app.next_expected_id == acc.sent_ids &&
           init.s->next_outbound_seq() == acc.s->next_inbound_seq() &&
           acc.s->next_outbound_seq() == init.s->next_inbound_seq() && init.s->queued_messages() == 0 &&
           acc.s->queued_messages() == 0 && a_to_i.chunks.empty() && i_to_a.chunks.empty();
  }

  // Returns an empty string when every invariant holds.
  std::string run(int chaos_steps) {
    for (int i = 0; i < chaos_steps && error.empty(); ++i) step();
    chaos = false;
    // Quiet period: the link heals; everything sent must arrive. Heartbeats
    // reveal a lost last message, so give it several heartbeat intervals.
    const std::int64_t deadline = now + 120 * sec;
    while (error.empty() && now < deadline) {
      step();
      if (settled()) {
        // Stay settled over a heartbeat exchange (nothing left in flight).
        const std::int64_t until = now + 5 * sec;
        while (error.empty() && now < until) step();
        if (settled()) break;
      }
    }
    collect(init);
    collect(acc);
    done.heartbeat_timeouts = init.app.heartbeat_timeouts + acc.app.heartbeat_timeouts;
    if (!error.empty()) return error;
    if (!settled()) {
      return "did not settle: initiator " + std::string(to_string(init.s->status())) + " sent " +
             std::to_string(init.sent_ids) + " delivered-to-acceptor " + std::to_string(acc.app.next_expected_id) +
             " out " + std::to_string(init.s->next_outbound_seq()) + " in " + std::to_string(init.s->next_inbound_seq()) +
             " queued " + std::to_string(init.s->queued_messages()) + "; acceptor " +
             std::string(to_string(acc.s->status())) + " sent " + std::to_string(acc.sent_ids) +
             " delivered-to-initiator " + std::to_string(init.app.next_expected_id) + " out " +
             std::to_string(acc.s->next_outbound_seq()) + " in " + std::to_string(acc.s->next_inbound_seq()) +
             " queued " + std::to_string(acc.s->queued_messages());
    }
    return {};
  }
};

send_status sim_sink::send(std::span<const char> b) noexcept { return world->on_send(*self, b); }

std::uint64_t env_u64(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

constexpr int chaos_steps = 3000;  // ~30 s of simulated time per seed

}  // namespace

TEST_CASE("simulation: every application message delivered exactly once, in order, under a hostile link") {
  const std::uint64_t only = env_u64("FIXRING_SIM_SEED", 0);
  const std::uint64_t first = only ? only : env_u64("FIXRING_SIM_FIRST", 1);
  const std::uint64_t count = only ? 1 : env_u64("FIXRING_SIM_SEEDS", 2000);
  std::uint64_t messages = 0;
  sim::counters total;
  // One pair of stores for every seed (reset at the start of each), so a run
  // does not spend its time allocating journals.
  memory_store init_store{std::size_t{4} << 20, 1u << 15}, acc_store{std::size_t{4} << 20, 1u << 15};
  for (std::uint64_t seed = first; seed < first + count; ++seed) {
    auto world = std::make_unique<sim>(seed, init_store, acc_store);
    world->trace = only != 0 && env_u64("FIXRING_SIM_TRACE", 0) != 0;
    const std::string err = world->run(chaos_steps);
    if (!err.empty()) {
      FAIL("seed " << seed << ": " << err << "\n  replay: FIXRING_SIM_SEED=" << seed
                   << " FIXRING_SIM_TRACE=1 session_sim");
    }
    messages += world->init.sent_ids + world->acc.sent_ids;
    const sim::counters& d = world->done;
    total.disconnects += d.disconnects;
    total.restarts += d.restarts;
    total.garbled += d.garbled;
    total.replays += d.replays;
    total.cuts += d.cuts;
    total.gaps += d.gaps;
    total.resent += d.resent;
    total.duplicates_dropped += d.duplicates_dropped;
    total.back_pressured += d.back_pressured;
    total.stalls += d.stalls;
    total.reordered += d.reordered;
    total.heartbeat_timeouts += d.heartbeat_timeouts;
  }
  CHECK(messages > 0);
  auto u = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
  std::printf(
      "simulation: %llu seeds from %llu, %llu application messages delivered exactly once in order\n"
      "  chaos: %llu disconnects (%llu mid-message), %llu restarts, %llu garbled, %llu replayed, %llu back-pressured,"
      " %llu stalls (%llu heartbeat timeouts), %llu reconnects with stale bytes\n"
      "  recovery: %llu gaps detected, %llu messages resent, %llu duplicates dropped\n",
      u(count), u(first), u(messages), u(total.disconnects), u(total.cuts), u(total.restarts), u(total.garbled),
      u(total.replays), u(total.back_pressured), u(total.stalls), u(total.heartbeat_timeouts), u(total.reordered), u(total.gaps), u(total.resent), u(total.duplicates_dropped));
}
