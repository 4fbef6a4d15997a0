#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <algorithm>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "fixring/engine/session/store_concept.hpp"
#include "fixring/store/journal_reader.hpp"
#include "fixring/store/session_journal.hpp"
#include "store_test_support.hpp"

using namespace fixring::store;
using fixring::test::order_message;
using fixring::test::scratch_dir;

static_assert(fixring::engine::session_store<session_journal>,
              "session_journal must satisfy the session core's store contract");

namespace {

journal_options small_options(std::uint64_t segment_bytes = 64 * 1024) {
  journal_options o;
  o.session_name = "FIX.4.4:CLIENT->BROKER";
  o.segment_bytes = segment_bytes;
  o.index_capacity = 1 << 20;
  return o;
}

session_journal open_ok(const std::string& dir, const journal_options& o = small_options(), std::int64_t now_ns = 1000) {
  auto r = session_journal::open(dir, o, now_ns);
  if (!r) FAIL(r.error().message);
  return std::move(r).value();
}

// Given a journal, when an outbound message is encoded into the reservation and committed.
void send(session_journal& j, std::uint64_t seq, const std::string& msg, std::int64_t now_ns = 2000,
          std::uint32_t flags = flag_none) {
  const std::span<char> room = j.reserve_outbound(msg.size() + 64);
  REQUIRE(room.size() == msg.size() + 64);
  std::memcpy(room.data(), msg.data(), msg.size());
  REQUIRE(j.commit_outbound(seq, msg.size(), flags, now_ns) == store_status::ok);
}

std::string text(const stored_message& m) { return {m.bytes.data(), m.bytes.size()}; }

void flip_byte(const std::string& file, std::uint64_t offset) {
  const int fd = ::open(file.c_str(), O_RDWR);
  REQUIRE(fd >= 0);
  char c = 0;
  REQUIRE(::pread(fd, &c, 1, static_cast<off_t>(offset)) == 1);
  c = static_cast<char>(c ^ 0x10);
  REQUIRE(::pwrite(fd, &c, 1, static_cast<off_t>(offset)) == 1);
  ::close(fd);
}

// A record copied out of the reader's mapping, so it outlives the reader.
struct owned_record {
  format::record_header header;
  std::string payload;
  std::string path;
  std::uint64_t offset;
  [[nodiscard]] bool is_message() const noexcept { return header.kind == std::uint8_t(format::record_kind::message); }
  [[nodiscard]] format::direction dir() const noexcept { return static_cast<format::direction>(header.dir); }
  [[nodiscard]] const std::string& text() const noexcept { return payload; }
};

std::vector<owned_record> read_all(const std::string& dir, read_status* final_status = nullptr) {
  auto r = journal_reader::open(dir);
  REQUIRE(r.has_value());
  std::vector<owned_record> out;
  record_view v;
  read_status s;
  while ((s = r.value().next(v)) == read_status::record)
    out.push_back({v.header, std::string(v.text()), *v.path, v.offset});
  if (final_status) *final_status = s;
  return out;
}

// Writes outbound orders 1..n to a new journal in dir and closes it; returns
// how many segments they took.
std::size_t write_orders(const std::string& dir, std::uint64_t n) {
  auto j = open_ok(dir);
  for (std::uint64_t s = 1; s <= n; ++s) send(j, s, order_message(s));
  return j.segment_count();
}

// The first record of dir's journal that pred accepts; there must be one.
template <class Pred>
owned_record first_record(const std::string& dir, Pred pred) {
  for (auto& r : read_all(dir))
    if (pred(r)) return r;
  FAIL("no such record in " << dir);
  return {};
}

// Why opening the journal in dir for writing fails; it must fail.
journal_error open_error(const std::string& dir, const journal_options& o = small_options()) {
  auto r = session_journal::open(dir, o, 1);
  REQUIRE_FALSE(r);
  return r.error();
}

}  // namespace

TEST_CASE("an outbound message committed from the reservation reads back byte for byte", "[journal]") {
  scratch_dir tmp;
  auto j = open_ok(tmp.sub("s"));
  CHECK(j.recovery().created);
  CHECK(j.next_outbound_seq() == 1);
  const std::string m = order_message(1);
  send(j, 1, m, 5555, flag_poss_dup);
  const stored_message got = j.find_outbound(1);
  REQUIRE(got.found());
  CHECK(text(got) == m);
  CHECK(got.flags == flag_poss_dup);
  CHECK(got.timestamp_ns == 5555);
  CHECK(j.next_outbound_seq() == 2);
  CHECK_FALSE(j.find_outbound(2).found());
  CHECK_FALSE(j.find_outbound(0).found());
}

