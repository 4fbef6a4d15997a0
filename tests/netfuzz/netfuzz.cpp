// fixring-netfuzz: hostile traffic against a RUNNING fixring acceptor
// (fixring-sim --app fill), while a well-behaved session keeps trading on it.
//
//   fixring-netfuzz --port P --pid PID [--seed S] [--messages N] ...
//
// The acceptor's settings file must define these FIX.4.4 sessions, all with
// SenderCompID=--acceptor-id (run_netfuzz.sh writes it):
//   GOOD   the trader: logs on, sends a NewOrderSingle every --order-interval-ms
//          and checks that both ExecutionReports arrive within --answer-bound-ms
//   FZ1    in-session fuzzing: logs on, then sends classes of bad messages
//   FZPRE  first-message fuzzing: every attempt on a fresh connection
//   GAPQ   FixringMaxQueuedMessages=--gap-queue-limit: the gap-queue bound
//   GAPB   FixringMaxQueuedBytes=--gap-queue-bytes: the same bound in bytes
//   GAPL   FixringMaxQueuedMessages=--gap-queue-limit, FixringQueueFull=logout
//   SILENT logs on with HeartBtInt=1 and goes quiet: TestRequest, then disconnect
//
// Attribution. Each fuzz message on FZ1 is preceded by a SequenceReset-Reset
// (35=4, no 123) whose NewSeqNo is the message's own slot, so every message
// arrives at the expected MsgSeqNum whatever became of the one before (a
// Reset is never sequence-checked and, when NewSeqNo equals the expected
// number, answers nothing). A batch of one class ends with a probe (a Reset,
// then a TestRequest with a unique TestReqID): whatever the acceptor sends
// before the Heartbeat echoing that id is its answer to the batch (up to four
// batches are in flight; answers come back in order). Classes that
// end the session (seq too low, wrong CompID, ...) are sent one at a time and
// then followed to their Logout and disconnect; FZ1 logs on again.
//
// Checks (any failure: exit 1, with the reason printed):
//   - each class got only answers the session core can give for it
//     (engine/README.md, "Bad input: what fixring answers");
//   - every probe is answered, every first-message attempt is closed;
//   - the trader never lost its connection and every order was answered in bound;
//   - VmRSS of --pid stayed under --rss-limit-mb and RssAnon under
//     --anon-limit-mb (sampled every 20 ms; the journals' mapped segments
//     count in VmRSS only);
//   - the pending-connection bound (min(--max-pending, --max-connections - 1)
//     open at once, the rest closed at once) and the pending timeout;
//   - the gap queue holds --gap-queue-limit messages (or --gap-queue-bytes),
//     drops the rest and asks for them again; with FixringQueueFull=logout
//     it logs out instead;
//   - at the end the acceptor is alive and a fresh Logon is answered.
// Prints what was sent by class and what the acceptor answered (Rejects by
// SessionRejectReason, Logouts by Text, disconnects, silent batches).
// Exit: 0 all checks passed, 1 a check failed; CLI11's codes for bad usage.
//
// Deterministic: every choice comes from a splitmix64 stream seeded by --seed
// (timing, and so the exact TCP segmentation the acceptor sees, is not).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "fixring/codec/frame.hpp"
#include "fixring/codec/message.hpp"

namespace {

using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  int pid = 0;
  std::uint64_t seed = 1;
  std::uint64_t messages = 100'000;
  std::string acceptor_id = "FUZZACC";
  int order_interval_ms = 3;
  int answer_bound_ms = 2000;
  int probe_timeout_ms = 5000;
  std::uint64_t rss_limit_mb = 512;   // VmRSS: the journals' mapped segments count here
  std::uint64_t anon_limit_mb = 64;   // RssAnon: the heap, buffers and queues
  std::uint32_t max_pending = 64;
  std::uint32_t max_connections = 64;
  int pending_timeout_ms = 10'000;
  std::uint32_t max_message_bytes = 65'536;
  std::uint32_t gap_queue_limit = 20;     // GAPQ's and GAPL's FixringMaxQueuedMessages
  std::uint32_t gap_queue_bytes = 8192;   // GAPB's FixringMaxQueuedBytes
  bool validating = false;  // the acceptor validates against a FIX.4.4 dictionary
};

// ---- small helpers --------------------------------------------------------

struct rng {
  std::uint64_t s;
  std::uint64_t next() noexcept {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) noexcept { return n == 0 ? 0 : next() % n; }
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi) noexcept { return lo + below(hi - lo + 1); }
};

std::string utc_now(std::int64_t offset_s = 0) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const std::int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(now).count() + offset_s * 1000;
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d-%02d:%02d:%02d.%03d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

// "8=<bs><SOH>9=<len><SOH><body>10=<sum><SOH>", body given with SOH separators
// (it ends with an SOH). checksum_delta skews the CheckSum value.
std::string frame_fix(std::string_view begin_string, std::string_view body, int checksum_delta = 0) {
  std::string out = "8=";
  out += begin_string;
  out += '\x01';
  out += "9=" + std::to_string(body.size()) + '\x01';
  out += body;
  unsigned sum = 0;
  for (unsigned char c : out) sum += c;
  char cks[12];
  std::snprintf(cks, sizeof cks, "10=%03u\x01", (sum + static_cast<unsigned>(checksum_delta + 256)) % 256);
  return out + cks;
}

// Body text from "35=D|34=2|..." ('|' for SOH).
std::string soh(std::string_view readable) {
  std::string s(readable);
  for (char& c : s)
    if (c == '|') c = '\x01';
  return s;
}

std::string header(std::string_view type, std::uint64_t seq, std::string_view sender, std::string_view target,
                   std::string_view sending_time = {}) {
  return "35=" + std::string(type) + "\x01" "34=" + std::to_string(seq) + "\x01" "49=" + std::string(sender) +
         "\x01" "52=" + (sending_time.empty() ? utc_now() : std::string(sending_time)) + "\x01" "56=" +
         std::string(target) + "\x01";
}

std::uint64_t rss_kb(int pid, const char* key) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  const std::size_t klen = std::strlen(key);
  while (std::getline(f, line)) {
    if (line.compare(0, klen, key) == 0) return std::strtoull(line.c_str() + klen, nullptr, 10);
  }
  return 0;
}

bool process_alive(int pid) { return ::kill(pid, 0) == 0; }

// ---- one FIX connection ---------------------------------------------------

class fix_conn {
 public:
  enum class rd { message, closed, timeout };

  fix_conn() = default;
  fix_conn(const fix_conn&) = delete;
  fix_conn& operator=(const fix_conn&) = delete;
  fix_conn(fix_conn&& o) noexcept : fd_(o.fd_), rx_(std::move(o.rx_)), peer_closed_(o.peer_closed_) { o.fd_ = -1; }
  ~fix_conn() { abort(); }

  bool open(const std::string& host, std::uint16_t port) {
    abort();
    rx_.clear();
    peer_closed_ = false;
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return false;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    if (::inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1) return false;
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
      abort();
      return false;
    }
    const int one = 1;
    (void)::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    (void)::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
    return true;
  }

  // Closes with RST (SO_LINGER 0): no TIME_WAIT on our side, and the abrupt
  // end a crashing peer gives.
  void abort() {
    if (fd_ < 0) return;
    const linger l{1, 0};
    (void)::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd_);
    fd_ = -1;
  }

  [[nodiscard]] bool is_open() const { return fd_ >= 0; }
  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] bool peer_closed() const { return peer_closed_; }

  // False when the peer is gone.
  bool send_all(std::string_view bytes, int timeout_ms = 10'000) {
    const auto deadline = steady::now() + std::chrono::milliseconds(timeout_ms);
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n > 0) {
        bytes.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        peer_closed_ = true;
        return false;
      }
      // While blocked on send, keep reading so a peer that answers every
      // message is never stuck behind our full receive buffer.
      if (!pump(5)) return false;
      if (steady::now() > deadline) return false;
    }
    return true;
  }

  // Next complete FIX message from the peer, waiting up to timeout_ms.
  rd read_message(int timeout_ms, std::string& out) {
    const auto deadline = steady::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      if (take_message(out)) return rd::message;
      if (peer_closed_) return rd::closed;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()).count();
      // Read what is there even when the wait is used up, so a short
      // timeout still sees bytes that have arrived.
      if (!pump(static_cast<int>(std::max<long>(left, 0)))) return take_message(out) ? rd::message : rd::closed;
      if (left <= 0) return take_message(out) ? rd::message : rd::timeout;
    }
  }

  // Waits for the peer to close, discarding bytes; false on timeout. Bytes
  // that arrived meanwhile are counted in *bytes_seen.
  bool wait_closed(int timeout_ms, std::size_t* bytes_seen = nullptr) {
    const auto deadline = steady::now() + std::chrono::milliseconds(timeout_ms);
    while (!peer_closed_) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()).count();
      (void)pump(static_cast<int>(std::max<long>(left, 0)));
      if (left <= 0 && !peer_closed_) return false;
    }
    if (bytes_seen) *bytes_seen = rx_.size();
    return true;
  }

  // Non-blocking: has the peer closed (EOF or RST) by now?
  bool closed_now() {
    if (fd_ < 0) return true;
    (void)pump(0);
    return peer_closed_;
  }

 private:
  // Reads what is there (waiting up to wait_ms for something). False when the
  // peer closed.
  bool pump(int wait_ms) {
    if (peer_closed_) return false;
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, wait_ms);
    if (r <= 0) return true;
    char buf[65536];
    for (;;) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        rx_.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        peer_closed_ = true;
        return false;
      }
      return true;
    }
  }

  bool take_message(std::string& out) {
    while (!rx_.empty()) {
      const fixring::codec::frame_result f = fixring::codec::frame(rx_.data(), rx_.size());
      if (f.status == fixring::codec::frame_status::incomplete) return false;
      if (f.status == fixring::codec::frame_status::invalid) {
        ++garbled_from_peer;
        rx_.erase(0, f.size_bytes);
        continue;
      }
      out.assign(rx_.data(), f.size_bytes);
      rx_.erase(0, f.size_bytes);
      return true;
    }
    return false;
  }

  int fd_ = -1;
  std::string rx_;
  bool peer_closed_ = false;

 public:
  std::uint64_t garbled_from_peer = 0;  // the acceptor must never send these
};

