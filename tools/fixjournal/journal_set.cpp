#include "journal_set.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <pugixml.hpp>

#include "fixring/store/segment.hpp"

namespace fixring::tools {

namespace fs = std::filesystem;
using store::format::direction;
using store::format::record_kind;

namespace {
bool has_segments(const fs::path& dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == store::format::segment_suffix) return true;
  return false;
}
}  // namespace

std::vector<std::string> find_journals(const std::string& path, std::string& error) {
  std::vector<std::string> out;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    error = path + ": " + (errno == ENOENT ? std::string("no such file or directory") : std::strerror(errno));
    return out;
  }
  if (S_ISREG(st.st_mode)) {
    // A single file: it must be a segment; its directory is the journal.
    char head[store::format::segment_header_bytes] = {};
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      error = path + ": cannot open: " + std::strerror(errno);
      return out;
    }
    const ssize_t got = ::pread(fd, head, sizeof head, 0);
    ::close(fd);
    const store::journal_error e = store::check_segment_header(
        path, head, got < 0 ? 0 : static_cast<std::uint64_t>(st.st_size) < sizeof head ? static_cast<std::uint64_t>(got) : static_cast<std::uint64_t>(st.st_size), 0);
    if (e.code != store::journal_errc::ok) {
      error = e.message;
      return out;
    }
    out.push_back(fs::path(path).parent_path().string());
    if (out.back().empty()) out.back() = ".";
    return out;
  }
  if (has_segments(path)) {
    out.push_back(path);
    return out;
  }
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(path, ec))
    if (e.is_directory() && has_segments(e.path())) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  if (out.empty())
    error = path + ": not a fixring journal (no *.fjseg segment files here or in its subdirectories)";
  return out;
}

std::string record_filter::set_dir(const std::string& s) {
  if (s == "in") dir = direction::inbound;
  else if (s == "out") dir = direction::outbound;
  else return "--dir must be 'in' or 'out', not '" + s + "'";
  return "";
}

std::string record_filter::add_where(const std::string& s) {
  const auto eq = s.find('=');
  std::uint32_t tag = 0;
  if (eq == std::string::npos || eq == 0) return "--where needs TAG=VALUE, got '" + s + "'";
  for (std::size_t i = 0; i < eq; ++i) {
    if (s[i] < '0' || s[i] > '9') return "--where tag must be a number, got '" + s.substr(0, eq) + "'";
    tag = tag * 10 + static_cast<std::uint32_t>(s[i] - '0');
  }
  where.emplace_back(tag, s.substr(eq + 1));
  return "";
}

bool record_filter::session_selected(const std::string& name) const {
  return sessions.empty() || std::find(sessions.begin(), sessions.end(), name) != sessions.end();
}

bool record_filter::matches(const store::record_view& r, const codec::message& parsed, bool parsed_ok) const {
  if (!r.is_message()) {
    if (!include_markers) return false;
    // Markers have no seq, type or fields: only the time window applies.
    if (from_ns && r.header.timestamp_ns < *from_ns) return false;
    if (to_ns && r.header.timestamp_ns > *to_ns) return false;
    return msg_types.empty() && where.empty() && !dir && !from_seq && !to_seq;
  }
  if (dir && r.dir() != *dir) return false;
  if (from_seq && r.header.msg_seq_num < *from_seq) return false;
  if (to_seq && r.header.msg_seq_num > *to_seq) return false;
  if (from_ns && r.header.timestamp_ns < *from_ns) return false;
  if (to_ns && r.header.timestamp_ns > *to_ns) return false;
  if (msg_types.empty() && where.empty()) return true;
  const auto fields = fields_of(r.text(), parsed, parsed_ok);
  if (!msg_types.empty()) {
    std::string_view type;
    for (const auto& [t, v] : fields)
      if (t == 35) {
        type = v;
        break;
      }
    if (std::find(msg_types.begin(), msg_types.end(), type) == msg_types.end()) return false;
  }
  for (const auto& [tag, value] : where) {
    bool hit = false;
    for (const auto& [t, v] : fields) hit |= t == tag && v == value;
    if (!hit) return false;
  }
  return true;
}

std::optional<std::int64_t> parse_time(const std::string& s) {
  if (!s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return static_cast<std::int64_t>(std::stoull(s));
  std::tm tm{};
  const char* rest = ::strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!rest) rest = ::strptime(s.c_str(), "%Y-%m-%d %H:%M:%S", &tm);
  if (!rest) return std::nullopt;
  std::int64_t frac_ns = 0;
  if (*rest == '.') {
    ++rest;
    std::int64_t scale = 100'000'000;
    while (*rest >= '0' && *rest <= '9') {
      frac_ns += (*rest - '0') * scale;
      scale /= 10;
      ++rest;
    }
  }
  if (*rest == 'Z') ++rest;
  if (*rest != '\0') return std::nullopt;
  return static_cast<std::int64_t>(::timegm(&tm)) * 1'000'000'000 + frac_ns;
}

