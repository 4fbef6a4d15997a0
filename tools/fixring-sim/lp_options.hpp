// fixring-sim's liquidity-provider behaviours: the options behind its flags
// (the flag contract is in main.cpp's usage comment) and their validation.
//
// Thread contract: plain values, filled in by main() before the engine runs.
// Ownership: owns copies of the symbols and the stats file name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "apps.hpp"

namespace fixring::sim {

struct lp_options {
  fill_options fill;                                // --reject-ratio, --fill, --fill-latency-us, --seed
  std::uint32_t md_rate_per_s = 0;                  // --md-rate: 0 = no market data
  std::vector<std::string> md_symbols{"EUR/USD"};   // --md-symbols
  std::uint64_t md_count = 0;                       // --md-count: incrementals per session; 0 = unbounded
  std::uint64_t gap_every = 0;                      // --gap-every: 0 = never
  std::uint64_t gap_size = 1;                       // --gap-size
  std::optional<std::int64_t> drop_heartbeats_after_ns;        // --drop-heartbeats-after
  std::optional<std::uint64_t> disconnect_mid_message_after;   // --disconnect-mid-message-after
  bool restart_reset = false;                       // --restart-reset
  std::uint64_t duplicate_every = 0;                // --duplicate-every: 0 = never
  std::uint64_t flood = 0;                          // --flood: messages per session; 0 = none
  std::string stats_json;                           // --stats-json: empty = none

  // Anything beyond the plain fill application asked for.
  [[nodiscard]] bool any() const noexcept {
    return fill.reject_ratio > 0 || fill.mode != fill_mode::full || fill.latency_ns > 0 || md_rate_per_s > 0 ||
           gap_every > 0 || drop_heartbeats_after_ns || disconnect_mid_message_after || restart_reset ||
           duplicate_every > 0 || flood > 0 || !stats_json.empty();
  }
};

// "full", "partial:N" (N in [1, 1000]) or "cancel"; an error text naming the
// accepted forms otherwise (empty when fine).
[[nodiscard]] inline std::string parse_fill_mode(std::string_view text, fill_options& out) {
  if (text == "full") {
    out.mode = fill_mode::full;
    return {};
  }
  if (text == "cancel") {
    out.mode = fill_mode::cancel;
    return {};
  }
  constexpr std::string_view partial = "partial:";
  std::uint64_t n = 0;
  if (text.starts_with(partial) && codec::parse_uint(text.substr(partial.size()), n) && n >= 1 && n <= 1000) {
    out.mode = fill_mode::partial;
    out.partial_fills = static_cast<std::uint32_t>(n);
    return {};
  }
  return "must be full, partial:N with N in [1,1000], or cancel (got '" + std::string(text) + "')";
}

// Comma-separated symbols, each non-empty, printable ASCII without '|' or
// '=' (so that they stay one FIX field value); an error text otherwise.
[[nodiscard]] inline std::string parse_symbols(std::string_view text, std::vector<std::string>& out) {
  std::vector<std::string> symbols;
  std::size_t pos = 0;
  while (true) {
    const std::size_t comma = text.find(',', pos);
    const std::string_view sym = text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    if (sym.empty()) return "must be a comma-separated list of non-empty symbols (got '" + std::string(text) + "')";
    for (char c : sym) {
      if (c <= ' ' || c > '~' || c == '|' || c == '=')
        return "symbol '" + std::string(sym) + "' holds a character not allowed in a FIX value";
    }
    symbols.emplace_back(sym);
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  out = std::move(symbols);
  return {};
}

}  // namespace fixring::sim
