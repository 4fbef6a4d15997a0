// Reconnect backoff: geometric growth, cap, deterministic jitter, attempt limit.
#include "fixring/engine/config/backoff.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace fixring::engine::config;

namespace {

std::vector<std::int64_t> delays(backoff b, int n, std::uint64_t seed = 1) {
  std::vector<std::int64_t> out;
  for (int i = 0; i < n; ++i) out.push_back(b.next_delay_ms(seed));
  return out;
}

backoff_policy no_jitter(std::int64_t initial_ms, double factor, std::int64_t max_ms) {
  backoff_policy p;
  p.initial_delay_ms = initial_ms;
  p.factor = factor;
  p.max_delay_ms = max_ms;
  p.jitter = 0;
  return p;
}

}  // namespace

TEST_CASE("delays grow by the factor until the cap, then stay there", "[backoff]") {
  const backoff b(no_jitter(100, 2.0, 1000));
  CHECK(delays(b, 7) == std::vector<std::int64_t>{100, 200, 400, 800, 1000, 1000, 1000});
}

TEST_CASE("a fractional factor grows the delay by that ratio", "[backoff]") {
  const backoff b(no_jitter(1000, 1.5, 10'000));
  CHECK(delays(b, 6) == std::vector<std::int64_t>{1000, 1500, 2250, 3375, 5062, 7593});
}

TEST_CASE("ReconnectInterval gives a fixed delay forever", "[backoff]") {
  const backoff_policy p = backoff_policy::from_reconnect_interval(30);
  CHECK(p.initial_delay_ms == 30'000);
  CHECK(p.max_delay_ms == 30'000);
  CHECK(p.factor == 1.0);
  CHECK(p.jitter == 0.0);
  CHECK(p.max_attempts == 0);
  CHECK(delays(backoff(p), 5) == std::vector<std::int64_t>(5, 30'000));
}

TEST_CASE("after max_attempts delays the backoff reports exhausted", "[backoff]") {
  backoff_policy p = no_jitter(100, 2.0, 1000);
  p.max_attempts = 3;
  backoff b(p);
  std::uint64_t seed = 0;
  CHECK(b.next_delay_ms(seed) == 100);
  CHECK(b.next_delay_ms(seed) == 200);
  CHECK(b.next_delay_ms(seed) == 400);
  CHECK(b.next_delay_ms(seed) == backoff::exhausted);
  CHECK(b.next_delay_ms(seed) == backoff::exhausted);
  CHECK(b.attempts() == 3);
}

TEST_CASE("reset after a logon starts again from the initial delay", "[backoff]") {
  backoff b(no_jitter(100, 3.0, 10'000));
  std::uint64_t seed = 0;
  (void)b.next_delay_ms(seed);
  (void)b.next_delay_ms(seed);
  b.reset();
  CHECK(b.attempts() == 0);
  CHECK(b.next_delay_ms(seed) == 100);
  CHECK(b.next_delay_ms(seed) == 300);
}

TEST_CASE("jitter only shortens a delay, by at most the jitter fraction", "[backoff]") {
  backoff_policy p = no_jitter(1000, 2.0, 8000);
  p.jitter = 0.25;
  backoff b(p);
  std::uint64_t seed = 42;
  const std::int64_t bases[] = {1000, 2000, 4000, 8000, 8000, 8000, 8000, 8000};
  bool any_cut = false;
  for (std::int64_t base : bases) {
    const std::int64_t d = b.next_delay_ms(seed);
    CHECK(d <= base);
    CHECK(d >= base - base / 4);
    any_cut = any_cut || d < base;
  }
  CHECK(any_cut);
}

TEST_CASE("the same PRNG seed replays the same jittered sequence", "[backoff]") {
  backoff_policy p;
  p.jitter = 0.5;
  const backoff b(p);
  CHECK(delays(b, 10, 7) == delays(b, 10, 7));
  CHECK(delays(b, 10, 7) != delays(b, 10, 8));
}

TEST_CASE("jitter advances the caller's PRNG state; no jitter leaves it alone", "[backoff]") {
  backoff_policy p = no_jitter(10, 2.0, 100);
  backoff plain(p);
  std::uint64_t seed = 5;
  (void)plain.next_delay_ms(seed);
  CHECK(seed == 5);
  p.jitter = 0.1;
  backoff jittered(p);
  (void)jittered.next_delay_ms(seed);
  CHECK(seed != 5);
}

TEST_CASE("a long run saturates at the cap without overflow", "[backoff]") {
  backoff b(no_jitter(1, 100.0, 86'400'000));
  std::uint64_t seed = 0;
  std::int64_t last = 0;
  for (int i = 0; i < 1000; ++i) last = b.next_delay_ms(seed);
  CHECK(last == 86'400'000);
}

TEST_CASE("an initial delay above the cap is clamped to the cap", "[backoff]") {
  const backoff b(no_jitter(5000, 2.0, 1000));
  CHECK(delays(b, 3) == std::vector<std::int64_t>{1000, 1000, 1000});
}

TEST_CASE("splitmix64 matches its published first outputs for seed 0", "[backoff]") {
  std::uint64_t s = 0;
  CHECK(splitmix64_next(s) == 0xe220a8397b1dcdafULL);
  CHECK(splitmix64_next(s) == 0x6e789e6aa1b965f4ULL);
}
