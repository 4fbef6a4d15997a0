#include "fixring/store/session_journal.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <tuple>

#include "fixring/store/crc32c.hpp"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace fixring::store {

namespace {

constexpr std::uint64_t page_bytes = 4096;

journal_error sys_error(const std::string& file, const char* what, int err) {
  return {err == ENOSPC || err == EDQUOT ? journal_errc::no_space : journal_errc::io_error,
          file + ": " + what + ": " + errno_text(err), file};
}

store_status status_of(const journal_error& e) noexcept {
  switch (e.code) {
    case journal_errc::ok: return store_status::ok;
    case journal_errc::no_space: return store_status::no_space;
    default: return store_status::io_error;
  }
}

// Faults every page in writable now, so appends never take a page fault (or,
// on a full file system, a SIGBUS: the blocks are already allocated).
void prefault_writable(char* base, std::uint64_t len) noexcept {
  if (::madvise(base, len, MADV_POPULATE_WRITE) == 0) return;
  for (std::uint64_t off = 0; off < len; off += page_bytes) {
    volatile char* p = base + off;
    *p = *p;
  }
}

}  // namespace

std::uint64_t session_id_from_name(std::string_view name) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a 64
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h == 0 ? 1 : h;
}

session_journal::~session_journal() {
  prefault_owner_.reset();  // no prefault may run into the mappings unmapped below
  if (spare_.fd.valid()) ::unlink((spare_.path + ".tmp").c_str());
}

bool session_journal::prefault(char* base, std::uint64_t len, bool async) noexcept {
  if (len == 0) return true;
  if (async && prefault_by_owner_) return true;  // left to prefault_step
  prefaulter* helper = prefault_owner_ ? prefault_owner_->helper : nullptr;
  if (async && helper != nullptr) return helper->post(prefault_owner_.get(), base, len);
  prefault_writable(base, len);
  return true;
}

journal_error session_journal::prepare_segment(std::uint64_t index, std::int64_t now_ns, segment& out,
                                               bool async) {
  out = segment{};
  out.index = index;
  out.path = segment_path(dir_, index);
  out.created_ns = now_ns;
  const std::string tmp = out.path + ".tmp";
  out.fd = detail::unique_fd(::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!out.fd.valid()) return sys_error(tmp, "cannot create segment", errno);
  if (const int err = ::posix_fallocate(out.fd.get(), 0, static_cast<off_t>(segment_bytes_)); err != 0) {
    out.fd.reset();
    ::unlink(tmp.c_str());
    return sys_error(tmp, "cannot allocate segment space", err);
  }
  void* p = ::mmap(nullptr, segment_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, out.fd.get(), 0);
  if (p == MAP_FAILED) {
    const int err = errno;
    out.fd.reset();
    ::unlink(tmp.c_str());
    return sys_error(tmp, "cannot map segment", err);
  }
  out.map = detail::mapping(p, segment_bytes_);
  out.prefaulted_bytes = prefault_ahead_bytes_ == 0 ? segment_bytes_ : std::min(segment_bytes_, prefault_window_bytes_);
  // The header page is written just below, on this thread, either way.
  if (!prefault(out.map.data(), out.prefaulted_bytes, async)) out.prefaulted_bytes = 0;
  if (!async) out.populated_bytes = out.prefaulted_bytes;
  format::segment_header h{};
  h.magic = format::segment_magic;
  h.version = format::segment_version;
  h.header_bytes = format::segment_header_bytes;
  h.record_align = format::record_align;
  h.segment_index = index;
  h.capacity_bytes = segment_bytes_;
  h.session_id = session_id_;
  h.created_ns = now_ns;
  h.first_epoch = epoch_;
  std::memcpy(h.session_name, session_name_.data(), std::min(session_name_.size(), format::session_name_bytes - 1));
  h.header_crc32c = crc32c(0, &h, offsetof(format::segment_header, header_crc32c));
  std::memcpy(out.map.data(), &h, sizeof h);
  return {};
}

journal_error session_journal::install_segment(segment& seg) {
  const std::string tmp = seg.path + ".tmp";
  if (sync_ != durability::none && ::fdatasync(seg.fd.get()) != 0) return sys_error(tmp, "fdatasync", errno);
  if (::rename(tmp.c_str(), seg.path.c_str()) != 0) return sys_error(seg.path, "cannot rename segment", errno);
  if (sync_ != durability::none && dir_fd_.valid()) (void)::fsync(dir_fd_.get());
  return {};
}

