// reactor<Handler>: one thread, one io_uring, many TCP (optionally TLS)
// connections, one timer heap and any number of inbound SPSC rings from other
// threads. The handler is a template parameter: no virtual call on the hot path.
//
// Loop iteration (poll_once):
//   1. one clock read: now_ns = CLOCK_MONOTONIC (wall time = now_ns + an
//      offset to CLOCK_REALTIME refreshed once a second, see wall_now_ns())
//   2. drain the outbound SPSC rings into connection send queues
//   3. reap completions in batches (io_uring_peek_batch_cqe) and dispatch them;
//      under defer_taskrun it first enters the kernel (submitting waiting
//      SQEs and running completion work) only if SQEs wait or the kernel
//      flagged work (IORING_SQ_TASKRUN), so an idle busy spin makes no syscall
//      unless a connection receives by polling (see Receive path)
//   4. fire due timers
//   5. submit what the handlers queued: busy mode never sleeps
//      (completion_mode below); idle mode waits
//      in io_uring_submit_and_wait_timeout until a completion, the next timer
//      deadline or idle_wait_max_ns (the bound on how late a ring message or
//      stop() is noticed)
//
// How busy mode gets completions posted without blocking. Measured on this
// machine (kernel 6.18, 2 cores shared with other builds, load average ~5;
// loopback echo of 64-byte messages, client and server reactors pinned to
// cores 0 and 1, 20,000 round trips after warm-up, three runs of
// `build-reactor/tests/reactor/reactor_rtt_probe --rounds 20000 --raw`):
//   raw TCP, busy-polled recv()/send()      p50 13.4-14.0 us
//   completion_mode::defer_taskrun          p50 15.2-15.8 us
//   completion_mode::peek                   p50 24.5-25.3 us
// (p99 and above were 10-40 ms in every row, including raw TCP: scheduler
// preemption by the other processes on the two cores, not the transport.)
// With peek, the kernel has to interrupt the spinning thread (task-work
// signal) for each completion; with DEFER_TASKRUN the loop's own
// io_uring_submit_and_get_events runs the completion work inline, one cheap
// syscall per iteration and no interrupt. defer_taskrun is therefore the
// default; peek stays selectable (no syscall when idle, no single-issuer rule).
// Under defer_taskrun the first thread that polls becomes the only thread
// allowed to submit: poll the reactor from one thread only.
//
// Later (2026-11-22, load average ~1, 64-byte echo as above, four runs each
// of `reactor_rtt_probe --rounds 20000 --raw --completion defer
// --queued-send` against the previous build): raw TCP p50 9.3 us; the loop
// entering the kernel every iteration 11.7 us; entering only on
// IORING_SQ_TASKRUN (IORING_SETUP_TASKRUN_FLAG) with every send as an SQE
// 11.9-14.1 us (no gain on its own: the receive work is the same, it only
// stops idle syscalls); that plus direct_send (an idle connection's first
// send of an iteration written at once with send(2)) 11.4-11.5 us.
//
// Later still (2026-12-06, load 3-5, 200-byte echo, three runs of
// `reactor_rtt_probe --rounds 20000 --raw --completion defer --multishot
// --bytes 200`): raw TCP p50 13.0 us; every connection on its multishot recv
// 16.8-17.1 us; the two connections receiving by polling (the
// recv_poll_connections default) 13.3-13.6 us. Timestamps taken in a scratch
// build on both threads located the multishot's cost: the receiver sees
// IORING_SQ_TASKRUN about when the sender's send(2) has queued the bytes, as
// raw recv would, but the io_uring_enter that then runs the wake-up task
// work (poll check, recv, CQE) takes 2.8-2.9 us, against about 0.3 us for an
// enter whose non-blocking recv SQE finds the bytes at once. Delaying that
// enter by 0.3-1.5 us made it no shorter, so it is work, not the sender's
// socket lock. Hence polling while a reactor carries a few connections (as
// a latency-bound one does), multishot when it carries many.

// Receive path: each connection has one receive request into the shared
// provided-buffer ring. While a busy-mode reactor holds at most
// recv_poll_connections connections they poll: every iteration reads each
// plain-TCP one with recv(2, MSG_DONTWAIT) into the reactor's receive scratch
// buffer (bytes or EAGAIN, counted in recv_polls_empty), and each TLS one
// with a non-blocking io_uring recv SQE completing inside that iteration's
// io_uring_enter. Otherwise a connection has a multishot recv, re-armed when
// a CQE arrives without IORING_CQE_F_MORE.
//
// Why recv(2) and not the SQE for the polled plain-TCP connections: the SQE
// costs, on every empty poll, an io_uring_enter that allocates and frees the
// request's message header in the kernel and completes through a CQE, and a
// message that arrives meanwhile waits for all of it. Measured with the
// fixring-latency round trip (raw,fixring, 20,000 round trips, alternated
// runs, 2026-12-06): the time from the peer's send(2) returning to the
// handler's on_message fell from 1.3-1.6 us to 0.9-1.0 us on each side, the
// round trip p50 from 13.8-13.9 to 12.9-13.4 us against raw TCP's 10.5-11.0
// (1.28-1.32x raw to 1.19-1.22x).
// The handler's on_data sees the kernel buffer directly when the connection
// carries no leftover; bytes it does not consume are copied into the
// connection's own carry buffer (recv_carry_bytes) and the provided buffer goes
// straight back to the kernel, so framing across reads works and the shared
// ring never starves because one handler is slow.
//
// Send path: each connection owns a send queue (send_queue_bytes, a byte ring)
// with at most one send SQE in flight. send() copies into it or answers
// back_pressured (nothing queued) when it does not fit; a peer that stops
// reading therefore fills only its own queue and never stalls the others.
// With reactor_config::direct_send (default), the first send() of a loop
// iteration (on the whole reactor) is written at once with send(2,
// MSG_DONTWAIT) when its plain-TCP connection's queue is empty and idle; only
// what the socket did not take is queued. Later sends of that iteration
// queue, so a burst, on one connection or spread over many, still leaves
// through one io_uring_enter instead of one syscall per message.
//
// Ownership: the reactor owns its ring, sockets, buffers and connection slots;
// it borrows the handler, every tls_context and every spsc_byte_ring attached,
// which must outlive it. Memory is allocated by create(); afterwards only
// connect() (DNS for non-numeric hosts) and TLS connection setup allocate.
//
// Thread contract: every member function is called on the reactor thread (the
// one calling run()/poll_once(); with defer_taskrun the first thread to poll
// stays the reactor thread for good), or on any single thread before the first
// poll, except stop(), which any thread may call. Handler callbacks run on the
// reactor thread, may call any member function (send, close, connect,
// add_timer, ...) and must not block.
#pragma once

