// Cold-path results of the journal: opening, creating and scanning files.
// A journal_error always carries a message that names the file and says what
// is wrong with it ("missing", "truncated", "not a fixring journal", "corrupt
// record at offset N"), ready to show to an operator.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace fixring::store {

enum class journal_errc : std::uint8_t {
  ok,
  not_found,            // the journal directory or a file is missing
  foreign_file,         // a file that is not a fixring journal segment, or another session's
  unsupported_version,  // a segment written by a newer layout
  truncated,            // a file shorter than its header says
  corrupt_record,       // a record (or header) whose CRC or framing is wrong, before the tail
  locked,               // another process has the journal open for writing
  no_space,             // the file system is full
  io_error,             // any other system call failure (errno in the message)
  bad_options,          // options out of range
};

[[nodiscard]] constexpr std::string_view to_string(journal_errc e) noexcept {
  switch (e) {
    case journal_errc::ok: return "ok";
    case journal_errc::not_found: return "not found";
    case journal_errc::foreign_file: return "not a fixring journal";
    case journal_errc::unsupported_version: return "unsupported journal version";
    case journal_errc::truncated: return "truncated";
    case journal_errc::corrupt_record: return "corrupt record";
    case journal_errc::locked: return "locked by another writer";
    case journal_errc::no_space: return "no space left";
    case journal_errc::io_error: return "I/O error";
    case journal_errc::bad_options: return "bad options";
  }
  return "unknown";
}

struct journal_error {
  journal_errc code = journal_errc::ok;
  std::string message;    // names the file and the fault
  std::string file;       // the file at fault, when there is one
  std::uint64_t offset = 0;  // byte offset in `file` for corrupt_record
};

// Either a value or a journal_error. Check has_value() before value().
template <class T>
class [[nodiscard]] journal_result {
 public:
  journal_result(T v) : value_(std::move(v)) {}  // NOLINT: implicit by design
  journal_result(journal_error e) : error_(std::move(e)) {}  // NOLINT
  [[nodiscard]] bool has_value() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return has_value(); }
  [[nodiscard]] T& value() & { return *value_; }
  [[nodiscard]] T&& value() && { return std::move(*value_); }
  [[nodiscard]] const journal_error& error() const noexcept { return error_; }

 private:
  std::optional<T> value_;
  journal_error error_;
};

}  // namespace fixring::store
