// journal_reader: reads a journal directory front to back, from the same or
// another process, while the writer (one session_journal) may be appending.
//
// It maps segments read-only and walks records in order. A record is returned
// only once its commit word is published (acquire load, see inspect_slot), so
// a live journal never shows a half-written record; next() answers `end` when
// nothing more is committed yet, and a later call picks up what the writer
// has added since (that is how `fixjournal follow` tails a journal).
//
// Ownership: record_view payloads point into the reader's mappings and stay
// valid until the reader is destroyed. Thread contract: one thread per reader.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>

#include "fixring/store/journal_error.hpp"
#include "fixring/store/journal_format.hpp"
#include "fixring/store/segment.hpp"

namespace fixring::store {

struct record_view {
  alignas(8) format::record_header header{};
  std::span<const char> payload;
  std::uint64_t segment_index = 0;
  std::uint64_t offset = 0;         // of the record header within its segment file
  const std::string* path = nullptr;  // the segment file (lives as long as the reader)

  [[nodiscard]] format::record_kind kind() const noexcept { return static_cast<format::record_kind>(header.kind); }
  [[nodiscard]] format::direction dir() const noexcept { return static_cast<format::direction>(header.dir); }
  [[nodiscard]] bool is_message() const noexcept { return kind() == format::record_kind::message; }
  [[nodiscard]] std::string_view text() const noexcept { return {payload.data(), payload.size()}; }
};

enum class read_status : std::uint8_t {
  record,     // `out` holds the next record
  end,        // nothing more committed yet (call again to follow a live journal)
  torn_tail,  // the last record of the journal is incomplete (power loss); fault() says where
  corrupt,    // a bad record with good records after it; fault() names file and offset
};

class journal_reader {
 public:
  // Opens every segment of `dir` read-only. Errors: not_found, foreign_file
  // (no segments, bad magic, another session's segment), truncated,
  // unsupported_version, corrupt_record (bad segment header), io_error.
  [[nodiscard]] static journal_result<journal_reader> open(const std::string& dir);

  journal_reader(journal_reader&&) = default;
  journal_reader& operator=(journal_reader&&) = default;
  journal_reader(const journal_reader&) = delete;
  journal_reader& operator=(const journal_reader&) = delete;
  ~journal_reader() = default;

  // The next record. verify_crc = false trusts the checksums (fast replay).
  [[nodiscard]] read_status next(record_view& out, bool verify_crc = true) noexcept;

  // For torn_tail and corrupt: code corrupt_record, message naming the file,
  // the offset and, when the header is readable, the MsgSeqNum.
  [[nodiscard]] const journal_error& fault() const noexcept { return fault_; }

  [[nodiscard]] const std::deque<mapped_segment>& segments() const noexcept { return segments_; }
  [[nodiscard]] std::uint64_t session_id() const noexcept { return segments_.front().header.session_id; }
  [[nodiscard]] std::string session_name() const;
  [[nodiscard]] const std::string& directory() const noexcept { return dir_; }
  // Bytes of the mapped segment files (capacity, not content).
  [[nodiscard]] std::uint64_t capacity_bytes() const noexcept;

 private:
  journal_reader() = default;
  bool advance_segment() noexcept;

  std::string dir_;
  std::deque<mapped_segment> segments_;
  std::size_t current_ = 0;
  std::uint64_t offset_ = format::segment_header_bytes;
  bool failed_ = false;
  read_status failure_ = read_status::corrupt;
  journal_error fault_;
};

}  // namespace fixring::store