std::string format_time(std::int64_t ns) {
  // Before 2001 or past 2200: not wall-clock nanoseconds (a monotonic clock, a test).
  if (ns < 978'307'200'000'000'000 || ns > 7'258'118'400'000'000'000) return std::to_string(ns);
  const std::time_t secs = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%09" PRId64 "Z", ns % 1'000'000'000);
  return buf;
}

std::string names::load(const std::string& path, const std::string& transport_path) {
  auto d = transport_path.empty() ? codec::dictionary::load(path) : codec::dictionary::load_fixt(transport_path, path);
  if (!d) return d.error().message;
  dict_ = std::make_unique<codec::dictionary>(std::move(d).value());
  // Enum descriptions are for humans only; the codec's dictionary keeps values.
  for (const std::string& p : {path, transport_path}) {
    if (p.empty()) continue;
    pugi::xml_document doc;
    if (!doc.load_file(p.c_str())) continue;
    for (const auto& f : doc.child("fix").child("fields").children("field")) {
      const auto tag = f.attribute("number").as_uint();
      for (const auto& v : f.children("value"))
        enums_[tag][v.attribute("enum").value()] = v.attribute("description").value();
    }
  }
  return "";
}

std::string_view names::tag_name(std::uint32_t tag) const noexcept {
  return dict_ ? dict_->field_name(tag) : std::string_view{};
}

std::string_view names::msg_type_name(std::string_view msg_type) const noexcept {
  if (!dict_) return {};
  const std::uint32_t i = dict_->find_message(msg_type);
  if (i >= dict_->messages().size()) return {};
  return dict_->message_at(i).name;
}

std::string_view names::enum_name(std::uint32_t tag, std::string_view value) const {
  const auto t = enums_.find(tag);
  if (t == enums_.end()) return {};
  const auto v = t->second.find(value);
  return v == t->second.end() ? std::string_view{} : std::string_view{v->second};
}

const codec::data_field_table& names::data_fields() const noexcept {
  return dict_ ? dict_->data_fields() : codec::standard_data_field_table;
}

std::vector<std::pair<std::uint32_t, std::string_view>> fields_of(std::string_view bytes, const codec::message& parsed,
                                                                   bool parsed_ok) {
  std::vector<std::pair<std::uint32_t, std::string_view>> out;
  if (parsed_ok) {
    for (const auto& f : parsed.fields()) out.emplace_back(f.tag, parsed.value(f));
    return out;
  }
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    std::size_t end = bytes.find('\x01', pos);
    if (end == std::string_view::npos) end = bytes.size();
    const std::string_view field = bytes.substr(pos, end - pos);
    const auto eq = field.find('=');
    std::uint32_t tag = 0;
    if (eq != std::string_view::npos)
      for (std::size_t i = 0; i < eq; ++i) tag = tag * 10 + static_cast<std::uint32_t>(field[i] - '0');
    out.emplace_back(tag, eq == std::string_view::npos ? field : field.substr(eq + 1));
    pos = end + 1;
  }
  return out;
}

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out;
}

std::string readable_fix(std::string_view s) {
  std::string out(s);
  std::replace(out.begin(), out.end(), '\x01', '|');
  return out;
}

std::string_view kind_name(record_kind k) noexcept {
  switch (k) {
    case record_kind::message: return "message";
    case record_kind::sequence_marker: return "sequence_marker";
    case record_kind::epoch_start: return "epoch_start";
    case record_kind::segment_start: return "segment_start";
    case record_kind::segment_end: return "segment_end";
  }
  return "unknown";
}

std::string flags_text(std::uint32_t flags) {
  std::string out;
  auto add = [&](const char* n) { out += out.empty() ? n : std::string(",") + n; };
  if (flags & store::flag_poss_dup) add("possdup");
  if (flags & store::flag_admin) add("admin");
  if (flags & store::flag_no_resend) add("noresend");
  return out;
}

namespace {
const char* dir_name(direction d) {
  return d == direction::inbound ? "in" : d == direction::outbound ? "out" : "-";
}
std::string csv_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}
}  // namespace

void renderer::write_header(std::FILE* out) const {
  if (opt_.format == output_format::csv)
    std::fputs("session,time,timestamp_ns,dir,epoch,seq,msg_type,flags,file,offset,message\n", out);
}

