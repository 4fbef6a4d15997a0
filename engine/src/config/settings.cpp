// Settings file parser: text -> sections of raw entries -> typed, cross-checked
// session_settings. Every error is built once, here, with file, line and key.
#include "fixring/engine/config/settings.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

namespace fixring::engine::config {

namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string in_quotes(std::string_view v) {
  std::string q = "'";
  q.append(v).append("'");
  return q;
}

// ---------------------------------------------------------------------------
// Raw file structure
// ---------------------------------------------------------------------------

struct raw_entry {
  const key_info* info = nullptr;
  std::uint32_t index = 0;  // n of SocketConnectHost<n>/Port<n>
  std::string key_text;     // as written, for messages
  std::string value;        // trimmed, ${VAR} expanded
  std::size_t line = 0;
};

struct raw_section {
  bool is_default = false;
  std::size_t line = 0;
  std::vector<raw_entry> entries;
};

class context {
 public:
  context(std::string_view file, const parse_options& options) : file_(file), options_(options) {}

  [[nodiscard]] config_error at(std::size_t line, std::string_view key, config_errc code,
                                std::string_view what) const {
    std::string m = where(line);
    m.append(": ").append(key).append(": ").append(what);
    return {code, std::move(m)};
  }
  [[nodiscard]] config_error at(const raw_entry& e, config_errc code, std::string_view what) const {
    return at(e.line, e.key_text, code, what);
  }
  [[nodiscard]] std::string where(std::size_t line) const {
    std::string m(file_);
    m.append(":").append(std::to_string(line));
    return m;
  }
  [[nodiscard]] std::optional<std::string> env(std::string_view name) const {
    if (options_.env_lookup) return options_.env_lookup(name);
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  }
  [[nodiscard]] const parse_options& options() const { return options_; }

 private:
  std::string_view file_;
  const parse_options& options_;
};

// Expands ${NAME} in `value`; on failure fills `err` and returns false.
bool expand_env(const context& ctx, std::size_t line, std::string_view key, std::string_view value,
                std::string& out, std::optional<config_error>& err) {
  out.clear();
  for (std::size_t i = 0; i < value.size();) {
    if (value[i] != '$' || i + 1 >= value.size() || value[i + 1] != '{') {
      out.push_back(value[i++]);
      continue;
    }
    const std::size_t close = value.find('}', i + 2);
    if (close == std::string_view::npos) {
      err = ctx.at(line, key, config_errc::syntax_error, "unterminated ${ in value");
      return false;
    }
    const std::string_view name = value.substr(i + 2, close - i - 2);
    const bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
    if (!valid) {
      err = ctx.at(line, key, config_errc::syntax_error,
                   "bad variable reference ${" + std::string(name) +
                       "} (names are letters, digits and '_')");
      return false;
    }
    const std::optional<std::string> v = ctx.env(name);
    if (!v) {
      err = ctx.at(line, key, config_errc::unset_variable,
                   "environment variable " + std::string(name) + " is not set");
      return false;
    }
    out.append(*v);
    i = close + 1;
  }
  return true;
}

// Case-insensitive edit distance, for "did you mean" on unknown keys.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0u : 1u)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The documented key nearest to a misspelt one, if it is within 3 edits.
const key_info* closest_key(std::string_view key) {
  const key_info* best = nullptr;
  std::size_t best_distance = 4;
  for (const key_info& k : setting_keys) {
    // The length difference bounds the distance from below: skip hopeless rows.
    const std::size_t gap = key.size() > k.name.size() ? key.size() - k.name.size()
                                                        : k.name.size() - key.size();
    if (gap >= best_distance) continue;
    const std::size_t d = edit_distance(key, k.name);
    if (d < best_distance) {
      best = &k;
      best_distance = d;
    }
  }
  return best;
}

result<std::vector<raw_section>> read_sections(const context& ctx, std::string_view text) {
  std::vector<raw_section> sections;
  struct seen_key {
    const key_info* info;
    std::uint32_t index;
    std::size_t line;
  };
  std::vector<seen_key> default_keys;  // to catch one key in two [DEFAULT]s
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t nl = text.find('\n', pos);
    const std::string_view raw =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;

    if (line.front() == '[') {
      if (line.back() != ']') {
        return ctx.at(line_no, line, config_errc::syntax_error, "section header without ']'");
      }
      const std::string_view name = trim(line.substr(1, line.size() - 2));
      raw_section s;
      s.line = line_no;
      if (iequals(name, "DEFAULT")) {
        s.is_default = true;
      } else if (!iequals(name, "SESSION")) {
        return ctx.at(line_no, line, config_errc::syntax_error,
                      "unknown section (expected [DEFAULT] or [SESSION])");
      }
      sections.push_back(std::move(s));
      continue;
    }

    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return ctx.at(line_no, line, config_errc::syntax_error,
                    "expected Key=Value, [DEFAULT], [SESSION] or a comment");
    }
    const std::string_view key = trim(line.substr(0, eq));
    if (key.empty()) {
      return ctx.at(line_no, line, config_errc::syntax_error, "empty key before '='");
    }
    if (sections.empty()) {
      return ctx.at(line_no, key, config_errc::syntax_error,
                    "key outside a section (add [DEFAULT] or [SESSION] above it)");
    }
    raw_entry e;
    e.key_text = std::string(key);
    e.line = line_no;
    e.info = find_key(key, &e.index);
    if (e.info == nullptr) {
      std::string what = "unknown key";
      if (const key_info* near = closest_key(key)) {
        what.append(" (did you mean ").append(near->name).append("?)");
      }
      return ctx.at(line_no, key, config_errc::unknown_key, what);
    }
    raw_section& sec = sections.back();
    if (e.info->scope == key_scope::default_only && !sec.is_default) {
      return ctx.at(line_no, key, config_errc::bad_value,
                    "reactor-wide key, only allowed in [DEFAULT]");
    }
    std::optional<config_error> err;
    if (!expand_env(ctx, line_no, key, trim(line.substr(eq + 1)), e.value, err)) return *err;

