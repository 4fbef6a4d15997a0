#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>

namespace fixring::latency {
namespace {

std::string format(const char* fmt, double value) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, value);
  return buf;
}

std::string escape_json(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_xml(std::string_view s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

const summary* find_named(const std::vector<summary>& systems, const std::string& name) {
  for (const summary& s : systems)
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace

double percentile_us(const std::vector<std::uint64_t>& sorted_ns, double p) {
  const auto n = sorted_ns.size();
  auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(n)));
  rank = std::clamp<std::size_t>(rank, 1, n);
  return static_cast<double>(sorted_ns[rank - 1]) / 1000.0;
}

summary summarize(system_result&& result) {
  summary s;
  s.name = result.name;
  s.description = result.description;
  s.throughput_msgs_per_s = result.throughput_msgs_per_s;
  s.verification = result.verification;
  s.sorted_ns = std::move(result.samples_ns);
  std::sort(s.sorted_ns.begin(), s.sorted_ns.end());
  s.count = s.sorted_ns.size();
  if (s.count == 0) return s;
  s.p50_us = percentile_us(s.sorted_ns, 0.50);
  s.p90_us = percentile_us(s.sorted_ns, 0.90);
  s.p99_us = percentile_us(s.sorted_ns, 0.99);
  s.p999_us = percentile_us(s.sorted_ns, 0.999);
  s.p9999_us = percentile_us(s.sorted_ns, 0.9999);
  s.max_us = static_cast<double>(s.sorted_ns.back()) / 1000.0;
  return s;
}

std::string render_table(const std::vector<summary>& systems, const run_context& context) {
  std::string out;
  out += "mode: " + context.mode + "; pinning: " + context.pinning + "\n";
  out += "round-trip latency NewOrderSingle -> ExecutionReport in microseconds, CLOCK_MONOTONIC on one host;\n";
  out += "exact nearest-rank percentiles from the full sample array; " + std::to_string(context.warmup) +
         " warm-up round trips excluded; throughput: " + std::to_string(context.stream_count) +
         " NewOrderSingles streamed one way, counted by the acceptor\n\n";
  char line[256];
  std::snprintf(line, sizeof(line), "%-12s %9s %10s %10s %10s %10s %14s\n", "system", "count", "p50", "p99", "p99.9",
                "max", "msgs/s 1-way");
  out += line;
  for (const summary& s : systems) {
    std::snprintf(line, sizeof(line), "%-12s %9llu %10.1f %10.1f %10.1f %10.1f %14.0f\n", s.name.c_str(),
                  static_cast<unsigned long long>(s.count), s.p50_us, s.p99_us, s.p999_us, s.max_us,
                  s.throughput_msgs_per_s);
    out += line;
  }
  out += "\n";
  for (const summary& s : systems) out += "  " + s.name + ": " + s.description + "\n";
  for (const summary& s : systems)
    if (!s.verification.empty()) out += "  " + s.name + " stream check: " + s.verification + "\n";
  const summary* raw = find_named(systems, "raw");
  if (raw != nullptr && raw->count > 0) {
    out += "\nrelative to raw TCP (latency: x times raw; throughput: fraction of raw)\n";
    std::snprintf(line, sizeof(line), "%-12s %10s %10s %14s\n", "system", "p50", "p99.9", "msgs/s");
    out += line;
    for (const summary& s : systems) {
      std::snprintf(line, sizeof(line), "%-12s %9.2fx %9.2fx %13.3fx\n", s.name.c_str(), s.p50_us / raw->p50_us,
                    s.p999_us / raw->p999_us, s.throughput_msgs_per_s / raw->throughput_msgs_per_s);
      out += line;
    }
  } else {
    out += "\nraw TCP did not run: no ratios\n";
  }
  const summary* one = find_named(systems, "fixring");
  const summary* many = find_named(systems, "fixring-" + std::to_string(context.sessions));
  if (context.sessions > 1 && one != nullptr && many != nullptr && one->count > 0 && many->count > 0) {
    out += "\nfixring, " + std::to_string(context.sessions) + " sessions on one reactor against 1 session\n";
    std::snprintf(line, sizeof(line), "%-12s %10s %10s %10s\n", "sessions", "p50", "p99", "p99.9");
    out += line;
    std::snprintf(line, sizeof(line), "%-12s %10.1f %10.1f %10.1f\n", "1", one->p50_us, one->p99_us, one->p999_us);
    out += line;
    std::snprintf(line, sizeof(line), "%-12u %10.1f %10.1f %10.1f\n", context.sessions, many->p50_us, many->p99_us,
                  many->p999_us);
    out += line;
    std::snprintf(line, sizeof(line), "%-12s %9.2fx %9.2fx %9.2fx\n", "ratio", many->p50_us / one->p50_us,
                  many->p99_us / one->p99_us, many->p999_us / one->p999_us);
    out += line;
  }
  return out;
}

std::string render_json(const std::vector<summary>& systems, const run_context& context) {
  std::string out = "{\n  \"mode\": \"" + escape_json(context.mode) + "\",\n  \"pinning\": \"" +
                    escape_json(context.pinning) + "\",\n  \"warmup\": " + std::to_string(context.warmup) +
                    ",\n  \"stream_count\": " + std::to_string(context.stream_count) +
                    ",\n  \"sessions\": " + std::to_string(context.sessions) +
                    ",\n  \"percentiles\": \"exact, nearest rank over the full sample array\",\n  \"systems\": [";
  bool first = true;
  for (const summary& s : systems) {
    out += first ? "\n" : ",\n";
    first = false;
    out += "    {\"name\": \"" + escape_json(s.name) + "\", \"description\": \"" + escape_json(s.description) +
           "\", \"count\": " + std::to_string(s.count) + ", \"p50_us\": " + format("%.3f", s.p50_us) +
           ", \"p90_us\": " + format("%.3f", s.p90_us) + ", \"p99_us\": " + format("%.3f", s.p99_us) +
           ", \"p999_us\": " + format("%.3f", s.p999_us) + ", \"p9999_us\": " + format("%.3f", s.p9999_us) +
           ", \"max_us\": " + format("%.3f", s.max_us) +
           ", \"throughput_msgs_per_s\": " + format("%.1f", s.throughput_msgs_per_s) + ", \"verification\": \"" +
           escape_json(s.verification) + "\", \"mode\": \"" +
           escape_json(context.mode) + "\", \"pinning\": \"" + escape_json(context.pinning) + "\"}";
  }
  out += "\n  ]\n}\n";
  return out;
}

std::string render_svg(const std::vector<summary>& systems, const run_context& context) {
  // Plot area in SVG user units.
  // The legend sits below the x axis, outside the plot, so it never hides a tail.
  constexpr double width = 960, plot_bottom = 600, left = 90, right = 30, top = 70, bottom = 80;
  constexpr double plot_w = width - left - right, plot_h = plot_bottom - top - bottom;
  const double legend_h = 12 + 22.0 * static_cast<double>(systems.size());
  const double height = plot_bottom + legend_h + 10;
  static const char* const colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};

  // x: decades of 1/(1-p); the last sample (max) sits at 1/(1-p) = n.
  std::uint64_t max_count = 1;
  double lo_us = 1e18, hi_us = 0;
  for (const summary& s : systems) {
    if (s.count == 0) continue;
    max_count = std::max(max_count, s.count);
    lo_us = std::min(lo_us, static_cast<double>(s.sorted_ns.front()) / 1000.0);
    hi_us = std::max(hi_us, s.max_us);
  }
  const double x_decades = std::max(2.0, std::ceil(std::log10(static_cast<double>(max_count))));
  if (hi_us <= 0) {
    lo_us = 1;
    hi_us = 10;
  }
  lo_us = std::max(lo_us, 0.01);
  const double y_lo = std::floor(std::log10(lo_us)), y_hi = std::max(y_lo + 1, std::ceil(std::log10(hi_us)));
  const auto x_of = [&](double decades) { return left + plot_w * decades / x_decades; };
  const auto y_of = [&](double us) {
    return top + plot_h * (1.0 - (std::log10(std::max(us, lo_us)) - y_lo) / (y_hi - y_lo));
  };

  std::string out;
  const std::string h = format("%.0f", height);
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"960\" height=\"" + h + "\" viewBox=\"0 0 960 " + h +
         "\" font-family=\"sans-serif\" font-size=\"13\">\n";
  out += "<rect width=\"960\" height=\"" + h + "\" fill=\"white\"/>\n";
  out += "<text x=\"480\" y=\"28\" text-anchor=\"middle\" font-size=\"17\">fixring-latency: NewOrderSingle &#8594; "
         "ExecutionReport round trip by percentile</text>\n";
  out += "<text x=\"480\" y=\"50\" text-anchor=\"middle\" fill=\"#555\">" + escape_xml(context.mode) + "; " +
         escape_xml(context.pinning) + "</text>\n";

  // Grid: y at 1, 2, 5 x 10^k; x at each decade plus 50%.
  for (int k = static_cast<int>(y_lo); k <= static_cast<int>(y_hi); ++k) {
    for (const double m : {1.0, 2.0, 5.0}) {
      const double us = m * std::pow(10.0, k);
      if (std::log10(us) > y_hi + 1e-9) continue;
      const double y = y_of(us);
      out += "<line x1=\"" + format("%.1f", left) + "\" x2=\"" + format("%.1f", left + plot_w) + "\" y1=\"" +
             format("%.1f", y) + "\" y2=\"" + format("%.1f", y) + "\" stroke=\"" + (m == 1.0 ? "#bbb" : "#e5e5e5") +
             "\"/>\n";
      out += "<text x=\"" + format("%.1f", left - 8) + "\" y=\"" + format("%.1f", y + 4) +
             "\" text-anchor=\"end\">" + format(us < 1 ? "%.2g" : "%.0f", us) + "</text>\n";
    }
  }
  std::vector<std::pair<double, std::string>> x_ticks = {{0, "0%"}, {std::log10(2.0), "50%"}};
  for (int d = 1; d <= static_cast<int>(x_decades); ++d) {
    x_ticks.emplace_back(d, d == 1   ? std::string("90%")
                            : d == 2 ? std::string("99%")
                                     : "99." + std::string(static_cast<std::size_t>(d - 2), '9') + "%");
  }
  for (const auto& [decades, label] : x_ticks) {
    const double x = x_of(decades);
    out += "<line x1=\"" + format("%.1f", x) + "\" x2=\"" + format("%.1f", x) + "\" y1=\"" + format("%.1f", top) +
           "\" y2=\"" + format("%.1f", top + plot_h) + "\" stroke=\"#ddd\"/>\n";
    out += "<text x=\"" + format("%.1f", x) + "\" y=\"" + format("%.1f", top + plot_h + 20) +
           "\" text-anchor=\"middle\">" + label + "</text>\n";
  }
  out += "<rect x=\"" + format("%.1f", left) + "\" y=\"" + format("%.1f", top) + "\" width=\"" + format("%.1f", plot_w) +
         "\" height=\"" + format("%.1f", plot_h) + "\" fill=\"none\" stroke=\"#333\"/>\n";
  out += "<text x=\"" + format("%.1f", left + plot_w / 2) + "\" y=\"" + format("%.1f", plot_bottom - 22) +
         "\" text-anchor=\"middle\">percentile (log scale of 1/(1-p)); each line ends at its maximum</text>\n";
  out += "<text transform=\"translate(24," + format("%.1f", top + plot_h / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">round-trip latency, microseconds (log scale)</text>\n";

  // One polyline per system: 50 points per decade up to its own count.
  std::size_t index = 0;
  for (const summary& s : systems) {
    const char* colour = colours[index % (sizeof(colours) / sizeof(colours[0]))];
    ++index;
    if (s.count == 0) continue;
    const double last = std::log10(static_cast<double>(s.count));
    std::string points;
    for (double d = 0; d < last; d += 0.02) {
      const double p = 1.0 - std::pow(10.0, -d);
      points += format("%.1f", x_of(d)) + "," + format("%.1f", y_of(percentile_us(s.sorted_ns, p))) + " ";
    }
    points += format("%.1f", x_of(last)) + "," + format("%.1f", y_of(s.max_us));
    out += "<polyline fill=\"none\" stroke=\"" + std::string(colour) + "\" stroke-width=\"2\" points=\"" + points +
           "\"/>\n";
    out += "<circle cx=\"" + format("%.1f", x_of(last)) + "\" cy=\"" + format("%.1f", y_of(s.max_us)) +
           "\" r=\"3.5\" fill=\"" + colour + "\"/>\n";
  }

  // Legend, below the axis title.
  out += "<rect x=\"" + format("%.1f", left + 12) + "\" y=\"" + format("%.1f", plot_bottom) +
         "\" width=\"430\" height=\"" + format("%.1f", legend_h) + "\" fill=\"white\" fill-opacity=\"0.9\" stroke=\"#999\"/>\n";
  index = 0;
  for (const summary& s : systems) {
    const char* colour = colours[index % (sizeof(colours) / sizeof(colours[0]))];
    const double y = plot_bottom + 18 + 22.0 * static_cast<double>(index);
    ++index;
    out += "<line x1=\"" + format("%.1f", left + 22) + "\" x2=\"" + format("%.1f", left + 52) + "\" y1=\"" +
           format("%.1f", y - 4) + "\" y2=\"" + format("%.1f", y - 4) + "\" stroke=\"" + colour +
           "\" stroke-width=\"3\"/>\n";
    char label[200];
    std::snprintf(label, sizeof(label), "%s: p50 %.1f us, p99.9 %.1f us, max %.1f us (n=%llu)", s.name.c_str(), s.p50_us,
                  s.p999_us, s.max_us, static_cast<unsigned long long>(s.count));
    out += "<text x=\"" + format("%.1f", left + 60) + "\" y=\"" + format("%.1f", y) + "\">" + escape_xml(label) +
           "</text>\n";
  }
  out += "</svg>\n";
  return out;
}

}  // namespace fixring::latency