TEST_CASE("the bytes sent are the bytes in the journal, not a copy", "[journal]") {
  scratch_dir tmp;
  auto j = open_ok(tmp.sub("s"));
  const std::string m = order_message(1);
  const std::span<char> room = j.reserve_outbound(512);
  std::memcpy(room.data(), m.data(), m.size());
  REQUIRE(j.commit_outbound(1, m.size(), 0, 1) == store_status::ok);
  CHECK(j.find_outbound(1).bytes.data() == room.data());
}

TEST_CASE("an inbound message is journaled and moves next_inbound_seq", "[journal]") {
  scratch_dir tmp;
  auto j = open_ok(tmp.sub("s"));
  const std::string m = order_message(7);
  REQUIRE(j.record_inbound(7, m, 0, 10) == store_status::ok);
  CHECK(j.next_inbound_seq() == 8);
  SECTION("a PossDup duplicate with a lower seq does not move it back") {
    REQUIRE(j.record_inbound(3, m, flag_poss_dup, 11) == store_status::ok);
    CHECK(j.next_inbound_seq() == 8);
  }
  const auto recs = read_all(tmp.sub("s"));
  bool seen = false;
  for (const auto& r : recs)
    if (r.is_message() && r.dir() == format::direction::inbound && r.header.msg_seq_num == 7) {
      seen = true;
      CHECK(r.text() == m);
    }
  CHECK(seen);
}

TEST_CASE("commit without a reservation or beyond it is refused", "[journal]") {
  scratch_dir tmp;
  auto j = open_ok(tmp.sub("s"));
  CHECK(j.commit_outbound(1, 10, 0, 1) == store_status::bad_state);
  CHECK(j.last_status() == store_status::bad_state);
  (void)j.reserve_outbound(100);
  CHECK(j.commit_outbound(1, 101, 0, 1) == store_status::bad_state);
  CHECK(j.next_outbound_seq() == 1);
}

TEST_CASE("a message larger than a segment can hold is too_large", "[journal]") {
  scratch_dir tmp;
  auto j = open_ok(tmp.sub("s"));
  CHECK(j.reserve_outbound(64 * 1024).empty());
  CHECK(j.last_status() == store_status::too_large);
  const std::string big(64 * 1024, 'x');
  CHECK(j.record_inbound(1, big, 0, 1) == store_status::too_large);
  CHECK(j.reserve_outbound(j.max_payload_bytes()).size() == j.max_payload_bytes());
}

TEST_CASE("every outbound message is found by MsgSeqNum across many segments", "[journal]") {
  scratch_dir tmp;
  auto j = open_ok(tmp.sub("s"));
  constexpr std::uint64_t n = 5000;  // ~1.2 MB: about twenty 64 KiB segments
  for (std::uint64_t s = 1; s <= n; ++s) send(j, s, order_message(s));
  CHECK(j.segment_count() > 10);
  for (std::uint64_t s = 1; s <= n; ++s) {
    const auto m = j.find_outbound(s);
    REQUIRE(m.found());
    REQUIRE(text(m) == order_message(s));
  }
  SECTION("and again after reopening, from the index rebuilt by recovery") {
    const std::string dir = j.directory();
    j = open_ok(tmp.sub("other"));  // releases the first journal
    auto k = open_ok(dir);
    CHECK(k.next_outbound_seq() == n + 1);
    for (std::uint64_t s = 1; s <= n; s += 97) REQUIRE(text(k.find_outbound(s)) == order_message(s));
  }
}

TEST_CASE("segments roll at the configured size and readers cross them in order", "[journal]") {
  scratch_dir tmp;
  auto j = open_ok(tmp.sub("s"));
  for (std::uint64_t s = 1; s <= 600; ++s) send(j, s, order_message(s));
  CHECK(j.segment_count() >= 2);
  for (const auto& e : std::filesystem::directory_iterator(tmp.sub("s")))
    if (e.path().extension() == ".fjseg") CHECK(e.file_size() == 64 * 1024);
  std::uint64_t expect = 1;
  for (const auto& r : read_all(tmp.sub("s")))
    if (r.is_message()) CHECK(r.header.msg_seq_num == expect++);
  CHECK(expect == 601);
}

