// libFuzzer target: journal recovery from corrupted segment files.
//
// Each input writes a fresh small journal (store::session_journal, 64 KiB
// segments) in its own temporary directory, corrupts its segment files as the
// input says, and opens it again.
//
// Input layout:
//   byte 0   outbound messages written (modulo 96)
//   byte 1   inbound messages written (modulo 96)
//   byte 2   padding of each message, in 3-byte units (at most, about 3 segments)
//   byte 3   half way: bit 0 reset(), bit 1 raise the inbound number, bit 2
//            lower the outbound number, bit 3 raise it
//   then corruption operations until the input ends, each
//     u8 op % 4, u8 file (segment files in name order, modulo their count), then
//     0 flip       u32 offset, u8 xor mask
//     1 truncate   u32 new size (modulo size + 1)
//     2 append     u8 length, bytes
//     3 overwrite  u32 offset, u8 length, bytes
//
// Invariants: the reopen either fails with a journal_error (a code and a
// message) or succeeds with a state the journal really had after some prefix of
// its writes (next outbound, next inbound, epoch), find_outbound returning only
// bytes that were committed for that number in that epoch; journal_reader
// returns only records that were written; and a journal that opened takes a
// new message that a further reopen finds.
//
// The directory is under $FIXRING_FUZZ_TMP (default /dev/shm, else /tmp), one
// per process, and is removed after each input.
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "fix_text.hpp"
#include "fixring/store/journal_reader.hpp"
#include "fixring/store/session_journal.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace fixring::store;
using fixring::fuzz::check;

constexpr std::int64_t t0_ns = 1767268800LL * 1'000'000'000;

struct state {
  std::uint64_t next_out;
  std::uint64_t next_in;
  std::uint32_t epoch;
  friend bool operator==(const state&, const state&) = default;
};

// What was written: every state the journal passed through, and every payload
// by (epoch, direction, MsgSeqNum).
struct history {
  std::vector<state> states;
  std::map<std::tuple<std::uint32_t, int, std::uint64_t>, std::set<std::string>> payloads;

  void note(const session_journal& j) { states.push_back({j.next_outbound_seq(), j.next_inbound_seq(), j.epoch()}); }
  [[nodiscard]] bool had(const state& s) const { return std::find(states.begin(), states.end(), s) != states.end(); }
  [[nodiscard]] bool wrote(std::uint32_t epoch, format::direction d, std::uint64_t seq, std::string_view bytes) const {
    const auto it = payloads.find({epoch, static_cast<int>(d), seq});
    return it != payloads.end() && it->second.count(std::string(bytes)) != 0;
  }
};

// The journal directory of this process: <base>/fixring-fuzz-journal-<pid>,
// emptied before and removed after each input. An input that crashes leaves
// its directory behind; the first input of a later process removes those whose
// process is gone.
class temp_dir {
 public:
  temp_dir() : path_(base() + "/fixring-fuzz-journal-" + std::to_string(::getpid())) {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
    if (!std::filesystem::create_directory(path_, ec)) std::abort();
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  // tmpfs when there is one: the journal syncs its directory on segment creation.
  static const std::string& base() {
    static const std::string b = [] {
      const char* env = std::getenv("FIXRING_FUZZ_TMP");
      std::string dir = env && *env ? env : std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
      remove_orphans(dir);
      return dir;
    }();
    return b;
  }
  static void remove_orphans(const std::string& dir) {
    constexpr std::string_view prefix = "fixring-fuzz-journal-";
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      const std::string name = e.path().filename().string();
      if (!name.starts_with(prefix)) continue;
      const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
      if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) std::filesystem::remove_all(e.path(), ec);
    }
  }

  std::string path_;
};

journal_options options() {
  journal_options o;
  o.session_name = "FUZZ";
  o.segment_bytes = 64 * 1024;
  o.index_capacity = 4096;
  o.create = true;
  return o;
}