// A parsed answer from the acceptor.
struct answer {
  std::string type;
  std::uint64_t seq = 0;
  std::string text;       // 58
  std::string test_req;   // 112
  std::int64_t reject_reason = -1;  // 373
  std::int64_t ref_tag = -1;        // 371
  std::int64_t business_reason = -1;  // 380
  std::uint64_t begin_seq = 0;        // 7 (ResendRequest)
  std::string cl_ord_id;              // 11
  std::string exec_type;              // 150
};

bool parse_answer(const std::string& bytes, answer& a) {
  fixring::codec::message m;
  if (m.parse(bytes) != fixring::codec::parse_error::none) return false;
  a.type = std::string(m.msg_type());
  (void)m.get_uint(34, a.seq);
  a.text = std::string(m.get_or(58));
  a.test_req = std::string(m.get_or(112));
  std::uint64_t v = 0;
  if (m.get_uint(373, v)) a.reject_reason = static_cast<std::int64_t>(v);
  std::int64_t t = 0;
  if (m.get_int(371, t)) a.ref_tag = t;
  if (m.get_uint(380, v)) a.business_reason = static_cast<std::int64_t>(v);
  (void)m.get_uint(7, a.begin_seq);
  a.cl_ord_id = std::string(m.get_or(11));
  a.exec_type = std::string(m.get_or(150));
  return true;
}

// ---- what the acceptor answered, per class --------------------------------

struct tally {
  std::uint64_t sent = 0;  // fuzz messages of this class
  std::map<std::int64_t, std::uint64_t> rejects;  // SessionRejectReason -> count
  std::map<std::string, std::uint64_t> logouts;   // Text -> count
  std::uint64_t business_rejects = 0;
  std::uint64_t resend_requests = 0;
  std::uint64_t exec_reports = 0;
  std::uint64_t disconnects = 0;  // the acceptor closed the connection
  std::uint64_t silent = 0;       // batches (or attempts) that got no answer at all
  std::uint64_t logons = 0;  // Logon answers (pre_slow_logon)
  std::uint64_t other = 0;
  std::uint64_t violations = 0;   // answers this class must never get
};

std::string reject_key(std::int64_t r) { return r < 0 ? std::string("?") : std::to_string(r); }

// ---- the fuzz classes -----------------------------------------------------

enum class cls : int {
  // In-session on FZ1, batched, answered before the probe.
  garbage, long_begin_string, bad_body_length, huge_body_length, bad_checksum, body_length_mismatch, missing_soh,
  embedded_nul, unknown_msg_type, unsupported_app_msg, possdup_no_orig_time, possdup_duplicate, seq_too_high,
  enormous_group, huge_value, oversized, split_random, slow_bytes, valid_order, bad_fields, admin_missing_field,
  missing_sending_time,
  // In-session on FZ1, one at a time: they end the session.
  seq_too_low, wrong_comp_id, wrong_begin_string, sending_time_off, logon_while_logged_on, orig_time_after_sending,
  abrupt_close,
  // First message on a fresh connection.
  pre_garbage, pre_unknown_comp_id, pre_wrong_begin_string, pre_not_logon, pre_bad_checksum, pre_duplicate_logon,
  pre_partial_close, pre_oversized, pre_bad_body_length, pre_slow_logon,
  count_
};

constexpr std::array<const char*, static_cast<std::size_t>(cls::count_)> cls_names = {
    "garbage", "long_begin_string", "bad_body_length", "huge_body_length", "bad_checksum", "body_length_mismatch",
    "missing_soh", "embedded_nul", "unknown_msg_type", "unsupported_app_msg", "possdup_no_orig_time",
    "possdup_duplicate", "seq_too_high", "enormous_group", "huge_value", "oversized", "split_random", "slow_bytes",
    "valid_order", "bad_fields", "admin_missing_field", "missing_sending_time",
    "seq_too_low", "wrong_comp_id", "wrong_begin_string", "sending_time_off", "logon_while_logged_on",
    "orig_time_after_sending",
    "abrupt_close",
    "pre_garbage", "pre_unknown_comp_id", "pre_wrong_begin_string", "pre_not_logon", "pre_bad_checksum",
    "pre_duplicate_logon", "pre_partial_close", "pre_oversized", "pre_bad_body_length", "pre_slow_logon"};

constexpr bool is_terminal(cls c) {
  return c >= cls::seq_too_low && c <= cls::abrupt_close;
}
constexpr bool is_pre_logon(cls c) { return c >= cls::pre_garbage; }

// What each in-session class may be answered with (besides nothing).
struct allowed {
  bool silent_ok = false;           // a batch with no answer at all
  std::vector<std::int64_t> rejects;  // allowed SessionRejectReasons; {-2}: any
  bool business_reject = false;
  bool resend_request = false;
  bool exec_reports = false;
  bool must_answer_each_order = false;  // exactly 2 ExecutionReports per message
};

// From session.hpp (the session core's own checks) and, with a dictionary,
// validate.hpp; without one, a message the session core accepts reaches the
// fill application, which answers a NewOrderSingle with two
// ExecutionReports and anything else with BusinessMessageReject 380=3.
allowed allowed_for(cls c, bool validating) {
  allowed a;
  switch (c) {
    case cls::garbage: case cls::long_begin_string: case cls::bad_body_length: case cls::huge_body_length:
    case cls::bad_checksum: case cls::body_length_mismatch: case cls::possdup_duplicate:
      a.silent_ok = true;
      break;
    case cls::oversized:  // valid but beyond FixringMaxMessageBytes, at the expected number: Reject(99), never silent
      a.rejects = {99};
      break;
    case cls::missing_soh:
      // Two body fields merged into one value: the dictionary reports the
      // lost field or the bad value; a free-text value that swallowed an
      // optional field (11=X<SOH-less>21=1) is an acceptable order.
      if (validating) a.rejects = {-2};
      a.exec_reports = true;
      break;
    case cls::embedded_nul:  // NUL in a tag: garbled (silent); in MsgType: 11; in a text value: accepted
      a.silent_ok = true;
      a.rejects = {11};
      a.exec_reports = true;
      break;
    case cls::unknown_msg_type:  // not of the FIX form: 11; well-formed but unknown: 11 or the application's j
      a.rejects = {11};
      a.business_reject = !validating;
      break;
    case cls::unsupported_app_msg: a.business_reject = true; break;
    case cls::possdup_no_orig_time: a.rejects = {1}; break;
    case cls::seq_too_high: a.resend_request = true; a.silent_ok = true; break;
    case cls::enormous_group:  // over the field index (512 fields) or the size limit: Reject(99) in sequence
      a.silent_ok = true;
      if (validating) {
        a.rejects = {16, 15, 99};
      } else {
        a.rejects = {99};
        a.exec_reports = true;
      }
      break;
    case cls::huge_value:
      a.exec_reports = true;
      if (validating) a.rejects = {6, 5};
      break;
    case cls::split_random: case cls::slow_bytes: case cls::valid_order:
      a.exec_reports = true;
      a.must_answer_each_order = true;
      break;
    case cls::admin_missing_field: a.rejects = {1, 5}; break;
    case cls::missing_sending_time: a.rejects = {1}; break;
    case cls::bad_fields:
      if (validating) {
        a.rejects = {0, 1, 4, 6, 13};
      } else {
        a.exec_reports = true;
        a.silent_ok = true;
      }
      break;
    default: break;
  }
  return a;
}

// ---- the trader (well-behaved session) -------------------------------------

struct trader_result {
  std::uint64_t orders = 0;
  std::uint64_t exec_reports = 0;
  std::uint64_t late_or_missing = 0;
  std::uint64_t seq_gaps = 0;
  std::int64_t max_answer_us = 0;
  bool disconnected = false;
  bool logon_ok = false;
  bool logout_ok = false;
  std::string error;
};

class trader {
 public:
  trader(const options& o) : o_(o) {}

  bool logon() {
    if (!c_.open(o_.host, o_.port)) return fail("trader: connect failed");
    const std::string logon = frame_fix("FIX.4.4", header("A", 1, "GOOD", o_.acceptor_id) + soh("98=0|108=30|141=Y|"));
    if (!c_.send_all(logon)) return fail("trader: Logon not sent");
    std::string msg;
    answer a;
    if (c_.read_message(5000, msg) != fix_conn::rd::message || !parse_answer(msg, a) || a.type != "A")
      return fail("trader: no Logon answer");
    next_in_ = a.seq + 1;
    res_.logon_ok = true;
    return true;
  }