TEST_CASE("reopen restores sequence numbers from the journal", "[journal]") {
  scratch_dir tmp;
  const std::string dir = tmp.sub("s");
  {
    auto j = open_ok(dir);
    for (std::uint64_t s = 1; s <= 10; ++s) send(j, s, order_message(s));
    for (std::uint64_t s = 1; s <= 4; ++s) REQUIRE(j.record_inbound(s, order_message(s), 0, 3) == store_status::ok);
  }
  {
    auto j = open_ok(dir);
    CHECK(j.next_outbound_seq() == 11);
    CHECK(j.next_inbound_seq() == 5);
    CHECK(j.epoch() == 0);
  }
  SECTION("after set_next_inbound_seq") {
    {
      auto j = open_ok(dir);
      REQUIRE(j.set_next_inbound_seq(42) == store_status::ok);
    }
    auto j = open_ok(dir);
    CHECK(j.next_inbound_seq() == 42);
    CHECK(j.next_outbound_seq() == 11);
  }
  SECTION("after lowering next outbound, the messages at and above it are forgotten") {
    {
      auto j = open_ok(dir);
      REQUIRE(j.set_next_outbound_seq(6) == store_status::ok);
      CHECK_FALSE(j.find_outbound(6).found());
      CHECK(j.find_outbound(5).found());
    }
    auto j = open_ok(dir);
    CHECK(j.next_outbound_seq() == 6);
    CHECK_FALSE(j.find_outbound(8).found());
    CHECK(text(j.find_outbound(5)) == order_message(5));
  }
  SECTION("after reset: a new epoch, numbers back to 1, history kept on disk") {
    {
      auto j = open_ok(dir);
      REQUIRE(j.reset(9000) == store_status::ok);
      CHECK(j.epoch() == 1);
      CHECK(j.next_outbound_seq() == 1);
      CHECK_FALSE(j.find_outbound(3).found());
      send(j, 1, order_message(101));
    }
    auto j = open_ok(dir);
    CHECK(j.epoch() == 1);
    CHECK(j.next_outbound_seq() == 2);
    CHECK(j.next_inbound_seq() == 1);
    CHECK(text(j.find_outbound(1)) == order_message(101));
    CHECK_FALSE(j.find_outbound(3).found());
    std::size_t epoch0 = 0;
    for (const auto& r : read_all(dir))
      if (r.is_message() && r.header.epoch == 0) ++epoch0;
    CHECK(epoch0 == 14);
  }
}

TEST_CASE("a gap fill committed during a resend keeps the original for find_outbound", "[journal]") {
  scratch_dir tmp;
  auto j = open_ok(tmp.sub("s"));
  for (std::uint64_t s = 1; s <= 5; ++s) send(j, s, order_message(s));
  send(j, 2, "8=FIX.4.4|35=4|123=Y|", 3000, flag_poss_dup | flag_admin);
  CHECK(j.next_outbound_seq() == 6);
  CHECK(text(j.find_outbound(2)) == order_message(2));
}

TEST_CASE("a torn tail is truncated on open and appending continues after it", "[journal][recovery]") {
  scratch_dir tmp;
  const std::string dir = tmp.sub("s");
  (void)write_orders(dir, 20);
  const auto all = read_all(dir);
  REQUIRE_FALSE(all.empty());
  const std::string file = all.back().path;
  const std::uint64_t last_offset = all.back().offset;
  // A power loss tore the last record: its payload did not all reach the disk.
  flip_byte(file, last_offset + format::record_header_bytes + 30);
  read_status st;
  (void)read_all(dir, &st);
  CHECK(st == read_status::torn_tail);
  {
    auto j = open_ok(dir);
    CHECK(j.recovery().torn_tail_truncated);
    CHECK(j.recovery().torn_tail_offset == last_offset);
    CHECK(j.next_outbound_seq() == 20);
    CHECK(text(j.find_outbound(19)) == order_message(19));
    send(j, 20, order_message(20));
  }
  std::uint64_t n = 0;
  for (const auto& r : read_all(dir, &st)) n += r.is_message();
  CHECK(st == read_status::end);
  CHECK(n == 20);
}

