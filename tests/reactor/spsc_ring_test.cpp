// spsc_byte_ring: single-threaded contract tests and a two-thread stress run
// (millions of variable-length messages, checked for loss, order and
// content). This executable is the one to build with -Db_sanitize=thread.
#include "fixring/engine/reactor/spsc_ring.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <thread>

using fixring::engine::reactor::spsc_byte_ring;

TEST_CASE("a full ring refuses a claim until the consumer pops", "[spsc]") {
  spsc_byte_ring ring(4, 32);
  CHECK(ring.slot_count() == 4);
  for (int i = 0; i < 4; ++i) {
    const char b = static_cast<char>('a' + i);
    REQUIRE(ring.try_push({&b, 1}, static_cast<std::uint64_t>(i)));
  }
  CHECK(ring.try_claim(1).empty());
  const char x = 'x';
  CHECK_FALSE(ring.try_push({&x, 1}));
  spsc_byte_ring::record rec;
  REQUIRE(ring.front(rec));
  CHECK(rec.tag == 0);
  CHECK(rec.bytes.size() == 1);
  CHECK(rec.bytes[0] == 'a');
  ring.pop();
  CHECK(ring.try_push({&x, 1}, 9));
  for (int i = 1; i < 4; ++i) {
    REQUIRE(ring.front(rec));
    CHECK(rec.bytes[0] == static_cast<char>('a' + i));
    ring.pop();
  }
  REQUIRE(ring.front(rec));
  CHECK(rec.tag == 9);
  ring.pop();
  CHECK_FALSE(ring.front(rec));
}

TEST_CASE("a claim larger than a slot is refused and an unpublished claim is invisible", "[spsc]") {
  spsc_byte_ring ring(3, 100);  // rounds up to 4 slots
  CHECK(ring.slot_count() == 4);
  CHECK(ring.try_claim(101).empty());
  std::span<char> s = ring.try_claim(100);
  REQUIRE(s.size() == 100);
  spsc_byte_ring::record rec;
  CHECK_FALSE(ring.front(rec));  // claimed, not published
  std::memcpy(s.data(), "encoded in place", 16);
  ring.publish(16, 42);
  REQUIRE(ring.front(rec));
  CHECK(std::string_view(rec.bytes.data(), rec.bytes.size()) == "encoded in place");
  CHECK(rec.tag == 42);
}

TEST_CASE("two threads pass millions of messages with no loss and in order", "[spsc]") {
  // FIXRING_SPSC_MESSAGES overrides the count (TSan runs are ~10x slower).
  std::uint64_t n = 3'000'000;
  if (const char* env = std::getenv("FIXRING_SPSC_MESSAGES")) n = std::strtoull(env, nullptr, 10);
  spsc_byte_ring ring(1024, 64);

  // Message i: 8-byte sequence number then (i % 48) bytes of (i & 0x7f).
  std::thread producer([&] {
    for (std::uint64_t i = 0; i < n;) {
      const std::size_t len = 8 + i % 48;
      std::span<char> s = ring.try_claim(len);
      if (s.empty()) {
        std::this_thread::yield();
        continue;
      }
      std::memcpy(s.data(), &i, 8);
      std::memset(s.data() + 8, static_cast<int>(i & 0x7f), len - 8);
      ring.publish(len, i * 3);
      ++i;
    }
  });
  std::uint64_t expected = 0;
  std::uint64_t bad = 0;
  spsc_byte_ring::record rec;
  while (expected < n) {
    if (!ring.front(rec)) {
      std::this_thread::yield();
      continue;
    }
    std::uint64_t seq = 0;
    std::memcpy(&seq, rec.bytes.data(), 8);
    bool ok = seq == expected && rec.tag == expected * 3 && rec.bytes.size() == 8 + expected % 48;
    for (std::size_t k = 8; ok && k < rec.bytes.size(); ++k) {
      ok = rec.bytes[k] == static_cast<char>(expected & 0x7f);
    }
    if (!ok) ++bad;
    ring.pop();
    ++expected;
  }
  producer.join();
  CHECK(bad == 0);
  CHECK(expected == n);
  CHECK_FALSE(ring.front(rec));
}
