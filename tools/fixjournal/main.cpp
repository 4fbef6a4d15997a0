// fixjournal: inspect, check and replay fixring journals.
//
//   fixjournal ls JOURNAL...         sessions, epochs, seq ranges, sizes, time spans
//   fixjournal dump JOURNAL          human-readable records (--json for JSON lines)
//   fixjournal follow JOURNAL        like tail -f on a live journal
//   fixjournal stats JOURNAL         counts by MsgType and direction, gaps, resends, latency
//   fixjournal verify JOURNAL        CRCs and sequence continuity; exit 1 on the first bad record
//   fixjournal export JOURNAL        raw FIX, JSON lines or CSV
//   fixjournal replay JOURNAL        a range to stdout or a TCP endpoint, paced
//
// JOURNAL is a journal directory, a directory of journal directories, or one
// segment file. Exit codes: 0 fine, 1 a bad record or sequence fault, 2 a file
// that cannot be read (missing, truncated, not a journal) or bad arguments.
#include <netdb.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "journal_set.hpp"

using namespace fixring;
using namespace fixring::tools;
using store::format::direction;
using store::format::record_kind;

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop.store(true, std::memory_order_relaxed); }

// Command-line state shared by the subcommands.
struct cli_state {
  std::vector<std::string> paths;
  record_filter filter;
  std::string dir_arg, from_arg, to_arg, from_time_arg, to_time_arg;
  std::vector<std::string> where_args;
  std::string dict, transport_dict;
  bool json = false;
  std::string colour = "auto";
  bool location = false;
  std::string format = "jsonl";
  std::string output;
  std::string target;
  std::string pace = "asap";
  double speed = 1.0;
  bool from_start = false;
  std::int64_t follow_timeout_ms = 0;
  std::uint64_t max_records = 0;
  names dictionary;
};

int fail(const std::string& msg, int code = exit_cannot_open) {
  std::fprintf(stderr, "fixjournal: %s\n", msg.c_str());
  return code;
}

// Applies the parsed filter arguments. Returns an error text or "".
std::string prepare(cli_state& s) {
  if (!s.dir_arg.empty())
    if (auto e = s.filter.set_dir(s.dir_arg); !e.empty()) return e;
  for (const auto& w : s.where_args)
    if (auto e = s.filter.add_where(w); !e.empty()) return e;
  auto seq_or_time = [&](const std::string& arg, std::optional<std::uint64_t>& seq,
                         std::optional<std::int64_t>& ns) -> std::string {
    if (arg.empty()) return "";
    if (arg.find_first_not_of("0123456789") == std::string::npos && arg.size() < 16) {
      seq = std::stoull(arg);
      return "";
    }
    const auto t = parse_time(arg);
    if (!t) return "'" + arg + "' is neither a MsgSeqNum nor a time (YYYY-MM-DDTHH:MM:SS[.fff]Z or nanoseconds)";
    ns = *t;
    return "";
  };
  if (auto e = seq_or_time(s.from_arg, s.filter.from_seq, s.filter.from_ns); !e.empty()) return e;
  if (auto e = seq_or_time(s.to_arg, s.filter.to_seq, s.filter.to_ns); !e.empty()) return e;
  if (!s.from_time_arg.empty()) {
    const auto t = parse_time(s.from_time_arg);
    if (!t) return "bad --from-time '" + s.from_time_arg + "'";
    s.filter.from_ns = t;
  }
  if (!s.to_time_arg.empty()) {
    const auto t = parse_time(s.to_time_arg);
    if (!t) return "bad --to-time '" + s.to_time_arg + "'";
    s.filter.to_ns = t;
  }
  if (!s.dict.empty())
    if (auto e = s.dictionary.load(s.dict, s.transport_dict); !e.empty()) return e;
  return "";
}

struct opened {
  std::string dir;
  store::journal_reader reader;
};

