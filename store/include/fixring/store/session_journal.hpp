// session_journal: one FIX session's memory-mapped, append-only journal. It
// satisfies fixring::engine::session_store (engine/session/store_concept.hpp).
//
// What it keeps: every message in and out (raw FIX bytes), every explicit
// change of sequence numbers (sequence_marker records) and every sequence reset
// (epoch_start records), in segment files laid out as journal_format.hpp draws.
// Sequence state is rebuilt from the records on open; there is no other source
// of truth.
//
// Outbound path: reserve_outbound(max) hands out writable bytes inside the
// mapping; the session encodes there; commit_outbound(seq, size, ...) seals the
// record; the session then sends those same bytes (find_outbound(seq) or the
// span it encoded into). Resends read back from the mapping by MsgSeqNum.
//
// Sequence numbers:
// - next_outbound_seq() = highest committed outbound MsgSeqNum + 1 in the
//   current epoch; a commit with a lower seq (a gap fill or PossDup copy during
//   a resend) is journaled but neither lowers it nor replaces the indexed
//   original for find_outbound.
// - next_inbound_seq() = highest recorded inbound MsgSeqNum + 1 (a PossDup
//   duplicate does not move it back), unless set explicitly.
// - set_next_*_seq() journals a marker; lowering the outbound number forgets
//   the indexed messages at and above it.
// - reset() starts a new epoch: both numbers back to 1, find_outbound forgets
//   the old epoch; the records stay on disk.
//
// Durability (journal_options::sync):
// - none: page cache only; survives a process kill, not a power loss.
// - interval: fdatasync from maintain(now_ns) at most every sync_interval_ns.
// - every: fdatasync inside each commit before it returns.
//
// Errors: hot calls return store_status and remember it in last_status().
// no_space / io_error leave every committed record intact; the failing record
// is not committed. A full disk is found when a segment is created (its space
// is allocated up front), never as SIGBUS while writing the mapping.
//
// Thread contract: one thread (the session's reactor) calls every member.
// Other processes may read the files concurrently with journal_reader.
// Ownership: the journal owns its files, mappings and index; spans and
// stored_message views it returns point into its mappings and stay valid until
// the journal is destroyed or retention removes their segment (retention never
// removes the segment being written).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "fixring/store/journal_error.hpp"
#include "fixring/store/journal_format.hpp"
#include "fixring/store/prefaulter.hpp"
#include "fixring/store/segment.hpp"
#include "fixring/store/session_types.hpp"