#include "fixring/engine/reactor/spsc_ring.hpp"
#include "fixring/engine/reactor/status.hpp"
#include "fixring/engine/reactor/timer_heap.hpp"
#include "fixring/engine/reactor/tls.hpp"
#include "fixring/engine/reactor/uring_core.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <concepts>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace fixring::engine::reactor {

// (generation << 32) | slot. 0 is never a valid id.
using conn_id = std::uint64_t;
inline constexpr conn_id invalid_conn = 0;
using listener_id = std::uint32_t;

enum class send_result : std::uint8_t {
  ok,              // queued in full; it will be written in order
  back_pressured,  // nothing queued: the send queue (or TLS buffer) is full; retry later
  closed,          // the connection is not open (never was, closing, or gone)
};

enum class poll_mode : std::uint8_t { busy, idle };

struct reactor_config {
  poll_mode mode = poll_mode::busy;
  completion_mode completion = completion_mode::defer_taskrun;  // measured, see top
  int cpu = -1;                           // pin run()'s thread to this CPU; -1: no pinning
  std::uint32_t max_connections = 64;     // connection slots (accepted + connected)
  std::uint32_t max_listeners = 4;
  std::uint32_t max_timers = 1024;
  std::uint32_t max_rings = 8;            // attach_ring() capacity
  std::uint32_t ring_drain_batch = 64;    // records taken from one ring per iteration
  std::uint32_t send_queue_bytes = 256 * 1024;
  std::uint32_t recv_carry_bytes = 64 * 1024;  // per-connection leftover (largest frame)
  std::uint32_t sq_entries = 1024;
  std::uint32_t buffer_count = 256;       // provided receive buffers, power of two
  std::uint32_t buffer_bytes = 16 * 1024;
  std::int64_t idle_wait_max_ns = 1'000'000;
  // Plain TCP: the first send() of a loop iteration (reactor-wide), when its
  // connection's queue is empty, writes at once with send(2, MSG_DONTWAIT)
  // instead of waiting for the iteration's submit; what does not fit goes to
  // the queue. Further sends in the same iteration are queued and leave with
  // the iteration's one submit.
  bool direct_send = true;
  // Busy mode, while the reactor holds at most this many connections: they
  // receive by polling instead of with a multishot recv. Each iteration reads
  // each plain-TCP connection with one recv(2, MSG_DONTWAIT) (a TLS one with
  // a non-blocking io_uring recv SQE that completes inside the iteration's
  // io_uring_enter). Bytes arrive 2.5-3 us sooner per message than through
  // the multishot recv's wake-up task work (measured, see the top of this
  // file); the price is a syscall per connection per iteration even when
  // idle, which a reactor with many sessions would pay for all of them, so
  // it polls only while it has few. The choice is made each time a receive
  // is armed: a polled connection turns multishot at its next iteration once
  // there are more connections; a multishot one turns polled only when its
  // multishot recv ends. 0: never poll. Idle mode never polls.
  std::uint32_t recv_poll_connections = 2;
};

struct connect_options {
  std::int64_t timeout_ms = 5000;       // <= 0: no connect timeout
  const tls_context* tls = nullptr;     // client context: the connection speaks TLS
  std::string server_name;              // overrides tls->server_name() (SNI + name check)
};

struct listen_options {
  int backlog = 128;
  const tls_context* tls = nullptr;     // server context: accepted connections speak TLS
};

struct listen_result {
  listener_id id = 0;
  std::uint16_t port = 0;   // the bound port (the kernel's choice when 0 was asked)
  setup_error error;        // error.status.ok() on success
  [[nodiscard]] bool ok() const noexcept { return error.status.ok(); }
};

struct connect_result {
  conn_id id = invalid_conn;
  setup_error error;        // synchronous failure (resolve, socket, no slot)
  [[nodiscard]] bool ok() const noexcept { return error.status.ok(); }
};

struct reactor_stats {
  std::uint64_t loop_iterations = 0;
  std::uint64_t completions = 0;
  std::uint64_t stale_completions = 0;      // dropped: slot generation moved on
  std::uint64_t accepts_rejected = 0;       // by the handler or for lack of a slot
  std::uint64_t ring_records_sent = 0;
  std::uint64_t ring_records_to_closed = 0; // ring records whose conn_id was closed (counted, dropped)
  std::uint64_t recv_rearms = 0;
  std::uint64_t listeners_failed = 0;       // multishot accept ended with a permanent error
  std::uint64_t direct_sends = 0;           // send() calls that tried send(2) at once (reactor_config::direct_send)
  std::uint64_t recv_polls_empty = 0;       // polled receives that found no bytes (reactor_config::recv_poll_connections)
  std::uint64_t direct_recvs = 0;           // polled recv(2) calls that read bytes (plain-TCP polled connections)
  std::uint32_t recv_polled_connections = 0;  // now, not a count: connections whose receive is armed polled
};

// What a handler provides. All callbacks run on the reactor thread with the
// loop's clock reading; none may block.
//   on_accept: a new inbound connection (after the TLS handshake for TLS
//     listeners); return false to close it without further callbacks.
//   on_connected: connect() (and its TLS handshake) succeeded.
//   on_connect_failed: connect() failed: refused, timeout, TLS verification, or
//     close() before it finished. The conn_id is dead afterwards.
//   on_data: bytes received, in order. Return how many were consumed (a
//     complete frame or several); the rest is presented again, followed by new
//     bytes, on the next call. The span is valid only during the call.
//   on_closed: an announced connection ended; status says why. Last callback
//     for that conn_id.
//   on_timer: a timer from add_timer() is due.
template <class H>
concept reactor_handler = requires(H& h, conn_id c, const peer_address& peer, io_status s,
                                   std::span<const char> data, timer_id t, std::int64_t now_ns) {
  { h.on_accept(c, peer, now_ns) } -> std::same_as<bool>;
  { h.on_connected(c, now_ns) } -> std::same_as<void>;
  { h.on_connect_failed(c, s, now_ns) } -> std::same_as<void>;
  { h.on_data(c, data, now_ns) } -> std::convertible_to<std::size_t>;
  { h.on_closed(c, s, now_ns) } -> std::same_as<void>;
  { h.on_timer(t, now_ns) } -> std::same_as<void>;
};

