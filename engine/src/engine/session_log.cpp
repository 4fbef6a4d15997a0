#include "fixring/engine/engine/session_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "fixring/codec/frame.hpp"
#include "fixring/codec/types.hpp"

namespace fixring::engine {

config::result<std::unique_ptr<session_log>> session_log::open(const std::string& directory,
                                                                const std::string& session_name,
                                                                std::size_t buffer_bytes) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) {
    return config::config_error{config::config_errc::io_error,
                                "FileLogPath: cannot create " + directory + ": " + ec.message()};
  }
  std::unique_ptr<session_log> log(new session_log());
  log->capacity_ = buffer_bytes < 256 ? 256 : buffer_bytes;
  std::string name = session_name;
  for (char& ch : name) {
    const bool keep = (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '.' ||
                      ch == '_';
    if (!keep) ch = '-';
  }
  for (auto [f, suffix] : {std::pair{&log->messages_, ".messages.log"}, std::pair{&log->events_, ".event.log"}}) {
    f->path = (std::filesystem::path(directory) / (name + suffix)).string();
    f->fd = ::open(f->path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (f->fd < 0) {
      return config::config_error{config::config_errc::io_error,
                                  "FileLogPath: cannot open " + f->path + ": " + std::strerror(errno)};
    }
    f->buf.reset(new char[log->capacity_]);
  }
  return log;
}

session_log::~session_log() {
  flush();
  for (file* f : {&messages_, &events_})
    if (f->fd >= 0) ::close(f->fd);
}

void session_log::message(std::int64_t wall_ns, bool inbound, std::span<const char> bytes) noexcept {
  append(messages_, wall_ns, inbound ? "in " : "out ", bytes, true);
}

void session_log::event(std::int64_t wall_ns, std::string_view text) noexcept {
  append(events_, wall_ns, {}, {text.data(), text.size()}, false);
}

void session_log::append(file& f, std::int64_t wall_ns, std::string_view tag, std::span<const char> text,
                         bool translate_soh) noexcept {
  constexpr std::size_t time_bytes = 28;  // "YYYYMMDD-HH:MM:SS.nnnnnnnnn "
  constexpr std::string_view cut = "...";
  const std::size_t fixed = time_bytes + tag.size() + 1;  // + '\n'
  std::size_t n = text.size();
  bool truncated = false;
  if (fixed + n > capacity_) {
    n = capacity_ - fixed - cut.size();
    truncated = true;
  }
  if (f.used + fixed + n + (truncated ? cut.size() : 0) > capacity_) flush(f);
  char* p = f.buf.get() + f.used;
  char* const start = p;
  p += codec::format_utc_timestamp(p, wall_ns, codec::time_precision::ns);
  *p++ = ' ';
  if (!tag.empty()) std::memcpy(p, tag.data(), tag.size());  // memcpy's source must not be null
  p += tag.size();
  if (translate_soh) {
    for (std::size_t i = 0; i < n; ++i) p[i] = text[i] == codec::soh ? '|' : text[i];
  } else if (n != 0) {
    std::memcpy(p, text.data(), n);
  }
  p += n;
  if (truncated) {
    std::memcpy(p, cut.data(), cut.size());
    p += cut.size();
  }
  *p++ = '\n';
  f.used += static_cast<std::size_t>(p - start);
}

void session_log::flush() noexcept {
  flush(messages_);
  flush(events_);
}

void session_log::flush(file& f) noexcept {
  std::size_t off = 0;
  while (off < f.used) {
    const ssize_t w = ::write(f.fd, f.buf.get() + off, f.used - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      dropped_bytes_ += f.used - off;
      break;
    }
    off += static_cast<std::size_t>(w);
  }
  f.used = 0;
}

}  // namespace fixring::engine