  void run(const std::atomic<bool>& stop) {
    std::uint64_t seq = 2;
    auto next_order = steady::now();
    std::map<std::uint64_t, std::pair<steady::time_point, int>> open;  // order id -> (sent, answers)
    std::string msg;
    while (!stop.load(std::memory_order_relaxed)) {
      const auto now = steady::now();
      if (now >= next_order) {
        const std::uint64_t id = ++res_.orders;
        const std::string body = header("D", seq++, "GOOD", o_.acceptor_id) + "11=T" + std::to_string(id) +
                                 soh("|21=1|38=100|40=2|44=10.5|54=1|55=IBM|60=") + utc_now() + "\x01";
        if (!c_.send_all(frame_fix("FIX.4.4", body))) {
          res_.disconnected = true;
          res_.error = "trader: send failed (connection lost)";
          return;
        }
        open[id] = {now, 0};
        next_order = now + std::chrono::milliseconds(o_.order_interval_ms);
      }
      const auto r = c_.read_message(1, msg);
      if (r == fix_conn::rd::closed) {
        res_.disconnected = true;
        res_.error = "trader: the acceptor closed the connection";
        return;
      }
      if (r == fix_conn::rd::message) {
        answer a;
        if (!parse_answer(msg, a)) continue;
        if (a.seq != next_in_) ++res_.seq_gaps;
        next_in_ = a.seq + 1;
        if (a.type == "8") {
          ++res_.exec_reports;
          const std::uint64_t id = std::strtoull(a.cl_ord_id.c_str() + 1, nullptr, 10);
          auto it = open.find(id);
          if (it != open.end()) {
            const auto us =
                std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - it->second.first).count();
            res_.max_answer_us = std::max<std::int64_t>(res_.max_answer_us, us);
            if (++it->second.second == 2) open.erase(it);
          }
        } else if (a.type == "1") {
          (void)c_.send_all(frame_fix("FIX.4.4", header("0", seq++, "GOOD", o_.acceptor_id) + "112=" + a.test_req + "\x01"));
        } else if (a.type != "0") {
          res_.error = "trader: unexpected message type " + a.type + " text '" + a.text + "'";
          ++res_.late_or_missing;
        }
      }
      const auto bound = std::chrono::milliseconds(o_.answer_bound_ms);
      for (auto it = open.begin(); it != open.end();) {
        if (steady::now() - it->second.first > bound) {
          ++res_.late_or_missing;
          it = open.erase(it);
        } else {
          ++it;
        }
      }
    }
    // Wait for the last answers, then log out.
    const auto until = steady::now() + std::chrono::milliseconds(o_.answer_bound_ms);
    while (!open.empty() && steady::now() < until) {
      if (c_.read_message(10, msg) != fix_conn::rd::message) continue;
      answer a;
      if (!parse_answer(msg, a) || a.type != "8") continue;
      ++res_.exec_reports;
      const std::uint64_t id = std::strtoull(a.cl_ord_id.c_str() + 1, nullptr, 10);
      auto it = open.find(id);
      if (it != open.end() && ++it->second.second == 2) open.erase(it);
    }
    res_.late_or_missing += open.size();
    (void)c_.send_all(frame_fix("FIX.4.4", header("5", seq++, "GOOD", o_.acceptor_id)));
    const auto end = steady::now() + 5s;
    while (steady::now() < end) {
      if (c_.read_message(100, msg) != fix_conn::rd::message) {
        if (c_.peer_closed()) break;
        continue;
      }
      answer a;
      if (parse_answer(msg, a) && a.type == "5") res_.logout_ok = true;
    }
  }

  [[nodiscard]] const trader_result& result() const { return res_; }

 private:
  bool fail(std::string why) {
    res_.error = std::move(why);
    return false;
  }
  const options& o_;
  fix_conn c_;
  trader_result res_;
  std::uint64_t next_in_ = 1;
};

// ---- the fuzzer ------------------------------------------------------------

class fuzzer {
 public:
  explicit fuzzer(const options& o) : o_(o), r_{o.seed} { tallies_.resize(static_cast<std::size_t>(cls::count_)); }

  // The main loop: batches of one class until `messages` fuzz messages went out.
  bool run() {
    if (!logon_fz1()) return false;
    std::uint64_t batch_no = 0;
    while (sent_total_ < o_.messages) {
      ++batch_no;
      cls c;
      if (batch_no % 400 == 0) {
        c = cls::slow_bytes;
      } else if (batch_no % 500 == 250) {
        c = cls::pre_slow_logon;
      } else {
        c = pick_class();
      }
      if (is_terminal(c) && !drain()) return false;
      bool ok = true;
      if (is_pre_logon(c)) {
        ok = run_pre_logon(c);
      } else if (is_terminal(c)) {
        ok = run_terminal(c);
      } else {
        ok = run_batch(c);
      }
      if (!ok) return false;
      if (!process_alive(o_.pid)) return fail("the acceptor process is gone");
    }
    return drain();
  }

  // Ends FZ1's connection with a Logout.
  void finish() {
    if (!fz1_.is_open()) return;
    (void)fz1_.send_all(frame_fix("FIX.4.4", header("5", slot_++, "FZ1", o_.acceptor_id)));
    std::string msg;
    (void)fz1_.read_message(1000, msg);
    fz1_.abort();
  }