void session_journal::refresh_bases() noexcept {
  segment_bases_.clear();
  for (const auto& s : segments_) segment_bases_.push_back(s.map.data());
  first_index_ = segments_.empty() ? 0 : segments_.front().index;
  const segment& a = segments_.back();
  active_base_ = a.map.data();
  active_capacity_ = a.map.size();
  active_index_ = a.index;
  active_fd_ = a.fd.get();
}

store_status session_journal::write_state_record(format::record_kind kind, format::direction dir,
                                                 std::int64_t now_ns) noexcept {
  const format::sequence_state st{next_outbound_, next_inbound_};
  if (!fits(sizeof st) && roll() != store_status::ok) return last_status_;
  reserved_bytes_ = 0;
  std::memcpy(active_base_ + write_offset_ + format::record_header_bytes, &st, sizeof st);
  publish(kind, dir, 0, sizeof st, 0, now_ns);
  return after_commit();
}

store_status session_journal::roll(bool seal_active) noexcept {
  const std::int64_t now_ns = last_timestamp_ns_;
  segment next;
  if (spare_.fd.valid()) {
    next = std::move(spare_);
    spare_ = segment{};
  } else {
    journal_error e = prepare_segment(active_index_ + 1, now_ns, next);
    if (e.code != journal_errc::ok) return last_status_ = status_of(e);
  }
  // Install the new file before sealing the old one: a crash in between leaves
  // an unsealed segment followed by an empty one, which open() repairs.
  if (journal_error e = install_segment(next); e.code != journal_errc::ok) {
    ::unlink((next.path + ".tmp").c_str());
    return last_status_ = status_of(e);
  }
  if (seal_active) {
    publish(format::record_kind::segment_end, format::direction::none, 0, 0, 0, now_ns);
    if (sync_ != durability::none) (void)::fdatasync(active_fd_);
  }
  try {
    segments_.push_back(std::move(next));
    refresh_bases();
  } catch (...) {
    return last_status_ = store_status::io_error;
  }
  write_offset_ = format::segment_header_bytes;
  reserved_bytes_ = 0;
  const format::sequence_state st{next_outbound_, next_inbound_};
  std::memcpy(active_base_ + write_offset_ + format::record_header_bytes, &st, sizeof st);
  publish(format::record_kind::segment_start, format::direction::none, 0, sizeof st, 0, now_ns);
  // Retention is left to maintain(): unmapping and unlinking a segment costs
  // milliseconds, which the append that happened to roll must not pay.
  return last_status_ = store_status::ok;
}

void session_journal::forget_outbound_from(std::uint64_t seq) noexcept {
  if (index_high_ >= seq && seq < index_capacity_) {
    std::memset(index_ + seq, 0, (index_high_ - seq + 1) * sizeof *index_);
    index_high_ = seq - 1;
  }
}

store_status session_journal::set_next_outbound_seq(std::uint64_t seq) noexcept {
  if (seq == 0) return last_status_ = store_status::bad_state;
  const std::uint64_t old = next_outbound_;
  next_outbound_ = seq;
  const store_status s = write_state_record(format::record_kind::sequence_marker, format::direction::outbound,
                                            last_timestamp_ns_);
  if (s != store_status::ok) {
    next_outbound_ = old;
    return s;
  }
  if (seq < old) forget_outbound_from(seq);
  return s;
}

store_status session_journal::set_next_inbound_seq(std::uint64_t seq) noexcept {
  if (seq == 0) return last_status_ = store_status::bad_state;
  const std::uint64_t old = next_inbound_;
  next_inbound_ = seq;
  const store_status s = write_state_record(format::record_kind::sequence_marker, format::direction::inbound,
                                            last_timestamp_ns_);
  if (s != store_status::ok) next_inbound_ = old;
  return s;
}

store_status session_journal::reset(std::int64_t now_ns) noexcept {
  const auto old = std::pair{next_outbound_, next_inbound_};
  ++epoch_;
  next_outbound_ = 1;
  next_inbound_ = 1;
  const store_status s = write_state_record(format::record_kind::epoch_start, format::direction::none, now_ns);
  if (s != store_status::ok) {
    --epoch_;
    std::tie(next_outbound_, next_inbound_) = old;
    return s;
  }
  forget_outbound_from(1);
  return s;
}

