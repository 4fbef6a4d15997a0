// Summaries of the systems' latency samples and the three ways fixring-latency
// shows them: a table for people, JSON for scripts, an SVG percentile plot.
// Percentiles are exact: nearest rank over the full, sorted sample array (no
// histogram, so no bucket error). Cold code.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "system.hpp"

namespace fixring::latency {

struct summary {
  std::string name;
  std::string description;
  std::uint64_t count = 0;
  double p50_us = 0, p90_us = 0, p99_us = 0, p999_us = 0, p9999_us = 0, max_us = 0;
  double throughput_msgs_per_s = 0;
  std::string verification;              // the stream phase's delivery proof, "" if none
  std::vector<std::uint64_t> sorted_ns;  // the samples, ascending
};

// What a run was, printed with every output.
struct run_context {
  std::string mode;     // "closed-loop" or "fixed-rate N msgs/s"
  std::string pinning;  // e.g. "initiator core 0, acceptor core 1"
  std::uint64_t warmup = 0;
  std::uint64_t stream_count = 0;
  std::uint32_t sessions = 1;  // --sessions: N of system fixring-N (1: no such system)
};

// Nearest-rank percentile (p in [0, 1]) of ascending samples, in microseconds.
// Requires a non-empty array.
double percentile_us(const std::vector<std::uint64_t>& sorted_ns, double p);

summary summarize(system_result&& result);

// Table with one row per system, each system's verification line, and, when
// a system named "raw" ran, each system's p50 and p99.9 as a ratio to raw
// TCP's; when fixring and fixring-N both ran, N sessions against one.
std::string render_table(const std::vector<summary>& systems, const run_context& context);

// {"mode":..., "pinning":..., "systems":[{"name", "count", "p50_us", "p99_us",
// "p999_us", "max_us", "throughput_msgs_per_s", "mode", "pinning", ...}]}
std::string render_json(const std::vector<summary>& systems, const run_context& context);

// Self-contained SVG: latency (log scale, microseconds) against percentile on
// the HdrHistogram axis (log of 1/(1-p): 50%, 90%, 99%, 99.9%, ... max), one
// line per system, with a legend.
std::string render_svg(const std::vector<summary>& systems, const run_context& context);

}  // namespace fixring::latency