  void print_summary() const {
    std::printf("\n%-24s %9s  %s\n", "class", "sent",
                "answers: messages by type (Reject by SessionRejectReason, Logout by Text), disconnects, "
                "silent = batches (or connections) that got no answer");
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < tallies_.size(); ++i) {
      const tally& t = tallies_[i];
      if (t.sent == 0) continue;
      total += t.sent;
      std::string s;
      for (const auto& [r, n] : t.rejects) s += "Reject(" + reject_key(r) + ")x" + std::to_string(n) + " ";
      for (const auto& [text, n] : t.logouts) s += "Logout('" + text + "')x" + std::to_string(n) + " ";
      if (t.business_rejects) s += "BusinessReject(j)x" + std::to_string(t.business_rejects) + " ";
      if (t.resend_requests) s += "ResendRequest(2)x" + std::to_string(t.resend_requests) + " ";
      if (t.exec_reports) s += "ExecutionReport(8)x" + std::to_string(t.exec_reports) + " ";
      if (t.disconnects) s += "disconnect x" + std::to_string(t.disconnects) + " ";
      if (t.silent) s += "silent x" + std::to_string(t.silent) + " ";
      if (t.logons) s += "Logon(A)x" + std::to_string(t.logons) + " ";
      if (t.other) s += "other x" + std::to_string(t.other) + " ";
      if (t.violations) s += "VIOLATIONS x" + std::to_string(t.violations);
      std::printf("%-24s %9llu  %s\n", cls_names[i], static_cast<unsigned long long>(t.sent), s.c_str());
    }
    std::printf("fuzz messages sent: %llu (plus %llu probes, %llu sequence resets, %llu logons); connections: %llu; "
                "FZ1 Logons refused while its previous connection was still registered: %llu\n",
                static_cast<unsigned long long>(total), static_cast<unsigned long long>(probes_),
                static_cast<unsigned long long>(resets_), static_cast<unsigned long long>(logons_),
                static_cast<unsigned long long>(connections_), static_cast<unsigned long long>(logon_retries_));
  }

  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] std::uint64_t sent_total() const { return sent_total_; }
  [[nodiscard]] std::uint64_t violations() const {
    std::uint64_t v = 0;
    for (const tally& t : tallies_) v += t.violations;
    return v;
  }

 private:
  bool fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return false;
  }
  tally& t(cls c) { return tallies_[static_cast<std::size_t>(c)]; }

  cls pick_class() {
    // Weights: the cheap in-session classes most, the costly ones rarely.
    struct w { cls c; unsigned weight; };
    static constexpr w table[] = {
        {cls::garbage, 10}, {cls::long_begin_string, 5}, {cls::bad_body_length, 8}, {cls::huge_body_length, 5},
        {cls::bad_checksum, 8}, {cls::body_length_mismatch, 8}, {cls::missing_soh, 8}, {cls::embedded_nul, 6},
        {cls::unknown_msg_type, 6}, {cls::unsupported_app_msg, 5}, {cls::possdup_no_orig_time, 5},
        {cls::possdup_duplicate, 5}, {cls::seq_too_high, 6}, {cls::enormous_group, 3}, {cls::huge_value, 2},
        {cls::oversized, 1}, {cls::split_random, 5}, {cls::valid_order, 4}, {cls::bad_fields, 8},
        {cls::admin_missing_field, 4}, {cls::missing_sending_time, 3}, {cls::orig_time_after_sending, 1},
        {cls::seq_too_low, 1}, {cls::wrong_comp_id, 1}, {cls::wrong_begin_string, 1}, {cls::sending_time_off, 1},
        {cls::logon_while_logged_on, 1}, {cls::abrupt_close, 1},
        {cls::pre_garbage, 1}, {cls::pre_unknown_comp_id, 1}, {cls::pre_wrong_begin_string, 1},
        {cls::pre_not_logon, 1}, {cls::pre_bad_checksum, 1}, {cls::pre_duplicate_logon, 1},
        {cls::pre_partial_close, 1}, {cls::pre_oversized, 1}, {cls::pre_bad_body_length, 1},
    };
    unsigned sum = 0;
    for (const w& x : table) sum += x.weight;
    unsigned pick = static_cast<unsigned>(r_.below(sum));
    for (const w& x : table) {
      if (pick < x.weight) return x.c;
      pick -= x.weight;
    }
    return cls::garbage;
  }

  // ---- FZ1 session plumbing ----

  // After we cut a connection (abrupt_close) the acceptor may route our next
  // Logon before it has seen the old connection end; a session keeps its one
  // connection, so that Logon is closed unanswered. Try again, a few times.
  bool logon_fz1() {
    for (int attempt = 0; attempt < 20; ++attempt) {
      if (attempt > 0) {
        ++logon_retries_;
        std::this_thread::sleep_for(std::chrono::milliseconds(5 * attempt));
      }
      ++connections_;
      if (!fz1_.open(o_.host, o_.port)) return fail("FZ1: connect failed");
      ++logons_;
      if (!fz1_.send_all(frame_fix("FIX.4.4", header("A", 1, "FZ1", o_.acceptor_id) + soh("98=0|108=30|141=Y|"))))
        continue;
      std::string msg;
      answer a;
      const auto r = fz1_.read_message(o_.probe_timeout_ms, msg);
      if (r == fix_conn::rd::closed) continue;
      if (r != fix_conn::rd::message || !parse_answer(msg, a) || a.type != "A") break;
      slot_ = 2;
      return true;
    }
    return fail("FZ1: no Logon answer (fresh Logon after " + std::to_string(connections_) + " connections)");
  }

  // SequenceReset-Reset making `seq` the expected number.
  std::string reset_to(std::uint64_t seq) {
    ++resets_;
    return frame_fix("FIX.4.4", header("4", seq, "FZ1", o_.acceptor_id) + "36=" + std::to_string(seq) + "\x01");
  }

  std::string order_body(std::uint64_t seq, std::string_view cl_ord_id, std::string_view extra = {}) {
    return header("D", seq, "FZ1", o_.acceptor_id) + "11=" + std::string(cl_ord_id) +
           soh("|21=1|38=100|40=2|44=10.5|54=1|55=IBM|60=") + utc_now() + "\x01" + std::string(extra);
  }
  std::string order(std::uint64_t seq) {
    return frame_fix("FIX.4.4", order_body(seq, "F" + std::to_string(seq)));
  }

  std::string random_bytes(std::size_t n, bool with_nul) {
    std::string s(n, '\0');
    for (char& c : s) {
      c = static_cast<char>(r_.below(256));
      if (!with_nul && c == '\0') c = 'x';
    }
    // Never "<SOH>8" inside: the acceptor resynchronises on "<SOH>8=" and
    // would read our garbage as the start of a message.
    for (std::size_t i = 1; i < s.size(); ++i)
      if (s[i - 1] == '\x01' && s[i] == '8') s[i] = '7';
    if (!s.empty() && s[0] == '8') s[0] = '7';
    s += '\x01';  // the next message starts after an SOH, as on any stream
    return s;
  }

  // One fuzz message of class c at MsgSeqNum `seq`; `filler` gets bytes that
  // must follow it (body_length_mismatch), `orders` counts messages that must
  // each be answered with two ExecutionReports.
  std::string make(cls c, std::uint64_t seq, int& orders) {
    switch (c) {
      case cls::garbage: return random_bytes(r_.between(1, 300), true);
      case cls::long_begin_string:
        return frame_fix("FIX.4.4" + std::string(r_.between(10, 40), 'X'),
                         header("0", seq, "FZ1", o_.acceptor_id));
      case cls::bad_body_length: {
        static constexpr const char* bad[] = {"abc", "-12", "0", "1234567890", "", "12a", "+5", " 5", "0x10"};
        return "8=FIX.4.4\x01" "9=" + std::string(bad[r_.below(std::size(bad))]) + "\x01" +
               header("0", seq, "FZ1", o_.acceptor_id) + "10=000\x01";
      }
      case cls::huge_body_length:
        return "8=FIX.4.4\x01" "9=" + std::to_string(r_.between(o_.max_message_bytes, 999'999'999)) + "\x01" +
               header("0", seq, "FZ1", o_.acceptor_id) + "10=000\x01";
      case cls::bad_checksum: {
        std::string m = frame_fix("FIX.4.4", header("0", seq, "FZ1", o_.acceptor_id), static_cast<int>(r_.between(1, 255)));
        if (r_.below(3) == 0) {  // not three digits
          static constexpr const char* bad[] = {"AB", "1234", "", "-01", "9x9"};
          m.erase(m.size() - 4);
          m += std::string(bad[r_.below(std::size(bad))]) + "\x01";
        }
        return m;
      }
      case cls::body_length_mismatch: {
        std::string m = order(seq);
        const std::size_t p = m.find('\x01', 2) + 1;  // "9=" starts here
        const std::size_t e = m.find('\x01', p);
        const long len = std::stol(m.substr(p + 2, e - p - 2));
        const long delta = r_.below(2) == 0 ? -static_cast<long>(r_.between(1, 20)) : static_cast<long>(r_.between(1, 200));
        m.replace(p + 2, e - p - 2, std::to_string(std::max(1L, len + delta)));
        // Too long: the acceptor reads past our end to the first "<SOH>10=...<SOH>"
        // at or after the declared end; give it one, so the next message survives.
        if (delta > 0) m += std::string(static_cast<std::size_t>(delta) + 8, 'Z') + "\x01" "10=000\x01";
        return m;
      }
      case cls::missing_soh: {
        std::string m = order(seq);
        // An SOH between two body fields (after the standard header), not the
        // ones framing needs.
        const std::size_t from = m.find('\x01', m.find("\x01" "56=") + 1) + 1;
        std::vector<std::size_t> sohs;
        for (std::size_t i = m.find('\x01', from); i != std::string::npos && i + 8 < m.size(); i = m.find('\x01', i + 1))
          if (m.compare(i + 1, 3, "10=") != 0) sohs.push_back(i);
        const std::size_t at = sohs[r_.below(sohs.size())];
        if (r_.below(2) == 0) {
          m[at] = '|';
        } else {
          m.erase(at, 1);
        }
        // Rewrite 9 and 10 so only the missing SOH is wrong.
        const std::size_t body_at = m.find("35=");
        return frame_fix("FIX.4.4", std::string_view(m).substr(body_at, m.find("\x01" "10=", m.size() - 9) + 1 - body_at));
      }
      case cls::embedded_nul: {
        switch (r_.below(3)) {
          case 0: return frame_fix("FIX.4.4", header("0", seq, "FZ1", o_.acceptor_id) + std::string("5\0" "8=x\x01", 6));
          case 1: return frame_fix("FIX.4.4", std::string("35=D\0" "\x01", 6) + header("D", seq, "FZ1", o_.acceptor_id).substr(5));
          default:
            ++orders;
            return frame_fix("FIX.4.4", order_body(seq, "N" + std::to_string(seq), std::string("58=a\0b\0c\x01", 9)));
        }
      }
      case cls::unknown_msg_type: {
        static constexpr const char* types[] = {"ZZ", "#", "D!", "A B", "zz9", "!"};
        return frame_fix("FIX.4.4", header(types[r_.below(std::size(types))], seq, "FZ1", o_.acceptor_id));
      }
      case cls::unsupported_app_msg:
        return frame_fix("FIX.4.4", header("F", seq, "FZ1", o_.acceptor_id) + "11=C" + std::to_string(seq) +
                                        soh("|41=F1|54=1|55=IBM|60=") + utc_now() + "\x01");
      case cls::possdup_no_orig_time: {
        // PossDupFlag=Y at the expected number, no OrigSendingTime(122).
        const std::string h = header("D", seq, "FZ1", o_.acceptor_id);
        return frame_fix("FIX.4.4", h + "43=Y\x01" + order_body(seq, "P" + std::to_string(seq)).substr(h.size()));
      }
      case cls::possdup_duplicate: {
        // A copy of a number already consumed (the previous slot), PossDupFlag=Y
        // with OrigSendingTime: dropped as a duplicate.
        const std::string h = header("D", seq - 1, "FZ1", o_.acceptor_id);
        return frame_fix("FIX.4.4", h + "43=Y\x01" "122=" + utc_now(-1) + "\x01" +
                                        order_body(seq - 1, "Q" + std::to_string(seq)).substr(h.size()));
      }
      case cls::seq_too_high: return order(seq + 2);
      case cls::enormous_group: {
        const std::uint64_t n = r_.below(2) == 0 ? r_.between(200, 5000) : r_.between(1, 150);
        const std::uint64_t declared = n > 150 ? n : n + r_.between(1, 1'000'000);
        std::string g = "453=" + std::to_string(declared) + "\x01";
        for (std::uint64_t i = 0; i < n; ++i) g += "448=P" + std::to_string(i) + "\x01" "447=D\x01" "452=1\x01";
        return frame_fix("FIX.4.4", order_body(seq, "G" + std::to_string(seq), g));
      }
      case cls::huge_value: {
        switch (r_.below(3)) {
          case 0:
            ++orders;
            return frame_fix("FIX.4.4", order_body(seq, "H" + std::to_string(seq),
                                                   "58=" + std::string(r_.between(1000, o_.max_message_bytes / 2), 'x') + "\x01"));
          case 1:
            ++orders;
            return frame_fix("FIX.4.4", order_body(seq, "L" + std::string(r_.between(100, o_.max_message_bytes / 4), '9')));
          default: {
            std::string b = order_body(seq, "V" + std::to_string(seq));
            const std::size_t q = b.find("38=100");
            b.replace(q, 6, "38=" + std::string(r_.between(30, 400), '9'));
            return frame_fix("FIX.4.4", b);
          }
        }
      }
      case cls::oversized:
        return frame_fix("FIX.4.4", order_body(seq, "O" + std::to_string(seq),
                                               "58=" + std::string(r_.between(o_.max_message_bytes, 3 * o_.max_message_bytes), 'y') + "\x01"));
      case cls::split_random: case cls::slow_bytes: case cls::valid_order:
        ++orders;
        return order(seq);
      case cls::admin_missing_field: {
        const std::string h0 = header("1", seq, "FZ1", o_.acceptor_id);
        switch (r_.below(5)) {
          case 0: return frame_fix("FIX.4.4", h0);                                          // TestRequest, no 112
          case 1: return frame_fix("FIX.4.4", header("2", seq, "FZ1", o_.acceptor_id) + "16=0\x01");  // no 7
          case 2: return frame_fix("FIX.4.4", header("2", seq, "FZ1", o_.acceptor_id) + "7=1\x01");   // no 16
          case 3: return frame_fix("FIX.4.4", header("4", seq, "FZ1", o_.acceptor_id) + "123=Y\x01");  // no 36
          default:  // Reset to below the expected number
            return frame_fix("FIX.4.4", header("4", seq, "FZ1", o_.acceptor_id) + "36=" + std::to_string(seq - 1) + "\x01");
        }
      }
      case cls::missing_sending_time:
        return frame_fix("FIX.4.4", "35=D\x01" "34=" + std::to_string(seq) + "\x01" "49=FZ1\x01" "56=" + o_.acceptor_id +
                                        "\x01" "11=S" + std::to_string(seq) + soh("|21=1|38=100|40=2|44=10.5|54=1|55=IBM|60=") +
                                        utc_now() + "\x01");
      case cls::bad_fields: {
        std::string b = header("D", seq, "FZ1", o_.acceptor_id);
        const std::string rest = order_body(seq, "B" + std::to_string(seq)).substr(b.size());
        switch (r_.below(5)) {
          case 0: return frame_fix("FIX.4.4", b + rest + "0=x\x01");         // tag 0
          case 1: return frame_fix("FIX.4.4", b + rest + "55=DUP\x01");      // repeated tag
          case 2: return frame_fix("FIX.4.4", b + rest + "58=\x01");         // no value
          case 3: return frame_fix("FIX.4.4", b + rest.substr(0, rest.find("54=")) + "54=1\x01");  // 55, 60 gone
          default: return frame_fix("FIX.4.4", b + "11=X\x01" "21=1\x01" "38=abc\x01" "40=2\x01" "54=1\x01" "55=IBM\x01" "60=" + utc_now() + "\x01");
        }
      }
      default: return {};
    }
  }

  // Reads answers until the Heartbeat echoing probe_id; tallies them for c.
  bool collect(cls c, const std::string& probe_id, int orders_expected) {
    tally& tl = t(c);
    const allowed al = allowed_for(c, o_.validating);
    std::string msg;
    int answers = 0, execs = 0;
    for (;;) {
      const auto r = fz1_.read_message(o_.probe_timeout_ms, msg);
      if (r == fix_conn::rd::timeout)
        return fail(std::string("probe after class ") + cls_names[static_cast<int>(c)] + " not answered within " +
                    std::to_string(o_.probe_timeout_ms) + " ms (acceptor stalled?)");
      if (r == fix_conn::rd::closed) {
        ++tl.disconnects;
        ++tl.violations;
        return fail(std::string("acceptor disconnected FZ1 after class ") + cls_names[static_cast<int>(c)]);
      }
      answer a;
      if (!parse_answer(msg, a)) {
        ++tl.other;
        continue;
      }
      if (a.type == "0" && a.test_req == probe_id) break;
      if (a.type == "0" || a.type == "1") {  // background heartbeat / test request
        if (a.type == "1")
          (void)fz1_.send_all(frame_fix("FIX.4.4", header("0", slot_, "FZ1", o_.acceptor_id) + "112=" + a.test_req + "\x01"));
        continue;
      }
      ++answers;
      if (a.type == "3") {
        ++tl.rejects[a.reject_reason];
        const bool ok = !al.rejects.empty() &&
                        (al.rejects[0] == -2 || std::find(al.rejects.begin(), al.rejects.end(), a.reject_reason) != al.rejects.end());
        if (!ok) {
          ++tl.violations;
          note_violation(c, "Reject " + reject_key(a.reject_reason) + " '" + a.text + "'");
        }
      } else if (a.type == "j") {
        ++tl.business_rejects;
        if (!al.business_reject) { ++tl.violations; note_violation(c, "BusinessMessageReject"); }
      } else if (a.type == "2") {
        ++tl.resend_requests;
        if (!al.resend_request) { ++tl.violations; note_violation(c, "ResendRequest"); }
      } else if (a.type == "8") {
        ++tl.exec_reports;
        ++execs;
        if (!al.exec_reports) { ++tl.violations; note_violation(c, "ExecutionReport"); }
      } else if (a.type == "5") {
        ++tl.logouts[a.text];
        ++tl.violations;
        note_violation(c, "Logout '" + a.text + "'");
        return fail(std::string("acceptor logged FZ1 out after class ") + cls_names[static_cast<int>(c)] + ": " + a.text);
      } else {
        ++tl.other;
        ++tl.violations;
        note_violation(c, "MsgType " + a.type);
      }
    }
    if (answers == 0) {
      ++tl.silent;
      if (!al.silent_ok && orders_expected == 0 && !al.must_answer_each_order) {
        ++tl.violations;
        note_violation(c, "no answer");
      }
    }
    if (al.must_answer_each_order && execs != 2 * orders_expected) {
      ++tl.violations;
      note_violation(c, std::to_string(execs) + " ExecutionReports for " + std::to_string(orders_expected) + " orders");
    }
    return true;
  }

  void note_violation(cls c, const std::string& what) {
    if (violation_notes_++ < 20)
      std::fprintf(stderr, "netfuzz: class %s answered with %s\n", cls_names[static_cast<int>(c)], what.c_str());
  }

  std::string probe(std::string& id_out) {
    ++probes_;
    id_out = "P" + std::to_string(probes_);
    std::string p = reset_to(slot_);
    p += frame_fix("FIX.4.4", header("1", slot_, "FZ1", o_.acceptor_id) + "112=" + id_out + "\x01");
    ++slot_;
    return p;
  }

  bool send_with_style(cls c, const std::string& bytes) {
    if (c == cls::split_random) {
      std::size_t at = 0;
      while (at < bytes.size()) {
        const std::size_t n = std::min<std::size_t>(bytes.size() - at, r_.between(1, 40));
        if (!fz1_.send_all(std::string_view(bytes).substr(at, n))) return false;
        at += n;
        if (r_.below(8) == 0) std::this_thread::sleep_for(std::chrono::microseconds(r_.between(10, 500)));
      }
      return true;
    }
    if (c == cls::slow_bytes) {
      for (char ch : bytes) {
        if (!fz1_.send_all(std::string_view(&ch, 1))) return false;
        std::this_thread::sleep_for(1ms);
      }
      return true;
    }
    return fz1_.send_all(bytes);
  }

  bool run_batch(cls c) {
    if (!fz1_.is_open() && !logon_fz1()) return false;
    const std::uint64_t k = (c == cls::slow_bytes || c == cls::oversized || c == cls::huge_value) ? 1 : r_.between(1, 16);
    int orders = 0;
    std::string wire;
    for (std::uint64_t i = 0; i < k; ++i) {
      const std::uint64_t seq = slot_;
      slot_ += 4;  // room for seq_too_high (+2) without touching the next slot
      std::string m = make(c, seq, orders);
      wire += reset_to(seq);
      wire += m;
      ++t(c).sent;
      ++sent_total_;
    }
    std::string id;
    const std::string p = probe(id);
    if (c == cls::split_random || c == cls::slow_bytes) {
      if (!send_with_style(c, wire)) return fail(std::string("FZ1: connection lost while sending ") + cls_names[static_cast<int>(c)]);
      if (!fz1_.send_all(p)) return fail("FZ1: connection lost while sending a probe");
    } else if (!fz1_.send_all(wire + p)) {
      return fail(std::string("FZ1: connection lost while sending ") + cls_names[static_cast<int>(c)]);
    }
    // Up to pipeline_depth batches in flight: answers come back in order, each
    // batch's ending with its probe's Heartbeat.
    in_flight_.push_back({c, id, orders});
    while (in_flight_.size() > pipeline_depth) {
      if (!collect_front()) return false;
    }
    return true;
  }

  bool collect_front() {
    const batch b = in_flight_.front();
    in_flight_.erase(in_flight_.begin());
    return collect(b.c, b.probe_id, b.orders);
  }
  // Every batch answered: before a class that ends the session or opens
  // another connection, and at the end.
  bool drain() {
    while (!in_flight_.empty()) {
      if (!collect_front()) return false;
    }
    return true;
  }

  // A class that ends the session: the answer must be Logout (with a Reject
  // before it for some) and then the disconnect once we answer the Logout.
  bool run_terminal(cls c) {
    if (!fz1_.is_open() && !logon_fz1()) return false;
    tally& tl = t(c);
    ++tl.sent;
    ++sent_total_;
    const std::uint64_t seq = slot_;
    slot_ += 4;
    std::string wire = reset_to(seq);
    switch (c) {
      case cls::seq_too_low: wire += order(seq - 1 - r_.below(seq - 1)); break;
      case cls::wrong_comp_id: wire += frame_fix("FIX.4.4", header("0", seq, "EVIL", o_.acceptor_id)); break;
      case cls::wrong_begin_string: wire += frame_fix(r_.below(2) ? "FIX.4.2" : "FIXT.1.1", header("0", seq, "FZ1", o_.acceptor_id)); break;
      case cls::orig_time_after_sending: {
        // PossDupFlag=Y at the expected number, OrigSendingTime an hour after SendingTime.
        const std::string h = header("D", seq, "FZ1", o_.acceptor_id);
        wire += frame_fix("FIX.4.4", h + "43=Y\x01" "122=" + utc_now(3600) + "\x01" +
                                         order_body(seq, "R" + std::to_string(seq)).substr(h.size()));
        break;
      }
      case cls::sending_time_off:
        wire += frame_fix("FIX.4.4", header("0", seq, "FZ1", o_.acceptor_id,
                                            r_.below(2) ? "20010101-00:00:00.000" : utc_now(3600)));
        break;
      case cls::logon_while_logged_on:
        wire += frame_fix("FIX.4.4", header("A", seq, "FZ1", o_.acceptor_id) + soh("98=0|108=30|"));
        break;
      case cls::abrupt_close: {
        const std::string m = order(seq);
        wire += m.substr(0, r_.between(1, m.size() - 1));
        (void)fz1_.send_all(wire);
        fz1_.abort();
        ++tl.silent;
        return true;  // the next batch logs on again: that is the check
      }
      default: break;
    }
    if (!fz1_.send_all(wire)) return fail(std::string("FZ1: send failed for ") + cls_names[static_cast<int>(c)]);
    std::string msg;
    bool logout_seen = false;
    for (;;) {
      const auto r = fz1_.read_message(o_.probe_timeout_ms, msg);
      if (r == fix_conn::rd::timeout) {
        ++tl.violations;
        return fail(std::string("no Logout after class ") + cls_names[static_cast<int>(c)]);
      }
      if (r == fix_conn::rd::closed) {
        ++tl.disconnects;
        if (!logout_seen) {
          ++tl.violations;
          note_violation(c, "disconnect without Logout");
        }
        break;
      }
      answer a;
      if (!parse_answer(msg, a)) continue;
      if (a.type == "3") {
        ++tl.rejects[a.reject_reason];
        const bool ok = (c == cls::wrong_comp_id && a.reject_reason == 9) ||
                        ((c == cls::sending_time_off || c == cls::orig_time_after_sending) && a.reject_reason == 10);
        if (!ok) { ++tl.violations; note_violation(c, "Reject " + reject_key(a.reject_reason)); }
      } else if (a.type == "5") {
        ++tl.logouts[a.text.rfind("MsgSeqNum too low", 0) == 0 ? "MsgSeqNum too low, expecting N but received M" : a.text];
        logout_seen = true;
        // Complete the handshake; a session that disconnects at once ignores it.
        (void)fz1_.send_all(frame_fix("FIX.4.4", header("5", slot_++, "FZ1", o_.acceptor_id)));
      } else if (a.type != "0" && a.type != "1") {
        ++tl.other;
        ++tl.violations;
        note_violation(c, "MsgType " + a.type);
      }
    }
    fz1_.abort();
    return true;
  }

  // First message on a fresh connection: nothing may come back, and the
  // acceptor must close the connection (except pre_slow_logon: a Logon).
  bool run_pre_logon(cls c) {
    tally& tl = t(c);
    ++tl.sent;
    ++sent_total_;
    ++connections_;
    fix_conn k;
    if (!k.open(o_.host, o_.port)) return fail("pre-logon: connect failed");
    const std::string hdr_pre = header("A", 1, "FZPRE", o_.acceptor_id);
    const std::string logon = frame_fix("FIX.4.4", hdr_pre + soh("98=0|108=30|141=Y|"));
    std::string wire;
    switch (c) {
      case cls::pre_garbage: wire = random_bytes(r_.between(1, 2000), true); break;
      case cls::pre_unknown_comp_id:
        wire = frame_fix("FIX.4.4", header("A", 1, "NOPE" + std::to_string(r_.below(100)), o_.acceptor_id) + soh("98=0|108=30|"));
        break;
      case cls::pre_wrong_begin_string: wire = frame_fix("FIX.4.2", hdr_pre + soh("98=0|108=30|")); break;
      case cls::pre_not_logon: {
        std::string b = order_body(1, "X1");
        b.replace(b.find("49=FZ1"), 6, "49=FZPRE");
        wire = frame_fix("FIX.4.4", b);
        break;
      }
      case cls::pre_bad_checksum: wire = frame_fix("FIX.4.4", hdr_pre + soh("98=0|108=30|"), 7); break;
      case cls::pre_duplicate_logon:
        wire = frame_fix("FIX.4.4", header("A", 1, "GOOD", o_.acceptor_id) + soh("98=0|108=30|141=Y|"));
        break;
      case cls::pre_partial_close:
        wire = logon.substr(0, r_.between(1, logon.size() - 1));
        (void)k.send_all(wire);
        k.abort();
        ++tl.silent;
        return true;
      case cls::pre_oversized:
        wire = frame_fix("FIX.4.4", hdr_pre + soh("98=0|108=30|") + "58=" +
                                        std::string(r_.between(2 * o_.max_message_bytes, 4 * o_.max_message_bytes), 'z') + "\x01");
        break;
      case cls::pre_bad_body_length: wire = "8=FIX.4.4\x01" "9=-1\x01" + hdr_pre + soh("98=0|108=30|10=000|"); break;
      case cls::pre_slow_logon: wire = logon; break;
      default: break;
    }
    if (c == cls::pre_slow_logon) {
      for (char ch : wire) {
        if (!k.send_all(std::string_view(&ch, 1))) return fail("pre_slow_logon: connection lost");
        std::this_thread::sleep_for(2ms);
      }
      std::string msg;
      answer a;
      if (k.read_message(o_.probe_timeout_ms, msg) != fix_conn::rd::message || !parse_answer(msg, a) || a.type != "A") {
        ++tl.violations;
        return fail("a Logon sent one byte at a time was not answered");
      }
      ++tl.logons;
      (void)k.send_all(frame_fix("FIX.4.4", header("5", 2, "FZPRE", o_.acceptor_id)));
      (void)k.wait_closed(o_.probe_timeout_ms);
      return true;
    }
    (void)k.send_all(wire);  // the acceptor may close before all of it is read
    std::size_t seen = 0;
    if (!k.wait_closed(o_.probe_timeout_ms, &seen)) {
      ++tl.violations;
      return fail(std::string("class ") + cls_names[static_cast<int>(c)] + ": connection not closed within " +
                  std::to_string(o_.probe_timeout_ms) + " ms");
    }
    ++tl.disconnects;
    if (seen != 0) {
      ++tl.violations;
      note_violation(c, std::to_string(seen) + " bytes before the close");
    } else {
      ++tl.silent;
    }
    return true;
  }

  struct batch {
    cls c;
    std::string probe_id;
    int orders;
  };
  static constexpr std::size_t pipeline_depth = 4;

  const options& o_;
  rng r_;
  fix_conn fz1_;
  std::vector<batch> in_flight_;
  std::uint64_t logon_retries_ = 0;
  std::uint64_t slot_ = 2;  // next MsgSeqNum slot on FZ1
  std::vector<tally> tallies_;
  std::uint64_t sent_total_ = 0, probes_ = 0, resets_ = 0, logons_ = 0, connections_ = 0;
  std::uint64_t violation_notes_ = 0;
  std::string error_;
};

