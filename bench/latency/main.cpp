// fixring-latency: round-trip latency and one-way throughput of FIX systems
// side by side on loopback, with the raw TCP limit as the yardstick. See
// README.md in this directory for what each system does and how to add one.
#include <sched.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "report.hpp"
#include "system.hpp"

namespace fixring::latency {
namespace {

// The systems one run can measure, in the order they run and are reported.
// Adding a system is one row here plus one run_<name>() (see system.hpp).
struct system_entry {
  const char* name;
  run_fn run;
};
constexpr system_entry all_systems[] = {
    {"raw", run_raw_tcp},        // (a) the raw TCP limit: raw_tcp.cpp
    {"fixring", run_fixring},    // (b) fixring both sides: fixring_system.cpp
#ifdef FIXRING_LATENCY_QUICKFIX
    {"quickfix", run_quickfix},  // (c) QuickFIX/C++ both sides: quickfix_system.cpp
#endif
};

std::vector<std::string> split_commas(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

// Both cores must be online and in this process's affinity mask to pin.
bool can_pin(int initiator_core, int acceptor_core, std::string& why_not) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
    why_not = "sched_getaffinity failed";
    return false;
  }
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  if (online < 2 || CPU_COUNT(&allowed) < 2) {
    why_not = "fewer than 2 cores available (" + std::to_string(CPU_COUNT(&allowed)) + ")";
    return false;
  }
  if (!CPU_ISSET(initiator_core, &allowed) || !CPU_ISSET(acceptor_core, &allowed)) {
    why_not = "core " + std::to_string(initiator_core) + " or " + std::to_string(acceptor_core) +
              " is not in this process's affinity mask";
    return false;
  }
  return true;
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    std::fprintf(stderr, "fixring-latency: cannot write %s\n", path.c_str());
    return false;
  }
  return true;
}

int run(int argc, char** argv) {
  run_config config;
  std::string systems_list;
  for (const system_entry& s : all_systems) systems_list += (systems_list.empty() ? "" : ",") + std::string(s.name);
  std::string json_path, plot_path;
  bool no_pin = false;
#ifdef FIXRING_SPEC_DIR
  config.spec_dir = FIXRING_SPEC_DIR;
#endif

  CLI::App app{
      "fixring-latency: NewOrderSingle -> ExecutionReport round-trip latency (p50, p99, p99.9, max) and one-way "
      "throughput of FIX systems on loopback, side by side with the raw TCP limit. Each system runs an initiator "
      "in this process and an acceptor in a forked child, pinned to cores 0 and 1."};
  app.add_option("--count", config.count, "recorded round trips per system")->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--warmup", config.warmup, "unrecorded round trips before them")->capture_default_str();
  app.add_option("--stream-count", config.stream_count, "messages streamed one way in the throughput phase")
      ->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--systems", systems_list, "comma-separated systems to run, of: " + systems_list)
      ->capture_default_str();
  app.add_option("--rate", config.rate_msgs_per_s,
                 "fixed-rate mode: send at N msgs/s and measure from each message's intended send time "
                 "(0: closed-loop, send after each reply)")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  app.add_option("--seconds", config.max_seconds,
                 "time limit per system and phase; a system that exceeds it is reported as failed")
      ->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--json", json_path, "write per-system results as JSON to FILE");
  app.add_option("--plot", plot_path, "write a latency-by-percentile plot as SVG to FILE");
  app.add_option("--spec-dir", config.spec_dir, "directory with FIX44.xml for QuickFIX's and fixring's validation")
      ->capture_default_str();
  app.add_flag("--no-pin", no_pin, "do not pin the two sides to cores 0 and 1");
  app.add_option("--sessions", config.sessions,
                 "N > 1 adds system fixring-N right after fixring: N sessions per side on one engine (one reactor "
                 "each side), round trips and stream spread over them, so 1 vs N sessions compare in one run")
      ->check(CLI::Range(1u, max_sessions))->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  // fixring-N exists only when --sessions asks for it; it runs right after
  // fixring (or alone when named in --systems).
  const std::string multi_name = "fixring-" + std::to_string(config.sessions);
  std::vector<system_entry> known(std::begin(all_systems), std::end(all_systems));
  if (config.sessions > 1) {
    const auto at = std::find_if(known.begin(), known.end(),
                                 [](const system_entry& e) { return std::string(e.name) == "fixring"; });
    known.insert(at == known.end() ? at : at + 1, system_entry{multi_name.c_str(), run_fixring_sessions});
    std::vector<std::string> listed = split_commas(systems_list);
    const auto f = std::find(listed.begin(), listed.end(), "fixring");
    if (f != listed.end() && std::find(listed.begin(), listed.end(), multi_name) == listed.end()) {
      listed.insert(f + 1, multi_name);
      systems_list.clear();
      for (const std::string& n : listed) systems_list += (systems_list.empty() ? "" : ",") + n;
    }
  }

  std::vector<system_entry> chosen;
  for (const std::string& name : split_commas(systems_list)) {
    const system_entry* found = nullptr;
    for (const system_entry& s : known)
      if (name == s.name) found = &s;
    if (found == nullptr) {
      std::string names;
      for (const system_entry& s : known) names += (names.empty() ? "" : ", ") + std::string(s.name);
      std::fprintf(stderr, "fixring-latency: unknown system '%s' in --systems (known: %s)\n", name.c_str(),
                   names.c_str());
      return 2;
    }
    chosen.push_back(*found);
  }
  if (chosen.empty()) {
    std::fprintf(stderr, "fixring-latency: --systems names no system\n");
    return 2;
  }

  run_context context;
  context.warmup = config.warmup;
  context.stream_count = config.stream_count;
  context.sessions = config.sessions;
  if (config.rate_msgs_per_s > 0) {
    char buf[96];
    std::snprintf(buf, sizeof(buf), "fixed-rate %.0f msgs/s (latency from intended send time)", config.rate_msgs_per_s);
    context.mode = buf;
  } else {
    context.mode = "closed-loop";
  }
  std::string why_not;
  if (no_pin) {
    config.pin = false;
    context.pinning = "unpinned (--no-pin)";
  } else if (!can_pin(config.initiator_core, config.acceptor_core, why_not)) {
    config.pin = false;
    context.pinning = "unpinned: " + why_not;
  } else if (!pin_to_core(config.initiator_core)) {
    config.pin = false;
    context.pinning = "unpinned: sched_setaffinity refused";
  } else {
    context.pinning = "initiator pinned to core " + std::to_string(config.initiator_core) + ", acceptor to core " +
                      std::to_string(config.acceptor_core);
  }
  std::printf("fixring-latency: %s; %s\n", context.mode.c_str(), context.pinning.c_str());
  std::fflush(stdout);

  std::vector<summary> results;
  int failures = 0;
  for (const system_entry& s : chosen) {
    system_result result;
    result.name = s.name;
    std::printf("running %s ...\n", s.name);
    std::fflush(stdout);
    if (!s.run(config, result)) {
      std::fprintf(stderr, "fixring-latency: %s failed: %s\n", s.name, result.error.c_str());
      ++failures;
      continue;
    }
    results.push_back(summarize(std::move(result)));
  }

  std::printf("\n%s", render_table(results, context).c_str());
  bool wrote = true;
  if (!json_path.empty()) wrote = write_file(json_path, render_json(results, context)) && wrote;
  if (!plot_path.empty()) wrote = write_file(plot_path, render_svg(results, context)) && wrote;
  return failures == 0 && wrote ? 0 : 1;
}

}  // namespace
}  // namespace fixring::latency

int main(int argc, char** argv) { return fixring::latency::run(argc, argv); }