namespace fixring::store {

enum class durability : std::uint8_t { none, interval, every };

struct journal_options {
  std::string session_name;                          // kept in segment headers (up to 63 bytes)
  std::uint64_t session_id = 0;                      // 0: derived from session_name
  std::uint64_t segment_bytes = std::uint64_t{64} << 20;  // capacity of each new segment file
  durability sync = durability::none;
  std::int64_t sync_interval_ns = 10'000'000;        // for durability::interval
  // Retention, applied by maintain() and open(): whole segments, oldest first,
  // never the one being written.
  std::uint64_t retain_max_bytes = 0;                // 0: keep all; else delete oldest segments beyond it
  std::int64_t retain_max_age_ns = 0;                // 0: keep all; else delete segments older than it
  std::uint64_t index_capacity = std::uint64_t{1} << 27;  // outbound MsgSeqNums indexed per epoch
  // Pages of the segment being written that are faulted in writable ahead of
  // the write position, at most prefault_ahead_bytes. The window adapts to
  // the writer: maintain() makes it four times what was appended since its
  // previous call, at least min_prefault_bytes (a new journal starts there)
  // and at most this, so an append takes no page fault as long as maintain()
  // runs before the writer crosses the window (the engine calls it every
  // 10 ms: 4 MiB covers 400 MB/s). A quiet session holds 256 KiB of faulted
  // pages, not a 64 MiB segment: a hundred sessions stay small. maintain()
  // only says which pages are wanted; who faults them in is prefault_by.
  // 0: fault in whole segments when they are created.
  std::uint64_t prefault_ahead_bytes = std::uint64_t{4} << 20;
  // Who faults the window in:
  // - helper: the process's prefaulter thread (prefaulter.hpp), so the owner
  //   never waits on the page cache or the file system. Right when that
  //   thread has a core to itself; without the thread the owner faults in.
  // - owner: the owner's loop, in small steps at moments it has nothing else
  //   to do (prefault_step). Right when every core is busy-polling: a helper
  //   thread then runs only by preempting a reactor and falls behind, and the
  //   writer takes the faults itself, each a trap that costs 5-15 us on a VM,
  //   where MADV_POPULATE_WRITE costs 1.5-2.5 us a fresh page.
  enum class prefaulting : std::uint8_t { helper, owner };
  prefaulting prefault_by = prefaulting::helper;
  bool create = true;                                // create the journal when the directory has none
};

// What open() found and did, for logs and tests.
struct recovery_report {
  std::uint64_t segments = 0;
  std::uint64_t records = 0;
  std::uint64_t bytes_scanned = 0;
  bool torn_tail_truncated = false;
  std::string torn_tail_file;
  std::uint64_t torn_tail_offset = 0;
  bool created = false;
};

[[nodiscard]] std::uint64_t session_id_from_name(std::string_view name) noexcept;

// The smallest prefault window (journal_options::prefault_ahead_bytes).
inline constexpr std::uint64_t min_prefault_bytes = 256 * 1024;

class session_journal {
 public:
  // Opens (recovering) or creates the journal in directory `dir`. Cold path.
  // Errors name the file: not_found (no journal and !create), locked,
  // foreign_file, truncated, unsupported_version, corrupt_record (a bad record
  // before the tail: the journal is not opened, run `fixjournal verify`),
  // no_space, io_error, bad_options.
  [[nodiscard]] static journal_result<session_journal> open(const std::string& dir, const journal_options& options,
                                                            std::int64_t now_ns);

  session_journal(session_journal&&) noexcept = default;
  session_journal& operator=(session_journal&&) noexcept = default;
  session_journal(const session_journal&) = delete;
  session_journal& operator=(const session_journal&) = delete;
  ~session_journal();

  // Writable bytes for an outbound message of at most max_bytes, inside the
  // journal. Empty span on failure: too_large, no_space or io_error (a new
  // segment could not be created), in last_status(). Valid until the next
  // reserve or commit.
  [[nodiscard]] std::span<char> reserve_outbound(std::size_t max_bytes) noexcept {
    if (max_bytes == 0 || max_bytes > max_payload_bytes_) return fail_span(store_status::too_large);
    if (!fits(max_bytes) && roll() != store_status::ok) return {};
    reserved_bytes_ = max_bytes;
    last_status_ = store_status::ok;
    return {active_base_ + write_offset_ + format::record_header_bytes, max_bytes};
  }

  // Commits the first size_bytes of the last reservation as outbound message
  // `seq`. bad_state without a reservation, or when size_bytes is 0 or larger
  // than reserved; io_error when durability::every and fdatasync fails (the
  // record is in the page cache but not known to be on disk).
  [[nodiscard]] store_status commit_outbound(std::uint64_t seq, std::size_t size_bytes, std::uint32_t flags,
                                             std::int64_t now_ns) noexcept {
    if (reserved_bytes_ == 0 || size_bytes == 0 || size_bytes > reserved_bytes_ || seq == 0)
      return last_status_ = store_status::bad_state;
    reserved_bytes_ = 0;
    const std::uint64_t loc = format::record_locator(active_index_, write_offset_);
    publish(format::record_kind::message, format::direction::outbound, seq, static_cast<std::uint32_t>(size_bytes),
            flags, now_ns);
    note_outbound(seq, loc);
    return after_commit();
  }