// ---- limit checks ------------------------------------------------------------

// Opens more idle connections than the acceptor lets wait for a first
// message. Returns the ones it kept open (to check the pending timeout later).
struct pending_check {
  std::vector<fix_conn> held;
  std::vector<steady::time_point> opened;
  bool ok = true;
  std::string error;
  std::size_t expected_open = 0, open_after = 0, closed_at_once = 0;
  bool logon_refused_while_full = false;
};

pending_check check_pending_bound(const options& o, std::size_t keep) {
  pending_check pc;
  // GOOD holds one slot; the reactor's connection slots bound the pending ones too.
  pc.expected_open = std::min<std::size_t>(o.max_pending, o.max_connections - 1);
  const std::size_t extra = 8;
  std::vector<fix_conn> conns(pc.expected_open + extra);
  std::vector<steady::time_point> at(conns.size());
  for (std::size_t i = 0; i < conns.size(); ++i) {
    if (!conns[i].open(o.host, o.port)) {
      pc.ok = false;
      pc.error = "pending bound: connect " + std::to_string(i) + " failed";
      return pc;
    }
    at[i] = steady::now();
  }
  std::this_thread::sleep_for(500ms);
  // While every slot is taken, a valid Logon is refused like any newcomer.
  {
    fix_conn l;
    if (l.open(o.host, o.port)) {
      (void)l.send_all(frame_fix("FIX.4.4", header("A", 1, "FZPRE", o.acceptor_id) + soh("98=0|108=30|141=Y|")));
      std::size_t seen = 0;
      pc.logon_refused_while_full = l.wait_closed(2000, &seen) && seen == 0;
    } else {
      pc.logon_refused_while_full = true;
    }
  }
  for (std::size_t i = 0; i < conns.size(); ++i) {
    if (conns[i].closed_now()) {
      ++pc.closed_at_once;
    } else {
      ++pc.open_after;
    }
  }
  if (pc.open_after != pc.expected_open || pc.closed_at_once != extra) {
    pc.ok = false;
    pc.error = "pending bound: " + std::to_string(pc.open_after) + " of " + std::to_string(conns.size()) +
               " idle connections kept open, expected " + std::to_string(pc.expected_open);
  }
  // Keep `keep` of the open ones for the timeout check; release the rest.
  for (std::size_t i = 0; i < conns.size(); ++i) {
    if (!conns[i].peer_closed() && pc.held.size() < keep) {
      pc.held.push_back(std::move(conns[i]));
      pc.opened.push_back(at[i]);
    } else {
      conns[i].abort();
    }
  }
  return pc;
}

