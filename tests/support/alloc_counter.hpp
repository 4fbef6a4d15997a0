// Counts calls to the global operator new in this process (alloc_counter.cpp
// replaces it), so a test can prove a code path allocates nothing:
//   fixring::test::alloc_scope s;  ...code...;  REQUIRE(s.allocations() == 0);
#pragma once

#include <cstdint>

namespace fixring::test {

std::uint64_t allocation_count() noexcept;

class alloc_scope {
 public:
  alloc_scope() noexcept : start_(allocation_count()) {}
  [[nodiscard]] std::uint64_t allocations() const noexcept { return allocation_count() - start_; }

 private:
  std::uint64_t start_;
};

}  // namespace fixring::test