// Handler must model reactor_handler. The check sits in create() rather than
// on the class so a handler can hold a reactor<Handler>* while incomplete.
template <class Handler>
class reactor {
 public:
  // Builds a reactor or returns nullptr with err filled. Allocates every
  // buffer. Cold; any thread.
  [[nodiscard]] static std::unique_ptr<reactor> create(const reactor_config& cfg, Handler& handler,
                                                       setup_error& err) {
    static_assert(reactor_handler<Handler>, "Handler lacks a reactor callback; see reactor_handler");
    std::unique_ptr<reactor> r(new reactor(cfg, handler));
    detail::ring_options ro;
    ro.sq_entries = cfg.sq_entries;
    ro.completion = cfg.completion;
    ro.buffer_count = cfg.buffer_count;
    ro.buffer_bytes = cfg.buffer_bytes;
    if (cfg.max_connections == 0 || cfg.max_connections >= detail::max_slots) {
      err.status = io_status{io_kind::os_error, EINVAL};
      err.message = "max_connections must be in [1, 2^24)";
      return nullptr;
    }
    if (!r->core_.init(ro, err)) return nullptr;
    return r;
  }

  reactor(const reactor&) = delete;
  reactor& operator=(const reactor&) = delete;

  // Closes every socket without callbacks. Reactor thread (or after run()
  // returned).
  ~reactor() {
    // Tear the ring down first: it cancels every request still pointing into
    // send queues, carry buffers or connect addresses owned by members that
    // are destroyed before core_ would be.
    core_.exit_ring();
    for (auto& c : conns_) {
      if (c.fd >= 0) ::close(c.fd);
    }
    for (auto& l : listeners_) {
      if (l.fd >= 0) ::close(l.fd);
    }
  }

  // ---- setup and lifecycle ----

  // Listens on addr:port (numeric address or host name; port 0 picks one) and
  // arms a multishot accept; inbound connections arrive as on_accept. The
  // result carries the bound port or an error naming the address. Cold.
  // Reactor thread, or the setup thread before the first poll.
  [[nodiscard]] listen_result listen(const char* addr, std::uint16_t port,
                                     const listen_options& opts = {}) {
    listen_result res;
    if (listeners_.size() >= cfg_.max_listeners) {
      res.error.status = io_status{io_kind::no_slot, 0};
      res.error.message = "all max_listeners listener slots are in use";
      return res;
    }
    const int fd = detail::make_listen_socket(addr, port, opts.backlog, res.port, res.error);
    if (fd < 0) return res;
    listeners_.push_back(listener{fd, opts.tls, false});
    res.id = static_cast<listener_id>(listeners_.size() - 1);
    arm_accept(res.id);
    return res;
  }

  // Starts a TCP connect (and then a TLS handshake when opts.tls is set). The
  // outcome arrives as on_connected or on_connect_failed. Synchronous failures
  // (no free slot, host does not resolve, socket() fails) are returned here
  // and produce no callback. Cold: resolves non-numeric hosts with getaddrinfo
  // (may block on DNS). Reactor thread (handlers may call it, e.g. from
  // on_timer to reconnect), or the setup thread before the first poll.
  [[nodiscard]] connect_result connect(const char* host, std::uint16_t port,
                                       const connect_options& opts = {}) {
    connect_result res;
    const std::uint32_t slot = alloc_slot();
    if (slot == no_slot) {
      res.error.status = io_status{io_kind::no_slot, 0};
      res.error.message = "all max_connections connection slots are in use";
      return res;
    }
    connection& c = conns_[slot];
    if (!detail::resolve(host, port, c.remote.addr, c.remote.len, res.error)) {
      free_slot(slot);
      return res;
    }
    const int fd = detail::make_tcp_socket(c.remote.addr.ss_family);
    if (fd < 0) {
      res.error.status = from_cqe_res(fd);
      res.error.message = "socket: " + std::string(res.error.status.name());
      free_slot(slot);
      return res;
    }
    c.fd = fd;
    c.state = conn_state::connecting;
    c.is_client = true;
    c.tls_ctx = opts.tls;
    c.server_name = opts.server_name;
    io_uring_sqe* sqe = core_.get_sqe();
    io_uring_prep_connect(sqe, fd, reinterpret_cast<const sockaddr*>(&c.remote.addr), c.remote.len);
    io_uring_sqe_set_data64(sqe, detail::pack_user_data(detail::op::connect, slot, c.generation));
    ++c.inflight;
    if (opts.timeout_ms > 0) {
      // The timeout is linked to the connect: if it fires first the connect
      // completes with -ECANCELED, which on_connect_cqe reports as timeout.
      sqe->flags |= IOSQE_IO_LINK;
      c.connect_timeout.tv_sec = opts.timeout_ms / 1000;
      c.connect_timeout.tv_nsec = (opts.timeout_ms % 1000) * 1'000'000;
      io_uring_sqe* t = core_.get_sqe();
      io_uring_prep_link_timeout(t, &c.connect_timeout, 0);
      io_uring_sqe_set_data64(t, detail::pack_user_data(detail::op::link_timeout, slot, c.generation));
      ++c.inflight;
    }
    res.id = make_id(slot, c.generation);
    return res;
  }

  // Attaches a ring another thread produces into; records carry the
  // destination conn_id as their tag (publish(size, conn_id)). At most
  // max_rings. Reactor thread or before run(). Returns false when full.
  // Each iteration takes up to ring_drain_batch records per ring, in order.
  // A record whose connection is back-pressured stays at the head of its ring
  // (so the producer sees "full" instead of a silent drop) and holds the
  // records behind it: give each producer one ring per connection when
  // connections must not wait for each other. Records for a closed conn_id
  // are dropped and counted in stats().ring_records_to_closed.
  [[nodiscard]] bool attach_ring(spsc_byte_ring& ring) {
    if (rings_.size() >= cfg_.max_rings) return false;
    rings_.push_back(&ring);
    return true;
  }

  // Runs the loop until stop(). Pins the calling thread when cfg.cpu >= 0 and
  // returns the pinning failure without running. Reactor thread.
  [[nodiscard]] io_status run() noexcept {
    const io_status pin = detail::pin_current_thread(cfg_.cpu);
    if (!pin.ok()) return pin;
    // Under defer_taskrun this makes the calling thread the ring's single issuer.
    const io_status enabled = core_.enable_on_this_thread();
    if (!enabled.ok()) return enabled;
    // relaxed: pairs with the relaxed store in stop(); the flag orders no data.
    while (!stop_requested_.load(std::memory_order_relaxed)) {
      (void)poll_once();
    }
    // relaxed: reset for a later run(); same pairing as above.
    stop_requested_.store(false, std::memory_order_relaxed);
    return {};
  }