  // Journals inbound message `seq` (copies bytes). too_large, no_space,
  // io_error as for reserve/commit; bad_state for seq 0 or empty bytes.
  [[nodiscard]] store_status record_inbound(std::uint64_t seq, std::span<const char> bytes, std::uint32_t flags,
                                            std::int64_t now_ns) noexcept {
    if (seq == 0 || bytes.empty()) return last_status_ = store_status::bad_state;
    if (bytes.size() > max_payload_bytes_) return last_status_ = store_status::too_large;
    if (!fits(bytes.size()) && roll() != store_status::ok) return last_status_;
    reserved_bytes_ = 0;  // an inbound record takes the slot of any pending reservation
    std::memcpy(active_base_ + write_offset_ + format::record_header_bytes, bytes.data(), bytes.size());
    publish(format::record_kind::message, format::direction::inbound, seq, static_cast<std::uint32_t>(bytes.size()),
            flags, now_ns);
    if (seq >= next_inbound_) next_inbound_ = seq + 1;
    return after_commit();
  }

  // O(1): the outbound message `seq` of the current epoch, as a view into the
  // mapping; not found (empty bytes) when never committed in this epoch,
  // forgotten by a reset or lowered sequence number, or retained away.
  [[nodiscard]] stored_message find_outbound(std::uint64_t seq) const noexcept {
    if (seq == 0 || seq >= index_capacity_ || seq >= next_outbound_) return {};
    const std::uint64_t loc = index_[seq];
    if (loc == 0) return {};
    const std::uint64_t seg = format::locator_segment(loc);
    if (seg < first_index_) return {};
    const char* rec = segment_bases_[seg - first_index_] + format::locator_offset(loc);
    format::record_header h;
    std::memcpy(&h, rec, sizeof h);
    return {{rec + format::record_header_bytes, h.payload_bytes}, h.flags, h.timestamp_ns};
  }

  [[nodiscard]] std::uint64_t next_outbound_seq() const noexcept { return next_outbound_; }
  [[nodiscard]] std::uint64_t next_inbound_seq() const noexcept { return next_inbound_; }
  [[nodiscard]] store_status set_next_outbound_seq(std::uint64_t seq) noexcept;
  [[nodiscard]] store_status set_next_inbound_seq(std::uint64_t seq) noexcept;
  [[nodiscard]] store_status reset(std::int64_t now_ns) noexcept;
  [[nodiscard]] store_status last_status() const noexcept { return last_status_; }

  // Off the hot path, from the owner's loop: fdatasync for durability::interval
  // when due; has the next prefault_ahead_bytes past the write position
  // faulted in by the prefaulter thread; once the active segment is half
  // full, prepares the next one (allocated, its first window handed to the
  // prefaulter too) so the roll on the hot path only renames it;
  // retention by size and age (also applied on open; never on the hot path).
  // Returns io_error if a sync failed, no_space if the next
  // segment cannot be allocated (the current one still takes records).
  [[nodiscard]] store_status maintain(std::int64_t now_ns) noexcept;
  // With prefault_by == owner: faults in up to max_bytes (at least a page)
  // of what maintain() asked for - the active segment's window ahead of the
  // write position, then the prepared next segment's first window, then the
  // outbound index two pages ahead of the next MsgSeqNum - with one
  // MADV_POPULATE_WRITE. True if it did something (call again: there may be
  // more), false if nothing is wanted until the next maintain(); always false
  // with prefault_by == helper. Meant for the owner's idle moments: a step
  // of a page costs 1.5-2.5 us where the append's fault would cost 5-15 us.
  bool prefault_step(std::uint64_t max_bytes) noexcept;
  // fdatasync now, whatever the durability setting.
  [[nodiscard]] store_status sync() noexcept;

  [[nodiscard]] std::uint32_t epoch() const noexcept { return epoch_; }
  [[nodiscard]] std::uint64_t session_id() const noexcept { return session_id_; }
  [[nodiscard]] const recovery_report& recovery() const noexcept { return recovery_; }
  [[nodiscard]] const std::string& directory() const noexcept { return dir_; }
  [[nodiscard]] std::uint64_t segment_count() const noexcept { return segments_.size(); }
  [[nodiscard]] std::uint64_t max_payload_bytes() const noexcept { return max_payload_bytes_; }

