#include "fixring/store/segment.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "fixring/store/crc32c.hpp"

namespace fixring::store {

namespace detail {
void unique_fd::reset() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}
void mapping::reset() noexcept {
  if (addr_) ::munmap(addr_, len_);
  addr_ = nullptr;
  len_ = 0;
}
}  // namespace detail

std::string errno_text(int err) { return std::strerror(err); }

std::uint32_t record_crc(std::uint64_t first8, const char* record) noexcept {
  const auto payload_bytes = static_cast<std::uint32_t>(first8 >> 32);
  const std::uint32_t c = crc32c(0, record + format::crc_run_offset,
                                 format::record_header_bytes - format::crc_run_offset + payload_bytes);
  return crc32c(c, &first8, sizeof first8);
}

slot_check inspect_slot(const char* base, std::uint64_t capacity, std::uint64_t offset, bool verify_crc) noexcept {
  slot_check out;
  if (offset + format::record_header_bytes > capacity) return out;  // no room for a slot: nothing there
  // Acquire: pairs with the writer's release store of this commit word, so
  // the header and payload bytes below are complete once it reads non-zero.
  const auto word = std::atomic_ref<std::uint32_t>(*const_cast<std::uint32_t*>(reinterpret_cast<const std::uint32_t*>(base + offset)))
                        .load(std::memory_order_acquire);
  if (word == 0) return out;
  if (!format::is_commit_word(word)) {
    out.state = slot_state::bad_commit_word;
    return out;
  }
  std::memcpy(&out.header, base + offset, sizeof out.header);
  std::memcpy(&out.header, &word, sizeof word);  // the value we validated, not a re-read
  const std::uint64_t total = format::record_bytes(out.header.payload_bytes);
  if (offset + total > capacity) {
    out.state = slot_state::bad_length;
    return out;
  }
  out.record_bytes = total;
  if (verify_crc && record_crc(std::uint64_t{word} | std::uint64_t{out.header.payload_bytes} << 32, base + offset) != out.header.crc32c) {
    out.state = slot_state::bad_crc;
    return out;
  }
  out.state = slot_state::record;
  return out;
}

bool valid_record_after(const char* base, std::uint64_t capacity, std::uint64_t offset) noexcept {
  for (std::uint64_t off = offset + format::record_align; off + format::record_header_bytes <= capacity;
       off += format::record_align) {
    std::uint32_t w;
    std::memcpy(&w, base + off, sizeof w);
    if (format::is_commit_word(w) && inspect_slot(base, capacity, off).state == slot_state::record) return true;
  }
  return false;
}

std::string segment_path(const std::string& dir, std::uint64_t index) {
  char name[40];
  std::snprintf(name, sizeof name, "%016" PRIx64 "%s", index, format::segment_suffix);
  return dir + "/" + name;
}

journal_result<std::vector<segment_entry>> list_segments(const std::string& dir, bool require_segments) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    const int err = errno;
    if (err == ENOENT) return journal_error{journal_errc::not_found, dir + ": journal directory does not exist", dir};
    if (err == ENOTDIR) return journal_error{journal_errc::foreign_file, dir + ": not a journal directory", dir};
    return journal_error{journal_errc::io_error, dir + ": cannot open directory: " + errno_text(err), dir};
  }
  std::vector<segment_entry> out;
  const std::size_t suffix_len = std::strlen(format::segment_suffix);
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name = e->d_name;
    if (name.size() != 16 + suffix_len || name.substr(16) != format::segment_suffix) continue;
    std::uint64_t index = 0;
    bool hex = true;
    for (char c : name.substr(0, 16)) {
      const int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
      if (v < 0) hex = false;
      index = index << 4 | static_cast<unsigned>(v & 15);
    }
    if (hex) out.push_back({index, dir + "/" + std::string(name)});
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  if (require_segments && out.empty())
    return journal_error{journal_errc::foreign_file, dir + ": no journal segments (*.fjseg) in this directory", dir};
  return out;
}

journal_error check_segment_header(const std::string& path, const char* base, std::uint64_t file_bytes,
                                   std::uint64_t expected_index) {
  if (file_bytes < format::segment_header_bytes)
    return {journal_errc::truncated,
            path + ": truncated: " + std::to_string(file_bytes) + " bytes, a segment header needs " +
                std::to_string(format::segment_header_bytes),
            path};
  format::segment_header h;
  std::memcpy(&h, base, sizeof h);
  if (h.magic != format::segment_magic)
    return {journal_errc::foreign_file, path + ": not a fixring journal segment (bad magic)", path};
  if (h.version != format::segment_version)
    return {journal_errc::unsupported_version,
            path + ": segment version " + std::to_string(h.version) + ", this build reads version " +
                std::to_string(format::segment_version),
            path};
  if (crc32c(0, base, offsetof(format::segment_header, header_crc32c)) != h.header_crc32c)
    return {journal_errc::corrupt_record, path + ": corrupt segment header (CRC32C mismatch) at offset 0", path, 0};
  if (h.header_bytes != format::segment_header_bytes || h.record_align != format::record_align ||
      h.capacity_bytes < format::segment_header_bytes || h.capacity_bytes > format::max_segment_bytes)
    return {journal_errc::corrupt_record, path + ": segment header has impossible sizes", path, 0};
  if (expected_index != 0 && h.segment_index != expected_index)
    return {journal_errc::foreign_file,
            path + ": header says segment " + std::to_string(h.segment_index) + ", file name says " +
                std::to_string(expected_index),
            path};
  if (file_bytes < h.capacity_bytes)
    return {journal_errc::truncated,
            path + ": truncated: " + std::to_string(file_bytes) + " bytes, header says " +
                std::to_string(h.capacity_bytes),
            path};
  return {};
}

journal_result<mapped_segment> map_segment_readonly(const segment_entry& entry) {
  mapped_segment s;
  s.index = entry.index;
  s.path = entry.path;
  s.fd = detail::unique_fd(::open(entry.path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!s.fd.valid()) {
    const int err = errno;
    return journal_error{err == ENOENT ? journal_errc::not_found : journal_errc::io_error,
                         entry.path + ": cannot open: " + errno_text(err), entry.path};
  }
  struct stat st {};
  if (::fstat(s.fd.get(), &st) != 0)
    return journal_error{journal_errc::io_error, entry.path + ": stat failed: " + errno_text(errno), entry.path};
  if (!S_ISREG(st.st_mode))
    return journal_error{journal_errc::foreign_file, entry.path + ": not a regular file", entry.path};
  const auto file_bytes = static_cast<std::uint64_t>(st.st_size);
  char head[format::segment_header_bytes] = {};
  const ssize_t got = ::pread(s.fd.get(), head, sizeof head, 0);
  if (got < 0) return journal_error{journal_errc::io_error, entry.path + ": read failed: " + errno_text(errno), entry.path};
  const std::uint64_t seen = static_cast<std::uint64_t>(got) < sizeof head ? static_cast<std::uint64_t>(got) : file_bytes;
  journal_error e = check_segment_header(entry.path, head, seen, entry.index);
  if (e.code != journal_errc::ok) return e;
  std::memcpy(&s.header, head, sizeof s.header);
  void* p = ::mmap(nullptr, s.header.capacity_bytes, PROT_READ, MAP_SHARED | MAP_POPULATE, s.fd.get(), 0);
  if (p == MAP_FAILED)
    return journal_error{journal_errc::io_error, entry.path + ": mmap failed: " + errno_text(errno), entry.path};
  s.map = detail::mapping(p, s.header.capacity_bytes);
  return s;
}

}  // namespace fixring::store
