// fixring::engine::engine<App>: the product. One reactor thread drives every
// configured session: acceptors listening on their SocketAcceptPort, initiators
// connecting (with failover and backoff) inside their schedule, each session a
// sans-IO session core over its own disk journal, all bound statically to the
// application App.
//
// Built from a QuickFIX-style settings file (config/settings.hpp):
//   reactor    FixringBusyPoll (busy or idle), FixringCpu (pinning)
//   journal    FileStorePath/<identity>, durability FixringDurability; the
//              pages ahead of the writer are faulted in by this thread in its
//              idle iterations (FixringPrefault=idle) or by a background
//              thread (helper): store::journal_options::prefault_by
//   dictionary DataDictionary, or TransportDataDictionary + AppDataDictionary
//              for FIXT; UseDataDictionary=N: no validation; the Validate*
//              keys become codec::validation_options
//   acceptor   one listener per distinct SocketAcceptAddress:SocketAcceptPort;
//              a connection's first message names its session
//              (routing.hpp); an unknown identity, a session that already has
//              a connection, or one that is deactivated or outside its
//              schedule: the connection is closed without a word. At most
//              engine_options::max_pending_connections wait for their first
//              message, at most max_pending_per_address of them from one IP
//              address, each for at most pending_timeout_ms.
//   initiator  SocketConnectHost/Port then the failover list, in turn; a
//              failed connect or a lost session waits config::backoff
//              (ReconnectInterval or the FixringReconnect* keys) before the
//              next attempt; connects only inside the schedule.
//   TLS        SSLEnable (or SocketUseSSL): acceptors serve TLS with
//              ServerCertificateFile/ServerCertificateKeyFile, demanding a
//              client certificate when CertificateVerifyLevel has bit 2;
//              initiators verify the acceptor (CertificateAuthoritiesFile,
//              host name = SocketConnectHost, SNI) unless CertificateVerifyLevel
//              is 0, and present ClientCertificateFile when set; SSLProtocol
//              and SSLCipherSuite restrict the versions and TLS 1.2 ciphers
//              (make_tls_config in setup.hpp). Sessions sharing a port share
//              the first one's TLS settings.
//   logs       FileLogPath: a readable message log and event log per session
//              (session_log.hpp: buffered, flushed every 10 ms by the tick).
//   limits     FixringMaxMessageBytes (inbound frames and outbound messages),
//              FixringMaxQueuedMessages/Bytes and FixringQueueFull (the gap
//              queue), FixringMaxPendingConnections, FixringMaxPendingPerAddress
//              and FixringPendingTimeoutMs (accepted connections before their
//              Logon), LogonTimeout.
//   refresh    RefreshOnLogon=Y: the session's journal is closed (its lock
//              released) whenever the session has no connection, and opened
//              again - sequence numbers and history reloaded from disk -
//              before each connection attempt or accepted Logon; a journal
//              another process holds then means no connection (an initiator
//              retries after its backoff, an acceptor closes the connection).
//              While closed, session_core(h) reads 0 for both next sequence
//              numbers and store writes fail (reset_sequence_numbers answers
//              store_error). For hot standby pairs and for tools that edit a
//              journal between connections.
//   schedule   at a window's end an active session logs out and stops
//              connecting; a new daily/weekly window resets the journal's
//              sequence numbers (the window start is kept beside the journal
//              so a restart inside the same window keeps them).
//
// Time: sessions get wall-clock UTC nanoseconds derived from the reactor's one
// clock read per loop iteration (reactor::wall_now_ns). One periodic reactor
// timer (engine_options::tick_ns) polls every session whose next deadline has
// come (heartbeats, test requests, timeouts, back-pressured output), checks
// schedules and reconnects, and maintains journals.
//
// App (template parameter, checked by engine_app; no virtual calls) receives,
// on the reactor thread:
//   on_message(session_handle, const codec::message&, now_ns)  application messages, in order
//   on_status(session_handle, session_status, session_error)   every status change
//   authenticate_logon(session_handle, const codec::message&)  a counterparty's Logon; false refuses it
// and may call send()/logout()/activate()/deactivate() from inside them.
// Optionally App also has on_tick(wall_now_ns) noexcept, called from every
// periodic tick after the sessions were polled (e.g. to report counters).
//
// Sending from other threads: make_producer() (before run()) gives a producer
// owning an SPSC ring into the reactor. producer::try_send encodes in place;
// a full ring answers producer_result::back_pressured and nothing is queued.
// The reactor drains rings after every loop iteration and sequences each
// record through its session; records for a session that is not logged on are
// counted (engine_stats::ring_records_dropped), since the producer can no
// longer be told.
//
// Thread contract, per call (also stated at each declaration):
//   create, listen_port, session_count, session_name, find_session,
//   make_producer: any one thread before run() (cold; they allocate)
//   run: the reactor thread (the thread that calls it, for good)
//   stop, request_shutdown: any thread, also from a signal handler
//   send, send_business_reject, logout, activate, deactivate, status,
//   session_core, and the fault-injection calls send_raw, disconnect,
//   set_heartbeats_suppressed, send_duplicate, skip_outbound_sequence: the
//   reactor thread (inside App callbacks, or before run())
//   producer::try_send: the one thread that owns that producer
//
// Ownership: the engine owns the reactor, sessions, journals, dictionaries and
// producers; it borrows App, which must outlive it.
#pragma once

#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <concepts>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fixring/codec/encoder.hpp"
#include "fixring/codec/message.hpp"
#include "fixring/engine/config/backoff.hpp"
#include "fixring/engine/config/result.hpp"
#include "fixring/engine/config/schedule.hpp"
#include "fixring/engine/config/settings.hpp"
#include "fixring/engine/engine/session_log.hpp"
#include "fixring/engine/engine/setup.hpp"
#include "fixring/engine/engine/stamped_store.hpp"
#include "fixring/engine/reactor/reactor.hpp"
#include "fixring/engine/routing.hpp"
#include "fixring/engine/session/session.hpp"
#include "fixring/store/session_journal.hpp"

