// Helpers shared by the libFuzzer targets in tests/fuzz: a reader that turns
// the fuzzer's bytes into small decisions, and a check that aborts with a
// message (libFuzzer then saves the input as a crash artifact).
//
// Every target is deterministic: all its choices come from the input, never
// from a clock or a global that survives from one input to the next.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace fixring::fuzz {

// Aborts with `what` on stderr when `ok` is false. Used for the invariants
// each target asserts; an abort is what libFuzzer records as a failure.
inline void check(bool ok, const char* what, std::string_view detail = {}) noexcept {
  if (ok) return;
  std::fprintf(stderr, "fuzz invariant violated: %s", what);
  if (!detail.empty()) {
    std::fputs("\n  detail: ", stderr);
    for (char c : detail) std::fputc(c == '\x01' ? '|' : (c >= 32 && c < 127 ? c : '.'), stderr);
  }
  std::fputc('\n', stderr);
  std::abort();
}

// Consumes the input front to back. Reads past the end answer zero (or an
// empty view), so a short input is still a valid, shorter program.
class input_reader {
 public:
  input_reader(const std::uint8_t* data, std::size_t size) noexcept : data_(data), size_(size) {}

  [[nodiscard]] bool empty() const noexcept { return pos_ >= size_; }
  [[nodiscard]] std::size_t remaining() const noexcept { return size_ - pos_; }

  [[nodiscard]] std::uint8_t u8() noexcept { return empty() ? 0 : data_[pos_++]; }
  [[nodiscard]] std::uint16_t u16() noexcept {
    const std::uint16_t lo = u8();
    return static_cast<std::uint16_t>(lo | static_cast<std::uint16_t>(u8()) << 8);
  }
  [[nodiscard]] std::uint32_t u32() noexcept {
    const std::uint32_t lo = u16();
    return lo | static_cast<std::uint32_t>(u16()) << 16;
  }
  // Up to n bytes (fewer at the end of the input).
  [[nodiscard]] std::string_view bytes(std::size_t n) noexcept {
    if (n > remaining()) n = remaining();
    const std::string_view v(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return v;
  }
  [[nodiscard]] std::string_view rest() noexcept { return bytes(remaining()); }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

// Naive reference checksum: byte sum modulo 256, one byte at a time. The
// targets compare the codec's vectorised checksum against it.
[[nodiscard]] inline unsigned reference_checksum(std::string_view bytes) noexcept {
  unsigned sum = 0;
  for (unsigned char c : bytes) sum += c;
  return sum % 256;
}

}  // namespace fixring::fuzz