  // One loop iteration; returns the number of events handled (completions,
  // ring records, timers). Busy mode never sleeps; idle mode sleeps up to
  // idle_wait_max_ns when nothing happened. Reactor thread.
  int poll_once() noexcept {
    if (!core_.enabled()) {
      if (!core_.enable_on_this_thread().ok()) return 0;
    }
    now_ns_ = detail::monotonic_now_ns();  // the iteration's one clock read
    if (now_ns_ >= next_offset_refresh_ns_) {
      realtime_offset_ns_ = detail::realtime_offset_ns();
      next_offset_refresh_ns_ = now_ns_ + 1'000'000'000;
    }
    ++stats_.loop_iterations;
    int events = drain_rings();
    events += reap();
    events += poll_direct_receives();
    events += fire_timers();
    submit_or_wait(events);
    return events;
  }

  // Asks run() to return after the current iteration. Any thread.
  void stop() noexcept {
    // relaxed: pairs with the relaxed load in run(); the flag carries no data,
    // so it needs atomicity only, not ordering.
    stop_requested_.store(true, std::memory_order_relaxed);
  }

  // ---- connections ----

  // Queues bytes on an open connection (encrypting first for TLS). All or
  // nothing: back_pressured queues nothing. Reactor thread. Hot; no allocation
  // for plain TCP.
  [[nodiscard]] send_result send(conn_id id, std::span<const char> bytes) noexcept {
    connection* c = lookup(id);
    if (c == nullptr || c->state != conn_state::open || c->close_after_flush) {
      return send_result::closed;
    }
    if (c->tls) return send_tls(*c, bytes);
    if (bytes.size() > queue_free(*c)) return send_result::back_pressured;
    if (cfg_.direct_send && !c->send_inflight && queued(*c) == 0 &&
        direct_send_iteration_ != stats_.loop_iterations) {
      // Idle connection, first send of this iteration on the whole reactor:
      // write now with one non-blocking send(2) instead of an SQE submitted
      // at the end of the iteration (no io_uring request, no completion to
      // reap). Every later send of the iteration, on this connection or
      // another, is queued, so a burst over many sessions still costs one
      // io_uring_enter, not one syscall per message.
      direct_send_iteration_ = stats_.loop_iterations;
      ++stats_.direct_sends;
      const ssize_t n = ::send(c->fd, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n == static_cast<ssize_t>(bytes.size())) return send_result::ok;
      // A short write, EAGAIN or an error: the rest goes through the queue;
      // an error then comes back on that send's completion and closes the
      // connection through the usual path (never from inside this call).
      if (n > 0) bytes = bytes.subspan(static_cast<std::size_t>(n));
    }
    enqueue(*c, bytes.data(), bytes.size());
    kick_send(*c);
    return send_result::ok;
  }

  // Closes after the send queue drains (so a final Logout leaves); a peer that
  // never reads delays that forever, so use abort() to cut at once. Further
  // sends answer closed. on_closed (or on_connect_failed) follows. Returns
  // false if id is not a live connection. Reactor thread.
  bool close(conn_id id) noexcept {
    connection* c = lookup(id);
    if (c == nullptr || c->state == conn_state::closing) return false;
    if (c->state == conn_state::open && queued(*c) > 0) {
      c->close_after_flush = true;
      return true;
    }
    begin_close(*c, io_status{io_kind::local_close, 0});
    return true;
  }

  // Closes at once, discarding queued bytes. Reactor thread.
  bool abort(conn_id id) noexcept {
    connection* c = lookup(id);
    if (c == nullptr || c->state == conn_state::closing) return false;
    begin_close(*c, io_status{io_kind::local_close, 0});
    return true;
  }

  // Bytes waiting in a connection's send queue (0 for an unknown id), and
  // whether send() would currently accept bytes. Reactor thread.
  [[nodiscard]] std::size_t queued_bytes(conn_id id) const noexcept {
    const connection* c = lookup(id);
    return c == nullptr ? 0 : queued(*c);
  }
  [[nodiscard]] bool is_open(conn_id id) const noexcept {
    const connection* c = lookup(id);
    return c != nullptr && c->state == conn_state::open && !c->close_after_flush;
  }

  // ---- timers ----

  // Fires on_timer(id, now) once the loop's clock reaches deadline_ns
  // (monotonic, same base as now_ns()); at most once, in deadline order, ties
  // in the order added. invalid_timer when max_timers are pending. A timer
  // added from on_timer with a deadline <= now fires in the same iteration.
  // Reactor thread.
  [[nodiscard]] timer_id add_timer(std::int64_t deadline_ns) noexcept {
    return timers_.add(deadline_ns);
  }
  // false when the timer already fired or was cancelled. Reactor thread.
  bool cancel_timer(timer_id id) noexcept { return timers_.cancel(id); }

  // ---- clock and introspection (reactor thread) ----

  // The current iteration's CLOCK_MONOTONIC reading (before the first
  // iteration: the time create() ran).
  [[nodiscard]] std::int64_t now_ns() const noexcept { return now_ns_; }
  // Wall-clock time matching now_ns: now_ns + (REALTIME - MONOTONIC), the
  // offset refreshed once a second so a clock step shows up within 1 s.
  [[nodiscard]] std::int64_t wall_now_ns() const noexcept { return now_ns_ + realtime_offset_ns_; }
  [[nodiscard]] const reactor_stats& stats() const noexcept { return stats_; }
  [[nodiscard]] const reactor_config& config() const noexcept { return cfg_; }

 private:
  enum class conn_state : std::uint8_t { free, connecting, handshaking, open, closing };
  static constexpr std::uint32_t no_slot = std::numeric_limits<std::uint32_t>::max();

  struct connection {
    int fd = -1;
    std::uint32_t generation = 1;
    conn_state state = conn_state::free;
    bool is_client = false;
    bool announced = false;          // on_accept accepted / on_connected delivered
    bool recv_armed = false;
    bool recv_polled = false;        // receives by polling (reactor_config::recv_poll_connections)
    bool recv_direct = false;        // polled with recv(2) by the loop (in direct_recv_slots_), no SQE
    bool send_inflight = false;
    bool close_after_flush = false;
    std::uint32_t inflight = 0;      // SQEs whose final CQE is still owed
    std::uint32_t next_free = no_slot;
    io_status close_status{};
    // Send queue: a byte ring; head/tail grow without wrapping.
    char* sq_buf = nullptr;
    std::uint64_t sq_head = 0;
    std::uint64_t sq_tail = 0;
    // Carry buffer: bytes the handler has not consumed yet.
    char* rx_buf = nullptr;
    std::uint32_t rx_len = 0;
    peer_address remote{};
    __kernel_timespec connect_timeout{};
    const tls_context* tls_ctx = nullptr;
    std::string server_name;
    std::unique_ptr<tls_stream> tls;
  };

  struct listener {
    int fd = -1;
    const tls_context* tls = nullptr;
    bool armed = false;
  };