namespace fixring::engine {

// Index of a session in settings order (0, 1, ...).
using session_handle = std::uint32_t;

template <class A>
concept engine_app = requires(A& a, session_handle h, const codec::message& m, std::int64_t now_ns,
                              session_status st, session_error err) {
  { a.on_message(h, m, now_ns) } noexcept;
  { a.on_status(h, st, err) } noexcept;
  { a.authenticate_logon(h, m) } noexcept -> std::same_as<bool>;
};

struct engine_options {
  std::int64_t tick_ns = 1'000'000;            // period of the session/schedule timer
  // Accepted, first message not yet routed, and the time that message has;
  // FixringMaxPendingConnections / FixringPendingTimeoutMs override these.
  std::uint32_t max_pending_connections = 64;
  std::int64_t pending_timeout_ms = 10'000;
  // Of those, from one IP address (FixringMaxPendingPerAddress overrides it).
  std::uint32_t max_pending_per_address = 8;
  std::string default_store_dir = "store";     // for sessions without FileStorePath
  std::uint64_t journal_index_capacity = std::uint64_t{1} << 22;  // outbound MsgSeqNums indexed per epoch
  // The reactor allocates (and zeroes) max_connections x (send_queue_bytes +
  // receive carry) up front: 64 x 256 KiB is 16 MiB of send queues.
  std::uint32_t max_connections = 64;
  std::uint32_t send_queue_bytes = 256 * 1024;  // per connection; full -> back-pressure
  std::uint32_t max_producers = 8;
  std::uint32_t producer_slots = 4096;          // records per producer ring
  std::uint32_t producer_slot_bytes = 1024;     // largest body + msg type per record
  std::uint64_t reconnect_seed = 0x5eed;        // jitter PRNG seed (per session: seed + handle)
};

// What producer::try_send answers.
enum class producer_result : std::uint8_t {
  queued,          // in the ring; the reactor sequences and sends it
  back_pressured,  // ring full: nothing queued, try again later
  too_large,       // the encoded body does not fit producer_slot_bytes: nothing queued
};

struct engine_stats {
  std::uint64_t connections_refused = 0;  // unknown identity, already connected, inactive, too many pending
  std::uint64_t pending_per_address_refused = 0;  // of those: too many pending from the peer's address
  std::uint64_t pending_timeouts = 0;     // no first message in time
  std::uint64_t connect_attempts = 0;
  std::uint64_t connect_failures = 0;
  std::uint64_t ring_records_sent = 0;
  std::uint64_t ring_records_dropped = 0;  // session not logged on when drained
  std::uint64_t schedule_resets = 0;
  std::uint64_t journal_prefault_steps = 0;  // idle iterations that faulted journal pages in (FixringPrefault=idle)
};

template <class App>
class engine {
  struct io_handler;
  using reactor_t = reactor::reactor<io_handler>;

  struct sink {
    engine* eng;
    session_handle h;
    send_status send(std::span<const char> bytes) noexcept { return eng->sink_send(h, bytes); }
    void disconnect() noexcept { eng->sink_disconnect(h); }
  };
  struct handler {
    engine* eng;
    session_handle h;
    void on_app_message(const codec::message& m, std::int64_t now_ns) noexcept { eng->app_.on_message(h, m, now_ns); }
    bool authenticate_logon(const codec::message& m) noexcept { return eng->app_.authenticate_logon(h, m); }
    void on_status(session_status st, session_error err) noexcept { eng->on_session_status(h, st, err); }
  };

  // Outbound journal records are stamped at commit (stamped_store.hpp), on the
  // same base as wall_now_ns(), so the journal shows real in->out latency.
  struct journal_clock {
    const engine* eng;
    std::int64_t now_ns() const noexcept { return eng->fresh_wall_ns(); }
  };

 public:
  using journal_t = stamped_store<store::session_journal, journal_clock>;
  using session_t = session<journal_t, sink, handler, optional_validator>;

  // A single-producer ring from one other thread into the reactor. Record
  // layout inside a ring slot:
  //   +-----------------+--------------+-------------------+------------------+
  //   | handle u32      | type len u8  | msg type bytes    | body fields ...  |
  //   +-----------------+--------------+-------------------+------------------+
  class producer {
   public:
    // Encodes body_fn(codec::encoder&) (body fields only) straight into the
    // ring. Thread contract: only the thread that owns this producer. Hot: no
    // allocation, no lock.
    template <class BodyFn>
    [[nodiscard]] producer_result try_send(session_handle h, std::string_view msg_type, BodyFn&& body) noexcept {
      if (msg_type.size() > 255) return producer_result::too_large;
      std::span<char> slot = ring_.try_claim(ring_.slot_bytes());
      if (slot.empty()) return producer_result::back_pressured;
      const std::size_t head = sizeof(std::uint32_t) + 1 + msg_type.size();
      if (head >= slot.size()) return producer_result::too_large;
      std::memcpy(slot.data(), &h, sizeof h);
      slot[sizeof h] = static_cast<char>(msg_type.size());
      std::memcpy(slot.data() + sizeof h + 1, msg_type.data(), msg_type.size());
      codec::encoder e(slot.data() + head, slot.size() - head);
      body(e);
      if (e.overflowed()) return producer_result::too_large;
      ring_.publish(head + e.size_bytes(), 0);
      return producer_result::queued;
    }

    explicit producer(std::size_t slots, std::size_t slot_bytes) : ring_(slots, slot_bytes) {}