// Opens every journal under the paths, keeping those the session filter selects.
bool open_all(cli_state& s, std::vector<opened>& out, int& rc) {
  for (const auto& p : s.paths) {
    std::string err;
    const auto dirs = find_journals(p, err);
    if (dirs.empty()) {
      rc = fail(err);
      return false;
    }
    for (const auto& d : dirs) {
      auto r = store::journal_reader::open(d);
      if (!r) {
        rc = fail(r.error().message);
        return false;
      }
      if (!s.filter.session_selected(r.value().session_name())) continue;
      out.push_back({d, std::move(r).value()});
    }
  }
  if (out.empty()) {
    rc = fail("no journal matches the --session filter");
    return false;
  }
  return true;
}

// Progress on stderr for long scans, only when stderr is a terminal.
class progress {
 public:
  progress(const char* what, std::uint64_t total_bytes)
      : what_(what), total_(total_bytes), on_(::isatty(2) && total_bytes > (64u << 20)) {}
  ~progress() {
    if (on_ && shown_) std::fprintf(stderr, "\r%*s\r", 60, "");
  }
  void update(std::uint64_t done) {
    if (!on_ || total_ == 0) return;
    const int pct = static_cast<int>(done * 100 / total_);
    if (pct == last_) return;
    last_ = pct;
    shown_ = true;
    const int bar = pct / 5;
    std::fprintf(stderr, "\r%s [%.*s%*s] %3d%%", what_, bar, "====================", 20 - bar, "", pct);
  }

 private:
  const char* what_;
  std::uint64_t total_;
  bool on_;
  bool shown_ = false;
  int last_ = -1;
};

// Position of a record as bytes from the start of its journal's first segment.
std::uint64_t position(const store::journal_reader& r, const store::record_view& v) {
  const auto& segs = r.segments();
  const std::uint64_t cap = segs.front().header.capacity_bytes;
  return (v.segment_index - segs.front().index) * cap + v.offset;
}

// Walks the records of every selected journal that pass the filter.
// fn returns false to stop. Returns the final read status of the last journal.
using record_fn = std::function<bool(const opened&, const store::record_view&, const codec::message&, bool)>;
store::read_status walk(cli_state& s, std::vector<opened>& journals, bool verify_crc, const char* what,
                        const record_fn& fn, const store::journal_error** fault = nullptr) {
  static codec::message parsed;  // about 6 KB: one, reused
  store::read_status st = store::read_status::end;
  for (auto& j : journals) {
    progress bar(what, j.reader.capacity_bytes());
    store::record_view v;
    std::uint64_t n = 0;
    while (!g_stop.load(std::memory_order_relaxed) && (st = j.reader.next(v, verify_crc)) == store::read_status::record) {
      const bool ok = v.is_message() && parsed.parse(v.text(), s.dictionary.data_fields()) == codec::parse_error::none;
      if (s.filter.matches(v, parsed, ok) && !fn(j, v, parsed, ok)) return store::read_status::record;
      if ((++n & 0xFFF) == 0) bar.update(position(j.reader, v));
    }
    if (st == store::read_status::corrupt || st == store::read_status::torn_tail) {
      if (fault) *fault = &j.reader.fault();
      return st;
    }
  }
  return st;
}

render_options render_opts(const cli_state& s, output_format f) {
  render_options o;
  o.format = f;
  o.colour = f == output_format::text && (s.colour == "always" || (s.colour == "auto" && ::isatty(1)));
  o.show_location = s.location;
  return o;
}

int report_fault(store::read_status st, const store::journal_error* fault) {
  if ((st == store::read_status::corrupt || st == store::read_status::torn_tail) && fault)
    return fail(fault->message, exit_bad_record);
  return exit_ok;
}

