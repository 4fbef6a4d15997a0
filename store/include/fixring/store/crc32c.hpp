// CRC32C (Castagnoli, polynomial 0x1EDC6F41 reflected as 0x82F63B78), the
// checksum of every journal record. crc32c() uses the SSE4.2 crc32 instruction
// when the CPU has it (checked once, at load time) and a table otherwise; both
// give the same value, and tests check each against the RFC 3720 vectors.
//
// Streaming: crc32c(crc32c(0, a), b) == crc32c(0, a + b).
// Thread contract: pure functions, callable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fixring::store {

// CRC32C of [data, data + len) continuing from `crc` (0 for a fresh checksum).
[[nodiscard]] std::uint32_t crc32c(std::uint32_t crc, const void* data, std::size_t len) noexcept;

namespace detail {
// The two implementations, exposed so tests can check both on any machine.
[[nodiscard]] std::uint32_t crc32c_table(std::uint32_t crc, const void* data, std::size_t len) noexcept;
// Only valid when crc32c_hardware_available() is true.
[[nodiscard]] std::uint32_t crc32c_sse42(std::uint32_t crc, const void* data, std::size_t len) noexcept;
[[nodiscard]] bool crc32c_hardware_available() noexcept;
}  // namespace detail

}  // namespace fixring::store