   private:
    friend class engine;
    reactor::spsc_byte_ring ring_;
  };

  // Builds the engine: reactor, listeners, dictionaries, journals, sessions.
  // Nothing connects until run(). Errors name the settings line, the session
  // and the key or file at fault. Cold; any one thread.
  [[nodiscard]] static config::result<std::unique_ptr<engine>> create(const config::settings& settings, App& app,
                                                                      const engine_options& options = {}) {
    static_assert(engine_app<App>, "App lacks an engine callback; see engine_app");
    std::unique_ptr<engine> e(new engine(app, options));
    if (auto err = e->setup(settings)) return *err;
    return e;
  }

  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  // Runs until stop(), or until request_shutdown() has logged every session
  // out (or its logout timed out). Returns a pinning or ring set-up failure
  // without running. Reactor thread: the calling thread, for good.
  [[nodiscard]] reactor::io_status run() noexcept {
    const reactor::io_status pin = reactor::detail::pin_current_thread(cpu_);
    if (!pin.ok()) return pin;
    start();
    // relaxed: pairs with the relaxed store in stop(); the flag orders no data.
    while (!stop_.load(std::memory_order_relaxed)) (void)poll_once();
    return {};
  }

  // One loop iteration (the reactor's, then the producer rings), for callers
  // that drive the engine from their own loop instead of run(). Does not pin
  // the thread (FixringCpu applies to run() only). Reactor thread.
  int poll_once() noexcept {
    if (!started_) start();
    const int n = reactor_->poll_once() + drain_producers();
    if (n == 0) idle_work();
    return n;
  }

  // Asks run() to return after the current iteration, without logging out.
  // Any thread; async-signal-safe.
  void stop() noexcept {
    // relaxed: pairs with the relaxed load in run().
    stop_.store(true, std::memory_order_relaxed);
  }

  // Asks the reactor to log out every logged-on session, wait for the Logout
  // answers (each bounded by its LogoutTimeout, plus one second for the
  // transport), then return from run(). Any thread; async-signal-safe.
  void request_shutdown() noexcept {
    // relaxed: read by the tick on the reactor thread; the flag orders no data.
    shutdown_.store(true, std::memory_order_relaxed);
  }

  // ---- sessions ----

  // Number of configured sessions; handles are 0 .. session_count()-1. Any thread.
  [[nodiscard]] std::size_t session_count() const noexcept { return slots_.size(); }
  // "FIX.4.4:ISLD->TW". Any thread (immutable after create).
  [[nodiscard]] const std::string& session_name(session_handle h) const noexcept { return slots_[h].name; }
  // The session whose identity string is `name`. Any thread.
  [[nodiscard]] std::optional<session_handle> find_session(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < slots_.size(); ++i)
      if (slots_[i].name == name) return static_cast<session_handle>(i);
    return std::nullopt;
  }
  // The port a listener was bound to (useful with SocketAcceptPort given as a
  // fixed port; 0 when the engine has no such listener). Any thread after create.
  [[nodiscard]] std::uint16_t listen_port(std::size_t i = 0) const noexcept {
    return i < listen_ports_.size() ? listen_ports_[i] : 0;
  }

  // Sends an application message on a session; body(codec::encoder&) appends
  // the body fields. With PersistMessages=N the message is flagged so that a
  // resend replaces it with a SequenceReset-GapFill. Returns the session's send_result (not_logged_on when it
  // is not active; queued when the socket is back-pressured: the session keeps
  // it and sends it later). Reactor thread. Hot: no allocation.
  template <class BodyFn>
  send_result send(session_handle h, std::string_view msg_type, BodyFn&& body, const header_fields& header = {},
                   std::uint32_t flags = store::flag_none) noexcept {
    const slot& s = slots_[h];
    return s.core->send(msg_type, std::forward<BodyFn>(body), reactor_->wall_now_ns(), header, flags | s.send_flags);
  }
  // BusinessMessageReject(35=j) of `ref` on session h. Reactor thread.
  send_result send_business_reject(session_handle h, const codec::message& ref, std::uint32_t reason,
                                   std::string_view text) noexcept {
    return slots_[h].core->send_business_reject(ref, reason, text, reactor_->wall_now_ns());
  }
  // Starts the Logout handshake (the session stays active for reconnects;
  // see deactivate). Reactor thread.
  send_result logout(session_handle h, std::string_view reason = {}) noexcept {
    return slots_[h].core->logout(reason, reactor_->wall_now_ns());
  }
  // Logs the session out (or drops its connection when not logged on) and
  // stops reconnecting / accepting it until activate(). Reactor thread.
  void deactivate(session_handle h) noexcept {
    slot& s = slots_[h];
    s.enabled = false;
    end_connection(h, "deactivated");
  }
  // Lets the session connect (initiator: at once, inside its schedule) or be
  // accepted again. Reactor thread.
  void activate(session_handle h) noexcept {
    slot& s = slots_[h];
    s.enabled = true;
    s.retry.reset();
    s.next_connect_ns = reactor_->now_ns();
  }
  // ---- fault injection (simulators, scenario tests; not for production) ----