    for (const raw_entry& o : sec.entries) {
      if (o.info == e.info && o.index == e.index) {
        return ctx.at(e, config_errc::bad_value,
                      "set twice in one section (first at line " + std::to_string(o.line) + ")");
      }
    }
    if (sec.is_default) {
      for (const seen_key& o : default_keys) {
        if (o.info == e.info && o.index == e.index) {
          return ctx.at(e, config_errc::bad_value,
                        "set in two [DEFAULT] sections (first at line " + std::to_string(o.line) +
                            ")");
        }
      }
      default_keys.push_back({e.info, e.index, e.line});
    }
    sec.entries.push_back(std::move(e));
  }
  return sections;
}

// ---------------------------------------------------------------------------
// Value parsers: return an empty string on success, else what was expected.
// ---------------------------------------------------------------------------

std::string parse_bool(std::string_view v, bool& out) {
  if (v == "Y") {
    out = true;
  } else if (v == "N") {
    out = false;
  } else {
    return "expected Y or N, got " + in_quotes(v);
  }
  return {};
}

// One of two words: `second` sets out, `first` clears it.
std::string parse_either(std::string_view v, std::string_view first, std::string_view second, bool& out) {
  if (v == first) {
    out = false;
  } else if (v == second) {
    out = true;
  } else {
    return "expected " + std::string(first) + " or " + std::string(second) + ", got " + in_quotes(v);
  }
  return {};
}

std::string parse_integer(std::string_view v, std::int64_t lo, std::int64_t hi, std::int64_t& out) {
  std::int64_t x = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (v.empty() || ec != std::errc{} || ptr != v.data() + v.size() || x < lo || x > hi) {
    return "expected an integer in " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " +
           in_quotes(v);
  }
  out = x;
  return {};
}

std::string parse_decimal(std::string_view v, double lo, double hi, double& out) {
  double x = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (v.empty() || ec != std::errc{} || ptr != v.data() + v.size() || !(x >= lo && x <= hi)) {
    std::ostringstream m;
    m << "expected a decimal number in " << lo << ".." << hi << ", got " << in_quotes(v);
    return m.str();
  }
  out = x;
  return {};
}

std::string parse_time_of_day(std::string_view v, std::int32_t& out_s) {
  auto two = [&](std::size_t at, int max, int& dst) {
    if (at + 2 > v.size() || !std::isdigit(static_cast<unsigned char>(v[at])) ||
        !std::isdigit(static_cast<unsigned char>(v[at + 1]))) {
      return false;
    }
    dst = (v[at] - '0') * 10 + (v[at + 1] - '0');
    return dst <= max;
  };
  int h = 0, m = 0, s = 0;
  const bool ok = (v.size() == 5 || v.size() == 8) && two(0, 23, h) && v[2] == ':' &&
                  two(3, 59, m) && (v.size() == 5 || (v[5] == ':' && two(6, 59, s)));
  if (!ok) return "expected a time HH:MM:SS or HH:MM (00:00:00..23:59:59), got " + in_quotes(v);
  out_s = h * 3600 + m * 60 + s;
  return {};
}

std::string parse_day(std::string_view v, std::uint8_t& out) {
  static constexpr std::string_view names[7] = {"sunday",   "monday", "tuesday", "wednesday",
                                                "thursday", "friday", "saturday"};
  const std::string_view t = trim(v);
  if (t.size() >= 2) {
    for (std::uint8_t d = 0; d < 7; ++d) {
      const std::string_view n = names[d];
      if (t.size() <= n.size() && (t.size() <= 3 || t.size() == n.size()) &&
          iequals(t, n.substr(0, t.size()))) {
        out = d;
        return {};
      }
    }
  }
  return "expected a day name (Sunday, Sun or Su ... Saturday), got " + in_quotes(v);
}