 private:
  struct segment {
    std::uint64_t index = 0;
    std::string path;
    detail::unique_fd fd;
    detail::mapping map;
    std::int64_t created_ns = 0;
    std::uint64_t prefaulted_bytes = 0;  // [0, prefaulted_bytes) asked to be faulted in writable
    std::uint64_t populated_bytes = 0;   // prefault_by == owner: [0, populated_bytes) faulted in by a step
  };

  session_journal() = default;

  // The journal's name towards the prefaulter: heap-allocated so it keeps its
  // address when the journal moves. Its destruction forgets the journal's
  // ranges (waiting for one in progress) before any mapping goes away.
  struct prefault_owner {
    prefaulter* helper = nullptr;  // nullptr: fault in on the journal's thread
    prefault_owner() noexcept : helper(prefaulter::shared()) {}
    prefault_owner(const prefault_owner&) = delete;
    prefault_owner& operator=(const prefault_owner&) = delete;
    ~prefault_owner() {
      if (helper != nullptr) helper->forget(this);
    }
  };
  // Faults [base, base + len) in writable: by the prefaulter when async and
  // it takes the request, else now on this thread. False only when the
  // prefaulter's queue was full (nothing done: ask again).
  bool prefault(char* base, std::uint64_t len, bool async) noexcept;
  // prefault_step's parts: a segment's asked-for range from `from` on, and
  // the outbound index.
  bool step_segment(segment& s, std::uint64_t from, std::uint64_t max_bytes) noexcept;
  bool step_index(std::uint64_t max_bytes) noexcept;
  // Faults [max(populated, from), want) of `base` in, at most max_bytes of
  // it, and advances `populated`; false when nothing is wanted.
  static bool populate_step(char* base, std::uint64_t from, std::uint64_t want, std::uint64_t& populated,
                            std::uint64_t max_bytes) noexcept;

  [[nodiscard]] bool fits(std::size_t payload_bytes) const noexcept {
    return write_offset_ + format::record_bytes(payload_bytes) + format::seal_reserve_bytes <= active_capacity_;
  }
  [[nodiscard]] std::span<char> fail_span(store_status s) noexcept {
    last_status_ = s;
    return {};
  }

  // Writes a record header for the payload already at the slot and publishes it.
  void publish(format::record_kind kind, format::direction dir, std::uint64_t seq, std::uint32_t payload_bytes,
               std::uint32_t flags, std::int64_t now_ns) noexcept {
    char* rec = active_base_ + write_offset_;
    // Fields go straight into the mapping (a local copy costs store-forwarding
    // stalls); the slot is invisible to readers until its commit word is set.
    auto* h = reinterpret_cast<format::record_header*>(rec);
    h->flags = flags;
    h->msg_seq_num = seq;
    h->timestamp_ns = now_ns;
    h->session_id = session_id_;
    h->epoch = epoch_;
    h->dir = static_cast<std::uint8_t>(dir);
    h->reserved[0] = h->reserved[1] = h->reserved[2] = 0;
    const std::uint32_t word = format::commit_word(kind);
    h->payload_bytes = payload_bytes;
    h->crc32c = record_crc(std::uint64_t{word} | std::uint64_t{payload_bytes} << 32, rec);
    const std::uint64_t next = write_offset_ + format::record_bytes(payload_bytes);
    // The next slot's commit word must read zero before this record is visible:
    // the reserved bytes past a short commit may hold scratch from the encoder.
    if (next + 4 <= active_capacity_) std::memset(active_base_ + next, 0, 4);
    // Release: pairs with the acquire load in inspect_slot(); every byte above
    // (payload, header, next slot's zero) is visible before the record is.
    std::atomic_ref<std::uint32_t>(*reinterpret_cast<std::uint32_t*>(rec)).store(word, std::memory_order_release);
    write_offset_ = next;
    last_timestamp_ns_ = now_ns;
  }