  // Writes `bytes` on session h's connection as they are: not sequenced, not
  // journaled, not seen by the session core (e.g. the first half of an
  // encoded message, or garbage). The bytes are copied into the connection's
  // send queue before the call returns. Answers ok; back_pressured when the
  // send queue has no room (nothing written); closed when the session has no
  // connection. Reactor thread.
  [[nodiscard]] send_status send_raw(session_handle h, std::span<const char> bytes) noexcept {
    if (slots_[h].conn == reactor::invalid_conn) return send_status::closed;
    return sink_send(h, bytes);
  }
  // Closes session h's connection without a Logout (nothing when it has
  // none). The session then sees a lost connection (session_error::
  // connection_lost when it was logged on) and an initiator reconnects after
  // its backoff delay, as after any dropped connection. Reactor thread.
  void disconnect(session_handle h) noexcept { sink_disconnect(h); }
  // Session-core fault hooks with the loop's clock (see session.hpp):
  // heartbeats and TestRequests suppressed, a stored application message sent
  // again as a PossDup duplicate, outbound MsgSeqNums skipped. Reactor thread.
  void set_heartbeats_suppressed(session_handle h, bool suppressed) noexcept {
    slots_[h].core->set_heartbeats_suppressed(suppressed);
  }
  send_result send_duplicate(session_handle h, std::uint64_t seq) noexcept {
    return slots_[h].core->send_duplicate(seq, reactor_->wall_now_ns());
  }
  send_result skip_outbound_sequence(session_handle h, std::uint64_t count) noexcept {
    return slots_[h].core->skip_outbound_sequence(count);
  }

  // Status of a session. Reactor thread.
  [[nodiscard]] session_status status(session_handle h) const noexcept { return slots_[h].core->status(); }
  // The session core itself (statistics, sequence numbers). Reactor thread.
  [[nodiscard]] session_t& session_core(session_handle h) noexcept { return *slots_[h].core; }
  [[nodiscard]] const session_t& session_core(session_handle h) const noexcept { return *slots_[h].core; }
  // Engine counters. Reactor thread.
  [[nodiscard]] const engine_stats& stats() const noexcept { return stats_; }
  // Wall-clock UTC ns of the current loop iteration. Reactor thread.
  [[nodiscard]] std::int64_t wall_now_ns() const noexcept { return reactor_->wall_now_ns(); }

  // A ring for one other thread; at most engine_options::max_producers. Owned
  // by the engine. Before run(), any one thread; nullptr when none is left.
  [[nodiscard]] producer* make_producer() {
    if (producers_.size() >= opts_.max_producers) return nullptr;
    producers_.push_back(std::make_unique<producer>(opts_.producer_slots, opts_.producer_slot_bytes));
    return producers_.back().get();
  }

 private:
  // The reactor's handler: forwards to the engine.
  struct io_handler {
    engine* eng;
    bool on_accept(reactor::conn_id c, const reactor::peer_address& peer, std::int64_t now_ns) noexcept {
      return eng->on_accept(c, peer, now_ns);
    }
    void on_connected(reactor::conn_id c, std::int64_t now_ns) noexcept { eng->on_connected(c, now_ns); }
    void on_connect_failed(reactor::conn_id c, reactor::io_status s, std::int64_t now_ns) noexcept {
      eng->on_connect_failed(c, s, now_ns);
    }
    std::size_t on_data(reactor::conn_id c, std::span<const char> d, std::int64_t now_ns) noexcept {
      return eng->on_data(c, d, now_ns);
    }
    void on_closed(reactor::conn_id c, reactor::io_status s, std::int64_t now_ns) noexcept {
      eng->on_closed(c, s, now_ns);
    }
    void on_timer(reactor::timer_id t, std::int64_t now_ns) noexcept { eng->on_timer(t, now_ns); }
  };

  struct slot {
    std::string name;
    config::session_settings settings;
    std::unique_ptr<store::session_journal> journal;
    std::unique_ptr<journal_t> stamped;  // what the session core writes through
    std::unique_ptr<session_log> log;    // FileLogPath; null without one
    std::unique_ptr<sink> snk;
    std::unique_ptr<handler> hnd;
    std::unique_ptr<session_t> core;
    reactor::conn_id conn = reactor::invalid_conn;
    bool initiator = false;
    bool enabled = true;                // activate()/deactivate()
    bool in_window = true;              // inside the schedule now
    std::int64_t window_start_ns = 0;   // current window (schedule reset)
    std::int64_t next_schedule_check_ns = 0;  // wall ns
    std::int64_t next_connect_ns = 0;         // monotonic ns
    std::size_t endpoint = 0;                 // next failover endpoint to try
    config::backoff retry;
    std::uint64_t prng = 0;
    std::string journal_dir;
    const reactor::tls_context* tls = nullptr;  // initiator: client context, or none
    std::uint32_t send_flags = store::flag_none;  // store::flag_no_resend with PersistMessages=N
  };
  // A peer's IP address, IPv4 in its IPv4-mapped IPv6 form so that one
  // comparison serves both families; all zero when unknown.
  using address_key = std::array<std::uint8_t, 16>;

  struct conn_entry {
    reactor::conn_id id = reactor::invalid_conn;
    std::int64_t session = -1;     // bound session; -1 while pending
    std::int64_t deadline_ns = 0;  // pending: monotonic deadline for the first message
    address_key peer{};            // pending: who connected
  };

  [[nodiscard]] static address_key key_of(const reactor::peer_address& p) noexcept {
    address_key k{};
    if (p.addr.ss_family == AF_INET) {
      k[10] = k[11] = 0xff;
      std::memcpy(k.data() + 12, &reinterpret_cast<const sockaddr_in*>(&p.addr)->sin_addr, 4);
    } else if (p.addr.ss_family == AF_INET6) {
      std::memcpy(k.data(), &reinterpret_cast<const sockaddr_in6*>(&p.addr)->sin6_addr, 16);
    }
    return k;
  }

  // Pending connections from `peer`: a scan of the connection table (64
  // entries by default), once per accept, rather than a map to keep in step.
  [[nodiscard]] std::uint32_t pending_from(const address_key& peer) const noexcept {
    std::uint32_t n = 0;
    for (const conn_entry& e : conns_) n += e.id != reactor::invalid_conn && e.session < 0 && e.peer == peer;
    return n;
  }