// ---------------------------------------------------------------- ls
int cmd_ls(cli_state& s) {
  std::vector<opened> journals;
  int rc = 0;
  if (!open_all(s, journals, rc)) return rc;
  for (auto& j : journals) {
    struct range {
      std::uint64_t lo = UINT64_MAX, hi = 0, count = 0;
      void add(std::uint64_t v) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
        ++count;
      }
    };
    struct epoch_info {
      range in, out;
      std::int64_t first_ns = INT64_MAX, last_ns = INT64_MIN;
    };
    std::map<std::uint32_t, epoch_info> epochs;
    std::uint64_t records = 0;
    store::record_view v;
    store::read_status st;
    while ((st = j.reader.next(v, false)) == store::read_status::record) {
      ++records;
      auto& e = epochs[v.header.epoch];
      e.first_ns = std::min(e.first_ns, v.header.timestamp_ns);
      e.last_ns = std::max(e.last_ns, v.header.timestamp_ns);
      if (v.is_message()) (v.dir() == direction::inbound ? e.in : e.out).add(v.header.msg_seq_num);
    }
    std::printf("%s\n  session %s (id %016" PRIx64 "), %zu segment(s), %" PRIu64 " bytes, %" PRIu64 " records\n",
                j.dir.c_str(), j.reader.session_name().c_str(), j.reader.session_id(), j.reader.segments().size(),
                j.reader.capacity_bytes(), records);
    for (const auto& [ep, e] : epochs) {
      auto r = [](const range& x) {
        return x.count == 0 ? std::string("none")
                            : std::to_string(x.lo) + ".." + std::to_string(x.hi) + " (" + std::to_string(x.count) + ")";
      };
      std::printf("  epoch %u: out %s, in %s, %s .. %s\n", ep, r(e.out).c_str(), r(e.in).c_str(),
                  format_time(e.first_ns).c_str(), format_time(e.last_ns).c_str());
    }
    if (st != store::read_status::end) std::printf("  %s\n", j.reader.fault().message.c_str());
  }
  return exit_ok;
}

// ---------------------------------------------------------------- dump / export
int cmd_dump(cli_state& s, output_format f, bool markers_by_default) {
  if (!markers_by_default) s.filter.include_markers = s.filter.include_markers && f != output_format::raw;
  std::vector<opened> journals;
  int rc = 0;
  if (!open_all(s, journals, rc)) return rc;
  std::FILE* out = stdout;
  if (!s.output.empty() && s.output != "-") {
    out = std::fopen(s.output.c_str(), "wb");
    if (!out) return fail(s.output + ": cannot create: " + std::strerror(errno));
  }
  renderer r(s.dictionary, render_opts(s, f));
  r.write_header(out);
  std::uint64_t n = 0;
  const store::journal_error* fault = nullptr;
  const auto st = walk(s, journals, true, "reading", [&](const opened& j, const store::record_view& v,
                                                         const codec::message& m, bool ok) {
    r.write(out, j.reader.session_name(), v, m, ok);
    return s.max_records == 0 || ++n < s.max_records;
  }, &fault);
  if (out != stdout) std::fclose(out);
  else std::fflush(stdout);
  return report_fault(st, fault);
}