  reactor(const reactor_config& cfg, Handler& handler)
      : cfg_(cfg),
        handler_(handler),
        timers_(cfg.max_timers),
        conns_(cfg.max_connections),
        send_storage_(std::make_unique<char[]>(static_cast<std::size_t>(cfg.max_connections) *
                                               cfg.send_queue_bytes)),
        carry_storage_(std::make_unique<char[]>(static_cast<std::size_t>(cfg.max_connections) *
                                                cfg.recv_carry_bytes)),
        recv_scratch_(std::make_unique<char[]>(cfg.buffer_bytes)) {
    listeners_.reserve(cfg.max_listeners);
    direct_recv_slots_.reserve(std::min(cfg.recv_poll_connections, cfg.max_connections));
    rings_.reserve(cfg.max_rings);
    for (std::uint32_t i = 0; i < cfg.max_connections; ++i) {
      connection& c = conns_[i];
      c.sq_buf = send_storage_.get() + static_cast<std::size_t>(i) * cfg.send_queue_bytes;
      c.rx_buf = carry_storage_.get() + static_cast<std::size_t>(i) * cfg.recv_carry_bytes;
      c.next_free = i + 1 < cfg.max_connections ? i + 1 : no_slot;
    }
    free_head_ = 0;
    now_ns_ = detail::monotonic_now_ns();
    realtime_offset_ns_ = detail::realtime_offset_ns();
    next_offset_refresh_ns_ = now_ns_ + 1'000'000'000;
  }

  // ---- slots ----

  [[nodiscard]] static conn_id make_id(std::uint32_t slot, std::uint32_t gen) noexcept {
    return (static_cast<conn_id>(gen) << 32) | slot;
  }
  [[nodiscard]] connection* lookup(conn_id id) noexcept {
    const auto slot = static_cast<std::uint32_t>(id & 0xffffffffu);
    if (slot >= conns_.size()) return nullptr;
    connection& c = conns_[slot];
    if (c.generation != static_cast<std::uint32_t>(id >> 32) || c.state == conn_state::free) {
      return nullptr;
    }
    return &c;
  }
  [[nodiscard]] const connection* lookup(conn_id id) const noexcept {
    return const_cast<reactor*>(this)->lookup(id);
  }
  [[nodiscard]] std::uint32_t alloc_slot() noexcept {
    if (free_head_ == no_slot) return no_slot;
    const std::uint32_t slot = free_head_;
    free_head_ = conns_[slot].next_free;
    ++conns_in_use_;
    return slot;
  }
  // Returns a quiescent slot to the free list with a new generation, so every
  // id and user_data naming the old occupant is recognised as stale.
  void free_slot(std::uint32_t slot) noexcept {
    connection& c = conns_[slot];
    c.fd = -1;
    c.state = conn_state::free;
    if (c.recv_direct) stop_direct_recv(c);
    if (c.recv_polled) --stats_.recv_polled_connections;
    c.is_client = c.announced = c.recv_armed = c.recv_polled = c.send_inflight = c.close_after_flush = false;
    c.inflight = 0;
    c.sq_head = c.sq_tail = 0;
    c.rx_len = 0;
    c.tls_ctx = nullptr;
    c.tls.reset();
    c.close_status = {};
    if (++c.generation == 0) c.generation = 1;  // keep conn_id 0 invalid
    c.next_free = free_head_;
    free_head_ = slot;
    --conns_in_use_;
  }
  [[nodiscard]] std::uint32_t slot_of(const connection& c) const noexcept {
    return static_cast<std::uint32_t>(&c - conns_.data());
  }

  // ---- send queue ----

  [[nodiscard]] std::size_t queued(const connection& c) const noexcept {
    return static_cast<std::size_t>(c.sq_tail - c.sq_head);
  }
  [[nodiscard]] std::size_t queue_free(const connection& c) const noexcept {
    return cfg_.send_queue_bytes - queued(c);
  }
  void enqueue(connection& c, const char* p, std::size_t n) noexcept {
    const std::size_t cap = cfg_.send_queue_bytes;
    const std::size_t off = static_cast<std::size_t>(c.sq_tail % cap);
    const std::size_t first = std::min(n, cap - off);
    std::memcpy(c.sq_buf + off, p, first);
    if (n > first) std::memcpy(c.sq_buf, p + first, n - first);
    c.sq_tail += n;
  }
  // Moves TLS ciphertext from the write BIO into the send queue, as much as fits.
  void flush_tls(connection& c) noexcept {
    const std::size_t cap = cfg_.send_queue_bytes;
    while (c.tls->pending_ciphertext() > 0 && queue_free(c) > 0) {
      const std::size_t off = static_cast<std::size_t>(c.sq_tail % cap);
      const std::size_t room = std::min(queue_free(c), cap - off);
      const std::size_t n = c.tls->take_ciphertext(c.sq_buf + off, room);
      if (n == 0) break;
      c.sq_tail += n;
    }
    kick_send(c);
  }
  void kick_send(connection& c) noexcept {
    if (c.send_inflight || queued(c) == 0 || c.state == conn_state::closing) return;
    const std::size_t cap = cfg_.send_queue_bytes;
    const std::size_t off = static_cast<std::size_t>(c.sq_head % cap);
    const std::size_t len = std::min(queued(c), cap - off);
    io_uring_sqe* sqe = core_.get_sqe();
    if (sqe == nullptr) {
      begin_close(c, io_status{io_kind::os_error, EBUSY});
      return;
    }
    io_uring_prep_send(sqe, c.fd, c.sq_buf + off, len, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, detail::pack_user_data(detail::op::send, slot_of(c), c.generation));
    c.send_inflight = true;
    ++c.inflight;
  }
  [[nodiscard]] send_result send_tls(connection& c, std::span<const char> bytes) noexcept {
    // Worst-case TLS record expansion: header, tag and padding per 16 KiB record.
    const std::size_t overhead = (bytes.size() / 16384 + 1) * 64;
    if (c.tls->pending_ciphertext() > 0 || bytes.size() + overhead > queue_free(c)) {
      return send_result::back_pressured;
    }
    if (!c.tls->write_plain(bytes)) {
      begin_close(c, c.tls->status());
      return send_result::closed;
    }
    flush_tls(c);
    return send_result::ok;
  }

  // ---- submissions ----