  engine(App& app, const engine_options& opts) : app_(app), opts_(opts), io_{this} {}

  // Cold: everything create() does after construction.
  std::optional<config::config_error> setup(const config::settings& settings) {
    reactor::reactor_config rc;
    rc.mode = settings.reactor.busy_poll ? reactor::poll_mode::busy : reactor::poll_mode::idle;
    rc.max_connections = opts_.max_connections;
    rc.send_queue_bytes = opts_.send_queue_bytes;
    rc.idle_wait_max_ns = opts_.tick_ns;
    // A busy loop is idle often and briefly: a page or two a time keeps a
    // message that arrives meanwhile waiting 2-5 us at most. An idle loop
    // comes here after a wait, at most every tick: it takes bigger steps.
    prefault_step_bytes_ = settings.reactor.busy_poll ? 8 * 1024 : 256 * 1024;
    std::uint32_t largest = 0;
    for (const auto& s : settings.sessions) largest = std::max(largest, s.max_message_bytes);
    rc.recv_carry_bytes = std::max<std::uint32_t>(rc.recv_carry_bytes, largest * 2);
    cpu_ = settings.reactor.cpu;
    if (settings.reactor.max_pending_connections) opts_.max_pending_connections = *settings.reactor.max_pending_connections;
    if (settings.reactor.pending_timeout_ms) opts_.pending_timeout_ms = *settings.reactor.pending_timeout_ms;
    if (settings.reactor.max_pending_per_address)
      opts_.max_pending_per_address = *settings.reactor.max_pending_per_address;
    reactor::setup_error rerr;
    reactor_ = reactor_t::create(rc, io_, rerr);
    if (!reactor_) return config::config_error{config::config_errc::io_error, "reactor: " + rerr.message};
    conns_.resize(rc.max_connections);
    const std::int64_t wall = reactor_->wall_now_ns();
    slots_.reserve(settings.sessions.size());
    for (const config::session_settings& s : settings.sessions) {
      const auto h = static_cast<session_handle>(slots_.size());
      slot& sl = slots_.emplace_back();
      sl.name = s.id.to_string();
      sl.settings = s;
      sl.initiator = s.connection == config::connection_type::initiator;
      auto v = dictionaries_.validator_for(s);
      if (!v) return v.error();
      auto j = open_journal(s, opts_.default_store_dir, opts_.journal_index_capacity, wall);
      if (!j) return j.error();
      sl.journal = std::move(j).value();
      sl.journal_dir = sl.journal->directory();
      sl.snk = std::make_unique<sink>(sink{this, h});
      sl.hnd = std::make_unique<handler>(handler{this, h});
      if (!s.file_log_path.empty()) {
        auto lg = session_log::open(s.file_log_path, sl.name);
        if (!lg) {
          return config::config_error{lg.error().code, s.source + ": [SESSION] " + sl.name + ": " + lg.error().message};
        }
        sl.log = std::move(lg).value();
      }
      sl.stamped = std::make_unique<journal_t>(*sl.journal, journal_clock{this});
      sl.core = std::make_unique<session_t>(make_session_config(s), *sl.stamped, *sl.snk, *sl.hnd, v.value());
      sl.retry = config::backoff(s.reconnect);
      if (!s.persist_messages) sl.send_flags = store::flag_no_resend;
      sl.prng = opts_.reconnect_seed + h;
      sl.window_start_ns = read_window_start(sl.journal_dir);
      release_journal(sl);  // RefreshOnLogon: held only while connected
      const reactor::tls_context* tls = nullptr;
      if (s.tls.enabled) {
        const reactor::tls_config tc = make_tls_config(s);
        reactor::tls_setup_error terr;
        auto ctx = reactor::tls_context::create(sl.initiator ? reactor::tls_role::client : reactor::tls_role::server,
                                                tc, terr);
        if (!ctx) {
          return config::config_error{config::config_errc::bad_value,
                                      s.source + ": [SESSION] " + sl.name +
                                          ": SSLEnable (with SSLProtocol, SSLCipherSuite): " + terr.message};
        }
        tls = ctx.get();
        tls_contexts_.push_back(std::move(ctx));
      }
      if (sl.initiator) sl.tls = tls;
      if (!sl.initiator) {
        directory_.add(std::string(config::to_string(s.id.begin_string)), s.id.sender_comp_id, s.id.target_comp_id);
        directory_slots_.push_back(h);
        const std::string addr = s.accept_address.empty() ? "0.0.0.0" : s.accept_address;
        const std::string key = addr + ":" + std::to_string(s.accept_port);
        if (std::find(listen_keys_.begin(), listen_keys_.end(), key) == listen_keys_.end()) {
          reactor::listen_options lo;
          lo.tls = tls;
          const reactor::listen_result lr = reactor_->listen(addr.c_str(), s.accept_port, lo);
          if (!lr.ok()) {
            return config::config_error{config::config_errc::io_error,
                                        s.source + ": [SESSION] " + sl.name + ": SocketAcceptPort: listen on " + key +
                                            ": " + lr.error.message};
          }
          listen_keys_.push_back(key);
          listen_ports_.push_back(lr.port);
        }
      }
    }
    return std::nullopt;
  }

  void start() noexcept {
    if (started_) return;
    started_ = true;
    const std::int64_t now = reactor_->now_ns();
    for (slot& s : slots_) s.next_connect_ns = now;
    tick_timer_ = reactor_->add_timer(now);
  }

  // A fresh wall-clock read on the base of wall_now_ns() (vDSO, no system call).
  [[nodiscard]] std::int64_t fresh_wall_ns() const noexcept {
    return reactor::detail::monotonic_now_ns() + (reactor_->wall_now_ns() - reactor_->now_ns());
  }