  void note_outbound(std::uint64_t seq, std::uint64_t loc) noexcept {
    if (seq < next_outbound_) return;  // a resend's gap fill or duplicate: keep the original
    if (seq < index_capacity_) {
      index_[seq] = loc;
      if (seq > index_high_) index_high_ = seq;
    }
    next_outbound_ = seq + 1;
  }

  [[nodiscard]] store_status after_commit() noexcept {
    if (sync_ == durability::none) return last_status_ = store_status::ok;
    if (sync_ == durability::interval) {
      dirty_ = true;
      return last_status_ = store_status::ok;
    }
    return sync();
  }

  // Seals the active segment (unless it already is) and starts the next.
  store_status roll(bool seal_active = true) noexcept;
  store_status write_state_record(format::record_kind kind, format::direction dir, std::int64_t now_ns) noexcept;
  void forget_outbound_from(std::uint64_t seq) noexcept;
  // Allocates, maps and pre-faults segment `index` under a temporary name
  // (the first window by the prefaulter when async).
  [[nodiscard]] journal_error prepare_segment(std::uint64_t index, std::int64_t now_ns, segment& out,
                                              bool async = false);
  // Renames a prepared segment into place.
  [[nodiscard]] journal_error install_segment(segment& seg);
  void apply_retention(std::int64_t now_ns) noexcept;
  void refresh_bases() noexcept;

  // First member: a move assignment replaces it (forgetting the old ranges)
  // before the old mappings are unmapped; the destructor resets it first.
  std::unique_ptr<prefault_owner> prefault_owner_;
  std::string dir_;
  std::string session_name_;
  detail::unique_fd lock_fd_;
  detail::unique_fd dir_fd_;
  std::vector<segment> segments_;
  segment spare_;                           // next segment, prepared by maintain(); fd invalid if none
  std::vector<const char*> segment_bases_;  // segments_[i].map.data(), for find_outbound
  std::uint64_t first_index_ = 0;           // index of segments_.front()
  char* active_base_ = nullptr;
  std::uint64_t active_capacity_ = 0;
  std::uint64_t active_index_ = 0;
  int active_fd_ = -1;
  std::uint64_t write_offset_ = 0;
  std::uint64_t reserved_bytes_ = 0;
  std::uint64_t max_payload_bytes_ = 0;
  std::uint64_t segment_bytes_ = 0;
  std::uint64_t prefault_ahead_bytes_ = 0;  // journal_options::prefault_ahead_bytes, page-rounded
  std::uint64_t prefault_window_bytes_ = 0; // current window, min_prefault_bytes .. prefault_ahead_bytes_
  bool prefault_by_owner_ = false;          // journal_options::prefault_by == owner
  std::uint64_t index_populated_bytes_ = 0; // prefault_by == owner: [0, this) of the index faulted in
  std::uint64_t maintained_index_ = 0;      // segment and offset at the previous maintain()
  std::uint64_t maintained_offset_ = 0;
  std::uint64_t next_outbound_ = 1;
  std::uint64_t next_inbound_ = 1;
  std::uint32_t epoch_ = 0;
  std::uint64_t session_id_ = 0;
  detail::mapping index_map_;  // anonymous, MAP_NORESERVE: pages appear as sequence numbers grow
  std::uint64_t* index_ = nullptr;
  std::uint64_t index_capacity_ = 0;
  std::uint64_t index_high_ = 0;
  durability sync_ = durability::none;
  std::int64_t sync_interval_ns_ = 0;
  std::int64_t last_sync_ns_ = 0;
  std::int64_t last_timestamp_ns_ = 0;
  bool dirty_ = false;
  std::uint64_t retain_max_bytes_ = 0;
  std::int64_t retain_max_age_ns_ = 0;
  store_status last_status_ = store_status::ok;
  recovery_report recovery_;
};

}  // namespace fixring::store