TEST_CASE("a flipped byte in the middle is reported with its file and offset, not skipped", "[journal][recovery]") {
  scratch_dir tmp;
  const std::string dir = tmp.sub("s");
  (void)write_orders(dir, 20);
  const owned_record seven =
      first_record(dir, [](const owned_record& r) { return r.is_message() && r.header.msg_seq_num == 7; });
  const std::string& file = seven.path;
  const std::uint64_t offset = seven.offset;
  SECTION("in the payload") { flip_byte(file, offset + format::record_header_bytes + 50); }
  SECTION("in the header's MsgSeqNum") { flip_byte(file, offset + 16); }
  const journal_error e = open_error(dir);
  CHECK(e.code == journal_errc::corrupt_record);
  CHECK(e.file == file);
  CHECK(e.offset == offset);
  CHECK_THAT(e.message, Catch::Contains(file) && Catch::Contains("offset " + std::to_string(offset)));
  read_status st;
  const auto good = read_all(dir, &st);
  CHECK(st == read_status::corrupt);
}

TEST_CASE("opening names the file and the fault", "[journal][errors]") {
  scratch_dir tmp;
  SECTION("missing journal without create") {
    auto o = small_options();
    o.create = false;
    const journal_error e = open_error(tmp.sub("nope"), o);
    CHECK(e.code == journal_errc::not_found);
    CHECK_THAT(e.message, Catch::Contains(tmp.sub("nope")));
  }
  SECTION("foreign file named like a segment") {
    std::filesystem::create_directory(tmp.sub("s"));
    const std::string f = segment_path(tmp.sub("s"), 1);
    std::ofstream(f) << std::string(70000, 'z');
    const journal_error e = open_error(tmp.sub("s"));
    CHECK(e.code == journal_errc::foreign_file);
    CHECK_THAT(e.message, Catch::Contains(f));
  }
  SECTION("truncated segment") {
    { auto j = open_ok(tmp.sub("s")); }
    const std::string f = segment_path(tmp.sub("s"), 1);
    std::filesystem::resize_file(f, 10000);
    const journal_error e = open_error(tmp.sub("s"));
    CHECK(e.code == journal_errc::truncated);
    CHECK_THAT(e.message, Catch::Contains(f) && Catch::Contains("truncated"));
    auto rr = journal_reader::open(tmp.sub("s"));
    REQUIRE_FALSE(rr);
    CHECK(rr.error().code == journal_errc::truncated);
  }
  SECTION("a second writer is refused while the first has it open") {
    auto j = open_ok(tmp.sub("s"));
    CHECK(open_error(tmp.sub("s")).code == journal_errc::locked);
  }
  SECTION("another session's journal") {
    { auto j = open_ok(tmp.sub("s")); }
    auto o = small_options();
    o.session_name = "FIX.4.4:OTHER->BROKER";
    CHECK(open_error(tmp.sub("s"), o).code == journal_errc::foreign_file);
  }
}

TEST_CASE("a reader in step with the writer sees each record once it is committed", "[journal][reader]") {
  scratch_dir tmp;
  auto j = open_ok(tmp.sub("s"));
  auto rr = journal_reader::open(tmp.sub("s"));
  REQUIRE(rr);
  auto& reader = rr.value();
  record_view v;
  REQUIRE(reader.next(v) == read_status::record);  // segment_start
  CHECK(reader.next(v) == read_status::end);
  for (std::uint64_t s = 1; s <= 800; ++s) {
    const std::string m = order_message(s);
    const auto room = j.reserve_outbound(m.size());
    std::memcpy(room.data(), m.data(), m.size());
    read_status st;
    while ((st = reader.next(v)) == read_status::record) REQUIRE_FALSE(v.is_message());  // a roll's markers
    REQUIRE(st == read_status::end);  // reserved, not committed: invisible
    REQUIRE(j.commit_outbound(s, m.size(), 0, 1) == store_status::ok);
    bool got = false;
    while (reader.next(v) == read_status::record)
      if (v.is_message()) {
        REQUIRE(v.header.msg_seq_num == s);
        REQUIRE(v.text() == m);
        got = true;
      }
    REQUIRE(got);
  }
  CHECK(reader.segments().size() >= 2);
}