  // ---- RefreshOnLogon: the journal is held only while connected ----

  // Opens the journal again (recovery from disk) when it was released. Cold:
  // once per connection, and it allocates. False when it cannot be opened
  // (e.g. another process holds it); the session stays without a journal.
  bool ensure_journal(slot& s) noexcept {
    if (s.journal) return true;
    try {
      auto j = open_journal(s.settings, opts_.default_store_dir, opts_.journal_index_capacity, reactor_->wall_now_ns());
      if (!j) {
        if (s.log) s.log->event(reactor_->wall_now_ns(), "RefreshOnLogon: journal not reopened");
        return false;
      }
      s.journal = std::move(j).value();
    } catch (...) {  // allocation failure on the cold path: no connection this time
      return false;
    }
    s.stamped->set_store(*s.journal);
    if (s.log) s.log->event(reactor_->wall_now_ns(), "RefreshOnLogon: journal reloaded from disk");
    return true;
  }

  void release_journal(slot& s) noexcept {
    if (!s.settings.refresh_on_logon || !s.journal) return;
    s.stamped->detach();
    s.journal.reset();  // closes the files and releases the lock
  }

  // ---- sink ----

  send_status sink_send(session_handle h, std::span<const char> bytes) noexcept {
    switch (reactor_->send(slots_[h].conn, bytes)) {
      case reactor::send_result::ok:
        if (slots_[h].log) slots_[h].log->message(reactor_->wall_now_ns(), false, bytes);
        return send_status::ok;
      case reactor::send_result::back_pressured: return send_status::back_pressured;
      case reactor::send_result::closed: return send_status::closed;
    }
    return send_status::closed;
  }
  void sink_disconnect(session_handle h) noexcept {
    if (slots_[h].conn != reactor::invalid_conn) (void)reactor_->close(slots_[h].conn);
  }

  void on_session_status(session_handle h, session_status st, session_error err) noexcept {
    slot& s = slots_[h];
    if (st == session_status::active) s.retry.reset();
    if (s.log) log_status(*s.log, st, err);
    app_.on_status(h, st, err);
  }

  // ---- reactor events ----

  [[nodiscard]] conn_entry* entry_of(reactor::conn_id c) noexcept {
    const std::size_t i = static_cast<std::size_t>(c & 0xffffffffu);
    if (i >= conns_.size() || conns_[i].id != c) return nullptr;
    return &conns_[i];
  }

  bool on_accept(reactor::conn_id c, const reactor::peer_address& peer, std::int64_t now_ns) noexcept {
    if (pending_ >= opts_.max_pending_connections || shutdown_started_) {
      ++stats_.connections_refused;
      return false;
    }
    // Without this, one address holding max_pending_connections idle
    // connections would keep every other counterparty's Logon out.
    const address_key from = key_of(peer);
    if (pending_from(from) >= opts_.max_pending_per_address) {
      ++stats_.connections_refused;
      ++stats_.pending_per_address_refused;
      return false;
    }
    const std::size_t i = static_cast<std::size_t>(c & 0xffffffffu);
    if (i >= conns_.size()) return false;
    conns_[i] = conn_entry{c, -1, now_ns + opts_.pending_timeout_ms * 1'000'000, from};
    ++pending_;
    return true;
  }

  void on_connected(reactor::conn_id c, std::int64_t) noexcept {
    conn_entry* e = entry_of(c);
    if (e == nullptr || e->session < 0) return;
    slots_[static_cast<std::size_t>(e->session)].core->on_connected(reactor_->wall_now_ns());
  }

  void on_connect_failed(reactor::conn_id c, reactor::io_status, std::int64_t now_ns) noexcept {
    conn_entry* e = entry_of(c);
    if (e == nullptr) return;
    const std::int64_t h = e->session;
    *e = conn_entry{};
    if (h < 0) return;
    slot& s = slots_[static_cast<std::size_t>(h)];
    ++stats_.connect_failures;
    s.conn = reactor::invalid_conn;
    s.core->on_disconnected(reactor_->wall_now_ns());
    release_journal(s);
    schedule_reconnect(s, now_ns);
  }

  std::size_t on_data(reactor::conn_id c, std::span<const char> data, std::int64_t now_ns) noexcept {
    conn_entry* e = entry_of(c);
    if (e == nullptr) return data.size();
    if (e->session < 0 && !route(*e, data)) return data.size();
    if (e->session < 0) return 0;  // need more bytes for the first message
    (void)now_ns;
    slot& s = slots_[static_cast<std::size_t>(e->session)];
    const std::size_t used = s.core->on_bytes(data, reactor_->wall_now_ns());
    if (s.log) log_inbound(*s.log, data.first(used), s.settings.max_message_bytes);
    return used;
  }

  // FileLogPath: the messages the session consumed, one line each (framed
  // again here, only when logging).
  void log_inbound(session_log& log, std::span<const char> bytes, std::uint32_t max_message_bytes) noexcept {
    codec::frame_limits limits;
    limits.max_message_bytes = max_message_bytes;
    const std::int64_t wall = reactor_->wall_now_ns();
    std::size_t pos = 0;
    while (pos < bytes.size()) {
      const codec::frame_result f = codec::frame(bytes.data() + pos, bytes.size() - pos, limits);
      const std::size_t n = f.status == codec::frame_status::incomplete || f.size_bytes == 0 ? bytes.size() - pos
                                                                                            : f.size_bytes;
      log.message(wall, true, bytes.subspan(pos, n));
      pos += n;
    }
  }