std::string payload(std::uint32_t epoch, char dir, std::uint64_t seq, std::size_t pad) {
  std::string m = "8=FIX.4.4|35=D|34=" + std::to_string(seq) + "|49=A|56=B|58=e" + std::to_string(epoch) + dir;
  m.append(pad, 'x');
  m += '|';
  return fixring::test::fix(m);
}

void commit_out(session_journal& j, history& h, const std::string& bytes, std::int64_t now_ns) {
  const std::uint64_t seq = j.next_outbound_seq();
  const std::span<char> slot = j.reserve_outbound(bytes.size());
  check(slot.size() >= bytes.size(), "reserve_outbound refused a small message in a fresh journal");
  std::memcpy(slot.data(), bytes.data(), bytes.size());
  check(j.commit_outbound(seq, bytes.size(), flag_none, now_ns) == store_status::ok, "commit_outbound failed");
  h.payloads[{j.epoch(), static_cast<int>(format::direction::outbound), seq}].insert(bytes);
}

void write_journal(const std::string& dir, fixring::fuzz::input_reader& in, history& h) {
  // Small enough for hundreds of inputs a second, large enough for 3 segments.
  const unsigned n_out = in.u8() % 96;
  const unsigned n_in = in.u8() % 96;
  const std::size_t pad = std::size_t{in.u8()} * 3;
  const std::uint8_t midway = in.u8();
  auto opened = session_journal::open(dir, options(), t0_ns);
  check(opened.has_value(), "creating the journal failed", opened.has_value() ? "" : opened.error().message);
  session_journal& j = opened.value();
  h.note(j);
  std::int64_t now = t0_ns;
  const unsigned total = n_out + n_in;
  for (unsigned i = 0; i < total; ++i) {
    now += 1000;
    if (i == total / 2) {
      // Each of these is a record of its own: recovery may stop after any one.
      if (midway & 1) {
        check(j.reset(now) == store_status::ok, "reset failed");
        h.note(j);
      }
      if (midway & 2) {
        check(j.set_next_inbound_seq(j.next_inbound_seq() + 5) == store_status::ok, "set inbound failed");
        h.note(j);
      }
      if (midway & 4) {
        const std::uint64_t lower = j.next_outbound_seq() > 3 ? j.next_outbound_seq() - 2 : 1;
        check(j.set_next_outbound_seq(lower) == store_status::ok, "set outbound lower failed");
        h.note(j);
      }
      if (midway & 8) {
        check(j.set_next_outbound_seq(j.next_outbound_seq() + 3) == store_status::ok, "set outbound failed");
        h.note(j);
      }
    }
    // Interleave: outbound on even steps while both remain.
    const bool out = i < 2 * std::min(n_out, n_in) ? i % 2 == 0 : n_out > n_in;
    if (out) {
      commit_out(j, h, payload(j.epoch(), 'o', j.next_outbound_seq(), pad), now);
    } else {
      const std::uint64_t seq = j.next_inbound_seq();
      const std::string bytes = payload(j.epoch(), 'i', seq, pad);
      check(j.record_inbound(seq, bytes, flag_none, now) == store_status::ok, "record_inbound failed");
      h.payloads[{j.epoch(), static_cast<int>(format::direction::inbound), seq}].insert(bytes);
    }
    h.note(j);
  }
}

