// Codec benchmarks: fixring's side. The QuickFIX/C++ counterparts, on the same
// bytes, are in quickfix_codec_bench.cpp (a gnu++14 target) and run in the same
// binary, so one run gives both sides and their ratio.
#include <benchmark/benchmark.h>

#include <string>

#include "fixring/codec/encoder.hpp"
#include "fixring/codec/message.hpp"
#include "support/alloc_count.hpp"
#include "support/sample_messages.hpp"

namespace {

using namespace fixring::codec;

void report(benchmark::State& state, std::uint64_t allocs_before, std::size_t bytes_per_iter) {
  const auto iters = static_cast<double>(state.iterations());
  state.counters["allocs_per_iter"] =
      benchmark::Counter(static_cast<double>(fixring::bench::allocations() - allocs_before) / iters);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes_per_iter));
  state.SetItemsProcessed(state.iterations());
}

// Parse = frame (BeginString, BodyLength, MsgType, CheckSum verified) + index every field.
void parse_bench(benchmark::State& state, const char* text) {
  const std::string wire = fixring::bench::with_length_and_checksum(text);
  static message m;
  const std::uint64_t before = fixring::bench::allocations();
  for (auto _ : state) {
    const frame_result f = frame(wire.data(), wire.size());
    benchmark::DoNotOptimize(f);
    const parse_error e = m.parse(std::string_view(wire.data(), f.size_bytes), f.body_offset);
    benchmark::DoNotOptimize(e);
    benchmark::ClobberMemory();
  }
  report(state, before, wire.size());
}

void BM_parse_new_order_single(benchmark::State& state) {
  parse_bench(state, fixring::bench::new_order_single_text);
}
void BM_parse_execution_report(benchmark::State& state) {
  parse_bench(state, fixring::bench::execution_report_text);
}

// Encode = every field of the ExecutionReport written from typed values, then
// BodyLength and CheckSum; the output is byte-identical to the sample.
void BM_encode_execution_report(benchmark::State& state) {
  char buf[512];
  const decimal px{10125, 2};
  std::size_t size = 0;
  const std::uint64_t before = fixring::bench::allocations();
  for (auto _ : state) {
    encoder e(buf, sizeof buf);
    e.begin("FIX.4.4", "8");
    e.add_uint(34, 987);
    e.add(49, "BROKER1");
    e.add_timestamp(52, 1767268800456000000LL, time_precision::ms);
    e.add(56, "CLIENT1");
    e.add_decimal(6, px);
    e.add(11, "ORD-0001234");
    e.add_uint(14, 500);
    e.add(17, "EXEC-000987");
    e.add_decimal(31, px);
    e.add_uint(32, 500);
    e.add(37, "OID-55123");
    e.add_uint(38, 1000);
    e.add_char(39, '1');
    e.add_char(40, '2');
    e.add_decimal(44, px);
    e.add_char(54, '1');
    e.add(55, "AAPL");
    e.add_char(59, '0');
    e.add_timestamp(60, 1767268800456000000LL, time_precision::ms);
    e.add_char(150, 'F');
    e.add_uint(151, 500);
    const encode_result r = e.finish();
    size = r.size_bytes;
    benchmark::DoNotOptimize(buf);
    benchmark::ClobberMemory();
  }
  const std::string expected = fixring::bench::with_length_and_checksum(fixring::bench::execution_report_text);
  if (std::string(buf, size) != expected) state.SkipWithError("encoder output differs from the sample bytes");
  report(state, before, size);
}

BENCHMARK(BM_parse_new_order_single)->Name("parse/NewOrderSingle");
BENCHMARK(BM_parse_execution_report)->Name("parse/ExecutionReport");
BENCHMARK(BM_encode_execution_report)->Name("encode/ExecutionReport");

}  // namespace