TEST_CASE("retention deletes the oldest segments beyond the size limit, never the active one", "[journal]") {
  scratch_dir tmp;
  auto o = small_options();
  o.retain_max_bytes = 3 * 64 * 1024;
  auto j = open_ok(tmp.sub("s"), o);
  for (std::uint64_t s = 1; s <= 2000; ++s) send(j, s, order_message(s));
  CHECK(j.segment_count() > 3);  // appends alone never delete anything
  REQUIRE(j.maintain(3000) == store_status::ok);
  CHECK(j.segment_count() <= 3);
  CHECK_FALSE(j.find_outbound(1).found());
  CHECK(text(j.find_outbound(2000)) == order_message(2000));
  j = open_ok(tmp.sub("x"));
  auto k = open_ok(tmp.sub("s"), o);
  CHECK(k.next_outbound_seq() == 2001);
}

TEST_CASE("reserve, commit, record_inbound and find_outbound do not allocate", "[journal]") {
  scratch_dir tmp;
  auto j = open_ok(tmp.sub("s"));
  const std::string m = order_message(1);
  fixring::test::alloc_scope scope;
  for (std::uint64_t s = 1; s <= 100; ++s) {
    const auto room = j.reserve_outbound(m.size());
    std::memcpy(room.data(), m.data(), m.size());
    REQUIRE(j.commit_outbound(s, m.size(), 0, 1) == store_status::ok);
    REQUIRE(j.record_inbound(s, m, 0, 1) == store_status::ok);
    REQUIRE(j.find_outbound(s).found());
  }
  CHECK(scope.allocations() == 0);
}

TEST_CASE("durability every and interval commit and sync without error", "[journal]") {
  scratch_dir tmp;
  auto o = small_options();
  o.sync = durability::every;
  {
    auto j = open_ok(tmp.sub("every"), o);
    send(j, 1, order_message(1));
    CHECK(j.last_status() == store_status::ok);
  }
  o.sync = durability::interval;
  o.sync_interval_ns = 1000;
  auto j = open_ok(tmp.sub("interval"), o, 0);
  send(j, 1, order_message(1));
  CHECK(j.maintain(5000) == store_status::ok);
  auto k = open_ok(tmp.sub("every"), o);
  CHECK(k.next_outbound_seq() == 2);
}

TEST_CASE("maintain prepares the next segment so the roll only installs it", "[journal]") {
  scratch_dir tmp;
  auto j = open_ok(tmp.sub("s"));
  std::uint64_t s = 1;
  while (j.segment_count() == 1) {
    send(j, s, order_message(s));
    ++s;
    REQUIRE(j.maintain(static_cast<std::int64_t>(s)) == store_status::ok);
  }
  bool tmp_seen = false;
  for (std::uint64_t k = 0; k < 200; ++k, ++s) {
    send(j, s, order_message(s));
    REQUIRE(j.maintain(static_cast<std::int64_t>(s)) == store_status::ok);
    for (const auto& e : std::filesystem::directory_iterator(tmp.sub("s")))
      tmp_seen |= e.path().extension() == ".tmp";
  }
  CHECK(tmp_seen);
  const std::uint64_t last = s - 1;
  j = open_ok(tmp.sub("other"));
  auto k = open_ok(tmp.sub("s"));
  CHECK(k.next_outbound_seq() == last + 1);
  for (const auto& e : std::filesystem::directory_iterator(tmp.sub("s")))
    CHECK(e.path().extension() != ".tmp");
}

namespace {

// Whether the page of `file` at `offset` is in the page cache (mincore on a
// mapping of our own: the cache is shared with the journal's mapping).
bool page_cached(const std::string& file, std::uint64_t offset) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  const std::uint64_t page = 4096;
  const std::uint64_t start = offset & ~(page - 1);
  void* p = ::mmap(nullptr, page, PROT_READ, MAP_SHARED, fd, static_cast<off_t>(start));
  ::close(fd);
  REQUIRE(p != MAP_FAILED);
  unsigned char v = 0;
  REQUIRE(::mincore(p, page, &v) == 0);
  ::munmap(p, page);
  return (v & 1) != 0;
}

// Options whose window ahead of the writer may grow to 16 MiB.
journal_options wide_window_options(std::uint64_t segment_bytes) {
  auto o = small_options(segment_bytes);
  o.prefault_ahead_bytes = std::uint64_t{16} << 20;
  return o;
}

