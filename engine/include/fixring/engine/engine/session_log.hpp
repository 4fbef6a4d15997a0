// session_log: FileLogPath's readable per-session logs, written off the hot
// path as far as a single-threaded engine allows.
//
// Files, in the FileLogPath directory (created when missing), named after the
// session identity with path-hostile characters replaced, as journal
// directories are ("FIX.4.4-ISLD--TW"):
//   <name>.messages.log   one line per message: "<UTC time ns> <in|out> <message>",
//                         SOH shown as '|'
//   <name>.event.log      one line per event: "<UTC time ns> <text>"
// Both are opened for appending, so a restart continues them.
//
// Cost: each message() or event() copies the line into a buffer allocated at
// open (buffer_bytes per file; no allocation afterwards) - a timestamp format,
// a memcpy and the SOH translation, on the calling (reactor) thread. flush()
// hands the buffered lines to the kernel with one write(2) per file; the
// engine calls it from its periodic maintenance (every 10 ms) and whenever a
// line does not fit the buffer. A write(2) to a regular file copies into the
// page cache and does not wait for the disk, but it is a system call on the
// reactor thread: budget a few microseconds per session per 10 ms while
// messages flow. A line longer than the buffer is cut to it and ends in "...".
// A failed write drops that buffer's lines and is counted (dropped_bytes()).
//
// Ownership: owns its descriptors and buffers. Thread contract: one thread
// (the engine's reactor); open() is cold.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "fixring/engine/config/result.hpp"

namespace fixring::engine {

class session_log {
 public:
  static constexpr std::size_t default_buffer_bytes = 256 * 1024;

  // Opens (creating the directory and files). Error: io_error naming the file.
  [[nodiscard]] static config::result<std::unique_ptr<session_log>> open(
      const std::string& directory, const std::string& session_name,
      std::size_t buffer_bytes = default_buffer_bytes);

  ~session_log();
  session_log(const session_log&) = delete;
  session_log& operator=(const session_log&) = delete;

  // One message as it crossed the wire. noexcept; no allocation.
  void message(std::int64_t wall_ns, bool inbound, std::span<const char> bytes) noexcept;
  // One event line. noexcept; no allocation.
  void event(std::int64_t wall_ns, std::string_view text) noexcept;
  // Writes buffered lines to both files (one write(2) each when there are any).
  void flush() noexcept;

  [[nodiscard]] const std::string& messages_path() const noexcept { return messages_.path; }
  [[nodiscard]] const std::string& events_path() const noexcept { return events_.path; }
  [[nodiscard]] std::uint64_t dropped_bytes() const noexcept { return dropped_bytes_; }

 private:
  struct file {
    int fd = -1;
    std::string path;
    std::unique_ptr<char[]> buf;
    std::size_t used = 0;
  };
  session_log() = default;
  void append(file& f, std::int64_t wall_ns, std::string_view tag, std::span<const char> text, bool translate_soh) noexcept;
  void flush(file& f) noexcept;

  file messages_;
  file events_;
  std::size_t capacity_ = 0;
  std::uint64_t dropped_bytes_ = 0;
};

}  // namespace fixring::engine