store_status session_journal::sync() noexcept {
  if (::fdatasync(active_fd_) != 0) return last_status_ = store_status::io_error;
  dirty_ = false;
  return last_status_ = store_status::ok;
}

bool session_journal::prefault_step(std::uint64_t max_bytes) noexcept {
  if (!prefault_by_owner_ || segments_.empty()) return false;
  max_bytes = std::max<std::uint64_t>(max_bytes & ~(page_bytes - 1), page_bytes);
  if (step_segment(segments_.back(), write_offset_, max_bytes)) return true;
  if (spare_.fd.valid() && step_segment(spare_, 0, max_bytes)) return true;
  return step_index(max_bytes);
}

bool session_journal::step_segment(segment& s, std::uint64_t from, std::uint64_t max_bytes) noexcept {
  // The page holding `from` (unless it starts there) was written already.
  return populate_step(s.map.data(), (from + page_bytes - 1) & ~(page_bytes - 1), s.prefaulted_bytes,
                       s.populated_bytes, max_bytes);
}

bool session_journal::step_index(std::uint64_t max_bytes) noexcept {
  // Entries are written as MsgSeqNums go out; keep two pages ahead of them.
  const std::uint64_t at = next_outbound_ * sizeof *index_;
  const std::uint64_t want = std::min<std::uint64_t>((at + 2 * page_bytes) & ~(page_bytes - 1),
                                                     index_map_.size() & ~(page_bytes - 1));
  return populate_step(reinterpret_cast<char*>(index_), at & ~(page_bytes - 1), want, index_populated_bytes_,
                       max_bytes);
}

bool session_journal::populate_step(char* base, std::uint64_t from, std::uint64_t want, std::uint64_t& populated,
                                    std::uint64_t max_bytes) noexcept {
  const std::uint64_t start = std::max(populated, from);
  if (start >= want) return false;
  const std::uint64_t end = std::min(want, start + max_bytes);
  prefault_writable(base + start, end - start);
  populated = end;
  return true;
}

store_status session_journal::maintain(std::int64_t now_ns) noexcept {
  store_status result = store_status::ok;
  if (sync_ == durability::interval && dirty_ && now_ns - last_sync_ns_ >= sync_interval_ns_) {
    if (::fdatasync(active_fd_) != 0) {
      result = store_status::io_error;
    } else {
      dirty_ = false;
      last_sync_ns_ = now_ns;
    }
  }
  if (!segments_.empty() && prefault_ahead_bytes_ != 0) {
    // Keep the pages ahead of the writer faulted in (see prefault_ahead_bytes):
    // the window is four times what was appended since the last call (a roll
    // in between counts as a full window), clamped to [min, max]. A segment
    // found on open starts its window at the write position.
    const std::uint64_t appended =
        maintained_index_ == 0               ? 0  // first call: the start window stays
        : maintained_index_ == active_index_ ? write_offset_ - std::min(write_offset_, maintained_offset_)
                                             : prefault_ahead_bytes_;
    maintained_index_ = active_index_;
    maintained_offset_ = write_offset_;
    prefault_window_bytes_ = std::clamp<std::uint64_t>((4 * appended + page_bytes - 1) & ~(page_bytes - 1),
                                                       std::min(min_prefault_bytes, prefault_ahead_bytes_),
                                                       prefault_ahead_bytes_);
    segment& a = segments_.back();
    const std::uint64_t written = write_offset_ & ~(page_bytes - 1);
    if (a.prefaulted_bytes < written) a.prefaulted_bytes = written;
    const std::uint64_t want = std::min<std::uint64_t>(a.map.size(), written + prefault_window_bytes_);
    if (want > a.prefaulted_bytes && prefault(a.map.data() + a.prefaulted_bytes, want - a.prefaulted_bytes, true)) {
      a.prefaulted_bytes = want;  // asked for; the writer faults what the helper has not reached
    }
  }
  if (!spare_.fd.valid() && write_offset_ * 2 >= active_capacity_) {
    try {
      journal_error e = prepare_segment(active_index_ + 1, now_ns, spare_, true);
      if (e.code != journal_errc::ok && result == store_status::ok) result = status_of(e);
    } catch (...) {
      spare_ = segment{};
      result = store_status::io_error;
    }
  }
  apply_retention(now_ns);
  return result;
}

