// timer_heap: ordering, ties, cancellation, capacity and stale ids.
#include "fixring/engine/reactor/timer_heap.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <vector>

using fixring::engine::reactor::invalid_timer;
using fixring::engine::reactor::timer_heap;
using fixring::engine::reactor::timer_id;

TEST_CASE("timers pop in deadline order with ties in insertion order", "[timer]") {
  timer_heap h(16);
  const timer_id a = h.add(300);
  const timer_id b = h.add(100);
  const timer_id c = h.add(200);
  const timer_id d = h.add(100);
  CHECK(h.next_deadline_ns() == 100);
  timer_id out = invalid_timer;
  CHECK_FALSE(h.pop_expired(99, out));
  REQUIRE(h.pop_expired(100, out));
  CHECK(out == b);
  REQUIRE(h.pop_expired(100, out));
  CHECK(out == d);
  CHECK_FALSE(h.pop_expired(150, out));
  REQUIRE(h.pop_expired(1000, out));
  CHECK(out == c);
  REQUIRE(h.pop_expired(1000, out));
  CHECK(out == a);
  CHECK(h.size() == 0);
}

TEST_CASE("a cancelled or fired timer id is refused and its reused record gets a new id",
          "[timer]") {
  timer_heap h(2);
  const timer_id a = h.add(10);
  const timer_id keep = h.add(30);
  CHECK(h.add(20) == invalid_timer);  // capacity 2
  REQUIRE(h.cancel(a));
  CHECK_FALSE(h.cancel(a));
  const timer_id b = h.add(20);
  REQUIRE(b != invalid_timer);
  CHECK(b != a);
  CHECK_FALSE(h.cancel(a));  // the old id does not cancel the new occupant
  timer_id out = invalid_timer;
  REQUIRE(h.pop_expired(20, out));
  CHECK(out == b);
  CHECK_FALSE(h.cancel(b));
  CHECK(h.cancel(keep));
}

TEST_CASE("random adds and cancels pop exactly the survivors in sorted order", "[timer]") {
  timer_heap h(512);
  std::mt19937 rng(7);
  std::vector<std::pair<std::int64_t, timer_id>> live;
  for (int i = 0; i < 400; ++i) {
    const std::int64_t dl = static_cast<std::int64_t>(rng() % 1000);
    live.emplace_back(dl, h.add(dl));
  }
  for (int i = 0; i < 150; ++i) {
    const std::size_t k = rng() % live.size();
    REQUIRE(h.cancel(live[k].second));
    live.erase(live.begin() + static_cast<std::ptrdiff_t>(k));
  }
  std::vector<std::int64_t> popped;
  timer_id out = invalid_timer;
  while (h.pop_expired(1000, out)) {
    const auto it = std::find_if(live.begin(), live.end(), [&](auto& p) { return p.second == out; });
    REQUIRE(it != live.end());
    popped.push_back(it->first);
    live.erase(it);
  }
  CHECK(live.empty());
  CHECK(std::is_sorted(popped.begin(), popped.end()));
  CHECK(popped.size() == 250);
}
