// The on-disk layout of a fixring journal. This is the one file that owns it:
// the writer (session_journal), the reader (journal_reader) and the fixjournal
// tool all take offsets, sizes and magic numbers from here.
//
// A journal is a directory holding one session's segment files, named by their
// 16-hex-digit index: <dir>/0000000000000001.fjseg, ...0002.fjseg, ... Each
// segment is pre-allocated to its capacity when created (so a full disk shows up
// then, never as SIGBUS in the mapping), filled front to back, and sealed by a
// segment_end record when the next record would not fit.
//
//   segment file
//   +--------------------------------------------------------------+ 0
//   | segment_header (256 bytes, CRC32C over bytes [0, 252))        |
//   +--------------------------------------------------------------+ 256
//   | record | record | record | ... | segment_end record           |
//   |   each: record_header (48 bytes) + payload, padded to 8 bytes |
//   +--------------------------------------------------------------+
//   | zero bytes: allocated, not yet written                        |
//   +--------------------------------------------------------------+ capacity_bytes
//
//   record_header (little-endian)
//    0       2     3     4              8              12             16
//   +-------+-----+-----+--------------+--------------+--------------+
//   | magic | ver |kind | payload_bytes|   crc32c     |    flags     |
//   +-------+-----+-----+--------------+--------------+--------------+
//   |<-- commit word -->|
//   16                            24                             32
//   +-----------------------------+------------------------------+
//   | msg_seq_num (u64)           | timestamp_ns (i64)           |
//   +-----------------------------+------------------------------+
//   32                            40        44    45            48
//   +-----------------------------+---------+-----+-------------+
//   | session_id (u64)            | epoch   | dir | reserved(0) |
//   +-----------------------------+---------+-----+-------------+
//   48: payload_bytes bytes (raw FIX for messages, sequence_state for markers)
//
// Publication rule (what makes a live journal safe to read from another
// process): the writer fills the payload and bytes [4, 48) of the header, zeroes
// the commit word of the *next* record slot, and only then stores the commit
// word with release order. A reader loads the commit word with acquire order:
// zero means "nothing here yet"; non-zero means every other byte of the record
// is already in place. The CRC then tells a complete record from one torn by a
// power loss (the page cache itself never tears a record on a process kill).
//
// The CRC32C covers bytes [12, 48 + payload_bytes) of the record (flags to the
// end of the payload, one contiguous run), then bytes [0, 8) (commit word and
// payload_bytes); only the crc32c field itself and the padding are left out.
// The contiguous run lets the writer checksum the record in place.
//
// Offsets: a record's position within the journal is (segment index, byte
// offset in the segment), both 64-bit; record_locator packs them for the
// in-memory index as index << 40 | offset, so a segment may not exceed 1 TiB.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fixring::store::format {

inline constexpr std::uint64_t segment_magic = 0x4745534A52584946ull;  // "FIXRJSEG" read little-endian
inline constexpr std::uint16_t segment_version = 1;
inline constexpr std::uint16_t record_magic = 0x4A46;  // "FJ" little-endian
inline constexpr std::uint8_t record_version = 1;
inline constexpr std::size_t record_align = 8;
inline constexpr std::size_t segment_header_bytes = 256;
inline constexpr std::size_t record_header_bytes = 48;
inline constexpr std::size_t session_name_bytes = 64;
inline constexpr std::size_t crc_run_offset = 12;  // first byte of the contiguous CRC run
inline constexpr std::uint64_t max_segment_bytes = std::uint64_t{1} << 40;
inline constexpr char segment_suffix[] = ".fjseg";

enum class record_kind : std::uint8_t {
  message = 1,          // a FIX message; direction says in or out
  sequence_marker = 2,  // payload is sequence_state: the session set its numbers explicitly
  epoch_start = 3,      // a sequence reset: epoch went up, both numbers back to 1
  segment_start = 4,    // first record of every segment: the state so far, so any
                        // segment alone is enough to recover sequence numbers
  segment_end = 5,      // last record of a full segment: readers move to the next file
};

enum class direction : std::uint8_t { none = 0, inbound = 1, outbound = 2 };