void session_journal::apply_retention(std::int64_t now_ns) noexcept {
  if (retain_max_bytes_ == 0 && retain_max_age_ns_ == 0) return;
  std::uint64_t total = 0;
  for (const auto& s : segments_) total += s.map.size();
  std::size_t drop = 0;
  // Never the active segment: it is the last one.
  while (drop + 1 < segments_.size()) {
    const segment& s = segments_[drop];
    // A segment's records are no newer than the next segment's creation.
    const std::int64_t newest_ns = segments_[drop + 1].created_ns;
    const bool too_big = retain_max_bytes_ > 0 && total > retain_max_bytes_;
    const bool too_old = retain_max_age_ns_ > 0 && now_ns - newest_ns > retain_max_age_ns_;
    if (!too_big && !too_old) break;
    total -= s.map.size();
    ::unlink(s.path.c_str());
    ++drop;
  }
  if (drop == 0) return;
  // A range asked for while one of these segments was active may still be
  // queued or running: let it finish before the mappings go. (Queued ranges
  // of the active segment are dropped too; the writer faults those pages.)
  if (prefault_owner_ && prefault_owner_->helper != nullptr) prefault_owner_->helper->forget(prefault_owner_.get());
  segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(drop));
  refresh_bases();
}

journal_result<session_journal> session_journal::open(const std::string& dir, const journal_options& options,
                                                      std::int64_t now_ns) {
  if (options.segment_bytes < 64 * 1024 || options.segment_bytes > format::max_segment_bytes)
    return journal_error{journal_errc::bad_options, dir + ": segment_bytes must be between 64 KiB and 1 TiB", dir};
  if (options.index_capacity < 2 || options.sync_interval_ns < 0)
    return journal_error{journal_errc::bad_options, dir + ": index_capacity or sync_interval_ns out of range", dir};

  session_journal j;
  // Only the helper mode hands ranges to the prefaulter thread; the owner
  // mode must not start it.
  if (options.prefault_by == journal_options::prefaulting::helper) j.prefault_owner_ = std::make_unique<prefault_owner>();
  j.dir_ = dir;
  j.session_name_ = options.session_name;
  j.session_id_ = options.session_id != 0 ? options.session_id : session_id_from_name(options.session_name);
  j.segment_bytes_ = (options.segment_bytes + page_bytes - 1) & ~(page_bytes - 1);
  j.prefault_ahead_bytes_ = (options.prefault_ahead_bytes + page_bytes - 1) & ~(page_bytes - 1);
  j.prefault_window_bytes_ = std::min(min_prefault_bytes, j.prefault_ahead_bytes_);
  j.prefault_by_owner_ = options.prefault_by == journal_options::prefaulting::owner;
  j.max_payload_bytes_ = std::min<std::uint64_t>(
      j.segment_bytes_ - format::segment_header_bytes - format::record_bytes(sizeof(format::sequence_state)) -
          format::record_header_bytes - format::seal_reserve_bytes - format::record_align,
      0xFFFF'FFFFu);
  j.sync_ = options.sync;
  j.sync_interval_ns_ = options.sync_interval_ns;
  j.last_sync_ns_ = now_ns;
  j.last_timestamp_ns_ = now_ns;
  j.retain_max_bytes_ = options.retain_max_bytes;
  j.retain_max_age_ns_ = options.retain_max_age_ns;

  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) return sys_error(dir, "cannot stat journal directory", errno);
    if (!options.create) return journal_error{journal_errc::not_found, dir + ": journal directory does not exist", dir};
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return sys_error(dir, "cannot create journal directory", errno);
  } else if (!S_ISDIR(st.st_mode)) {
    return journal_error{journal_errc::foreign_file, dir + ": not a directory (a journal is a directory of segments)", dir};
  }
  const std::string lock_path = dir + "/writer.lock";
  j.lock_fd_ = detail::unique_fd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!j.lock_fd_.valid()) return sys_error(lock_path, "cannot open lock file", errno);
  if (::flock(j.lock_fd_.get(), LOCK_EX | LOCK_NB) != 0)
    return journal_error{journal_errc::locked, dir + ": journal is open for writing by another process", lock_path};
  j.dir_fd_ = detail::unique_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));

  const std::size_t index_bytes = options.index_capacity * sizeof(std::uint64_t);
  void* ip = ::mmap(nullptr, index_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (ip == MAP_FAILED) return sys_error(dir, "cannot reserve the sequence index", errno);
  j.index_map_ = detail::mapping(ip, index_bytes);
  j.index_ = static_cast<std::uint64_t*>(ip);
  j.index_capacity_ = options.index_capacity;

  // A segment prepared but never installed (crash before the rename) is garbage.
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      const std::string_view name = e->d_name;
      if (name.size() > 4 && name.substr(name.size() - 4) == ".tmp" &&
          name.find(format::segment_suffix) != std::string_view::npos)
        ::unlinkat(::dirfd(d), e->d_name, 0);
    }
    ::closedir(d);
  }
  auto listed = list_segments(dir, false);
  if (!listed) return listed.error();
  std::vector<segment_entry> entries = std::move(listed).value();
  for (std::size_t i = 1; i < entries.size(); ++i)
    if (entries[i].index != entries[i - 1].index + 1)
      return journal_error{journal_errc::corrupt_record,
                           segment_path(dir, entries[i - 1].index + 1) + ": missing (segments " +
                               std::to_string(entries[i - 1].index) + " and " + std::to_string(entries[i].index) +
                               " are present)",
                           segment_path(dir, entries[i - 1].index + 1)};

  if (entries.empty()) {
    if (!options.create) return journal_error{journal_errc::not_found, dir + ": no journal segments", dir};
    segment first;
    if (journal_error e = j.prepare_segment(1, now_ns, first); e.code != journal_errc::ok) return e;
    if (journal_error e = j.install_segment(first); e.code != journal_errc::ok) return e;
    j.segments_.push_back(std::move(first));
    j.refresh_bases();
    j.write_offset_ = format::segment_header_bytes;
    if (j.write_state_record(format::record_kind::segment_start, format::direction::none, now_ns) != store_status::ok)
      return journal_error{journal_errc::io_error, dir + ": cannot write the first record", dir};
    j.recovery_.created = true;
    j.recovery_.segments = 1;
    return j;
  }

  // Recovery: map every segment, replay every record into the sequence state
  // and the index, stop at the first empty slot of the last segment.
  std::vector<bool> sealed;
  std::vector<std::uint64_t> records_in;
  std::uint64_t end_offset = format::segment_header_bytes;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const segment_entry& e = entries[i];
    segment seg;
    seg.index = e.index;
    seg.path = e.path;
    seg.fd = detail::unique_fd(::open(e.path.c_str(), O_RDWR | O_CLOEXEC));
    if (!seg.fd.valid()) return sys_error(e.path, "cannot open segment", errno);
    struct stat fst {};
    if (::fstat(seg.fd.get(), &fst) != 0) return sys_error(e.path, "cannot stat segment", errno);
    char head[format::segment_header_bytes] = {};
    const ssize_t got = ::pread(seg.fd.get(), head, sizeof head, 0);
    if (got < 0) return sys_error(e.path, "cannot read segment header", errno);
    const auto size = static_cast<std::uint64_t>(fst.st_size);
    if (journal_error he = check_segment_header(e.path, head, static_cast<std::uint64_t>(got) < sizeof head ? static_cast<std::uint64_t>(got) : size, e.index);
        he.code != journal_errc::ok)
      return he;
    format::segment_header h;
    std::memcpy(&h, head, sizeof h);
    if (h.session_id != j.session_id_) {
      if (options.session_id != 0 || i > 0 || !options.session_name.empty())
        return journal_error{journal_errc::foreign_file,
                             e.path + ": belongs to another session (session id " + std::to_string(h.session_id) +
                                 ", expected " + std::to_string(j.session_id_) + ")",
                             e.path};
      j.session_id_ = h.session_id;  // opened without a name: adopt the journal's session
    }
    if (j.session_name_.empty()) j.session_name_.assign(h.session_name, strnlen(h.session_name, sizeof h.session_name));
    seg.created_ns = h.created_ns;
    void* p = ::mmap(nullptr, h.capacity_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, seg.fd.get(), 0);
    if (p == MAP_FAILED) return sys_error(e.path, "cannot map segment", errno);
    seg.map = detail::mapping(p, h.capacity_bytes);
    ::madvise(p, h.capacity_bytes, MADV_SEQUENTIAL);
    if (i == 0) j.epoch_ = h.first_epoch;

    const char* base = seg.map.data();
    const std::uint64_t cap = h.capacity_bytes;
    std::uint64_t off = format::segment_header_bytes;
    bool is_sealed = false;
    std::uint64_t count = 0;
    for (;;) {
      const slot_check c = inspect_slot(base, cap, off);
      if (c.state == slot_state::empty) break;
      if (c.state != slot_state::record) {
        const bool last = i + 1 == entries.size();
        if (last && !valid_record_after(base, cap, off)) {
          // Torn tail: the last write before a power loss. Clear its slot so the
          // next record starts clean; everything before it is intact.
          const std::uint64_t clear = std::min<std::uint64_t>(
              cap - off, c.record_bytes != 0 ? c.record_bytes : format::record_header_bytes);
          std::memset(seg.map.data() + off, 0, clear);
          j.recovery_.torn_tail_truncated = true;
          j.recovery_.torn_tail_file = e.path;
          j.recovery_.torn_tail_offset = off;
          break;
        }
        std::string what = e.path + ": corrupt record at offset " + std::to_string(off) + " (" +
                           std::string(to_string(c.state));
        if (c.state == slot_state::bad_crc)
          what += ", MsgSeqNum " + std::to_string(c.header.msg_seq_num);
        what += "); later records are intact, so this is not a torn tail. Run `fixjournal verify " + dir + "`";
        return journal_error{journal_errc::corrupt_record, what, e.path, off};
      }
      const format::record_header& r = c.header;
      const char* payload = base + off + format::record_header_bytes;
      ++count;
      switch (static_cast<format::record_kind>(r.kind)) {
        case format::record_kind::message:
          if (r.dir == static_cast<std::uint8_t>(format::direction::outbound))
            j.note_outbound(r.msg_seq_num, format::record_locator(e.index, off));
          else if (r.msg_seq_num >= j.next_inbound_)
            j.next_inbound_ = r.msg_seq_num + 1;
          break;
        case format::record_kind::sequence_marker:
        case format::record_kind::epoch_start:
        case format::record_kind::segment_start: {
          format::sequence_state s;
          std::memcpy(&s, payload, sizeof s);
          if (r.epoch != j.epoch_)
            j.forget_outbound_from(1);
          else if (s.next_outbound_seq < j.next_outbound_)
            j.forget_outbound_from(s.next_outbound_seq);
          j.epoch_ = r.epoch;
          j.next_outbound_ = s.next_outbound_seq;
          j.next_inbound_ = s.next_inbound_seq;
          break;
        }
        case format::record_kind::segment_end: is_sealed = true; break;
      }
      j.last_timestamp_ns_ = std::max(j.last_timestamp_ns_, r.timestamp_ns);
      off += c.record_bytes;
      if (is_sealed) break;
    }
    j.recovery_.records += count;
    j.recovery_.bytes_scanned += off;
    sealed.push_back(is_sealed);
    records_in.push_back(count);
    end_offset = off;
    j.segments_.push_back(std::move(seg));
  }
  // An empty last segment is a roll that did not finish: drop it and carry on
  // in the one before.
  if (j.segments_.size() > 1 && records_in.back() == 0) {
    ::unlink(j.segments_.back().path.c_str());
    j.segments_.pop_back();
    sealed.pop_back();
    records_in.pop_back();
    end_offset = 0;
  }
  for (std::size_t i = 0; i + 1 < j.segments_.size(); ++i)
    if (!sealed[i])
      return journal_error{journal_errc::corrupt_record,
                           j.segments_[i].path + ": segment ends without a segment_end record but is not the last",
                           j.segments_[i].path};
  j.recovery_.segments = j.segments_.size();
  j.refresh_bases();
  if (end_offset == 0) {
    // Find the end of the (re-)activated segment again.
    std::uint64_t off = format::segment_header_bytes;
    for (;;) {
      const slot_check c = inspect_slot(j.active_base_, j.active_capacity_, off, false);
      if (c.state != slot_state::record) break;
      off += c.record_bytes;
      if (c.header.kind == static_cast<std::uint8_t>(format::record_kind::segment_end)) break;
    }
    end_offset = off;
  }
  j.write_offset_ = end_offset;
  if (sealed.back()) {
    if (j.roll(false) != store_status::ok)
      return journal_error{journal_errc::no_space, dir + ": cannot create the next segment", dir};
  } else if (records_in.back() == 0) {
    if (j.write_state_record(format::record_kind::segment_start, format::direction::none, now_ns) != store_status::ok)
      return journal_error{journal_errc::io_error, dir + ": cannot write the first record", dir};
  }
  j.apply_retention(now_ns);
  j.last_status_ = store_status::ok;
  return j;
}

}  // namespace fixring::store
