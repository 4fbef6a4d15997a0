// fixjournal internals: finding journals under the paths a user gives, record
// filters, and rendering records as text, JSON lines and CSV.
//
// Everything here is cold-path tool code: it allocates freely and reports
// failures as messages naming the path at fault.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fixring/codec/dictionary.hpp"
#include "fixring/codec/message.hpp"
#include "fixring/store/journal_reader.hpp"
#include "fixring/store/session_types.hpp"

namespace fixring::tools {

// Exit codes shared by every subcommand.
inline constexpr int exit_ok = 0;
inline constexpr int exit_bad_record = 1;   // verify found a corrupt record or a sequence fault
inline constexpr int exit_cannot_open = 2;  // missing, truncated or foreign file; bad arguments

// Journal directories under `path`: the directory itself when it holds
// segments, else each subdirectory that does; a segment file stands for its
// directory. Empty result and `error` set when there is none.
std::vector<std::string> find_journals(const std::string& path, std::string& error);

// Record selection shared by dump, follow, export, stats and replay.
struct record_filter {
  std::vector<std::string> sessions;  // session names (empty: all)
  std::optional<store::format::direction> dir;
  std::optional<std::uint64_t> from_seq, to_seq;
  std::optional<std::int64_t> from_ns, to_ns;
  std::vector<std::string> msg_types;
  std::vector<std::pair<std::uint32_t, std::string>> where;  // TAG=VALUE, all must hold
  bool include_markers = false;  // sequence markers, epoch starts, segment records

  // Parses "in"/"out", "TAG=VALUE" and time arguments; returns an error text or "".
  std::string set_dir(const std::string& s);
  std::string add_where(const std::string& s);
  [[nodiscard]] bool session_selected(const std::string& name) const;
  [[nodiscard]] bool matches(const store::record_view& r, const codec::message& parsed, bool parsed_ok) const;
};

// Parses a time argument: integer nanoseconds since the epoch, or
// YYYY-MM-DDTHH:MM:SS[.fraction][Z] (UTC). nullopt when malformed.
std::optional<std::int64_t> parse_time(const std::string& s);
// ISO 8601 UTC with nanoseconds, or the raw number when it is not a plausible wall-clock time.
std::string format_time(std::int64_t ns);

// Names from a QuickFIX XML dictionary: tags, MsgTypes and enum values.
class names {
 public:
  // Loads `path` (and `transport_path` for FIXT 1.1 + FIX 5.0). Error text or "".
  std::string load(const std::string& path, const std::string& transport_path);
  [[nodiscard]] bool loaded() const noexcept { return dict_ != nullptr; }
  [[nodiscard]] std::string_view tag_name(std::uint32_t tag) const noexcept;
  [[nodiscard]] std::string_view msg_type_name(std::string_view msg_type) const noexcept;
  [[nodiscard]] std::string_view enum_name(std::uint32_t tag, std::string_view value) const;
  [[nodiscard]] const codec::data_field_table& data_fields() const noexcept;

 private:
  std::unique_ptr<codec::dictionary> dict_;
  std::map<std::uint32_t, std::map<std::string, std::string, std::less<>>> enums_;
};

enum class output_format { text, json, csv, raw };

struct render_options {
  output_format format = output_format::text;
  bool colour = false;
  bool show_location = false;  // file and offset in text output
};

// Renders one record (message or marker) as one line (raw: the bytes alone).
class renderer {
 public:
  renderer(const names& n, render_options o) : names_(n), opt_(o) {}
  void write_header(std::FILE* out) const;  // CSV column names; nothing for other formats
  void write(std::FILE* out, const std::string& session, const store::record_view& r,
             const codec::message& parsed, bool parsed_ok) const;

 private:
  const names& names_;
  render_options opt_;
};

// Splits FIX bytes into (tag, value) fields: from the codec's index when the
// message parses, else by SOH (so damaged or partial messages still print).
std::vector<std::pair<std::uint32_t, std::string_view>> fields_of(std::string_view bytes,
                                                                   const codec::message& parsed, bool parsed_ok);

std::string json_escape(std::string_view s);
std::string readable_fix(std::string_view s);  // SOH -> '|'
std::string_view kind_name(store::format::record_kind k) noexcept;
std::string flags_text(std::uint32_t flags);

}  // namespace fixring::tools