#pragma pack(push, 1)
struct segment_header {
  std::uint64_t magic;            // segment_magic
  std::uint16_t version;          // segment_version
  std::uint16_t header_bytes;     // segment_header_bytes: first record starts here
  std::uint32_t record_align;     // record_align
  std::uint64_t segment_index;    // equals the number in the file name
  std::uint64_t capacity_bytes;   // the file's size, header included
  std::uint64_t session_id;       // copied into every record
  std::int64_t created_ns;        // wall clock when the segment was created
  std::uint32_t first_epoch;      // epoch in force when the segment was created
  std::uint32_t reserved0;
  char session_name[session_name_bytes];  // NUL-padded, for humans (fixjournal ls)
  std::uint8_t reserved1[132];
  std::uint32_t header_crc32c;    // CRC32C of bytes [0, 252)
};

struct record_header {
  std::uint16_t magic;            // record_magic \  the commit word:
  std::uint8_t version;           // record_version > stored last, release order
  std::uint8_t kind;              // record_kind    /
  std::uint32_t payload_bytes;
  std::uint32_t crc32c;
  std::uint32_t flags;            // message_flags (session_types.hpp)
  std::uint64_t msg_seq_num;      // MsgSeqNum for messages; 0 for other kinds
  std::int64_t timestamp_ns;      // caller's clock at commit
  std::uint64_t session_id;
  std::uint32_t epoch;            // sequence epoch: 0 at creation, +1 per reset
  std::uint8_t dir;               // direction
  std::uint8_t reserved[3];
};

// Payload of sequence_marker, epoch_start and segment_start records.
struct sequence_state {
  std::uint64_t next_outbound_seq;
  std::uint64_t next_inbound_seq;
};
#pragma pack(pop)

static_assert(sizeof(segment_header) == segment_header_bytes);
static_assert(offsetof(segment_header, segment_index) == 16);
static_assert(offsetof(segment_header, session_name) == 56);
static_assert(offsetof(segment_header, header_crc32c) == segment_header_bytes - 4);
static_assert(sizeof(record_header) == record_header_bytes);
static_assert(offsetof(record_header, payload_bytes) == 4);
static_assert(offsetof(record_header, crc32c) == 8);
static_assert(offsetof(record_header, flags) == crc_run_offset);
static_assert(offsetof(record_header, msg_seq_num) == 16);
static_assert(offsetof(record_header, timestamp_ns) == 24);
static_assert(offsetof(record_header, session_id) == 32);
static_assert(offsetof(record_header, epoch) == 40);
static_assert(offsetof(record_header, dir) == 44);
static_assert(sizeof(sequence_state) == 16);
static_assert(segment_header_bytes % record_align == 0 && record_header_bytes % record_align == 0);

// The commit word as a little-endian u32 (bytes [0, 4) of a record header).
[[nodiscard]] constexpr std::uint32_t commit_word(record_kind k) noexcept {
  return std::uint32_t{record_magic} | std::uint32_t{record_version} << 16 |
         std::uint32_t{static_cast<std::uint8_t>(k)} << 24;
}
[[nodiscard]] constexpr bool is_commit_word(std::uint32_t w) noexcept {
  const auto k = static_cast<std::uint8_t>(w >> 24);
  return (w & 0xFFFFFFu) == (std::uint32_t{record_magic} | std::uint32_t{record_version} << 16) &&
         k >= static_cast<std::uint8_t>(record_kind::message) &&
         k <= static_cast<std::uint8_t>(record_kind::segment_end);
}

// Bytes a record with `payload_bytes` of payload takes, padding included.
[[nodiscard]] constexpr std::uint64_t record_bytes(std::uint64_t payload_bytes) noexcept {
  return (record_header_bytes + payload_bytes + record_align - 1) & ~std::uint64_t{record_align - 1};
}

// Room every segment keeps for its segment_end record.
inline constexpr std::uint64_t seal_reserve_bytes = record_header_bytes;

// In-memory position of a record: segment index << 40 | byte offset.
[[nodiscard]] constexpr std::uint64_t record_locator(std::uint64_t segment_index, std::uint64_t offset) noexcept {
  return segment_index << 40 | offset;
}
[[nodiscard]] constexpr std::uint64_t locator_segment(std::uint64_t loc) noexcept { return loc >> 40; }
[[nodiscard]] constexpr std::uint64_t locator_offset(std::uint64_t loc) noexcept {
  return loc & (max_segment_bytes - 1);
}

}  // namespace fixring::store::format