// ---------------------------------------------------------------- follow
int cmd_follow(cli_state& s) {
  std::vector<opened> journals;
  int rc = 0;
  if (!open_all(s, journals, rc)) return rc;
  if (journals.size() != 1) return fail("follow takes one journal (use --session to pick one)");
  auto& j = journals.front();
  renderer r(s.dictionary, render_opts(s, s.json ? output_format::json : output_format::text));
  static codec::message parsed;
  store::record_view v;
  if (!s.from_start)
    while (j.reader.next(v, true) == store::read_status::record) {
    }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(s.follow_timeout_ms);
  std::uint64_t n = 0;
  while (!g_stop.load(std::memory_order_relaxed)) {
    const auto st = j.reader.next(v, true);
    if (st == store::read_status::record) {
      const bool ok = v.is_message() && parsed.parse(v.text(), s.dictionary.data_fields()) == codec::parse_error::none;
      if (s.filter.matches(v, parsed, ok)) {
        r.write(stdout, j.reader.session_name(), v, parsed, ok);
        std::fflush(stdout);
        if (s.max_records != 0 && ++n >= s.max_records) break;
      }
      continue;
    }
    if (st != store::read_status::end) return fail(j.reader.fault().message, exit_bad_record);
    if (s.follow_timeout_ms > 0 && std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return exit_ok;
}

// ---------------------------------------------------------------- stats
std::string field(const std::vector<std::pair<std::uint32_t, std::string_view>>& f, std::uint32_t tag) {
  for (const auto& [t, v] : f)
    if (t == tag) return std::string(v);
  return {};
}

int cmd_stats(cli_state& s) {
  std::vector<opened> journals;
  int rc = 0;
  if (!open_all(s, journals, rc)) return rc;
  std::map<std::pair<std::string, std::string>, std::uint64_t> by_type;  // (msg_type, dir)
  std::uint64_t messages = 0, in_count = 0, out_count = 0, possdup_in = 0, possdup_out = 0;
  std::uint64_t gaps = 0, gap_messages = 0;
  std::vector<std::string> gap_examples;
  std::int64_t first_ns = INT64_MAX, last_ns = INT64_MIN;
  std::unordered_map<std::string, std::int64_t> pending;  // ClOrdID / TestReqID of inbound -> time
  std::vector<std::int64_t> latencies;
  struct expect {
    std::uint64_t next_in = 1, next_out = 1;
  };
  std::map<std::string, expect> expected;  // per journal
  const store::journal_error* fault = nullptr;
  const auto st = walk(s, journals, true, "stats", [&](const opened& j, const store::record_view& v,
                                                       const codec::message& m, bool ok) {
    auto& e = expected[j.dir];
    if (!v.is_message()) {
      if (v.payload.size() == sizeof(store::format::sequence_state)) {
        store::format::sequence_state ss;
        std::memcpy(&ss, v.payload.data(), sizeof ss);
        e.next_in = ss.next_inbound_seq;
        e.next_out = ss.next_outbound_seq;
      }
      return true;
    }
    const auto fields = fields_of(v.text(), m, ok);
    const std::string type = field(fields, 35);
    const bool in = v.dir() == direction::inbound;
    by_type[{type, in ? "in" : "out"}]++;
    ++messages;
    (in ? in_count : out_count)++;
    const bool possdup = (v.header.flags & store::flag_poss_dup) || field(fields, 43) == "Y";
    if (possdup) (in ? possdup_in : possdup_out)++;
    first_ns = std::min(first_ns, v.header.timestamp_ns);
    last_ns = std::max(last_ns, v.header.timestamp_ns);
    std::uint64_t& next = in ? e.next_in : e.next_out;
    const std::uint64_t seq = v.header.msg_seq_num;
    if (!possdup && seq > next) {
      ++gaps;
      gap_messages += seq - next;
      if (gap_examples.size() < 5)
        gap_examples.push_back(std::string(in ? "in" : "out") + " expected " + std::to_string(next) + " got " +
                               std::to_string(seq) + " (" + *v.path + ":" + std::to_string(v.offset) + ")");
    }
    if (seq >= next) next = seq + 1;
    // A SequenceReset (GapFill or Reset) accounts for every number below its
    // NewSeqNo(36): those are not missing.
    if (type == "4") {
      std::uint64_t new_seq = 0;
      if (codec::parse_uint(field(fields, 36), new_seq) && new_seq > next) next = new_seq;
    }
    // In -> out latency: an outbound reply carrying the ClOrdID(11) of an inbound
    // order, or the TestReqID(112) of an inbound TestRequest.
    const std::string key = !field(fields, 11).empty() ? "11=" + field(fields, 11)
                            : !field(fields, 112).empty() ? "112=" + field(fields, 112) : std::string();
    if (!key.empty() && !possdup) {
      if (in) {
        pending.emplace(j.dir + key, v.header.timestamp_ns);
      } else if (const auto it = pending.find(j.dir + key); it != pending.end()) {
        latencies.push_back(v.header.timestamp_ns - it->second);
        pending.erase(it);
      }
    }
    return true;
  }, &fault);
  std::printf("messages: %" PRIu64 " (in %" PRIu64 ", out %" PRIu64 ")\n", messages, in_count, out_count);
  if (messages > 0 && last_ns > first_ns) {
    const double secs = static_cast<double>(last_ns - first_ns) / 1e9;
    std::printf("span: %s .. %s (%.3f s), %.1f msg/s\n", format_time(first_ns).c_str(), format_time(last_ns).c_str(),
                secs, static_cast<double>(messages) / secs);
  }
  std::printf("by MsgType:\n  %-8s %12s %12s\n", "type", "in", "out");
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> rows;
  for (const auto& [k, n] : by_type) (k.second == "in" ? rows[k.first].first : rows[k.first].second) += n;
  for (const auto& [type, n] : rows) {
    const auto name = s.dictionary.msg_type_name(type);
    std::printf("  %-8s %12" PRIu64 " %12" PRIu64 "  %.*s\n", type.c_str(), n.first, n.second,
                static_cast<int>(name.size()), name.data());
  }
  std::printf("gaps: %" PRIu64 " (%" PRIu64 " missing MsgSeqNums)\n", gaps, gap_messages);
  for (const auto& g : gap_examples) std::printf("  %s\n", g.c_str());
  std::printf("resends: possdup in %" PRIu64 ", possdup out %" PRIu64 ", ResendRequest in %" PRIu64
              ", out %" PRIu64 ", SequenceReset in %" PRIu64 ", out %" PRIu64 "\n",
              possdup_in, possdup_out, rows["2"].first, rows["2"].second, rows["4"].first, rows["4"].second);
  if (latencies.empty()) {
    std::printf("in->out latency: no inbound/outbound pairs (matched on ClOrdID(11) or TestReqID(112))\n");
  } else {
    std::sort(latencies.begin(), latencies.end());
    auto pct = [&](double p) {
      const auto i = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(latencies.size()))) ;
      return latencies[std::min(latencies.size() - 1, i == 0 ? 0 : i - 1)];
    };
    std::printf("in->out latency (%zu pairs, ns): p50 %" PRId64 " p90 %" PRId64 " p99 %" PRId64 " p99.9 %" PRId64
                " max %" PRId64 "\n",
                latencies.size(), pct(50), pct(90), pct(99), pct(99.9), latencies.back());
  }
  return report_fault(st, fault);
}