std::vector<std::string> segment_files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == format::segment_suffix) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void write_all(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void corrupt(const std::string& dir, fixring::fuzz::input_reader& in) {
  const std::vector<std::string> files = segment_files(dir);
  if (files.empty()) return;
  std::vector<std::string> bytes;
  for (const auto& f : files) bytes.push_back(read_all(f));
  std::vector<bool> touched(files.size(), false);
  for (int ops = 0; !in.empty() && ops < 64; ++ops) {
    const std::uint8_t op = in.u8() % 4;
    const std::size_t k = in.u8() % files.size();
    std::string& b = bytes[k];
    touched[k] = true;
    switch (op) {
      case 0: {
        const std::uint32_t at = in.u32();
        const std::uint8_t mask = in.u8();
        if (!b.empty()) b[at % b.size()] = static_cast<char>(b[at % b.size()] ^ (mask ? mask : 1));
        break;
      }
      case 1: b.resize(in.u32() % (b.size() + 1)); break;
      case 2: b += in.bytes(in.u8()); break;
      case 3: {
        const std::uint32_t at = in.u32();
        const std::string_view run = in.bytes(in.u8());
        const std::size_t from = b.empty() ? 0 : at % b.size();
        if (from + run.size() > b.size()) b.resize(from + run.size());
        std::memcpy(b.data() + from, run.data(), run.size());
        break;
      }
    }
  }
  for (std::size_t i = 0; i < files.size(); ++i)
    if (touched[i]) write_all(files[i], bytes[i]);
}

void check_reader(const std::string& dir, const history& h) {
  auto r = journal_reader::open(dir);
  if (!r.has_value()) {
    check(r.error().code != journal_errc::ok && !r.error().message.empty(), "reader failed without a code and message");
    return;
  }
  record_view rec;
  for (int n = 0; n < 100000; ++n) {
    const read_status s = r.value().next(rec, true);
    if (s != read_status::record) {
      if (s != read_status::end) check(!r.value().fault().message.empty(), "reader fault without a message");
      return;
    }
    if (rec.is_message())
      check(h.wrote(rec.header.epoch, rec.dir(), rec.header.msg_seq_num, rec.text()),
            "journal_reader returned a message record that was never written", rec.text());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  fixring::fuzz::input_reader in(data, size);
  temp_dir dir;
  history h;
  write_journal(dir.path(), in, h);
  corrupt(dir.path(), in);

  journal_options reopen = options();
  reopen.create = false;
  std::uint64_t appended_seq = 0;
  std::string appended;
  std::uint64_t next_in = 0;
  {
    auto opened = session_journal::open(dir.path(), reopen, t0_ns + 1'000'000'000);
    if (!opened.has_value()) {
      const journal_error& e = opened.error();
      check(e.code != journal_errc::ok && !e.message.empty(), "open failed without a code and a message");
      check_reader(dir.path(), h);
      return 0;
    }
    session_journal& j = opened.value();
    const state s{j.next_outbound_seq(), j.next_inbound_seq(), j.epoch()};
    check(h.had(s), "recovered sequence numbers the journal never had",
          "next outbound " + std::to_string(s.next_out) + ", next inbound " + std::to_string(s.next_in) + ", epoch " +
              std::to_string(s.epoch) + "; last written " + std::to_string(h.states.back().next_out) + ", " +
              std::to_string(h.states.back().next_in) + ", " + std::to_string(h.states.back().epoch));
    for (std::uint64_t seq = 1; seq < s.next_out; ++seq) {
      const stored_message m = j.find_outbound(seq);
      if (m.bytes.empty()) continue;
      check(h.wrote(s.epoch, format::direction::outbound, seq, std::string_view(m.bytes.data(), m.bytes.size())),
            "find_outbound returned bytes never committed for that number",
            std::string_view(m.bytes.data(), m.bytes.size()));
    }
    // The recovered journal must take new records.
    appended_seq = s.next_out;
    appended = payload(s.epoch, 'a', appended_seq, 8);
    commit_out(j, h, appended, t0_ns + 2'000'000'000);
    next_in = j.next_inbound_seq();
  }
  check_reader(dir.path(), h);
  auto again = session_journal::open(dir.path(), reopen, t0_ns + 3'000'000'000);
  check(again.has_value(), "a recovered journal that took a record does not open again",
        again.has_value() ? "" : again.error().message);
  session_journal& j2 = again.value();
  check(j2.next_outbound_seq() == appended_seq + 1 && j2.next_inbound_seq() == next_in,
        "the record appended after recovery is lost");
  const stored_message m = j2.find_outbound(appended_seq);
  check(std::string_view(m.bytes.data(), m.bytes.size()) == appended, "find_outbound lost the appended record");
  return 0;
}