  void log_status(session_log& log, session_status st, session_error err) noexcept {
    char line[128];
    std::size_t n = 0;
    auto put = [&](std::string_view t) noexcept {
      const std::size_t k = std::min(t.size(), sizeof line - n);
      std::memcpy(line + n, t.data(), k);
      n += k;
    };
    put("status ");
    put(to_string(st));
    if (err != session_error::none) {
      put(": ");
      put(to_string(err));
    }
    log.event(reactor_->wall_now_ns(), {line, n});
  }

  // Binds a pending connection to the session its first message names. False
  // when the connection was refused (and closed).
  bool route(conn_entry& e, std::span<const char> data) noexcept {
    logon_identity id;
    const identity_status st = read_identity(data, id);
    if (st == identity_status::need_more) return true;
    const std::optional<std::size_t> d = st == identity_status::found ? directory_.find(id) : std::nullopt;
    if (d) {
      const session_handle h = directory_slots_[*d];
      slot& s = slots_[h];
      if (s.conn == reactor::invalid_conn && s.enabled && s.in_window && !shutdown_started_ && ensure_journal(s)) {
        --pending_;
        e.session = h;
        s.conn = e.id;
        s.core->on_connected(reactor_->wall_now_ns());
        return true;
      }
    }
    ++stats_.connections_refused;
    --pending_;
    const reactor::conn_id c = e.id;
    e = conn_entry{};
    (void)reactor_->abort(c);
    return false;
  }

  void on_closed(reactor::conn_id c, reactor::io_status, std::int64_t now_ns) noexcept {
    conn_entry* e = entry_of(c);
    if (e == nullptr) return;
    const std::int64_t h = e->session;
    if (h < 0) --pending_;
    *e = conn_entry{};
    if (h < 0) return;
    slot& s = slots_[static_cast<std::size_t>(h)];
    if (s.conn != c) return;
    s.conn = reactor::invalid_conn;
    s.core->on_disconnected(reactor_->wall_now_ns());
    release_journal(s);
    if (s.initiator) schedule_reconnect(s, now_ns);
  }

  void schedule_reconnect(slot& s, std::int64_t now_ns) noexcept {
    const std::int64_t delay_ms = s.retry.next_delay_ms(s.prng);
    s.next_connect_ns = delay_ms == config::backoff::exhausted ? INT64_MAX : now_ns + delay_ms * 1'000'000;
  }

  void on_timer(reactor::timer_id t, std::int64_t now_ns) noexcept {
    if (t != tick_timer_) return;
    tick(now_ns);
    tick_timer_ = reactor_->add_timer(now_ns + opts_.tick_ns);
  }

  // ---- idle iterations ----

  // The journals' pages ahead of their writers (FixringPrefault=idle; see
  // store::journal_options::prefault_by): one step of one journal per idle
  // iteration, round robin. Once a round finds nothing wanted, nothing is
  // until the next maintain() in tick() asks for more pages.
  void idle_work() noexcept {
    if (prefault_quiet_) return;
    for (std::size_t tried = 0; tried < slots_.size(); ++tried) {
      if (++prefault_next_ >= slots_.size()) prefault_next_ = 0;
      slot& s = slots_[prefault_next_];
      if (s.journal && s.journal->prefault_step(prefault_step_bytes_)) {
        ++stats_.journal_prefault_steps;
        return;
      }
    }
    prefault_quiet_ = true;
  }

  // ---- the periodic tick ----