// The held idle connections must be closed by the acceptor once
// pending_timeout_ms has passed since each was opened (within the tick, and
// the load of the run). Runs on its own thread, beside the fuzzing, so each
// close is seen when it happens; it alone touches pc.held meanwhile.
void watch_pending_timeout(const options& o, pending_check& pc, std::vector<double>& closed_after_ms) {
  closed_after_ms.assign(pc.held.size(), -1.0);
  const auto give_up = steady::now() + std::chrono::milliseconds(o.pending_timeout_ms + 5000);
  std::size_t left = pc.held.size();
  while (left > 0 && steady::now() < give_up) {
    std::vector<pollfd> fds;
    std::vector<std::size_t> which;
    for (std::size_t i = 0; i < pc.held.size(); ++i) {
      if (closed_after_ms[i] >= 0) continue;
      fds.push_back({pc.held[i].fd(), POLLIN, 0});
      which.push_back(i);
    }
    if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
    for (std::size_t k = 0; k < fds.size(); ++k) {
      if (fds[k].revents == 0) continue;
      char buf[256];
      const ssize_t n = ::recv(fds[k].fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) continue;  // bytes on a connection that sent nothing: counted as not closed
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      closed_after_ms[which[k]] = std::chrono::duration<double, std::milli>(steady::now() - pc.opened[which[k]]).count();
      --left;
    }
  }
}

