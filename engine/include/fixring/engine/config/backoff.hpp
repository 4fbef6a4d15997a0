// Reconnect backoff as a pure value type: initial delay, multiplicative factor,
// cap, jitter fraction and maximum attempts. The QuickFIX ReconnectInterval maps
// onto it as initial = max = interval, factor 1, no jitter
// (backoff_policy::from_reconnect_interval).
//
// Delay of attempt n (n = 0 for the first reconnect):
//   base(n)  = min(max_delay_ms, initial_delay_ms * factor^n)
//   delay(n) = base(n) - floor(base(n) * jitter * u),  u uniform in [0, 1)
// so jitter only shortens a delay (never past the cap) and jitter 0 gives the
// exact geometric sequence. u comes from a splitmix64 generator whose 64-bit
// state the caller owns and passes in, so a seeded test replays exactly.
//
// Cost: header-only, noexcept, no allocation. Thread contract: a backoff is a
// plain value owned by one session on the reactor thread.
#pragma once

#include <cstdint>

namespace fixring::engine::config {

struct backoff_policy {
  std::int64_t initial_delay_ms = 500;
  double factor = 2.0;              // >= 1
  std::int64_t max_delay_ms = 30'000;
  double jitter = 0.2;              // 0..1: fraction of the delay that may be taken off
  std::uint32_t max_attempts = 0;   // 0 = unlimited

  [[nodiscard]] static constexpr backoff_policy from_reconnect_interval(
      std::int64_t interval_s) noexcept {
    backoff_policy p;
    p.initial_delay_ms = interval_s * 1000;
    p.max_delay_ms = interval_s * 1000;
    p.factor = 1.0;
    p.jitter = 0.0;
    p.max_attempts = 0;
    return p;
  }

  friend bool operator==(const backoff_policy&, const backoff_policy&) = default;
};

// splitmix64: advances `state` and returns the next 64 random bits.
[[nodiscard]] constexpr std::uint64_t splitmix64_next(std::uint64_t& state) noexcept {
  state += 0x9e3779b97f4a7c15ULL;
  std::uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class backoff {
 public:
  // Returned by next_delay_ms once max_attempts delays have been handed out.
  static constexpr std::int64_t exhausted = -1;

  constexpr backoff() noexcept = default;
  constexpr explicit backoff(const backoff_policy& policy) noexcept : policy_(policy) {}

  // Delay before the next reconnect attempt, in milliseconds, or `exhausted`.
  // Advances the attempt counter and `prng_state` (only when jitter > 0).
  [[nodiscard]] constexpr std::int64_t next_delay_ms(std::uint64_t& prng_state) noexcept {
    if (policy_.max_attempts != 0 && attempts_ >= policy_.max_attempts) return exhausted;
    const std::int64_t base_ms = attempts_ == 0 ? clamp(policy_.initial_delay_ms) : next_base_ms_;
    ++attempts_;
    // Grow in double and clamp before converting back, so a long run of
    // attempts saturates at the cap instead of overflowing.
    const double grown_ms = static_cast<double>(base_ms) * policy_.factor;
    next_base_ms_ = grown_ms >= static_cast<double>(policy_.max_delay_ms)
                        ? policy_.max_delay_ms
                        : clamp(static_cast<std::int64_t>(grown_ms));
    if (policy_.jitter <= 0.0) return base_ms;
    // 53 random bits give u in [0, 1) exactly representable as a double.
    const double u = static_cast<double>(splitmix64_next(prng_state) >> 11) * 0x1.0p-53;
    const auto cut_ms = static_cast<std::int64_t>(static_cast<double>(base_ms) * policy_.jitter * u);
    return base_ms - cut_ms;
  }

  // Call after a successful logon: the next failure starts from initial_delay_ms.
  constexpr void reset() noexcept {
    attempts_ = 0;
    next_base_ms_ = 0;
  }

  [[nodiscard]] constexpr std::uint32_t attempts() const noexcept { return attempts_; }
  [[nodiscard]] constexpr const backoff_policy& policy() const noexcept { return policy_; }

 private:
  [[nodiscard]] constexpr std::int64_t clamp(std::int64_t ms) const noexcept {
    return ms > policy_.max_delay_ms ? policy_.max_delay_ms : (ms < 0 ? 0 : ms);
  }

  backoff_policy policy_{};
  std::uint32_t attempts_ = 0;
  std::int64_t next_base_ms_ = 0;
};

}  // namespace fixring::engine::config
