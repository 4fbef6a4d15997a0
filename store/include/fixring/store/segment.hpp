// Building blocks shared by the journal writer, the reader and fixjournal:
// owning wrappers for descriptors and mappings, segment discovery and header
// checks (cold path), and inspect_slot(), the one function that decides what
// a record slot holds (hot in scans: no allocation, no formatting).
//
// Ownership: unique_fd and mapping own what they wrap and release it in their
// destructors; they are move-only. Thread contract: none (one thread each).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fixring/store/journal_error.hpp"
#include "fixring/store/journal_format.hpp"

namespace fixring::store {

namespace detail {

class unique_fd {
 public:
  unique_fd() noexcept = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~unique_fd() { reset(); }
  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
  void reset() noexcept;

 private:
  int fd_ = -1;
};

class mapping {
 public:
  mapping() noexcept = default;
  mapping(void* addr, std::size_t len) noexcept : addr_(static_cast<char*>(addr)), len_(len) {}
  mapping(mapping&& o) noexcept : addr_(std::exchange(o.addr_, nullptr)), len_(std::exchange(o.len_, 0)) {}
  mapping& operator=(mapping&& o) noexcept {
    if (this != &o) {
      reset();
      addr_ = std::exchange(o.addr_, nullptr);
      len_ = std::exchange(o.len_, 0);
    }
    return *this;
  }
  ~mapping() { reset(); }
  [[nodiscard]] char* data() const noexcept { return addr_; }
  [[nodiscard]] std::size_t size() const noexcept { return len_; }
  void reset() noexcept;

 private:
  char* addr_ = nullptr;
  std::size_t len_ = 0;
};

}  // namespace detail

// What a record slot holds.
enum class slot_state : std::uint8_t {
  empty,            // commit word is zero: nothing committed here (yet)
  record,           // a complete record whose CRC matches
  bad_commit_word,  // non-zero but not a record's commit word
  bad_length,       // payload_bytes runs past the end of the segment
  bad_crc,          // framing fine, CRC32C does not match
};

[[nodiscard]] constexpr std::string_view to_string(slot_state s) noexcept {
  switch (s) {
    case slot_state::empty: return "empty";
    case slot_state::record: return "record";
    case slot_state::bad_commit_word: return "bad record magic";
    case slot_state::bad_length: return "record length runs past the end of the segment";
    case slot_state::bad_crc: return "CRC32C mismatch";
  }
  return "unknown";
}

struct slot_check {
  slot_state state = slot_state::empty;
  alignas(8) format::record_header header{};  // valid for record, bad_length and bad_crc
  std::uint64_t record_bytes = 0;  // valid for record and bad_crc
};

// CRC32C of the record at `record` (header bytes [12, 48) and payload in
// place), given its first 8 header bytes (commit word, payload_bytes) as a
// little-endian u64; payload_bytes is taken from there.
[[nodiscard]] std::uint32_t record_crc(std::uint64_t first8, const char* record) noexcept;

// Inspects the slot at `offset` of a segment mapped at `base` (capacity bytes).
// The commit word is loaded with acquire order (pairs with the writer's release
// store in session_journal::publish), so a record seen is a record complete.
// verify_crc = false skips the checksum (trusted sequential replay).
[[nodiscard]] slot_check inspect_slot(const char* base, std::uint64_t capacity, std::uint64_t offset,
                                      bool verify_crc = true) noexcept;

// True when some record-aligned slot after `offset` holds a record with a good
// CRC: tells corruption in the middle from a torn tail.
[[nodiscard]] bool valid_record_after(const char* base, std::uint64_t capacity, std::uint64_t offset) noexcept;

// One segment file found in a journal directory.
struct segment_entry {
  std::uint64_t index = 0;
  std::string path;
};

// Segment files of a journal directory, by index. Errors: not_found (no such
// directory), io_error, foreign_file (a directory with no segments when
// require_segments).
[[nodiscard]] journal_result<std::vector<segment_entry>> list_segments(const std::string& dir,
                                                                      bool require_segments);

[[nodiscard]] std::string segment_path(const std::string& dir, std::uint64_t index);

// Checks the header at `base` of a file of `file_bytes` bytes at `path`:
// truncated, foreign, unsupported version, header CRC, capacity vs size.
[[nodiscard]] journal_error check_segment_header(const std::string& path, const char* base,
                                                 std::uint64_t file_bytes, std::uint64_t expected_index);

// A read-only segment: opened, header checked, mapped whole. Used by the
// reader and fixjournal; the writer maps read-write itself.
struct mapped_segment {
  std::uint64_t index = 0;
  std::string path;
  detail::unique_fd fd;
  detail::mapping map;
  format::segment_header header{};
};
[[nodiscard]] journal_result<mapped_segment> map_segment_readonly(const segment_entry& entry);

// "errno text" for messages.
[[nodiscard]] std::string errno_text(int err);

}  // namespace fixring::store