// Sends orders from MsgSeqNum s on (s ends past the last) until at least
// `bytes` of reservations were used, calling maintain(s) whenever s reaches a
// multiple of maintain_every (never when 0); returns the bytes used.
std::uint64_t send_at_least(session_journal& j, std::uint64_t& s, std::uint64_t bytes,
                            std::uint64_t maintain_every = 0) {
  std::uint64_t written = 0;
  while (written < bytes) {
    const std::string m = order_message(s);
    send(j, s++, m);
    written += m.size() + 64;
    if (maintain_every != 0 && s % maintain_every == 0)
      REQUIRE(j.maintain(static_cast<std::int64_t>(s)) == store_status::ok);
  }
  return written;
}

// maintain() hands its window to the prefaulter thread; checks of the page
// cache wait for it (without that thread, maintain() already faulted in).
void wait_for_prefaults() {
  if (prefaulter* p = prefaulter::shared()) p->wait_idle();
}

}  // namespace

TEST_CASE("only a window ahead of the writer is faulted in, and maintain moves it along", "[journal]") {
  scratch_dir tmp;
  auto o = small_options(std::uint64_t{16} << 20);
  o.prefault_ahead_bytes = 256 * 1024;
  auto j = open_ok(tmp.sub("w"), o);
  const std::string seg = segment_path(tmp.sub("w"), 1);
  CHECK(page_cached(seg, 0));
  CHECK(page_cached(seg, 200 * 1024));
  CHECK_FALSE(page_cached(seg, std::uint64_t{12} << 20));  // a 16 MiB segment is not all in memory

  std::uint64_t s = 1;
  const std::uint64_t written = send_at_least(j, s, std::uint64_t{2} << 20, 256);
  REQUIRE(j.maintain(static_cast<std::int64_t>(s)) == store_status::ok);
  wait_for_prefaults();
  CHECK(page_cached(seg, written + 128 * 1024));  // the window followed the writer
  CHECK_FALSE(page_cached(seg, std::uint64_t{12} << 20));
}

TEST_CASE("a writer that appends more between maintain calls gets a wider window", "[journal]") {
  // Distances are in MiB because faulting pages in makes the kernel read
  // ahead around them (clean pages, a few MiB at most).
  scratch_dir tmp;
  auto j = open_ok(tmp.sub("f"), wide_window_options(std::uint64_t{64} << 20));
  const std::string seg = segment_path(tmp.sub("f"), 1);
  REQUIRE(j.maintain(1) == store_status::ok);
  wait_for_prefaults();
  CHECK_FALSE(page_cached(seg, std::uint64_t{10} << 20));  // quiet: the 256 KiB start window
  std::uint64_t s = 1;
  const std::uint64_t written = send_at_least(j, s, std::uint64_t{4} << 20);  // 4 MiB between two maintain calls
  REQUIRE(j.maintain(2) == store_status::ok);
  wait_for_prefaults();
  CHECK(page_cached(seg, written + (std::uint64_t{14} << 20)));  // the full 16 MiB ahead
  CHECK_FALSE(page_cached(seg, written + (std::uint64_t{30} << 20)));
}

namespace {

journal_options owner_prefault_options(std::uint64_t segment_bytes) {
  auto o = wide_window_options(segment_bytes);
  o.prefault_by = journal_options::prefaulting::owner;
  return o;
}

// Takes prefault steps of at most step_bytes until none is left; returns how many.
int prefault_all(session_journal& j, std::uint64_t step_bytes) {
  int steps = 0;
  while (j.prefault_step(step_bytes)) ++steps;
  return steps;
}

// Page faults this thread has taken (MADV_POPULATE_WRITE's count too).
long thread_faults() {
  rusage u{};
  ::getrusage(RUSAGE_THREAD, &u);
  return u.ru_minflt + u.ru_majflt;
}

}  // namespace

