// Every benchmark binary replaces global operator new with a counting wrapper
// around mimalloc (alloc_count.cpp), so a benchmark can report allocs_per_iter.
#pragma once

#include <cstdint>

namespace fixring::bench {
std::uint64_t allocations() noexcept;
}