  void tick(std::int64_t now_ns) noexcept {
    const std::int64_t wall = reactor_->wall_now_ns();
    // relaxed: see request_shutdown().
    if (!shutdown_started_ && shutdown_.load(std::memory_order_relaxed)) begin_shutdown(now_ns);
    expire_pending(now_ns);
    const bool maintain = now_ns >= next_maintain_ns_;
    if (maintain) {
      next_maintain_ns_ = now_ns + 10'000'000;
      prefault_quiet_ = false;  // the journals' maintain() below may ask for pages ahead
    }
    bool any_connected = false;
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      slot& s = slots_[i];
      const auto h = static_cast<session_handle>(i);
      if (wall >= s.next_schedule_check_ns) check_schedule(h, wall);
      if (s.conn != reactor::invalid_conn) {
        any_connected = true;
        if (wall >= s.core->next_deadline_ns()) s.core->poll(wall);
      } else if (s.initiator && s.enabled && s.in_window && !shutdown_started_ && now_ns >= s.next_connect_ns) {
        connect(h, now_ns);
      }
      if (maintain) {
        if (s.journal) (void)s.journal->maintain(wall);
        if (s.log) s.log->flush();
      }
    }
    if constexpr (requires(App& a) { { a.on_tick(wall) } noexcept; }) app_.on_tick(wall);
    if (shutdown_started_ && (!any_connected || now_ns >= shutdown_deadline_ns_)) stop();
  }

  void expire_pending(std::int64_t now_ns) noexcept {
    if (pending_ == 0) return;
    for (conn_entry& e : conns_) {
      if (e.id != reactor::invalid_conn && e.session < 0 && now_ns >= e.deadline_ns) {
        ++stats_.pending_timeouts;
        e.deadline_ns = INT64_MAX;  // on_closed releases the entry
        (void)reactor_->abort(e.id);
      }
    }
  }

  void connect(session_handle h, std::int64_t now_ns) noexcept {
    slot& s = slots_[h];
    const auto& eps = s.settings.connect_endpoints;
    if (eps.empty()) return;
    if (!ensure_journal(s)) {  // RefreshOnLogon: another process holds the journal
      ++stats_.connect_failures;
      schedule_reconnect(s, now_ns);
      return;
    }
    const config::endpoint& ep = eps[s.endpoint % eps.size()];
    ++s.endpoint;
    ++stats_.connect_attempts;
    reactor::connect_options o;
    o.timeout_ms = static_cast<std::int64_t>(s.settings.logon_timeout_s) * 1000;
    if (s.tls != nullptr) {
      o.tls = s.tls;
      o.server_name = ep.host;
    }
    const reactor::connect_result r = reactor_->connect(ep.host.c_str(), ep.port, o);
    if (!r.ok()) {
      ++stats_.connect_failures;
      release_journal(s);
      schedule_reconnect(s, now_ns);
      return;
    }
    conns_[static_cast<std::size_t>(r.id & 0xffffffffu)] = conn_entry{r.id, static_cast<std::int64_t>(h), 0};
    s.conn = r.id;
    s.core->on_connecting(reactor_->wall_now_ns());
    s.next_connect_ns = INT64_MAX;  // until this attempt ends
  }

  // Logs an active session out; drops the connection of one that is not
  // logged on yet.
  void end_connection(session_handle h, std::string_view reason) noexcept {
    slot& s = slots_[h];
    if (s.core->status() == session_status::active) {
      (void)s.core->logout(reason, reactor_->wall_now_ns());
    } else if (s.conn != reactor::invalid_conn && s.core->status() != session_status::logging_out) {
      (void)reactor_->close(s.conn);
    }
  }

  void check_schedule(session_handle h, std::int64_t wall) noexcept {
    slot& s = slots_[h];
    const config::schedule& sch = s.settings.session_schedule;
    if (sch.kind == config::schedule_kind::non_stop) {
      s.in_window = true;
      s.next_schedule_check_ns = INT64_MAX;
      return;
    }
    const std::int64_t start = config::current_session_start_utc_ns(sch, wall);
    if (start == config::outside_session_ns) {
      if (s.in_window) end_connection(h, "session window ended");
      s.in_window = false;
      s.next_schedule_check_ns = config::next_start_utc_ns(sch, wall);
      return;
    }
    s.in_window = true;
    s.next_schedule_check_ns = config::current_session_end_utc_ns(sch, wall);
    if (start != s.window_start_ns) {
      if (!ensure_journal(s)) {  // RefreshOnLogon and another process holds it
        s.next_schedule_check_ns = wall + 1'000'000'000;
        return;
      }
      const auto release = [&] {
        if (s.conn == reactor::invalid_conn) release_journal(s);
      };
      // A new daily/weekly window: its sequence numbers start at 1.
      if (s.window_start_ns != 0 || s.journal->next_outbound_seq() > 1 || s.journal->next_inbound_seq() > 1) {
        if (s.conn == reactor::invalid_conn) {
          (void)s.core->reset_sequence_numbers(wall);
          ++stats_.schedule_resets;
        } else {
          end_connection(h, "new session window");
          s.next_schedule_check_ns = wall + opts_.tick_ns;  // reset once disconnected
          return;
        }
      }
      s.window_start_ns = start;
      (void)write_window_start(s.journal_dir, start);
      release();
    }
  }

  void begin_shutdown(std::int64_t now_ns) noexcept {
    shutdown_started_ = true;
    std::int64_t longest_s = 0;
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      longest_s = std::max<std::int64_t>(longest_s, slots_[i].settings.logout_timeout_s);
      slots_[i].enabled = false;
      end_connection(static_cast<session_handle>(i), {});
    }
    shutdown_deadline_ns_ = now_ns + (longest_s + 1) * 1'000'000'000;
  }

  // ---- producer rings ----

  int drain_producers() noexcept {
    int n = 0;
    for (auto& p : producers_) {
      reactor::spsc_byte_ring::record rec;
      for (int i = 0; i < 64 && p->ring_.front(rec); ++i) {
        session_handle h = 0;
        std::memcpy(&h, rec.bytes.data(), sizeof h);
        const auto type_len = static_cast<std::uint8_t>(rec.bytes[sizeof h]);
        const std::string_view type(rec.bytes.data() + sizeof h + 1, type_len);
        const std::string_view body(rec.bytes.data() + sizeof h + 1 + type_len,
                                    rec.bytes.size() - sizeof h - 1 - type_len);
        if (h < slots_.size()) {
          const send_result r = send(h, type, [&](codec::encoder& e) noexcept { e.add_raw_fields(body); });
          if (r == send_result::sent || r == send_result::queued) {
            ++stats_.ring_records_sent;
          } else {
            ++stats_.ring_records_dropped;
          }
        } else {
          ++stats_.ring_records_dropped;
        }
        p->ring_.pop();
        ++n;
      }
    }
    return n;
  }

  App& app_;
  engine_options opts_;
  io_handler io_;
  // Declared before reactor_, so destroyed after it: the reactor borrows them.
  std::vector<std::unique_ptr<reactor::tls_context>> tls_contexts_;
  std::unique_ptr<reactor_t> reactor_;
  dictionary_cache dictionaries_;
  std::vector<slot> slots_;
  std::vector<conn_entry> conns_;
  session_directory directory_;
  std::vector<session_handle> directory_slots_;
  std::vector<std::string> listen_keys_;
  std::vector<std::uint16_t> listen_ports_;
  std::vector<std::unique_ptr<producer>> producers_;
  engine_stats stats_;
  reactor::timer_id tick_timer_ = reactor::invalid_timer;
  std::uint32_t pending_ = 0;
  int cpu_ = -1;
  bool started_ = false;
  bool shutdown_started_ = false;
  std::int64_t shutdown_deadline_ns_ = 0;
  std::int64_t next_maintain_ns_ = 0;
  std::uint64_t prefault_step_bytes_ = 8 * 1024;
  std::size_t prefault_next_ = 0;  // slot idle_work() tried last
  bool prefault_quiet_ = false;    // no journal wants a page until the next maintain()
  std::atomic<bool> stop_{false};
  std::atomic<bool> shutdown_{false};
};

}  // namespace fixring::engine
