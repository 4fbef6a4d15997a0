// The contract between fixring-latency's driver (main.cpp) and each measured
// system (raw TCP, fixring, QuickFIX). C++14, because the QuickFIX side
// is compiled as gnu++14 (its headers use dynamic exception specifications).
//
// A system is one function, `run_<name>(const run_config&, system_result&)`, that
//   1. sets up an initiator side in this process and an acceptor side in a
//      forked child, each pinned to its core (pin_to_core below),
//   2. runs `warmup` round trips that are not recorded, then `count` recorded
//      round trips, NewOrderSingle out and ExecutionReport back, in the mode the
//      config asks for (closed-loop or fixed-rate), storing one latency sample
//      per round trip in result.samples_ns,
//   3. streams `stream_count` NewOrderSingles one way as fast as it can while the
//      acceptor counts them, and stores messages/s in result.throughput_msgs_per_s,
//   4. tears both sides down (the child is always reaped) and returns true, or
//      returns false with result.error saying what failed.
// Everything here is setup/cold code: it may allocate and format strings.
#pragma once

#include <sched.h>
#include <time.h>

#include <cstdint>
#include <string>
#include <vector>

namespace fixring {
namespace latency {

struct run_config {
  std::uint64_t count = 10000;          // recorded round trips
  std::uint64_t warmup = 1000;          // unrecorded round trips before them
  std::uint64_t stream_count = 100000;  // one-way messages in the throughput phase
  double rate_msgs_per_s = 0;           // 0: closed-loop; > 0: fixed-rate
  double max_seconds = 30;              // per system and phase; exceeding it fails the system
  bool pin = true;                      // pin the initiator to initiator_core, the acceptor to acceptor_core
  int initiator_core = 0;
  int acceptor_core = 1;
  std::string spec_dir;                 // where FIX44.xml is, "" if unknown
  std::uint32_t sessions = 1;           // fixring-N: sessions per side on one engine (1 .. max_sessions)
};

// Upper bound of run_config::sessions (the acceptor reports per-session counts
// through a fixed-size shared block).
constexpr std::uint32_t max_sessions = 1000;

struct system_result {
  std::string name;         // short id, as given to --systems: "raw", "quickfix"
  std::string description;  // one line: what ran, its journaling and validation
  std::vector<std::uint64_t> samples_ns;  // one per recorded round trip
  double throughput_msgs_per_s = 0;
  std::uint64_t stream_received = 0;  // messages the acceptor counted in the stream phase
  std::string verification;           // what the stream phase proved about delivery ("" if not checked)
  std::string error;                  // set when the run failed
};

using run_fn = bool (*)(const run_config&, system_result&);

// CLOCK_MONOTONIC in nanoseconds; the same clock in both processes of a run.
inline std::uint64_t now_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

// Pins the calling thread to one core; false if the kernel refused.
inline bool pin_to_core(int core) noexcept {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(core, &set);
  return sched_setaffinity(0, sizeof(set), &set) == 0;
}

// Fixed-rate pacing: message i is due at start_ns + i * period_ns. Latency is
// measured from that intended time, not from when the send happened, so a stall
// that delays later sends shows up in their latency (no coordinated omission).
struct pacer {
  std::uint64_t start_ns = 0;
  double period_ns = 0;  // 0: closed-loop
  std::uint64_t intended_ns(std::uint64_t i) const noexcept {
    return start_ns + static_cast<std::uint64_t>(static_cast<double>(i) * period_ns);
  }
};

// Systems, one per file. Each is declared here so the driver's table can name it.
bool run_raw_tcp(const run_config& config, system_result& result);      // raw_tcp.cpp
bool run_fixring(const run_config& config, system_result& result);      // fixring_system.cpp
// The same with config.sessions sessions per side on one engine (one reactor
// each side), round trips spread over them.
bool run_fixring_sessions(const run_config& config, system_result& result);  // fixring_system.cpp
bool run_quickfix(const run_config& config, system_result& result);     // quickfix_system.cpp

}  // namespace latency
}  // namespace fixring