bool check_pending_timeout(const options& o, const std::vector<double>& closed_after_ms, std::string& error,
                           double& first_ms, double& last_ms) {
  first_ms = 1e18;
  last_ms = 0;
  for (std::size_t i = 0; i < closed_after_ms.size(); ++i) {
    const double ms = closed_after_ms[i];
    if (ms < 0) {
      error = "pending timeout: idle connection " + std::to_string(i) + " still open " +
              std::to_string(o.pending_timeout_ms + 5000) + " ms after it was opened";
      return false;
    }
    first_ms = std::min(first_ms, ms);
    last_ms = std::max(last_ms, ms);
  }
  if (!closed_after_ms.empty() && (first_ms < o.pending_timeout_ms - 50 || last_ms > o.pending_timeout_ms + 2000)) {
    error = "pending timeout: idle connections closed between " + std::to_string(first_ms) + " and " +
            std::to_string(last_ms) + " ms, outside [" + std::to_string(o.pending_timeout_ms - 50) + ", " +
            std::to_string(o.pending_timeout_ms + 2000) + "]";
    return false;
  }
  return true;
}

// A session whose gap queue is bounded: Logon, then orders beyond a gap at 2,
// each of the same length. The queue holds what fits (by count and by bytes)
// and drops the rest; after a GapFill for 2 the held ones are delivered (two
// ExecutionReports each) and the dropped ones are asked for again (a
// ResendRequest from the first dropped number) once HeartBtInt has passed.
struct gap_case {
  std::string comp_id;          // the session's TargetCompID
  std::uint32_t limit_messages;  // its FixringMaxQueuedMessages
  std::uint32_t limit_bytes;     // its FixringMaxQueuedBytes
  std::size_t pad_bytes;         // Text(58) in each order, to make the bytes bound bind
};

std::string gap_order(const std::string& comp_id, const std::string& acceptor_id, std::uint64_t seq, std::size_t pad) {
  char id[32];
  std::snprintf(id, sizeof id, "Q%06llu", static_cast<unsigned long long>(seq));
  return frame_fix("FIX.4.4", header("D", seq, comp_id, acceptor_id) + "11=" + id +
                                  soh("|21=1|38=1|40=2|44=1|54=1|55=IBM|") +
                                  (pad ? "58=" + std::string(pad, 'p') + "\x01" : std::string()) + "60=" + utc_now() + "\x01");
}

bool logon_simple(fix_conn& c, const options& o, const std::string& comp_id, int heartbeat_s, std::string& error) {
  if (!c.open(o.host, o.port)) return error = comp_id + ": connect failed", false;
  if (!c.send_all(frame_fix("FIX.4.4", header("A", 1, comp_id, o.acceptor_id) + "98=0\x01" "108=" +
                                           std::to_string(heartbeat_s) + "\x01" "141=Y\x01")))
    return error = comp_id + ": Logon not sent", false;
  std::string msg;
  answer a;
  if (c.read_message(5000, msg) != fix_conn::rd::message || !parse_answer(msg, a) || a.type != "A")
    return error = comp_id + ": no Logon answer", false;
  return true;
}

bool check_gap_queue(const options& o, const gap_case& g, std::string& error, std::string& summary) {
  fix_conn c;
  if (!logon_simple(c, o, g.comp_id, 1, error)) return false;
  const std::size_t size = gap_order(g.comp_id, o.acceptor_id, 3, g.pad_bytes).size();
  const std::uint64_t fit = std::min<std::uint64_t>(g.limit_messages, g.limit_bytes / size);
  const std::uint64_t n = 2 * fit + 10;
  std::string wire;
  for (std::uint64_t s = 3; s < 3 + n; ++s) wire += gap_order(g.comp_id, o.acceptor_id, s, g.pad_bytes);
  if (!c.send_all(wire)) return error = g.comp_id + ": orders not sent", false;
  std::string msg;
  answer a;
  std::uint64_t resend_requests = 0;
  const auto until = steady::now() + 2s;
  while (steady::now() < until && resend_requests == 0) {
    if (c.read_message(100, msg) == fix_conn::rd::message && parse_answer(msg, a) && a.type == "2") ++resend_requests;
  }
  if (resend_requests == 0) return error = g.comp_id + ": no ResendRequest for the gap at 2", false;
  // Fill the gap at 2.
  if (!c.send_all(frame_fix("FIX.4.4", header("4", 2, g.comp_id, o.acceptor_id) + soh("43=Y|122=") + utc_now() +
                                            soh("|123=Y|36=3|"))))
    return error = g.comp_id + ": GapFill not sent", false;
  std::uint64_t execs = 0, max_order = 0, rerequest_from = 0;
  const auto end = steady::now() + 4s;
  while (steady::now() < end && rerequest_from == 0) {
    const auto r = c.read_message(100, msg);
    if (r == fix_conn::rd::closed) return error = g.comp_id + ": disconnected", false;
    if (r != fix_conn::rd::message || !parse_answer(msg, a)) continue;
    if (a.type == "8") {
      ++execs;
      max_order = std::max<std::uint64_t>(max_order, std::strtoull(a.cl_ord_id.c_str() + 1, nullptr, 10));
    } else if (a.type == "2") {
      rerequest_from = a.begin_seq;
    } else if (a.type == "1") {
      (void)c.send_all(frame_fix("FIX.4.4", header("0", 3 + n, g.comp_id, o.acceptor_id) + "112=" + a.test_req + "\x01"));
    }
  }
  summary = "gap queue " + g.comp_id + " (FixringMaxQueuedMessages=" + std::to_string(g.limit_messages) +
            ", FixringMaxQueuedBytes=" + std::to_string(g.limit_bytes) + ", " + std::to_string(size) + "-byte orders): " +
            std::to_string(n) + " orders beyond a gap, " + std::to_string(execs / 2) +
            " delivered after the GapFill (highest MsgSeqNum " + std::to_string(max_order) +
            "), ResendRequest again from " + std::to_string(rerequest_from);
  c.abort();
  if (execs != 2 * fit || max_order != 2 + fit)
    return error = g.comp_id + ": expected exactly the " + std::to_string(fit) + " queued orders answered; " + summary, false;
  if (rerequest_from != 3 + fit) return error = g.comp_id + ": dropped messages not asked for again; " + summary, false;
  return true;
}

// A session with FixringQueueFull=logout: the message that finds the gap queue
// full is answered with Logout "Inbound queue full", then the disconnect.
bool check_gap_queue_logout(const options& o, const std::string& comp_id, std::uint32_t limit, std::string& error,
                            std::string& summary) {
  fix_conn c;
  if (!logon_simple(c, o, comp_id, 30, error)) return false;
  std::string wire;
  for (std::uint64_t s = 3; s < 3 + limit + 5; ++s) wire += gap_order(comp_id, o.acceptor_id, s, 0);
  if (!c.send_all(wire)) return error = comp_id + ": orders not sent", false;
  std::string msg, logout_text = "(none)";
  answer a;
  bool logout = false;
  for (;;) {
    const auto r = c.read_message(5000, msg);
    if (r == fix_conn::rd::timeout) return error = comp_id + ": no Logout or disconnect when the gap queue was full", false;
    if (r == fix_conn::rd::closed) break;
    if (!parse_answer(msg, a) || a.type != "5") continue;
    logout = true;
    logout_text = a.text;
    (void)c.send_all(frame_fix("FIX.4.4", header("5", 3 + limit + 5, comp_id, o.acceptor_id)));
  }
  summary = "gap queue " + comp_id + " (FixringMaxQueuedMessages=" + std::to_string(limit) +
            ", FixringQueueFull=logout): Logout '" + logout_text + "', then disconnected";
  if (!logout || logout_text != "Inbound queue full") return error = comp_id + ": " + summary, false;
  return true;
}

// SILENT: logs on with HeartBtInt=1 and sends nothing more: a TestRequest
// after 1.2 s, the disconnect after 2.4 s (FixringTestRequestThresholdPct /
// FixringDisconnectThresholdPct defaults).
bool check_silent_peer(const options& o, std::string& error, std::string& summary) {
  fix_conn c;
  if (!c.open(o.host, o.port)) return error = "SILENT: connect failed", false;
  const auto t0 = steady::now();
  if (!c.send_all(frame_fix("FIX.4.4", header("A", 1, "SILENT", o.acceptor_id) + soh("98=0|108=1|141=Y|"))))
    return error = "SILENT: Logon not sent", false;
  std::string msg;
  answer a;
  double test_request_ms = -1;
  for (;;) {
    const auto r = c.read_message(6000, msg);
    if (r == fix_conn::rd::timeout) return error = "SILENT: still connected after 6 s of silence", false;
    if (r == fix_conn::rd::closed) break;
    if (parse_answer(msg, a) && a.type == "1" && test_request_ms < 0)
      test_request_ms = std::chrono::duration<double, std::milli>(steady::now() - t0).count();
  }
  const double closed_ms = std::chrono::duration<double, std::milli>(steady::now() - t0).count();
  char buf[160];
  std::snprintf(buf, sizeof buf, "silent peer (HeartBtInt=1): TestRequest at %.0f ms, disconnected at %.0f ms",
                test_request_ms, closed_ms);
  summary = buf;
  if (test_request_ms < 1000 || test_request_ms > 2000) return error = std::string("SILENT: ") + buf, false;
  if (closed_ms < 2300 || closed_ms > 3500) return error = std::string("SILENT: ") + buf, false;
  return true;
}