TEST_CASE("with prefault_by owner, maintain only asks and prefault_step faults the window in", "[journal]") {
  scratch_dir tmp;
  auto j = open_ok(tmp.sub("o"), owner_prefault_options(std::uint64_t{64} << 20));
  const std::string seg = segment_path(tmp.sub("o"), 1);
  REQUIRE(j.maintain(1) == store_status::ok);
  (void)prefault_all(j, 256 * 1024);
  std::uint64_t s = 1;
  // Asks for a 16 MiB window at the next maintain.
  const std::uint64_t written = send_at_least(j, s, std::uint64_t{4} << 20);
  const std::uint64_t probe = written + (std::uint64_t{14} << 20);
  REQUIRE(j.maintain(2) == store_status::ok);
  CHECK_FALSE(page_cached(seg, probe));  // maintain() faulted nothing in, nor did any thread
  const int steps = prefault_all(j, 64 * 1024);
  CHECK(page_cached(seg, probe));
  // Each step is at most 64 KiB: the window ahead of the writer takes many.
  CHECK(steps >= static_cast<int>((std::uint64_t{12} << 20) / (64 * 1024)));
  CHECK_FALSE(j.prefault_step(64 * 1024));  // nothing more until maintain() asks
  CHECK_FALSE(page_cached(seg, written + (std::uint64_t{30} << 20)));
}

TEST_CASE("appends into a window the owner's steps faulted in take no page fault; without the steps they do",
          "[journal]") {
  for (const bool step : {true, false}) {
    INFO((step ? "steps taken" : "no steps"));
    scratch_dir tmp;
    auto j = open_ok(tmp.sub("f"), owner_prefault_options(std::uint64_t{64} << 20));
    std::uint64_t s = 1;
    std::vector<std::string> msgs;
    for (std::uint64_t k = 0; k < 3000; ++k) msgs.push_back(order_message(k + 1));
    for (; s <= 2000; ++s) send(j, s, msgs[s - 1]);  // ~0.5 MiB: the next window is 2 MiB
    REQUIRE(j.maintain(2) == store_status::ok);
    if (step) (void)prefault_all(j, 64 * 1024);
    // 500 more: a quarter MiB of records and one page of the outbound index.
    const long before = thread_faults();
    for (; s <= 2500; ++s) send(j, s, msgs[s - 1]);
    const long faults = thread_faults() - before;
    if (step) {
      CHECK(faults == 0);
    } else {
      CHECK(faults >= 16);  // a page of records every ~15 messages
    }
  }
}

TEST_CASE("with prefault_by owner, the next segment's first window is faulted in by steps too", "[journal]") {
  scratch_dir tmp;
  // Probes are MiB away from the header page written at once: the kernel
  // reads ahead around a fault.
  auto j = open_ok(tmp.sub("n"), owner_prefault_options(std::uint64_t{32} << 20));
  REQUIRE(j.maintain(1) == store_status::ok);
  std::uint64_t s = 1;
  // Past half of the segment: maintain prepares the next.
  (void)send_at_least(j, s, std::uint64_t{17} << 20);
  REQUIRE(j.maintain(2) == store_status::ok);  // the window is the 16 MiB maximum now
  const std::string next = segment_path(tmp.sub("n"), 2) + ".tmp";
  REQUIRE(std::filesystem::exists(next));
  CHECK_FALSE(page_cached(next, std::uint64_t{12} << 20));
  (void)prefault_all(j, 256 * 1024);
  CHECK(page_cached(next, std::uint64_t{12} << 20));
  CHECK_FALSE(page_cached(next, std::uint64_t{24} << 20));
}

TEST_CASE("with prefault_by helper, prefault_step has nothing to do", "[journal]") {
  scratch_dir tmp;
  auto o = owner_prefault_options(std::uint64_t{64} << 20);
  o.prefault_by = journal_options::prefaulting::helper;
  auto j = open_ok(tmp.sub("h"), o);
  for (std::uint64_t s = 1; s <= 100; ++s) send(j, s, order_message(s));
  REQUIRE(j.maintain(2) == store_status::ok);
  CHECK_FALSE(j.prefault_step(64 * 1024));
  wait_for_prefaults();
}

