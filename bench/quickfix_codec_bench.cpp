// QuickFIX/C++ counterparts of codec_bench.cpp, on the same bytes. Built as
// gnu++14 (QuickFIX's headers use dynamic exception specifications).
#include <benchmark/benchmark.h>
#include <quickfix/DataDictionary.h>
#include <quickfix/Message.h>

#include <memory>
#include <string>

#include "support/alloc_count.hpp"
#include "support/sample_messages.hpp"

namespace {

void report(benchmark::State& state, std::uint64_t allocs_before, std::size_t bytes_per_iter) {
  const double iters = static_cast<double>(state.iterations());
  state.counters["allocs_per_iter"] =
      benchmark::Counter(static_cast<double>(fixring::bench::allocations() - allocs_before) / iters);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes_per_iter));
  state.SetItemsProcessed(state.iterations());
}

// FIX::Message::setString with validation of BodyLength and CheckSum, no dictionary.
void parse_bench(benchmark::State& state, const char* text) {
  const std::string wire = fixring::bench::with_length_and_checksum(text);
  FIX::Message m;
  const std::uint64_t before = fixring::bench::allocations();
  for (auto _ : state) {
    m.setString(wire, true);
    benchmark::DoNotOptimize(m);
  }
  report(state, before, wire.size());
}

void BM_qf_parse_new_order_single(benchmark::State& state) {
  parse_bench(state, fixring::bench::new_order_single_text);
}
void BM_qf_parse_execution_report(benchmark::State& state) {
  parse_bench(state, fixring::bench::execution_report_text);
}

// FIX::Message::toString of a populated ExecutionReport.
void BM_qf_encode_execution_report(benchmark::State& state) {
  const std::string wire = fixring::bench::with_length_and_checksum(fixring::bench::execution_report_text);
  FIX::Message m(wire, false);
  std::string out;
  const std::uint64_t before = fixring::bench::allocations();
  for (auto _ : state) {
    m.toString(out);
    benchmark::DoNotOptimize(out);
  }
  if (out != wire) state.SkipWithError("QuickFIX output differs from the sample bytes");
  report(state, before, out.size());
}

// FIX::DataDictionary::validate of a NewOrderSingle parsed with that dictionary.
void BM_qf_validate_new_order_single(benchmark::State& state) {
  const std::string path = std::string(fixring::bench::spec_dir) + "/FIX44.xml";
  std::unique_ptr<FIX::DataDictionary> dd;
  try {
    dd.reset(new FIX::DataDictionary(path));
  } catch (const std::exception& e) {
    state.SkipWithError(("FIX44.xml not available: " + path).c_str());
    for (auto _ : state) {
    }
    return;
  }
  const std::string wire = fixring::bench::with_length_and_checksum(fixring::bench::new_order_single_text);
  FIX::Message m(wire, *dd, true);
  const std::uint64_t before = fixring::bench::allocations();
  for (auto _ : state) {
    dd->validate(m);
    benchmark::ClobberMemory();
  }
  report(state, before, wire.size());
}

BENCHMARK(BM_qf_parse_new_order_single)->Name("quickfix/parse/NewOrderSingle");
BENCHMARK(BM_qf_parse_execution_report)->Name("quickfix/parse/ExecutionReport");
BENCHMARK(BM_qf_encode_execution_report)->Name("quickfix/encode/ExecutionReport");
BENCHMARK(BM_qf_validate_new_order_single)->Name("quickfix/validate/NewOrderSingle");

}  // namespace