// A fresh Logon on FZPRE, answered, then logged out.
bool fresh_logon_works(const options& o) {
  fix_conn c;
  if (!c.open(o.host, o.port)) return false;
  if (!c.send_all(frame_fix("FIX.4.4", header("A", 1, "FZPRE", o.acceptor_id) + soh("98=0|108=30|141=Y|")))) return false;
  std::string msg;
  answer a;
  if (c.read_message(5000, msg) != fix_conn::rd::message || !parse_answer(msg, a) || a.type != "A") return false;
  (void)c.send_all(frame_fix("FIX.4.4", header("5", 2, "FZPRE", o.acceptor_id)));
  return c.read_message(5000, msg) == fix_conn::rd::message && parse_answer(msg, a) && a.type == "5";
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  CLI::App cli{"fixring-netfuzz: hostile network traffic against a running fixring acceptor"};
  cli.add_option("--host", o.host, "acceptor address (127.0.0.0/8)");
  cli.add_option("--port", o.port, "acceptor port")->required();
  cli.add_option("--pid", o.pid, "acceptor process id (VmRSS sampling, liveness)")->required();
  cli.add_option("--seed", o.seed, "PRNG seed");
  cli.add_option("--messages", o.messages, "fuzz messages to send (at least)");
  cli.add_option("--acceptor-id", o.acceptor_id, "the acceptor's SenderCompID");
  cli.add_option("--order-interval-ms", o.order_interval_ms, "trader: one order every N ms");
  cli.add_option("--answer-bound-ms", o.answer_bound_ms, "trader: both ExecutionReports within N ms");
  cli.add_option("--probe-timeout-ms", o.probe_timeout_ms, "longest wait for any expected answer or close");
  cli.add_option("--rss-limit-mb", o.rss_limit_mb, "the acceptor's VmRSS must stay below this");
  cli.add_option("--anon-limit-mb", o.anon_limit_mb, "the acceptor's RssAnon must stay below this");
  cli.add_option("--max-pending", o.max_pending, "the acceptor's engine_options::max_pending_connections");
  cli.add_option("--max-connections", o.max_connections, "the acceptor's engine_options::max_connections");
  cli.add_option("--pending-timeout-ms", o.pending_timeout_ms, "the acceptor's engine_options::pending_timeout_ms");
  cli.add_option("--max-message-bytes", o.max_message_bytes, "the acceptor's FixringMaxMessageBytes");
  cli.add_option("--gap-queue-limit", o.gap_queue_limit, "GAPQ's and GAPL's FixringMaxQueuedMessages");
  cli.add_option("--gap-queue-bytes", o.gap_queue_bytes, "GAPB's FixringMaxQueuedBytes");
  cli.add_flag("--validating", o.validating, "the acceptor has UseDataDictionary=Y and a FIX.4.4 DataDictionary");
  CLI11_PARSE(cli, argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  ::signal(SIGPIPE, SIG_IGN);

  const auto t0 = steady::now();
  std::vector<std::string> failures;
  const std::uint64_t rss_start_kb = rss_kb(o.pid, "VmRSS:");
  if (rss_start_kb == 0) {
    std::fprintf(stderr, "netfuzz: no process %d\n", o.pid);
    return 1;
  }

  // RSS sampler.
  std::atomic<bool> stop_sampler{false};
  std::atomic<std::uint64_t> rss_max_kb{rss_start_kb}, anon_max_kb{rss_kb(o.pid, "RssAnon:")};
  std::thread sampler([&] {
    while (!stop_sampler.load(std::memory_order_relaxed)) {
      const std::uint64_t v = rss_kb(o.pid, "VmRSS:"), a = rss_kb(o.pid, "RssAnon:");
      // relaxed: read after join().
      if (v > rss_max_kb.load(std::memory_order_relaxed)) rss_max_kb.store(v, std::memory_order_relaxed);
      if (a > anon_max_kb.load(std::memory_order_relaxed)) anon_max_kb.store(a, std::memory_order_relaxed);
      std::this_thread::sleep_for(20ms);
    }
  });

  // The well-behaved session.
  trader tr(o);
  std::atomic<bool> stop_trader{false};
  const bool trader_up = tr.logon();
  std::thread trader_thread;
  if (trader_up) {
    trader_thread = std::thread([&] { tr.run(stop_trader); });
  } else {
    failures.push_back(tr.result().error);
  }

  // Limits first: the pending bound, keeping 16 idle connections for the timeout.
  // Keep a few pending slots free for the fuzzer's own new connections.
  const std::size_t expected_open = std::min<std::size_t>(o.max_pending, o.max_connections - 1);
  pending_check pc = check_pending_bound(o, std::min<std::size_t>(16, expected_open > 4 ? expected_open - 4 : 0));
  if (!pc.ok) failures.push_back(pc.error);
  if (!pc.logon_refused_while_full) failures.push_back("a Logon was not refused while every pending slot was taken");
  std::printf("pending bound: %zu idle connections opened, %zu kept open (expected %zu), %zu closed at once; "
              "a valid Logon while full: %s\n",
              pc.open_after + pc.closed_at_once, pc.open_after, pc.expected_open, pc.closed_at_once,
              pc.logon_refused_while_full ? "closed without an answer" : "ANSWERED");

  std::vector<double> pending_closed_ms;
  std::thread pending_watcher([&] { watch_pending_timeout(o, pc, pending_closed_ms); });

  // The fuzz run proper.
  const auto fuzz_t0 = steady::now();
  fuzzer fz(o);
  const bool fuzz_ok = fz.run();
  fz.finish();
  const double fuzz_s = std::chrono::duration<double>(steady::now() - fuzz_t0).count();
  if (!fuzz_ok) failures.push_back("fuzzer: " + fz.error());
  if (fz.violations() != 0) failures.push_back("fuzzer: " + std::to_string(fz.violations()) + " answers not allowed for their class");

  std::string err, gap_summary, gap_bytes_summary, gap_logout_summary, silent_summary;
  if (!check_gap_queue(o, {"GAPQ", o.gap_queue_limit, 1u << 20, 0}, err, gap_summary)) failures.push_back(err);
  if (!check_gap_queue(o, {"GAPB", 10'000, o.gap_queue_bytes, 900}, err, gap_bytes_summary)) failures.push_back(err);
  if (!check_gap_queue_logout(o, "GAPL", o.gap_queue_limit, err, gap_logout_summary)) failures.push_back(err);
  if (!check_silent_peer(o, err, silent_summary)) failures.push_back(err);
  pending_watcher.join();
  double first_pending_ms = 0, last_pending_ms = 0;
  if (!check_pending_timeout(o, pending_closed_ms, err, first_pending_ms, last_pending_ms)) failures.push_back(err);

  stop_trader.store(true, std::memory_order_relaxed);
  if (trader_thread.joinable()) trader_thread.join();
  const bool alive = process_alive(o.pid);
  const bool fresh = alive && fresh_logon_works(o);
  stop_sampler.store(true, std::memory_order_relaxed);
  sampler.join();

  const trader_result& trr = tr.result();
  if (trader_up) {
    if (trr.disconnected) failures.push_back(trr.error);
    if (trr.late_or_missing != 0)
      failures.push_back("trader: " + std::to_string(trr.late_or_missing) + " orders/answers late, missing or unexpected (" + trr.error + ")");
    if (trr.seq_gaps != 0) failures.push_back("trader: " + std::to_string(trr.seq_gaps) + " MsgSeqNum gaps in the acceptor's messages");
    if (!trr.logout_ok) failures.push_back("trader: Logout not answered");
  }
  if (!alive) failures.push_back("the acceptor process is gone");
  if (!fresh) failures.push_back("a fresh Logon after the run was not answered");
  const std::uint64_t rss_end_kb = alive ? rss_kb(o.pid, "VmRSS:") : 0;
  if (rss_max_kb.load() > o.rss_limit_mb * 1024)
    failures.push_back("acceptor VmRSS peaked at " + std::to_string(rss_max_kb.load() / 1024) + " MiB, over the " +
                       std::to_string(o.rss_limit_mb) + " MiB bound");

  if (anon_max_kb.load() > o.anon_limit_mb * 1024)
    failures.push_back("acceptor RssAnon peaked at " + std::to_string(anon_max_kb.load() / 1024) + " MiB, over the " +
                       std::to_string(o.anon_limit_mb) + " MiB bound");

  fz.print_summary();
  std::printf("fuzz phase: %.1f s, %.0f fuzz messages/s\n", fuzz_s, static_cast<double>(fz.sent_total()) / fuzz_s);
  std::printf("trader: %llu orders, %llu ExecutionReports, slowest answer %.1f ms (bound %d ms), %llu late/missing, "
              "disconnected: %s\n",
              static_cast<unsigned long long>(trr.orders), static_cast<unsigned long long>(trr.exec_reports),
              static_cast<double>(trr.max_answer_us) / 1000.0, o.answer_bound_ms,
              static_cast<unsigned long long>(trr.late_or_missing), trr.disconnected ? "YES" : "no");
  std::printf("%s\n%s\n%s\n%s\n", gap_summary.c_str(), gap_bytes_summary.c_str(), gap_logout_summary.c_str(),
              silent_summary.c_str());
  std::printf("pending timeout (%d ms): %zu idle connections closed by the acceptor between %.0f and %.0f ms\n",
              o.pending_timeout_ms, pc.held.size(), first_pending_ms, last_pending_ms);
  std::printf("acceptor VmRSS: start %llu MiB, peak %llu MiB (RssAnon peak %llu MiB, bound %llu MiB), end %llu MiB, bound %llu MiB\n",
              static_cast<unsigned long long>(rss_start_kb / 1024), static_cast<unsigned long long>(rss_max_kb.load() / 1024),
              static_cast<unsigned long long>(anon_max_kb.load() / 1024), static_cast<unsigned long long>(o.anon_limit_mb),
              static_cast<unsigned long long>(rss_end_kb / 1024),
              static_cast<unsigned long long>(o.rss_limit_mb));
  std::printf("acceptor alive: %s; fresh Logon answered: %s; total %.1f s\n", alive ? "yes" : "NO", fresh ? "yes" : "NO",
              std::chrono::duration<double>(steady::now() - t0).count());
  if (!failures.empty()) {
    for (const std::string& f : failures) std::printf("FAIL: %s\n", f.c_str());
    return 1;
  }
  std::printf("netfuzz: PASS (seed %llu)\n", static_cast<unsigned long long>(o.seed));
  return 0;
}