void renderer::write(std::FILE* out, const std::string& session, const store::record_view& r,
                     const codec::message& parsed, bool parsed_ok) const {
  const auto fields = r.is_message() ? fields_of(r.text(), parsed, parsed_ok)
                                     : std::vector<std::pair<std::uint32_t, std::string_view>>{};
  std::string_view msg_type;
  for (const auto& [t, v] : fields)
    if (t == 35) {
      msg_type = v;
      break;
    }
  std::string state;  // markers: the sequence numbers they set
  if (!r.is_message() && r.payload.size() == sizeof(store::format::sequence_state)) {
    store::format::sequence_state s;
    std::memcpy(&s, r.payload.data(), sizeof s);
    state = "next_out=" + std::to_string(s.next_outbound_seq) + " next_in=" + std::to_string(s.next_inbound_seq);
  }
  switch (opt_.format) {
    case output_format::raw:
      if (r.is_message()) std::fwrite(r.payload.data(), 1, r.payload.size(), out);
      return;
    case output_format::csv:
      std::fprintf(out, "%s,%s,%" PRId64 ",%s,%u,%" PRIu64 ",%s,%s,%s,%" PRIu64 ",%s\n", csv_quote(session).c_str(),
                   format_time(r.header.timestamp_ns).c_str(), r.header.timestamp_ns, dir_name(r.dir()),
                   r.header.epoch, r.header.msg_seq_num,
                   csv_quote(r.is_message() ? msg_type : kind_name(r.kind())).c_str(),
                   flags_text(r.header.flags).c_str(), csv_quote(*r.path).c_str(), r.offset,
                   csv_quote(r.is_message() ? readable_fix(r.text()) : state).c_str());
      return;
    case output_format::json: {
      std::string line = "{\"session\":\"" + json_escape(session) + "\",\"time\":\"" +
                         format_time(r.header.timestamp_ns) + "\",\"timestamp_ns\":" +
                         std::to_string(r.header.timestamp_ns) + ",\"kind\":\"" + std::string(kind_name(r.kind())) +
                         "\",\"dir\":\"" + dir_name(r.dir()) + "\",\"epoch\":" + std::to_string(r.header.epoch) +
                         ",\"seq\":" + std::to_string(r.header.msg_seq_num) + ",\"flags\":\"" +
                         flags_text(r.header.flags) + "\",\"file\":\"" + json_escape(*r.path) +
                         "\",\"offset\":" + std::to_string(r.offset);
      if (r.is_message()) {
        line += ",\"msg_type\":\"" + json_escape(msg_type) + "\"";
        if (const auto n = names_.msg_type_name(msg_type); !n.empty()) line += ",\"msg_name\":\"" + std::string(n) + "\"";
        line += ",\"fields\":[";
        bool first = true;
        for (const auto& [t, v] : fields) {
          line += first ? "[" : ",[";
          first = false;
          line += std::to_string(t) + ",\"" + json_escape(v) + "\"";
          if (const auto n = names_.tag_name(t); !n.empty()) line += ",\"" + std::string(n) + "\"";
          line += "]";
        }
        line += "]";
      } else if (!state.empty()) {
        store::format::sequence_state s;
        std::memcpy(&s, r.payload.data(), sizeof s);
        line += ",\"next_outbound_seq\":" + std::to_string(s.next_outbound_seq) +
                ",\"next_inbound_seq\":" + std::to_string(s.next_inbound_seq);
      }
      line += "}\n";
      std::fputs(line.c_str(), out);
      return;
    }
    case output_format::text: break;
  }
  const char* dim = opt_.colour ? "\x1b[2m" : "";
  const char* tag_c = opt_.colour ? "\x1b[36m" : "";
  const char* hi = opt_.colour ? "\x1b[1m" : "";
  const char* dir_c = !opt_.colour ? "" : r.dir() == direction::inbound ? "\x1b[32m" : "\x1b[33m";
  const char* off = opt_.colour ? "\x1b[0m" : "";
  std::string line = std::string(dim) + format_time(r.header.timestamp_ns) + off + " " + dir_c +
                     dir_name(r.dir()) + off;
  if (!r.is_message()) {
    line += " " + std::string(hi) + std::string(kind_name(r.kind())) + off + " epoch=" + std::to_string(r.header.epoch);
    if (!state.empty()) line += " " + state;
  } else {
    line += " " + std::string(hi) + std::to_string(r.header.msg_seq_num) + off + " " + std::string(msg_type);
    if (const auto n = names_.msg_type_name(msg_type); !n.empty()) line += "(" + std::string(n) + ")";
    if (r.header.epoch != 0) line += " epoch=" + std::to_string(r.header.epoch);
    if (r.header.flags) line += " [" + flags_text(r.header.flags) + "]";
    line += "  ";
    for (const auto& [t, v] : fields) {
      const auto n = names_.tag_name(t);
      line += tag_c;
      line += n.empty() ? std::to_string(t) : std::string(n) + "(" + std::to_string(t) + ")";
      line += off;
      line += "=";
      line += readable_fix(v);
      if (const auto e = names_.enum_name(t, v); !e.empty()) line += std::string(dim) + "(" + std::string(e) + ")" + off;
      line += "|";
    }
  }
  if (opt_.show_location) line += std::string("  ") + dim + *r.path + ":" + std::to_string(r.offset) + off;
  line += "\n";
  std::fputs(line.c_str(), out);
}

}  // namespace fixring::tools
