// The session core over the disk journal (store/session_journal.hpp): what a
// restarted process sees is what the journal recovered.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>

#include "fixring/store/journal_reader.hpp"
#include "fixring/store/session_journal.hpp"
#include "session_harness.hpp"

using namespace fixring::test;
namespace store = fixring::store;
namespace codec = fixring::codec;

static_assert(fixring::engine::session_store<store::session_journal>);

namespace {
using journal_session = session<store::session_journal, recording_sink, recording_handler>;

struct temp_dir {
  std::string path;
  temp_dir() {
    char tmpl[] = "/tmp/fixring-session-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
};

std::string in(std::string_view type, std::uint64_t seq, std::int64_t now, std::string_view body = "") {
  return fix("8=FIX.4.4|35=" + std::string(type) + "|34=" + std::to_string(seq) + "|49=TW44|52=" + timestamp(now) +
             "|56=ISLD|" + std::string(body));
}

void feed(journal_session& s, const std::string& bytes, std::int64_t now) {
  REQUIRE(s.on_bytes({bytes.data(), bytes.size()}, now) == bytes.size());
}

store::session_journal open_journal(const std::string& dir, std::int64_t now) {
  store::journal_options o;
  o.session_name = "ISLD-TW44";
  o.segment_bytes = 1u << 20;
  o.index_capacity = 4096;
  auto r = store::session_journal::open(dir, o, now);
  REQUIRE(r);
  return std::move(r).value();
}

// One process's acceptor session ISLD <- TW44 over the journal in dir, with
// the journal, sink and handler it is bound to; the journal is closed when it
// goes out of scope, as when a process ends.
struct journal_process {
  store::session_journal journal;
  recording_sink sink;
  recording_handler handler;
  std::unique_ptr<journal_session> s;

  journal_process(const std::string& dir, std::int64_t now) : journal(open_journal(dir, now)) {
    session_config cfg;
    cfg.sender_comp_id = "ISLD";
    cfg.target_comp_id = "TW44";
    s = std::make_unique<journal_session>(cfg, journal, sink, handler);
  }
};
}  // namespace

TEST_CASE("a session restarted over the disk journal continues its sequences and serves resends") {
  temp_dir dir;
  std::int64_t now = t0_ns;
  {
    journal_process first(dir.path, now);
    first.s->on_connected(now);
    feed(*first.s, in("A", 1, now, "98=0|108=30|"), now);
    REQUIRE(first.s->status() == session_status::active);
    REQUIRE(first.s->send("D", [](codec::encoder& e) noexcept { e.add(11, "BEFORE"); }, now) == send_result::sent);
    feed(*first.s, in("0", 2, now), now);
    CHECK(first.sink.sent.size() == 2);
  }  // process ends: session and journal gone
  now += 60 * sec;
  journal_process p(dir.path, now);
  const auto& sent = p.sink.sent;
  CHECK(p.s->next_outbound_seq() == 3);
  CHECK(p.s->next_inbound_seq() == 3);
  p.s->on_connected(now);
  feed(*p.s, in("A", 3, now, "98=0|108=30|"), now);
  REQUIRE(sent.size() == 1);
  CHECK(norm(sent[0]) == expect("FIX.4.4", "35=A|34=3|49=ISLD|52=@|56=TW44|98=0|108=30|"));
  feed(*p.s, in("2", 4, now, "7=1|16=0|"), now);
  REQUIRE(sent.size() == 4);
  CHECK(norm(sent[1]) == expect("FIX.4.4", "35=4|34=1|43=Y|49=ISLD|52=@|56=TW44|122=@|36=2|123=Y|"));
  CHECK(norm(sent[2]) == expect("FIX.4.4", "35=D|34=2|43=Y|49=ISLD|52=@|56=TW44|122=@|11=BEFORE|"));
  CHECK(norm(sent[3]) == expect("FIX.4.4", "35=4|34=3|43=Y|49=ISLD|52=@|56=TW44|122=@|36=4|123=Y|"));
  CHECK(p.s->next_inbound_seq() == 5);
}

namespace {
// Inbound message MsgSeqNums in journal order.
std::vector<std::uint64_t> inbound_seqs(const std::string& dir) {
  auto r = store::journal_reader::open(dir);
  REQUIRE(r);
  store::journal_reader reader = std::move(r).value();
  std::vector<std::uint64_t> seqs;
  store::record_view v;
  while (reader.next(v) == store::read_status::record)
    if (v.is_message() && v.dir() == store::format::direction::inbound) seqs.push_back(v.header.msg_seq_num);
  return seqs;
}
}  // namespace

TEST_CASE("the journal records a too-high Logon and the GapFill that jumps over it") {
  temp_dir dir;
  const std::int64_t now = t0_ns;
  journal_process p(dir.path, now);
  p.s->on_connected(now);
  feed(*p.s, in("A", 5, now, "98=0|108=30|"), now);  // we expect 1: answered, then 1.. requested
  REQUIRE(p.sink.sent.size() == 2);
  // The counterparty's resend: its 1..5 were all admin (the Logon too), one GapFill.
  feed(*p.s, in("4", 1, now, "43=Y|122=" + timestamp(now) + "|36=6|123=Y|"), now);
  feed(*p.s, in("0", 6, now), now);
  CHECK(p.s->next_inbound_seq() == 7);
  CHECK(inbound_seqs(dir.path) == std::vector<std::uint64_t>{1, 5, 6});
}

TEST_CASE("the journal records an in-sequence GapFill under its own MsgSeqNum") {
  temp_dir dir;
  const std::int64_t now = t0_ns;
  journal_process p(dir.path, now);
  p.s->on_connected(now);
  feed(*p.s, in("A", 1, now, "98=0|108=30|"), now);
  feed(*p.s, in("4", 2, now, "43=Y|122=" + timestamp(now) + "|36=3|123=Y|"), now);  // fills exactly itself
  feed(*p.s, in("4", 3, now, "43=Y|122=" + timestamp(now) + "|36=9|123=Y|"), now);  // fills 3..8
  feed(*p.s, in("0", 9, now), now);
  CHECK(p.s->next_inbound_seq() == 10);
  CHECK(inbound_seqs(dir.path) == std::vector<std::uint64_t>{1, 2, 3, 9});
}