// ---------------------------------------------------------------- verify
int cmd_verify(cli_state& s) {
  std::vector<opened> journals;
  int rc = 0;
  if (!open_all(s, journals, rc)) return rc;
  s.filter = record_filter{};
  s.filter.include_markers = true;
  std::uint64_t records = 0, inbound_gaps = 0;
  std::string first_problem;
  std::map<std::string, std::uint64_t> next_out;
  std::map<std::string, std::uint64_t> next_in;
  const store::journal_error* fault = nullptr;
  const auto st = walk(s, journals, true, "verifying", [&](const opened& j, const store::record_view& v,
                                                           const codec::message&, bool) {
    ++records;
    if (!v.is_message()) {
      if (v.payload.size() == sizeof(store::format::sequence_state)) {
        store::format::sequence_state ss;
        std::memcpy(&ss, v.payload.data(), sizeof ss);
        next_out[j.dir] = ss.next_outbound_seq;
        next_in[j.dir] = ss.next_inbound_seq;
      }
      return true;
    }
    const std::uint64_t seq = v.header.msg_seq_num;
    if (v.dir() == direction::outbound) {
      auto& next = next_out.try_emplace(j.dir, 1).first->second;
      if (seq > next || (seq < next && !(v.header.flags & store::flag_poss_dup))) {
        // Outbound numbers are ours: anything but the next one (or a PossDup
        // resend of an earlier one) means the journal lost or invented messages.
        first_problem = *v.path + ": sequence fault at offset " + std::to_string(v.offset) + ": outbound MsgSeqNum " +
                        std::to_string(seq) + ", expected " + std::to_string(next) + " (epoch " +
                        std::to_string(v.header.epoch) + ")";
        return false;
      }
      if (seq == next) ++next;
    } else {
      auto& next = next_in.try_emplace(j.dir, 1).first->second;
      if (seq > next) ++inbound_gaps;  // the peer skipped: the session asked for a resend
      if (seq >= next) next = seq + 1;
    }
    return true;
  }, &fault);
  if (st == store::read_status::corrupt || st == store::read_status::torn_tail) return report_fault(st, fault);
  if (!first_problem.empty()) return fail(first_problem, exit_bad_record);
  std::uint64_t segments = 0;
  for (const auto& j : journals) segments += j.reader.segments().size();
  std::printf("ok: %zu journal(s), %" PRIu64 " segment(s), %" PRIu64 " records, CRCs and outbound sequence verified",
              journals.size(), segments, records);
  if (inbound_gaps) std::printf(", %" PRIu64 " inbound gap(s) noted", inbound_gaps);
  std::printf("\n");
  return exit_ok;
}

