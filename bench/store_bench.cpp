// store benchmarks: the journal's hot path (append, lookup) and its cold paths
// that still have targets (replay scan, recovery of 1 GiB).
//
// Journals go to /dev/shm (tmpfs: page cache only, which is what durability
// `none` costs) except BM_append_every, which needs a real disk and uses /tmp.
// Every benchmark removes its files. Report medians:
//   bench/store_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "fixring/store/journal_reader.hpp"
#include "fixring/store/session_journal.hpp"

using namespace fixring::store;

namespace {

class bench_dir {
 public:
  explicit bench_dir(const char* base) {
    std::string t = std::string(base) + "/fixring-store-bench-XXXXXX";
    if (!::mkdtemp(t.data())) std::abort();
    path_ = t;
  }
  ~bench_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] std::string journal() const { return path_ + "/j"; }

 private:
  std::string path_;
};

// A FIX-looking message of exactly `bytes` bytes.
std::string message_of(std::size_t bytes) {
  std::string m = "8=FIX.4.4\x01" "9=000\x01" "35=D\x01" "34=1\x01" "49=CLIENT\x01" "56=BROKER\x01" "58=";
  while (m.size() + 8 < bytes) m += 'x';
  m += "\x01" "10=000\x01";
  m.resize(bytes, 'x');
  return m;
}

session_journal open_or_die(const std::string& dir, const journal_options& o) {
  auto r = session_journal::open(dir, o, 1);
  if (!r) {
    std::fprintf(stderr, "%s\n", r.error().message.c_str());
    std::abort();
  }
  return std::move(r).value();
}

journal_options bench_options(std::uint64_t segment_bytes) {
  journal_options o;
  o.session_name = "FIX.4.4:BENCH->PEER";
  o.segment_bytes = segment_bytes;
  o.index_capacity = std::uint64_t{1} << 28;
  return o;
}

// Fills a journal with `count` outbound messages of `bytes` bytes.
void fill(session_journal& j, std::uint64_t count, std::size_t bytes) {
  const std::string m = message_of(bytes);
  for (std::uint64_t s = 1; s <= count; ++s) {
    const auto room = j.reserve_outbound(m.size());
    if (room.empty()) std::abort();
    std::memcpy(room.data(), m.data(), m.size());
    if (j.commit_outbound(s, m.size(), 0, static_cast<std::int64_t>(s)) != store_status::ok) std::abort();
    if ((s & 4095) == 0) (void)j.maintain(static_cast<std::int64_t>(s));
  }
}

// Append of a 200-byte outbound message at durability none: reserve, encode
// (a memcpy stands in for the encoder), commit. maintain() runs every 4096
// appends outside the timed region, as the owner's loop would between events
// (it prepares the next segment and applies retention, both off the hot path).
void BM_append_none(benchmark::State& state) {
  bench_dir dir("/dev/shm");
  auto o = bench_options(std::uint64_t{64} << 20);
  o.retain_max_bytes = std::uint64_t{512} << 20;  // keep /dev/shm use bounded on long runs
  auto j = open_or_die(dir.journal(), o);
  const std::string m = message_of(200);
  std::uint64_t seq = 1;
  for (auto _ : state) {
    const auto room = j.reserve_outbound(m.size());
    std::memcpy(room.data(), m.data(), m.size());
    benchmark::DoNotOptimize(j.commit_outbound(seq, m.size(), 0, static_cast<std::int64_t>(seq)));
    if ((++seq & 4095) == 0) {
      state.PauseTiming();
      (void)j.maintain(static_cast<std::int64_t>(seq));
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(m.size()));
}
BENCHMARK(BM_append_none);

// Append with fdatasync per commit, on the real disk under /tmp.
void BM_append_every(benchmark::State& state) {
  bench_dir dir("/tmp");
  auto o = bench_options(std::uint64_t{16} << 20);
  o.sync = durability::every;
  auto j = open_or_die(dir.journal(), o);
  const std::string m = message_of(200);
  std::uint64_t seq = 1;
  for (auto _ : state) {
    const auto room = j.reserve_outbound(m.size());
    std::memcpy(room.data(), m.data(), m.size());
    benchmark::DoNotOptimize(j.commit_outbound(seq, m.size(), 0, static_cast<std::int64_t>(seq)));
    ++seq;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_append_every)->Iterations(2000)->UseRealTime();

// Sequential replay of 256 MiB of 200-byte messages through journal_reader;
// arg 1 verifies every CRC (what fixjournal and recovery do), arg 0 trusts them.
void BM_replay_scan(benchmark::State& state) {
  bench_dir dir("/dev/shm");
  const std::uint64_t count = (std::uint64_t{256} << 20) / 248;
  {
    auto j = open_or_die(dir.journal(), bench_options(std::uint64_t{64} << 20));
    fill(j, count, 200);
  }
  const bool verify = state.range(0) != 0;
  std::uint64_t bytes = 0;
  for (auto _ : state) {
    auto r = journal_reader::open(dir.journal());
    if (!r) std::abort();
    record_view v;
    std::uint64_t n = 0;
    while (r.value().next(v, verify) == read_status::record) {
      bytes += v.payload.size() + format::record_header_bytes;
      ++n;
    }
    benchmark::DoNotOptimize(n);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_replay_scan)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);

// find_outbound by MsgSeqNum in a journal of N records. "recent" draws seqs
// from the last 4096 (what a resend asks for); "any" draws from all N, and so
// also measures cache and TLB misses on the index and the mapping.
void lookup(benchmark::State& state, bool recent) {
  bench_dir dir("/dev/shm");
  const auto n = static_cast<std::uint64_t>(state.range(0));
  auto j = open_or_die(dir.journal(), bench_options(std::uint64_t{256} << 20));
  fill(j, n, 64);
  std::mt19937_64 rng(42);
  std::vector<std::uint64_t> seqs(1 << 16);
  const std::uint64_t window = recent ? std::min<std::uint64_t>(n, 4096) : n;
  for (auto& s : seqs) s = n - rng() % window;
  std::size_t i = 0;
  for (auto _ : state) {
    const stored_message m = j.find_outbound(seqs[i++ & (seqs.size() - 1)]);
    benchmark::DoNotOptimize(m.bytes.data()[0]);
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_lookup_recent(benchmark::State& state) { lookup(state, true); }
void BM_lookup_any(benchmark::State& state) { lookup(state, false); }
BENCHMARK(BM_lookup_recent)->RangeMultiplier(10)->Range(1000, 10'000'000);
BENCHMARK(BM_lookup_any)->RangeMultiplier(10)->Range(1000, 10'000'000);

// Recovery: session_journal::open on 1 GiB of records (CRC of every record,
// sequence state and index rebuilt), page cache warm.
void BM_recovery_1GiB(benchmark::State& state) {
  bench_dir dir("/dev/shm");
  const std::uint64_t count = (std::uint64_t{1} << 30) / 248;
  {
    auto j = open_or_die(dir.journal(), bench_options(std::uint64_t{256} << 20));
    fill(j, count, 200);
  }
  std::uint64_t scanned = 0;
  for (auto _ : state) {
    auto j = open_or_die(dir.journal(), bench_options(std::uint64_t{256} << 20));
    scanned += j.recovery().bytes_scanned;
    benchmark::DoNotOptimize(j.next_outbound_seq());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(scanned));
}
BENCHMARK(BM_recovery_1GiB)->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