  void arm_accept(listener_id id) noexcept {
    listener& l = listeners_[id];
    io_uring_sqe* sqe = core_.get_sqe();
    if (sqe == nullptr) return;
    io_uring_prep_multishot_accept(sqe, l.fd, nullptr, nullptr, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, detail::pack_user_data(detail::op::accept, id, 0));
    l.armed = true;
  }
  // Whether a receive armed now polls (reactor_config::recv_poll_connections).
  [[nodiscard]] bool receive_by_polling() const noexcept {
    return cfg_.mode == poll_mode::busy && conns_in_use_ <= cfg_.recv_poll_connections;
  }
  void arm_recv(connection& c) noexcept {
    const bool poll = receive_by_polling();
    if (poll && !c.tls && direct_recv_slots_.size() < direct_recv_slots_.capacity()) {
      // Read by poll_direct_receives() from now on; nothing to submit.
      if (!c.recv_polled) ++stats_.recv_polled_connections;
      c.recv_polled = c.recv_direct = c.recv_armed = true;
      direct_recv_slots_.push_back(slot_of(c));
      return;
    }
    io_uring_sqe* sqe = core_.get_sqe();
    if (sqe == nullptr) {
      begin_close(c, io_status{io_kind::os_error, EBUSY});
      return;
    }
    if (poll != c.recv_polled) {
      c.recv_polled = poll;
      if (poll) {
        ++stats_.recv_polled_connections;
      } else {
        --stats_.recv_polled_connections;
      }
    }
    if (c.recv_polled) {
      // MSG_DONTWAIT makes io_uring complete the recv at once with -EAGAIN
      // instead of arming a poll on the socket, so it finishes inside the
      // io_uring_enter that submits it.
      io_uring_prep_recv(sqe, c.fd, nullptr, 0, MSG_DONTWAIT);
    } else {
      io_uring_prep_recv_multishot(sqe, c.fd, nullptr, 0, 0);
    }
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = detail::uring_core::buffer_group;
    io_uring_sqe_set_data64(sqe, detail::pack_user_data(detail::op::recv, slot_of(c), c.generation));
    c.recv_armed = true;
    ++c.inflight;
  }
  // Cancels everything in flight on the fd; the slot is released (and the
  // handler told) once the last CQE for it arrived, so no kernel operation can
  // still touch the slot's buffers when a new occupant gets them.
  void begin_close(connection& c, io_status why) noexcept {
    if (c.state == conn_state::closing || c.state == conn_state::free) return;
    c.state = conn_state::closing;
    c.close_status = why;
    io_uring_sqe* sqe = core_.get_sqe();
    if (sqe != nullptr) {
      io_uring_prep_cancel_fd(sqe, c.fd, IORING_ASYNC_CANCEL_ALL);
      io_uring_sqe_set_data64(sqe, detail::pack_user_data(detail::op::cancel, slot_of(c), c.generation));
      ++c.inflight;
    } else {
      ::shutdown(c.fd, SHUT_RDWR);  // makes the pending operations finish on their own
    }
    maybe_finish(c);
  }
  void maybe_finish(connection& c) noexcept {
    if (c.state != conn_state::closing || c.inflight != 0) return;
    const conn_id id = make_id(slot_of(c), c.generation);
    const io_status why = c.close_status;
    const bool announced = c.announced;
    const bool is_client = c.is_client;
    ::close(c.fd);
    free_slot(slot_of(c));
    if (announced) {
      handler_.on_closed(id, why, now_ns_);
    } else if (is_client) {
      handler_.on_connect_failed(id, why, now_ns_);
    }
  }

  // ---- completions ----

  int reap() noexcept {
    io_uring_cqe* cqes[64];
    int handled = 0;
    const std::uint64_t empty_before = stats_.recv_polls_empty;
    // defer_taskrun: completions exist only once this thread enters the
    // kernel. Enter only when it says it has work (or SQEs wait, which go out
    // now instead of at the end of the iteration), and reap what that posted
    // in this same iteration: an idle spin makes no syscall.
    if (core_.mode() == completion_mode::defer_taskrun && io_uring_cq_ready(&core_.ring) == 0 &&
        (io_uring_sq_ready(&core_.ring) > 0 || core_.kernel_work_pending())) {
      (void)io_uring_submit_and_get_events(&core_.ring);
    }
    for (;;) {
      const unsigned n = io_uring_peek_batch_cqe(&core_.ring, cqes, 64);
      if (n == 0) break;
      for (unsigned i = 0; i < n; ++i) dispatch(*cqes[i]);
      io_uring_cq_advance(&core_.ring, n);
      handled += static_cast<int>(n);
      if (n < 64) break;
    }
    stats_.completions += static_cast<std::uint64_t>(handled);
    // A polled receive that found nothing is not an event: idle mode's wait
    // and poll_once's count see only work done.
    return handled - static_cast<int>(stats_.recv_polls_empty - empty_before);
  }

  void dispatch(const io_uring_cqe& cqe) noexcept {
    const std::uint64_t ud = io_uring_cqe_get_data64(&cqe);
    const detail::op o = detail::user_data_op(ud);
    const std::uint32_t slot = detail::user_data_slot(ud);
    if (o == detail::op::accept) {
      on_accept_cqe(slot, cqe);
      return;
    }
    connection& c = conns_[slot];
    if (detail::user_data_generation(ud) != c.generation) {
      // An earlier occupant's completion. Cannot happen while the inflight
      // accounting holds, but a provided buffer must still go back.
      ++stats_.stale_completions;
      if ((cqe.flags & IORING_CQE_F_BUFFER) != 0) {
        core_.return_buffer(static_cast<std::uint16_t>(cqe.flags >> IORING_CQE_BUFFER_SHIFT));
      }
      return;
    }
    switch (o) {
      case detail::op::recv: on_recv_cqe(c, cqe); break;
      case detail::op::send: on_send_cqe(c, cqe); break;
      case detail::op::connect: on_connect_cqe(c, cqe); break;
      case detail::op::link_timeout:
      case detail::op::cancel:
        --c.inflight;
        maybe_finish(c);
        break;
      case detail::op::accept: break;
    }
  }

  void on_accept_cqe(std::uint32_t lid, const io_uring_cqe& cqe) noexcept {
    if (lid >= listeners_.size()) return;
    listener& l = listeners_[lid];
    if ((cqe.flags & IORING_CQE_F_MORE) == 0) {
      l.armed = false;
      // Multishot ended. Re-arm after a success or a transient error; a
      // permanent one (EBADF, EINVAL: no multishot accept in this kernel)
      // would only fail again, so the listener stays down and is counted.
      if (cqe.res >= 0 || transient_accept_error(-cqe.res)) {
        arm_accept(lid);
      } else {
        ++stats_.listeners_failed;
      }
    }
    if (cqe.res < 0) return;
    const int fd = cqe.res;
    const std::uint32_t slot = alloc_slot();
    if (slot == no_slot) {
      ++stats_.accepts_rejected;
      ::close(fd);
      return;
    }
    connection& c = conns_[slot];
    c.fd = fd;
    c.is_client = false;
    detail::set_nodelay(fd);
    detail::get_peer(fd, c.remote);
    if (l.tls != nullptr) {
      c.tls_ctx = l.tls;
      c.tls = std::make_unique<tls_stream>(*l.tls, std::string{});
      if (!c.tls->valid()) {
        ++stats_.accepts_rejected;
        ::close(fd);
        free_slot(slot);
        return;
      }
      c.state = conn_state::handshaking;  // on_accept after the handshake
      arm_recv(c);
      return;
    }
    if (!handler_.on_accept(make_id(slot, c.generation), c.remote, now_ns_)) {
      ++stats_.accepts_rejected;
      ::close(fd);
      free_slot(slot);
      return;
    }
    c.state = conn_state::open;
    c.announced = true;
    arm_recv(c);
  }