// ---------------------------------------------------------------- replay
int connect_to(const std::string& target, std::string& err) {
  const auto colon = target.rfind(':');
  if (colon == std::string::npos) {
    err = "--target must be HOST:PORT, got '" + target + "'";
    return -1;
  }
  const std::string host = target.substr(0, colon), port = target.substr(colon + 1);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    err = target + ": " + ::gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = res; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(res);
  if (fd < 0) err = target + ": cannot connect: " + std::strerror(errno);
  return fd;
}

bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

int cmd_replay(cli_state& s) {
  if (s.pace != "asap" && s.pace != "recorded") return fail("--pace must be 'asap' or 'recorded'");
  if (!(s.speed > 0)) return fail("--speed must be positive");
  s.filter.include_markers = false;
  std::vector<opened> journals;
  int rc = 0;
  if (!open_all(s, journals, rc)) return rc;
  int fd = 1;
  if (!s.target.empty()) {
    std::string err;
    fd = connect_to(s.target, err);
    if (fd < 0) return fail(err);
  }
  std::int64_t first_ns = 0;
  auto start = std::chrono::steady_clock::now();
  bool broken = false;
  std::uint64_t sent = 0;
  const store::journal_error* fault = nullptr;
  const auto st = walk(s, journals, true, "replaying", [&](const opened&, const store::record_view& v,
                                                           const codec::message&, bool) {
    if (s.pace == "recorded") {
      if (sent == 0) {
        first_ns = v.header.timestamp_ns;
        start = std::chrono::steady_clock::now();
      }
      const auto due = start + std::chrono::nanoseconds(static_cast<std::int64_t>(
                                   static_cast<double>(v.header.timestamp_ns - first_ns) / s.speed));
      std::this_thread::sleep_until(due);
    }
    if (!write_all(fd, v.payload.data(), v.payload.size())) {
      broken = true;
      return false;
    }
    ++sent;
    return !(s.max_records != 0 && sent >= s.max_records);
  }, &fault);
  if (fd != 1) ::close(fd);
  if (broken) return fail(std::string("write failed: ") + std::strerror(errno));
  std::fprintf(stderr, "fixjournal: replayed %" PRIu64 " message(s)\n", sent);
  return report_fault(st, fault);
}

// ---------------------------------------------------------------- wiring
void add_paths(CLI::App* c, cli_state& s) {
  c->add_option("journal", s.paths, "Journal directory, a directory of journals, or a segment file")->required();
  c->add_option("--session", s.filter.sessions, "Only the session with this name (repeatable)");
}

void add_filters(CLI::App* c, cli_state& s) {
  c->add_option("--dir", s.dir_arg, "Only 'in' or 'out' messages");
  c->add_option("--from", s.from_arg, "First MsgSeqNum, or a time (YYYY-MM-DDTHH:MM:SS[.fff]Z, or ns since epoch)");
  c->add_option("--to", s.to_arg, "Last MsgSeqNum, or a time");
  c->add_option("--from-time", s.from_time_arg, "Records at or after this time");
  c->add_option("--to-time", s.to_time_arg, "Records at or before this time");
  c->add_option("--type", s.filter.msg_types, "Only this MsgType(35) (repeatable)");
  c->add_option("--where", s.where_args, "Only messages with TAG=VALUE (repeatable; all must hold)");
}

