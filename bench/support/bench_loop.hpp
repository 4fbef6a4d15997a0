// Shared shape of the codec benchmarks: the body runs first in an untimed
// pre-pass that counts allocations (so allocs_per_iter sees only the body, not
// the framework's own bookkeeping), then in the timed loop. C++14, so the
// QuickFIX target can use it too.
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>

#include "alloc_count.hpp"

namespace fixring {
namespace bench {

template <class Body>
void run_counted(benchmark::State& state, std::size_t bytes_per_iter, Body body) {
  const int pre_pass = 1000;
  const std::uint64_t before = allocations();
  for (int i = 0; i < pre_pass; ++i) body();
  const std::uint64_t allocs = allocations() - before;
  for (auto _ : state) body();
  state.counters["allocs_per_iter"] = benchmark::Counter(static_cast<double>(allocs) / pre_pass);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes_per_iter));
  state.SetItemsProcessed(state.iterations());
}

}  // namespace bench
}  // namespace fixring