  [[nodiscard]] static bool transient_accept_error(int err) noexcept {
    return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM || err == EAGAIN ||
           err == EINTR || err == ECONNABORTED || err == EPERM || err == EPROTO;
  }

  void on_connect_cqe(connection& c, const io_uring_cqe& cqe) noexcept {
    --c.inflight;
    if (c.state != conn_state::connecting) {
      maybe_finish(c);
      return;
    }
    if (cqe.res < 0) {
      // -ECANCELED here means the linked timeout fired (close() would have
      // moved the state to closing first).
      begin_close(c, cqe.res == -ECANCELED ? io_status{io_kind::timeout, ETIMEDOUT}
                                           : from_cqe_res(cqe.res));
      return;
    }
    if (c.tls_ctx != nullptr) {
      c.tls = std::make_unique<tls_stream>(*c.tls_ctx, c.server_name);
      if (!c.tls->valid()) {
        begin_close(c, io_status{io_kind::tls_error, -1});
        return;
      }
      c.state = conn_state::handshaking;
      arm_recv(c);
      if (c.tls->handshake() == tls_progress::failed) {
        begin_close(c, c.tls->status());
        return;
      }
      flush_tls(c);  // the ClientHello
      return;
    }
    c.state = conn_state::open;
    c.announced = true;
    arm_recv(c);
    handler_.on_connected(make_id(slot_of(c), c.generation), now_ns_);
  }

  void on_send_cqe(connection& c, const io_uring_cqe& cqe) noexcept {
    --c.inflight;
    c.send_inflight = false;
    if (c.state == conn_state::closing) {
      maybe_finish(c);
      return;
    }
    if (cqe.res < 0) {
      begin_close(c, from_cqe_res(cqe.res));
      return;
    }
    c.sq_head += static_cast<std::uint64_t>(cqe.res);
    if (c.tls) {
      flush_tls(c);  // ciphertext that did not fit before
    } else {
      kick_send(c);
    }
    if (c.close_after_flush && queued(c) == 0 && (!c.tls || c.tls->pending_ciphertext() == 0)) {
      begin_close(c, io_status{io_kind::local_close, 0});
    }
  }

  void on_recv_cqe(connection& c, const io_uring_cqe& cqe) noexcept {
    const bool more = (cqe.flags & IORING_CQE_F_MORE) != 0;
    if (!more) {
      c.recv_armed = false;
      --c.inflight;
    }
    const bool has_buffer = (cqe.flags & IORING_CQE_F_BUFFER) != 0;
    const auto bid = static_cast<std::uint16_t>(cqe.flags >> IORING_CQE_BUFFER_SHIFT);
    if (c.state == conn_state::closing) {
      // Closing: bytes are dropped, never delivered for a closed conn_id.
      if (has_buffer) core_.return_buffer(bid);
      if (!more) maybe_finish(c);
      return;
    }
    if (cqe.res > 0 && has_buffer) {
      const std::span<const char> data{core_.buffer(bid), static_cast<std::size_t>(cqe.res)};
      if (c.close_after_flush) {
        core_.return_buffer(bid);  // close() was called: nothing more is delivered
      } else if (c.tls) {
        const bool fed = c.tls->feed(data);
        core_.return_buffer(bid);
        if (!fed) {
          begin_close(c, io_status{io_kind::tls_error, -1});
        } else {
          tls_progress_after_feed(c);
        }
      } else {
        deliver(c, data);
        core_.return_buffer(bid);
      }
    } else if (cqe.res == 0) {
      if (has_buffer) core_.return_buffer(bid);
      begin_close(c, io_status{io_kind::eof, 0});
      return;
    } else if (cqe.res == -EAGAIN && c.recv_polled) {
      ++stats_.recv_polls_empty;  // nothing to read yet: poll again next iteration
    } else if (cqe.res < 0 && cqe.res != -ENOBUFS) {
      begin_close(c, from_cqe_res(cqe.res));
      return;
    }
    // -ENOBUFS: every provided buffer was in use; they are back now.
    if (!more && (c.state == conn_state::open || c.state == conn_state::handshaking)) {
      if (!c.recv_polled) ++stats_.recv_rearms;
      arm_recv(c);
    }
  }