void add_dict(CLI::App* c, cli_state& s) {
  c->add_option("--dict", s.dict, "QuickFIX XML dictionary for tag, message and enum names")->check(CLI::ExistingFile);
  c->add_option("--transport-dict", s.transport_dict, "FIXT 1.1 transport dictionary (with --dict FIX50SP2.xml)")
      ->check(CLI::ExistingFile);
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGINT, on_signal);
  ::signal(SIGTERM, on_signal);
  CLI::App app{"fixjournal: inspect, verify and replay fixring journals.\n"
               "Exit codes: 0 fine, 1 a bad record or sequence fault, 2 cannot read a file or bad arguments."};
  app.require_subcommand(1);
  cli_state s;

  auto* ls = app.add_subcommand("ls", "Sessions, epochs, MsgSeqNum ranges, sizes and time spans");
  ls->add_option("journal", s.paths, "Journal directories or directories of journals")->required();
  ls->add_option("--session", s.filter.sessions, "Only the session with this name (repeatable)");

  auto* dump = app.add_subcommand("dump", "Print records, readable ('|' for SOH) or as JSON lines");
  add_paths(dump, s);
  add_filters(dump, s);
  add_dict(dump, s);
  dump->add_flag("--json", s.json, "One JSON object per line");
  dump->add_flag("--all", s.filter.include_markers, "Also print sequence markers, epoch starts and segment records");
  dump->add_option("--color", s.colour, "auto (on a terminal), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  dump->add_flag("--location", s.location, "Print each record's file and offset");
  dump->add_option("-n,--max", s.max_records, "Stop after this many records");

  auto* follow = app.add_subcommand("follow", "Print records as the writer commits them, like tail -f");
  add_paths(follow, s);
  add_filters(follow, s);
  add_dict(follow, s);
  follow->add_flag("--json", s.json, "One JSON object per line");
  follow->add_flag("--from-start", s.from_start, "Print what is already there first");
  follow->add_option("--color", s.colour, "auto, always or never")->check(CLI::IsMember({"auto", "always", "never"}));
  follow->add_option("--timeout-ms", s.follow_timeout_ms, "Stop after this long without Ctrl-C (0: never)");
  follow->add_option("-n,--max", s.max_records, "Stop after this many records");

  auto* stats = app.add_subcommand("stats", "Counts by MsgType and direction, rates, gaps, resends, latency");
  add_paths(stats, s);
  add_filters(stats, s);
  add_dict(stats, s);

  auto* verify = app.add_subcommand("verify", "Check every CRC and outbound sequence continuity; exit 1 naming the first bad record");
  add_paths(verify, s);

  auto* exp = app.add_subcommand("export", "Write messages as raw FIX, JSON lines or CSV");
  add_paths(exp, s);
  add_filters(exp, s);
  add_dict(exp, s);
  exp->add_option("--format", s.format, "raw, jsonl or csv")->check(CLI::IsMember({"raw", "jsonl", "csv"}));
  exp->add_option("-o,--output", s.output, "Output file (default: stdout)");

  auto* replay = app.add_subcommand("replay", "Send a range of messages to stdout or a TCP endpoint");
  add_paths(replay, s);
  add_filters(replay, s);
  replay->add_option("--target", s.target, "HOST:PORT to connect to and send to (default: stdout)");
  replay->add_option("--pace", s.pace, "asap, or recorded (the journal's timing)")
      ->check(CLI::IsMember({"asap", "recorded"}));
  replay->add_option("--speed", s.speed, "With --pace recorded: 2 plays twice as fast, 0.5 half as fast");
  replay->add_option("-n,--max", s.max_records, "Stop after this many messages");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : exit_cannot_open;
  }
  if (const auto e = prepare(s); !e.empty()) return fail(e);
  try {
    if (*ls) return cmd_ls(s);
    if (*dump) return cmd_dump(s, s.json ? output_format::json : output_format::text, true);
    if (*follow) return cmd_follow(s);
    if (*stats) return cmd_stats(s);
    if (*verify) return cmd_verify(s);
    if (*exp) {
      const output_format f = s.format == "raw" ? output_format::raw
                              : s.format == "csv" ? output_format::csv
                                                  : output_format::json;
      return cmd_dump(s, f, false);
    }
    if (*replay) return cmd_replay(s);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  return exit_cannot_open;
}