TEST_CASE("a byte flipped anywhere is caught: no wrong message is ever served", "[journal][recovery]") {
  scratch_dir tmp;
  const std::string golden = tmp.sub("golden");
  constexpr std::uint64_t n = 300;  // two 64 KiB segments
  {
    auto j = open_ok(golden);
    for (std::uint64_t s = 1; s <= n; ++s) {
      send(j, s, order_message(s));
      REQUIRE(j.record_inbound(s, order_message(s + 1000), 0, 3) == store_status::ok);
    }
  }
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(golden))
    if (e.path().extension() == ".fjseg") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 150; ++trial) {
    const std::string dir = tmp.sub("t" + std::to_string(trial));
    std::filesystem::copy(golden, dir);
    const auto& victim = files[rng() % files.size()];
    // Flip within the written part of the segment (most of the file is zeros).
    const std::uint64_t offset = rng() % 70'000 % std::filesystem::file_size(victim);
    flip_byte(dir + "/" + victim.filename().string(), offset);
    INFO("trial " << trial << ": " << victim.filename() << " offset " << offset);
    auto rr = journal_reader::open(dir);
    if (rr) {
      record_view v;
      while (rr.value().next(v) == read_status::record)
        if (v.is_message()) {
          const std::uint64_t s = v.header.msg_seq_num;
          REQUIRE(v.text() == order_message(v.dir() == format::direction::outbound ? s : s + 1000));
        }
    } else {
      CHECK(rr.error().code != journal_errc::io_error);
    }
    auto r = session_journal::open(dir, small_options(), 1);
    if (!r) {
      const auto c = r.error().code;
      CHECK((c == journal_errc::corrupt_record || c == journal_errc::foreign_file ||
             c == journal_errc::unsupported_version || c == journal_errc::truncated));
      CHECK_THAT(r.error().message, Catch::Contains(dir));
      continue;
    }
    auto& j = r.value();
    for (std::uint64_t s = 1; s < j.next_outbound_seq(); ++s) {
      const auto m = j.find_outbound(s);
      if (m.found()) REQUIRE(text(m) == order_message(s));
    }
    std::filesystem::remove_all(dir);
  }
}

TEST_CASE("a segment whose seal was wiped is reported, not read as the end of the journal", "[journal][recovery]") {
  scratch_dir tmp;
  const std::string dir = tmp.sub("s");
  REQUIRE(write_orders(dir, 600) >= 3);
  const owned_record end = first_record(
      dir, [](const owned_record& r) { return r.header.kind == std::uint8_t(format::record_kind::segment_end); });
  const std::string& file = end.path;
  const std::uint64_t seal = end.offset;
  {
    const int fd = ::open(file.c_str(), O_RDWR);
    REQUIRE(fd >= 0);
    const char zeros[format::record_header_bytes] = {};
    REQUIRE(::pwrite(fd, zeros, sizeof zeros, static_cast<off_t>(seal)) == sizeof zeros);
    ::close(fd);
  }
  read_status st;
  (void)read_all(dir, &st);
  CHECK(st == read_status::corrupt);
  const journal_error e = open_error(dir);
  CHECK(e.code == journal_errc::corrupt_record);
  CHECK_THAT(e.message, Catch::Contains(file));
}

TEST_CASE("maintain leaves the window to the prefaulter thread, which faults it in", "[journal]") {
  prefaulter* helper = prefaulter::shared();
  if (helper == nullptr) {
    WARN("no prefaulter here (no MADV_POPULATE_WRITE): maintain faults in on its own thread");
    return;
  }
  scratch_dir tmp;
  const auto o = wide_window_options(std::uint64_t{64} << 20);
  auto j = open_ok(tmp.sub("p"), o);
  const std::string seg = segment_path(tmp.sub("p"), 1);
  REQUIRE(j.maintain(1) == store_status::ok);
  wait_for_prefaults();
  std::uint64_t s = 1;
  // Asks for a 16 MiB window at the next maintain.
  const std::uint64_t written = send_at_least(j, s, std::uint64_t{4} << 20);
  const std::uint64_t probe = written + (std::uint64_t{14} << 20);
  REQUIRE_FALSE(page_cached(seg, probe));
  // Paused, the helper takes nothing: a page the window covers stays out of
  // the page cache after maintain() returned, so maintain() did not fault it.
  helper->pause();
  REQUIRE(j.maintain(2) == store_status::ok);
  CHECK_FALSE(page_cached(seg, probe));
  helper->resume();
  helper->wait_idle();
  CHECK(page_cached(seg, probe));  // the helper did
  // The journal goes away with a request still queued: it is forgotten, and
  // the helper carries on for others.
  helper->pause();
  for (int k = 0; k < 2000; ++k) {
    const std::string m = order_message(s);
    send(j, s++, m);
  }
  REQUIRE(j.maintain(3) == store_status::ok);
  j = open_ok(tmp.sub("q"), o);
  helper->resume();
  helper->wait_idle();
  REQUIRE(j.maintain(4) == store_status::ok);
  helper->wait_idle();
  CHECK(page_cached(segment_path(tmp.sub("q"), 1), 0));
}