  // The polled plain-TCP connections, each read once with recv(2,
  // MSG_DONTWAIT). One that finds the reactor holding more connections than
  // recv_poll_connections turns multishot instead. Returns the events: reads
  // with bytes, end of stream, errors.
  int poll_direct_receives() noexcept {
    int events = 0;
    for (std::size_t i = 0; i < direct_recv_slots_.size();) {
      connection& c = conns_[direct_recv_slots_[i]];
      if (!receive_by_polling() && c.state == conn_state::open) {
        stop_direct_recv(c);  // moves the last slot into i
        arm_recv(c);
        continue;
      }
      ++i;
      if (c.state != conn_state::open || c.close_after_flush) continue;  // close() was called: nothing more is read
      const ssize_t n = ::recv(c.fd, recv_scratch_.get(), cfg_.buffer_bytes, MSG_DONTWAIT);
      if (n > 0) {
        ++events;
        ++stats_.direct_recvs;
        deliver(c, std::span<const char>{recv_scratch_.get(), static_cast<std::size_t>(n)});
      } else if (n == 0) {
        ++events;
        begin_close(c, io_status{io_kind::eof, 0});
      } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        ++stats_.recv_polls_empty;
      } else {
        ++events;
        begin_close(c, io_status{io_kind::os_error, errno});
      }
    }
    return events;
  }
  // Takes c off the loop's recv(2) list (swapping the last entry into its place).
  void stop_direct_recv(connection& c) noexcept {
    const std::uint32_t slot = slot_of(c);
    for (std::size_t i = 0; i < direct_recv_slots_.size(); ++i) {
      if (direct_recv_slots_[i] != slot) continue;
      direct_recv_slots_[i] = direct_recv_slots_.back();
      direct_recv_slots_.pop_back();
      break;
    }
    c.recv_direct = c.recv_armed = false;
    if (c.recv_polled) --stats_.recv_polled_connections;
    c.recv_polled = false;
  }

  // Presents bytes to the handler, keeping the unconsumed tail in the
  // connection's carry buffer.
  void deliver(connection& c, std::span<const char> data) noexcept {
    const conn_id id = make_id(slot_of(c), c.generation);
    const std::size_t cap = cfg_.recv_carry_bytes;
    if (c.rx_len == 0) {
      const std::size_t used = std::min<std::size_t>(handler_.on_data(id, data, now_ns_), data.size());
      if (c.state != conn_state::open || c.close_after_flush) return;
      data = data.subspan(used);
      if (data.empty()) return;
      if (data.size() > cap) {
        begin_close(c, io_status{io_kind::frame_too_large, 0});
        return;
      }
      std::memcpy(c.rx_buf, data.data(), data.size());
      c.rx_len = static_cast<std::uint32_t>(data.size());
      return;
    }
    while (!data.empty()) {
      const std::size_t n = std::min(data.size(), cap - c.rx_len);
      if (n == 0) {
        begin_close(c, io_status{io_kind::frame_too_large, 0});
        return;
      }
      std::memcpy(c.rx_buf + c.rx_len, data.data(), n);
      c.rx_len += static_cast<std::uint32_t>(n);
      data = data.subspan(n);
      if (!present_carry(c, id)) return;
    }
  }

  // on_data over the carry buffer, then compacts it. False when the handler
  // closed the connection.
  bool present_carry(connection& c, conn_id id) noexcept {
    const std::size_t used = std::min<std::size_t>(
        handler_.on_data(id, std::span<const char>{c.rx_buf, c.rx_len}, now_ns_), c.rx_len);
    if (c.state != conn_state::open || c.close_after_flush) return false;
    if (used > 0) {
      std::memmove(c.rx_buf, c.rx_buf + used, c.rx_len - used);
      c.rx_len -= static_cast<std::uint32_t>(used);
    }
    return true;
  }

  void tls_progress_after_feed(connection& c) noexcept {
    if (c.state == conn_state::handshaking) {
      const tls_progress p = c.tls->handshake();
      flush_tls(c);
      if (p == tls_progress::failed) {
        begin_close(c, c.tls->status());
        return;
      }
      if (p == tls_progress::want_more) return;
      c.state = conn_state::open;
      const conn_id id = make_id(slot_of(c), c.generation);
      if (c.is_client) {
        c.announced = true;
        handler_.on_connected(id, now_ns_);
      } else if (handler_.on_accept(id, c.remote, now_ns_)) {
        c.announced = true;
      } else {
        ++stats_.accepts_rejected;
        begin_close(c, io_status{io_kind::local_close, 0});
        return;
      }
      if (c.state != conn_state::open) return;
    }
    const conn_id id = make_id(slot_of(c), c.generation);
    const std::size_t cap = cfg_.recv_carry_bytes;
    for (;;) {
      if (c.rx_len == cap) {
        begin_close(c, io_status{io_kind::frame_too_large, 0});
        return;
      }
      const long n = c.tls->read_plain(c.rx_buf + c.rx_len, cap - c.rx_len);
      if (n < 0) {
        flush_tls(c);
        begin_close(c, c.tls->status());
        return;
      }
      if (n == 0) break;
      c.rx_len += static_cast<std::uint32_t>(n);
      if (!present_carry(c, id)) return;
    }
    flush_tls(c);  // post-handshake messages (session tickets, key updates)
  }

  // ---- rings and timers ----

  int drain_rings() noexcept {
    int handled = 0;
    for (spsc_byte_ring* ring : rings_) {
      spsc_byte_ring::record rec;
      for (std::uint32_t i = 0; i < cfg_.ring_drain_batch && ring->front(rec); ++i) {
        const send_result r = send(rec.tag, rec.bytes);
        if (r == send_result::back_pressured) break;  // stays in the ring: the producer sees full
        if (r == send_result::ok) {
          ++stats_.ring_records_sent;
        } else {
          ++stats_.ring_records_to_closed;
        }
        ring->pop();
        ++handled;
      }
    }
    return handled;
  }

  int fire_timers() noexcept {
    int fired = 0;
    timer_id id = invalid_timer;
    while (timers_.pop_expired(now_ns_, id)) {
      handler_.on_timer(id, now_ns_);
      ++fired;
    }
    return fired;
  }

  void submit_or_wait(int events) noexcept {
    if (cfg_.mode == poll_mode::idle && events == 0) {
      const std::int64_t until_timer = timers_.next_deadline_ns() - now_ns_;
      const std::int64_t wait_ns = std::clamp<std::int64_t>(until_timer, 0, cfg_.idle_wait_max_ns);
      __kernel_timespec ts{};
      ts.tv_sec = wait_ns / 1'000'000'000;
      ts.tv_nsec = wait_ns % 1'000'000'000;
      io_uring_cqe* cqe = nullptr;
      (void)io_uring_submit_and_wait_timeout(&core_.ring, &cqe, 1, &ts, nullptr);
      return;
    }
    if (core_.mode() == completion_mode::defer_taskrun) {
      // SQEs the handlers queued during this iteration (replies, re-arms);
      // completion work is picked up by the next reap() via the flag.
      if (io_uring_sq_ready(&core_.ring) > 0) (void)io_uring_submit_and_get_events(&core_.ring);
    } else if (io_uring_sq_ready(&core_.ring) > 0) {
      (void)io_uring_submit(&core_.ring);
    }
  }

  reactor_config cfg_;
  Handler& handler_;
  detail::uring_core core_;
  timer_heap timers_;
  std::vector<connection> conns_;
  std::vector<listener> listeners_;
  std::vector<spsc_byte_ring*> rings_;
  std::unique_ptr<char[]> send_storage_;
  std::unique_ptr<char[]> carry_storage_;
  std::unique_ptr<char[]> recv_scratch_;           // buffer_bytes: what a polled recv(2) reads into
  std::vector<std::uint32_t> direct_recv_slots_;   // connections with recv_direct, at most recv_poll_connections
  std::uint32_t free_head_ = no_slot;
  std::uint32_t conns_in_use_ = 0;  // slots taken (connecting, open or closing)
  std::int64_t now_ns_ = 0;
  std::uint64_t direct_send_iteration_ = ~std::uint64_t{0};  // loop iteration of the last direct send
  std::int64_t realtime_offset_ns_ = 0;
  std::int64_t next_offset_refresh_ns_ = 0;
  reactor_stats stats_;
  std::atomic<bool> stop_requested_{false};
};

}  // namespace fixring::engine::reactor
