// Crash consistency: a child appends under load and is SIGKILLed at random
// points; every record it reported committed must be there on reopen.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "fixring/store/journal_reader.hpp"
#include "fixring/store/session_journal.hpp"
#include "store_test_support.hpp"

using namespace fixring::store;
using fixring::test::order_message;
using fixring::test::scratch_dir;

namespace {

journal_options crash_options() {
  journal_options o;
  o.session_name = "FIX.4.4:CRASH->TEST";
  o.segment_bytes = 64 * 1024;  // small: kills land inside rolls too
  o.index_capacity = 1 << 22;
  return o;
}

// Message size varies with seq so records straddle pages and segment ends.
std::string message_for(std::uint64_t seq) { return order_message(seq, 80 + (seq * 37) % 700); }

// Runs in the child: append forever, report each committed outbound seq.
[[noreturn]] void child_appender(const std::string& dir, int report_fd) {
  auto r = session_journal::open(dir, crash_options(), 1);
  if (!r) _exit(3);
  session_journal& j = r.value();
  for (std::uint64_t n = 0;; ++n) {
    const std::uint64_t seq = j.next_outbound_seq();
    const std::string m = message_for(seq);
    const auto room = j.reserve_outbound(m.size());
    if (room.empty()) _exit(4);
    std::memcpy(room.data(), m.data(), m.size());
    if (j.commit_outbound(seq, m.size(), 0, static_cast<std::int64_t>(seq)) != store_status::ok) _exit(5);
    if (n % 3 == 0 && j.record_inbound(j.next_inbound_seq(), m, 0, 1) != store_status::ok) _exit(6);
    if (n % 101 == 0) (void)j.maintain(static_cast<std::int64_t>(n));
    std::uint64_t report[2] = {seq, j.next_inbound_seq()};
    if (::write(report_fd, report, sizeof report) != sizeof report) _exit(7);
  }
}

}  // namespace

TEST_CASE("after SIGKILL at random points every reported record is there and sequence numbers are right",
          "[journal][crash]") {
  scratch_dir tmp;
  const std::string dir = tmp.sub("s");
  std::mt19937_64 rng(20261122);
  std::uint64_t max_reported = 0, max_inbound_reported = 1;
  constexpr int trials = 60;
  for (int trial = 0; trial < trials; ++trial) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      child_appender(dir, fds[1]);
    }
    ::close(fds[1]);
    // Let it run between 0.2 and 25 ms (recovery included), then kill it.
    ::usleep(static_cast<useconds_t>(200 + rng() % 25'000));
    ::kill(pid, SIGKILL);
    std::vector<std::uint64_t> reported;
    std::uint64_t buf[2];
    std::uint64_t last_inbound = 0;
    for (;;) {
      const ssize_t got = ::read(fds[0], buf, sizeof buf);
      if (got <= 0) break;
      REQUIRE(got == sizeof buf);  // pipe writes under PIPE_BUF are atomic
      reported.push_back(buf[0]);
      last_inbound = buf[1];
    }
    ::close(fds[0]);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    INFO("trial " << trial);
    REQUIRE(WIFSIGNALED(status));  // the child never gave up on its own
    if (!reported.empty()) {
      max_reported = reported.back();
      max_inbound_reported = last_inbound;
    }
    auto r = session_journal::open(dir, crash_options(), 1);
    if (!r) FAIL(r.error().message);
    session_journal& j = r.value();
    CHECK_FALSE(j.recovery().torn_tail_truncated);  // a process kill never tears a record
    // The child may have committed one more record than it managed to report.
    CHECK(j.next_outbound_seq() >= max_reported + 1);
    CHECK(j.next_outbound_seq() <= max_reported + 2);
    CHECK(j.next_inbound_seq() >= max_inbound_reported);
    for (std::uint64_t s : reported) {
      const auto m = j.find_outbound(s);
      REQUIRE(m.found());
      REQUIRE(std::string(m.bytes.data(), m.bytes.size()) == message_for(s));
    }
    max_reported = j.next_outbound_seq() - 1;
  }
  // Read back the whole history: in order, nothing corrupt.
  auto rr = journal_reader::open(dir);
  REQUIRE(rr);
  record_view v;
  read_status st;
  std::uint64_t expect = 1;
  while ((st = rr.value().next(v)) == read_status::record)
    if (v.is_message() && v.dir() == format::direction::outbound) REQUIRE(v.header.msg_seq_num == expect++);
  CHECK(st == read_status::end);
  CHECK(expect == max_reported + 1);
}