std::string parse_weekdays(std::string_view v, std::uint8_t& mask) {
  mask = 0;
  std::size_t start = 0;
  while (start <= v.size()) {
    const std::size_t comma = v.find(',', start);
    const std::string_view item =
        v.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    std::uint8_t d = 0;
    if (std::string e = parse_day(item, d); !e.empty()) {
      return "expected comma-separated day names (e.g. Mon,Tue), got " + in_quotes(v);
    }
    mask = static_cast<std::uint8_t>(mask | (1u << d));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return {};
}

std::string parse_begin_string(std::string_view v, fix_version& out) {
  static constexpr std::pair<std::string_view, fix_version> table[] = {
      {"FIX.4.0", fix_version::fix40}, {"FIX.4.1", fix_version::fix41},
      {"FIX.4.2", fix_version::fix42}, {"FIX.4.3", fix_version::fix43},
      {"FIX.4.4", fix_version::fix44}, {"FIXT.1.1", fix_version::fixt11}};
  for (const auto& [name, ver] : table) {
    if (v == name) {
      out = ver;
      return {};
    }
  }
  return "expected FIX.4.0, FIX.4.1, FIX.4.2, FIX.4.3, FIX.4.4 or FIXT.1.1, got " + in_quotes(v);
}

std::string parse_appl_ver_id(std::string_view v, appl_ver_id& out) {
  struct row {
    std::string_view name, dotted;
    appl_ver_id id;
  };
  static constexpr row table[] = {
      {"FIX27", "FIX.2.7", appl_ver_id::fix27},          {"FIX30", "FIX.3.0", appl_ver_id::fix30},
      {"FIX40", "FIX.4.0", appl_ver_id::fix40},          {"FIX41", "FIX.4.1", appl_ver_id::fix41},
      {"FIX42", "FIX.4.2", appl_ver_id::fix42},          {"FIX43", "FIX.4.3", appl_ver_id::fix43},
      {"FIX44", "FIX.4.4", appl_ver_id::fix44},          {"FIX50", "FIX.5.0", appl_ver_id::fix50},
      {"FIX50SP1", "FIX.5.0SP1", appl_ver_id::fix50sp1}, {"FIX50SP2", "FIX.5.0SP2", appl_ver_id::fix50sp2},
  };
  for (const row& r : table) {
    if (iequals(v, r.name) || iequals(v, r.dotted)) {
      out = r.id;
      return {};
    }
  }
  if (v.size() == 1 && v[0] >= '0' && v[0] <= '9') {
    out = static_cast<appl_ver_id>(v[0] - '0');
    return {};
  }
  return "expected an ApplVerID (FIX42, FIX44, FIX50SP2, FIX.5.0SP2, 0..9 ...), got " + in_quotes(v);
}

std::string parse_ssl_protocols(std::string_view v, std::uint8_t& out) {
  struct row {
    std::string_view name;
    std::uint8_t bits;
  };
  static constexpr row table[] = {
      {"all", tls_v1_0 | tls_v1_1 | tls_v1_2 | tls_v1_3},
      {"SSLv2", 0}, {"SSLv3", 0},  // accepted for QuickFIX files; OpenSSL 3 has neither
      {"TLSv1", tls_v1_0}, {"TLSv1_1", tls_v1_1}, {"TLSv1_2", tls_v1_2}, {"TLSv1_3", tls_v1_3},
  };
  std::uint8_t mask = 0;
  std::istringstream in{std::string(v)};
  std::string tok;
  while (in >> tok) {
    std::string_view t = tok;
    bool remove = false;
    if (t.front() == '+' || t.front() == '-') {
      remove = t.front() == '-';
      t.remove_prefix(1);
    }
    const row* hit = nullptr;
    for (const row& r : table) {
      if (iequals(t, r.name)) hit = &r;
    }
    if (hit == nullptr) {
      return "unknown protocol " + in_quotes(tok) +
             " (expected [+|-]all, SSLv2, SSLv3, TLSv1, TLSv1_1, TLSv1_2 or TLSv1_3)";
    }
    mask = static_cast<std::uint8_t>(remove ? (mask & ~hit->bits) : (mask | hit->bits));
  }
  if (mask == 0) return "enables no supported TLS version, got " + in_quotes(v);
  out = mask;
  return {};
}

std::string require_nonempty(std::string_view v, std::string& out) {
  if (v.empty()) return "must not be empty";
  out = std::string(v);
  return {};
}

// ---------------------------------------------------------------------------
// One session being assembled from [DEFAULT] and [SESSION] entries
// ---------------------------------------------------------------------------

struct builder {
  session_settings s;
  reactor_settings reactor;
  const raw_entry* seen[static_cast<std::size_t>(setting_key::count_)] = {};
  std::map<std::uint32_t, std::pair<const raw_entry*, std::string>> hosts_n;
  std::map<std::uint32_t, std::pair<const raw_entry*, std::uint16_t>> ports_n;
  std::string primary_host;
  std::uint16_t primary_port = 0;
  bool milliseconds_in_timestamp = true;
  std::int32_t start_time_s = 0, end_time_s = 0;
  std::uint8_t start_day = 0, end_day = 0, weekdays_mask = all_weekdays_mask;
  bool non_stop = false;
  bool ssl_enable = false;
  std::int64_t reconnect_interval_s = 0;
  std::int64_t reconnect_initial_ms = -1, reconnect_max_ms = -1, reconnect_max_attempts = -1;
  double reconnect_factor = -1, reconnect_jitter = -1;

  [[nodiscard]] const raw_entry* get(setting_key k) const {
    return seen[static_cast<std::size_t>(k)];
  }
};

// Applies one entry; returns the reason when the value is bad (empty = fine).
std::string apply(builder& b, const raw_entry& e) {
  session_settings& s = b.s;
  const std::string_view v = e.value;
  std::int64_t n = 0;
  std::string err;
  auto integer = [&](std::int64_t lo, std::int64_t hi, auto& dst) {
    err = parse_integer(v, lo, hi, n);
    if (err.empty()) dst = static_cast<std::remove_reference_t<decltype(dst)>>(n);
  };
  auto text = [&](std::string& dst) { dst = std::string(v); };

  switch (e.info->key) {
    case setting_key::connection_type:
      if (v == "initiator") {
        s.connection = connection_type::initiator;
      } else if (v == "acceptor") {
        s.connection = connection_type::acceptor;
      } else {
        err = "expected initiator or acceptor, got " + in_quotes(v);
      }
      break;
    case setting_key::begin_string: err = parse_begin_string(v, s.id.begin_string); break;
    case setting_key::sender_comp_id: err = require_nonempty(v, s.id.sender_comp_id); break;
    case setting_key::target_comp_id: err = require_nonempty(v, s.id.target_comp_id); break;
    case setting_key::sender_sub_id: text(s.id.sender_sub_id); break;
    case setting_key::target_sub_id: text(s.id.target_sub_id); break;
    case setting_key::sender_location_id: text(s.id.sender_location_id); break;
    case setting_key::target_location_id: text(s.id.target_location_id); break;
    case setting_key::session_qualifier: text(s.id.session_qualifier); break;
    case setting_key::heart_bt_int: integer(1, 65535, s.heartbeat_interval_s); break;
    case setting_key::socket_connect_host: err = require_nonempty(v, b.primary_host); break;
    case setting_key::socket_connect_port: integer(1, 65535, b.primary_port); break;
    case setting_key::socket_connect_host_n: {
      std::string host;
      err = require_nonempty(v, host);
      if (err.empty()) b.hosts_n[e.index] = {&e, host};
      break;
    }
    case setting_key::socket_connect_port_n: {
      std::uint16_t port = 0;
      integer(1, 65535, port);
      if (err.empty()) b.ports_n[e.index] = {&e, port};
      break;
    }
    case setting_key::socket_accept_port: integer(1, 65535, s.accept_port); break;
    case setting_key::socket_accept_address: text(s.accept_address); break;
    case setting_key::reset_on_logon: err = parse_bool(v, s.reset_on_logon); break;
    case setting_key::reset_on_logout: err = parse_bool(v, s.reset_on_logout); break;
    case setting_key::reset_on_disconnect: err = parse_bool(v, s.reset_on_disconnect); break;
    case setting_key::refresh_on_logon: err = parse_bool(v, s.refresh_on_logon); break;
    case setting_key::data_dictionary: text(s.data_dictionary); break;
    case setting_key::transport_data_dictionary: text(s.transport_data_dictionary); break;
    case setting_key::app_data_dictionary: text(s.app_data_dictionary); break;
    case setting_key::default_appl_ver_id: err = parse_appl_ver_id(v, s.default_appl_ver_id); break;
    case setting_key::use_data_dictionary: err = parse_bool(v, s.use_data_dictionary); break;
    case setting_key::file_store_path: text(s.file_store_path); break;
    case setting_key::file_log_path: text(s.file_log_path); break;
    case setting_key::check_latency: err = parse_bool(v, s.check_latency); break;
    case setting_key::max_latency: integer(1, 86400, s.max_latency_s); break;
    case setting_key::check_comp_id: err = parse_bool(v, s.check_comp_id); break;
    case setting_key::validate_fields_have_values:
      err = parse_bool(v, s.validate_fields_have_values);
      break;
    case setting_key::validate_fields_out_of_order:
      err = parse_bool(v, s.validate_fields_out_of_order);
      break;
    case setting_key::validate_user_defined_fields:
      err = parse_bool(v, s.validate_user_defined_fields);
      break;
    case setting_key::allow_unknown_msg_fields: err = parse_bool(v, s.allow_unknown_msg_fields); break;
    case setting_key::logon_timeout: integer(1, 3600, s.logon_timeout_s); break;
    case setting_key::logout_timeout: integer(1, 3600, s.logout_timeout_s); break;
    case setting_key::start_time: err = parse_time_of_day(v, b.start_time_s); break;
    case setting_key::end_time: err = parse_time_of_day(v, b.end_time_s); break;
    case setting_key::start_day: err = parse_day(v, b.start_day); break;
    case setting_key::end_day: err = parse_day(v, b.end_day); break;
    case setting_key::time_zone:
      if (v.empty()) err = "must not be empty";
      break;  // loaded in finish(), once the whole session is known
    case setting_key::weekdays: err = parse_weekdays(v, b.weekdays_mask); break;
    case setting_key::non_stop_session: err = parse_bool(v, b.non_stop); break;
    case setting_key::reconnect_interval: integer(1, 86400, b.reconnect_interval_s); break;
    case setting_key::send_redundant_resend_requests:
      err = parse_bool(v, s.send_redundant_resend_requests);
      break;
    case setting_key::persist_messages: err = parse_bool(v, s.persist_messages); break;
    case setting_key::milliseconds_in_timestamp:
      err = parse_bool(v, b.milliseconds_in_timestamp);
      break;
    case setting_key::timestamp_precision:
      if (v == "0" || v == "3" || v == "6" || v == "9") {
        s.timestamp_precision_digits = static_cast<std::uint8_t>(v[0] - '0');
      } else {
        err = "expected 0, 3, 6 or 9, got " + in_quotes(v);
      }
      break;
    case setting_key::ssl_enable:
    case setting_key::socket_use_ssl: err = parse_bool(v, b.ssl_enable); break;
    case setting_key::server_certificate_file: text(s.tls.server_certificate_file); break;
    case setting_key::server_certificate_key_file: text(s.tls.server_certificate_key_file); break;
    case setting_key::client_certificate_file: text(s.tls.client_certificate_file); break;
    case setting_key::client_certificate_key_file: text(s.tls.client_certificate_key_file); break;
    case setting_key::certificate_authorities_file:
      text(s.tls.certificate_authorities_file);
      break;
    case setting_key::certificate_verify_level: integer(0, 7, s.tls.verify_level); break;
    case setting_key::ssl_protocol: err = parse_ssl_protocols(v, s.tls.protocols); break;
    case setting_key::ssl_cipher_suite: text(s.tls.cipher_suite); break;
    case setting_key::fixring_reconnect_initial_ms: integer(0, 86'400'000, b.reconnect_initial_ms); break;
    case setting_key::fixring_reconnect_max_ms: integer(0, 86'400'000, b.reconnect_max_ms); break;
    case setting_key::fixring_reconnect_factor: err = parse_decimal(v, 1.0, 100.0, b.reconnect_factor); break;
    case setting_key::fixring_reconnect_jitter: err = parse_decimal(v, 0.0, 1.0, b.reconnect_jitter); break;
    case setting_key::fixring_reconnect_max_attempts:
      integer(0, 1'000'000'000, b.reconnect_max_attempts);
      break;
    case setting_key::fixring_durability:
      if (v == "none") {
        s.durability = durability_mode::none;
      } else if (v == "interval") {
        s.durability = durability_mode::interval;
      } else if (v == "every") {
        s.durability = durability_mode::every;
      } else {
        err = "expected none, interval or every, got " + in_quotes(v);
      }
      break;
    case setting_key::fixring_sync_interval_ms: integer(1, 60'000, s.sync_interval_ms); break;
    case setting_key::fixring_cpu: integer(-1, 4095, b.reactor.cpu); break;
    case setting_key::fixring_busy_poll: err = parse_bool(v, b.reactor.busy_poll); break;
    case setting_key::fixring_max_message_bytes: integer(256, 64 << 20, s.max_message_bytes); break;
    case setting_key::fixring_max_queued_messages:
      integer(1, 100'000'000, s.max_queued_messages);
      break;
    case setting_key::fixring_test_req_id: err = require_nonempty(v, s.test_req_id); break;
    case setting_key::fixring_resend_chunk: integer(0, 1'000'000'000, s.resend_chunk); break;
    case setting_key::fixring_test_request_threshold_pct:
      integer(101, 1000, s.test_request_threshold_pct);
      break;
    case setting_key::fixring_disconnect_threshold_pct:
      integer(102, 2000, s.disconnect_threshold_pct);
      break;
    case setting_key::fixring_max_queued_bytes: integer(1024, 2'147'483'647, s.max_queued_bytes); break;
    case setting_key::fixring_queue_full: err = parse_either(v, "drop", "logout", s.queue_full_logout); break;
    case setting_key::fixring_prefault: err = parse_either(v, "idle", "helper", s.prefault_helper); break;
    case setting_key::fixring_max_pending_connections: {
      std::uint32_t p = 0;
      integer(1, 65'535, p);
      if (err.empty()) b.reactor.max_pending_connections = p;
      break;
    }
    case setting_key::fixring_pending_timeout_ms: {
      std::int64_t ms = 0;
      integer(1, 3'600'000, ms);
      if (err.empty()) b.reactor.pending_timeout_ms = ms;
      break;
    }
    case setting_key::fixring_max_pending_per_address: {
      std::uint32_t p = 0;
      integer(1, 65'535, p);
      if (err.empty()) b.reactor.max_pending_per_address = p;
      break;
    }
    case setting_key::count_: err = "internal: not a key"; break;
  }
  if (err.empty()) b.seen[static_cast<std::size_t>(e.info->key)] = &e;
  return err;
}

using zone_cache = std::map<std::string, std::shared_ptr<const time_zone>, std::less<>>;

// Cross-key rules and derived values, once every entry of a session is applied.
result<session_settings> finish(builder& b, const raw_section& sec, const context& ctx,
                                zone_cache& zones) {
  session_settings& s = b.s;
  s.source = ctx.where(sec.line);
  auto section_error = [&](config_errc code, std::string_view what) {
    return ctx.at(sec.line, "[SESSION]", code, what);
  };
  auto has = [&](setting_key k) { return b.get(k) != nullptr; };

  for (setting_key k : {setting_key::connection_type, setting_key::begin_string,
                        setting_key::sender_comp_id, setting_key::target_comp_id}) {
    if (!has(k)) {
      return section_error(config_errc::missing_key,
                           std::string(setting_keys[static_cast<std::size_t>(k)].name) +
                               " is required");
    }
  }

  if (s.connection == connection_type::initiator) {
    for (setting_key k : {setting_key::socket_connect_host, setting_key::socket_connect_port,
                          setting_key::heart_bt_int}) {
      if (!has(k)) {
        return section_error(config_errc::missing_key,
                             std::string(setting_keys[static_cast<std::size_t>(k)].name) +
                                 " is required when ConnectionType=initiator");
      }
    }
    s.connect_endpoints.push_back({b.primary_host, b.primary_port});
    for (const auto& [n, host] : b.hosts_n) {
      const auto port = b.ports_n.find(n);
      if (port == b.ports_n.end()) {
        return ctx.at(*host.first, config_errc::missing_key,
                      "needs SocketConnectPort" + std::to_string(n));
      }
      s.connect_endpoints.push_back({host.second, port->second.second});
    }
    for (const auto& [n, port] : b.ports_n) {
      if (b.hosts_n.find(n) == b.hosts_n.end()) {
        return ctx.at(*port.first, config_errc::missing_key,
                      "needs SocketConnectHost" + std::to_string(n));
      }
    }
  } else if (!has(setting_key::socket_accept_port)) {
    return section_error(config_errc::missing_key,
                         "SocketAcceptPort is required when ConnectionType=acceptor");
  }

  if (s.id.begin_string == fix_version::fixt11 && s.default_appl_ver_id == appl_ver_id::none) {
    return section_error(config_errc::missing_key,
                         "DefaultApplVerID is required when BeginString=FIXT.1.1");
  }

  // Timestamps: TimestampPrecision wins over MillisecondsInTimeStamp.
  if (!has(setting_key::timestamp_precision)) {
    s.timestamp_precision_digits = b.milliseconds_in_timestamp ? 3 : 0;
  }

  // Schedule.
  schedule& sch = s.session_schedule;
  const raw_entry* start_time = b.get(setting_key::start_time);
  const raw_entry* end_time = b.get(setting_key::end_time);
  const raw_entry* start_day = b.get(setting_key::start_day);
  const raw_entry* end_day = b.get(setting_key::end_day);
  const raw_entry* weekdays = b.get(setting_key::weekdays);
  const raw_entry* tz = b.get(setting_key::time_zone);
  if (b.non_stop) {
    for (const raw_entry* e : {start_time, end_time, start_day, end_day, weekdays}) {
      if (e != nullptr) {
        return ctx.at(*e, config_errc::conflicting_keys,
                      "not allowed with NonStopSession=Y (line " +
                          std::to_string(b.get(setting_key::non_stop_session)->line) + ")");
      }
    }
  } else if (start_time != nullptr || end_time != nullptr || start_day != nullptr ||
             end_day != nullptr || weekdays != nullptr) {
    if (start_time == nullptr || end_time == nullptr) {
      const raw_entry* present = start_time != nullptr ? start_time
                                 : end_time != nullptr ? end_time
                                 : start_day != nullptr ? start_day
                                 : end_day != nullptr ? end_day
                                                      : weekdays;
      return ctx.at(*present, config_errc::missing_key,
                    start_time == nullptr ? "needs StartTime" : "needs EndTime");
    }
    if ((start_day == nullptr) != (end_day == nullptr)) {
      return ctx.at(start_day != nullptr ? *start_day : *end_day, config_errc::missing_key,
                    start_day != nullptr ? "needs EndDay" : "needs StartDay");
    }
    if (weekdays != nullptr && start_day != nullptr) {
      return ctx.at(*weekdays, config_errc::conflicting_keys,
                    "not allowed with StartDay/EndDay (line " + std::to_string(start_day->line) +
                        "): Weekdays restricts a daily session");
    }
    sch.kind = start_day != nullptr ? schedule_kind::weekly : schedule_kind::daily;
    sch.start_time_s = b.start_time_s;
    sch.end_time_s = b.end_time_s;
    sch.start_day = b.start_day;
    sch.end_day = b.end_day;
    sch.weekdays_mask = b.weekdays_mask;
  }
  if (tz != nullptr) {
    auto it = zones.find(tz->value);
    if (it == zones.end()) {
      result<time_zone> z = time_zone::load(tz->value, ctx.options().zoneinfo_dir);
      if (!z) return ctx.at(*tz, config_errc::bad_time_zone, z.error().message);
      it = zones.emplace(tz->value, std::make_shared<const time_zone>(std::move(z).value())).first;
    }
    sch.zone = it->second;
  }

  // Reconnect: ReconnectInterval sets a fixed delay; Fixring* keys refine either.
  if (has(setting_key::reconnect_interval)) {
    s.reconnect = backoff_policy::from_reconnect_interval(b.reconnect_interval_s);
  }
  if (b.reconnect_initial_ms >= 0) s.reconnect.initial_delay_ms = b.reconnect_initial_ms;
  if (b.reconnect_max_ms >= 0) s.reconnect.max_delay_ms = b.reconnect_max_ms;
  if (b.reconnect_factor >= 0) s.reconnect.factor = b.reconnect_factor;
  if (b.reconnect_jitter >= 0) s.reconnect.jitter = b.reconnect_jitter;
  if (b.reconnect_max_attempts >= 0) {
    s.reconnect.max_attempts = static_cast<std::uint32_t>(b.reconnect_max_attempts);
  }
  if (s.reconnect.initial_delay_ms > s.reconnect.max_delay_ms) {
    const raw_entry* e = b.get(setting_key::fixring_reconnect_initial_ms);
    if (e == nullptr) e = b.get(setting_key::fixring_reconnect_max_ms);
    if (e == nullptr) e = b.get(setting_key::reconnect_interval);
    return ctx.at(*e, config_errc::conflicting_keys,
                  "reconnect initial delay " + std::to_string(s.reconnect.initial_delay_ms) +
                      " ms exceeds the maximum " + std::to_string(s.reconnect.max_delay_ms) + " ms");
  }
  if (s.disconnect_threshold_pct <= s.test_request_threshold_pct) {
    const raw_entry* e = b.get(setting_key::fixring_disconnect_threshold_pct);
    if (e == nullptr) e = b.get(setting_key::fixring_test_request_threshold_pct);
    return ctx.at(*e, config_errc::conflicting_keys,
                  "FixringDisconnectThresholdPct must exceed FixringTestRequestThresholdPct");
  }

  // TLS.
  s.tls.enabled = b.ssl_enable;
  if (s.tls.enabled && s.connection == connection_type::acceptor &&
      s.tls.server_certificate_file.empty()) {
    const raw_entry* e = b.get(setting_key::ssl_enable);
    if (e == nullptr) e = b.get(setting_key::socket_use_ssl);
    return ctx.at(*e, config_errc::missing_key, "a TLS acceptor needs ServerCertificateFile");
  }
  if (!s.tls.client_certificate_key_file.empty() && s.tls.client_certificate_file.empty()) {
    return ctx.at(*b.get(setting_key::client_certificate_key_file), config_errc::missing_key,
                  "needs ClientCertificateFile");
  }
  return std::move(s);
}

}  // namespace

const key_info* find_key(std::string_view name, std::uint32_t* index) noexcept {
  if (index != nullptr) *index = 0;
  for (const key_info& k : setting_keys) {
    if (iequals(name, k.name)) return &k;
  }
  // SocketConnectHost<n> / SocketConnectPort<n>, n >= 1 without leading zeros.
  for (setting_key numbered : {setting_key::socket_connect_host_n, setting_key::socket_connect_port_n}) {
    const key_info& k = setting_keys[static_cast<std::size_t>(numbered)];
    const std::string_view stem = k.name.substr(0, k.name.size() - 3);  // drop "<n>"
    if (!istarts_with(name, stem)) continue;
    const std::string_view digits = name.substr(stem.size());
    std::uint32_t n = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (digits.empty() || digits.front() == '0' || ec != std::errc{} ||
        ptr != digits.data() + digits.size() || n > 1000) {
      return nullptr;
    }
    if (index != nullptr) *index = n;
    return &k;
  }
  return nullptr;
}

std::string key_reference_markdown() {
  auto cell = [](std::string_view text) {
    std::string out;
    for (char c : text) {
      if (c == '|') out.push_back('\\');
      out.push_back(c);
    }
    return out;
  };
  std::string md = "| Key | Type | Default | Meaning |\n|---|---|---|---|\n";
  for (const key_info& k : setting_keys) {
    md.append("| `").append(k.name).append("` | ").append(cell(k.type)).append(" | ");
    md.append(cell(k.default_value)).append(" | ").append(cell(k.description));
    if (k.scope == key_scope::default_only) md.append(" [DEFAULT] only.");
    md.append(" |\n");
  }
  return md;
}

std::string_view to_string(fix_version v) noexcept {
  switch (v) {
    case fix_version::fix40: return "FIX.4.0";
    case fix_version::fix41: return "FIX.4.1";
    case fix_version::fix42: return "FIX.4.2";
    case fix_version::fix43: return "FIX.4.3";
    case fix_version::fix44: return "FIX.4.4";
    case fix_version::fixt11: return "FIXT.1.1";
  }
  return "?";
}

std::string_view to_string(connection_type c) noexcept {
  return c == connection_type::initiator ? "initiator" : "acceptor";
}

std::string session_identity::to_string() const {
  std::string s(config::to_string(begin_string));
  auto party = [&](const std::string& comp, const std::string& sub, const std::string& loc) {
    s.append(comp);
    if (!sub.empty() || !loc.empty()) s.append("/").append(sub);
    if (!loc.empty()) s.append("/").append(loc);
  };
  s.append(":");
  party(sender_comp_id, sender_sub_id, sender_location_id);
  s.append("->");
  party(target_comp_id, target_sub_id, target_location_id);
  if (!session_qualifier.empty()) s.append(":").append(session_qualifier);
  return s;
}

result<settings> parse_settings_text(std::string_view text, std::string_view file_name,
                                     const parse_options& options) {
  const context ctx(file_name, options);
  result<std::vector<raw_section>> parsed = read_sections(ctx, text);
  if (!parsed) return parsed.error();
  const std::vector<raw_section>& sections = parsed.value();

  // [DEFAULT] values are checked on their own first, so a bad default is
  // reported even in a file without sessions.
  std::vector<const raw_entry*> defaults;
  builder default_only;
  for (const raw_section& sec : sections) {
    if (!sec.is_default) continue;
    for (const raw_entry& e : sec.entries) {
      if (std::string err = apply(default_only, e); !err.empty()) {
        return ctx.at(e, config_errc::bad_value, err);
      }
      defaults.push_back(&e);
    }
  }

  settings out;
  out.reactor = default_only.reactor;
  zone_cache zones;
  for (const raw_section& sec : sections) {
    if (sec.is_default) continue;
    auto b = std::make_unique<builder>();
    for (const raw_entry* e : defaults) (void)apply(*b, *e);  // checked above
    for (const raw_entry& e : sec.entries) {
      if (std::string err = apply(*b, e); !err.empty()) {
        return ctx.at(e, config_errc::bad_value, err);
      }
    }
    result<session_settings> s = finish(*b, sec, ctx, zones);
    if (!s) return s.error();
    for (const session_settings& prior : out.sessions) {
      if (prior.id == s.value().id) {
        return ctx.at(sec.line, "[SESSION]", config_errc::duplicate_session,
                      "session " + s.value().id.to_string() +
                          " is already defined by the [SESSION] at " + prior.source);
      }
    }
    out.sessions.push_back(std::move(s).value());
  }
  return out;
}

result<settings> parse_settings_file(const std::filesystem::path& path, const parse_options& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return config_error{config_errc::io_error,
                        path.string() + ": is a directory, not a settings file"};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return config_error{config_errc::io_error,
                        path.string() + ": cannot open settings file: " + std::strerror(errno)};
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return config_error{config_errc::io_error, path.string() + ": read error"};
  }
  return parse_settings_text(text.str(), path.string(), options);
}

}  // namespace fixring::engine::config
