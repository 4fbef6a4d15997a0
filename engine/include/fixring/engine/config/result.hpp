// Cold-path error reporting for the configuration layer: an error code plus a
// message that names the file, line and key (or zone file) at fault.
//
// Ownership: a result owns its value or its error. Thread contract: plain value
// types, no shared state; use from any thread, one thread per object.
#pragma once

#include <cassert>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace fixring::engine::config {

enum class config_errc : std::uint8_t {
  ok,
  io_error,           // a file could not be opened or read
  syntax_error,       // a line is neither a section header, a comment nor key=value
  unknown_key,        // a key the settings reference does not list
  bad_value,          // a value that does not parse or is out of range
  missing_key,        // a key required by another key's value is absent
  conflicting_keys,   // keys whose values contradict each other
  unset_variable,     // ${VAR} names a variable that is not set
  duplicate_session,  // two [SESSION] sections with the same session identity
  bad_time_zone,      // a zone name that does not resolve, or a malformed TZif file
};

[[nodiscard]] constexpr std::string_view to_string(config_errc c) noexcept {
  switch (c) {
    case config_errc::ok: return "ok";
    case config_errc::io_error: return "I/O error";
    case config_errc::syntax_error: return "syntax error";
    case config_errc::unknown_key: return "unknown key";
    case config_errc::bad_value: return "bad value";
    case config_errc::missing_key: return "missing key";
    case config_errc::conflicting_keys: return "conflicting keys";
    case config_errc::unset_variable: return "unset environment variable";
    case config_errc::duplicate_session: return "duplicate session";
    case config_errc::bad_time_zone: return "bad time zone";
  }
  return "unknown";
}

struct config_error {
  config_errc code = config_errc::ok;
  std::string message;  // complete, human-readable; starts with "file:line: key: " when known
};

// A value or an error; the caller must look. value() on an error is a bug
// (asserted in debug builds).
template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  result(config_error error) : error_(std::move(error)) {
    assert(error_.code != config_errc::ok);
  }

  [[nodiscard]] bool has_value() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return has_value(); }

  [[nodiscard]] T& value() & {
    assert(value_);
    return *value_;
  }
  [[nodiscard]] const T& value() const& {
    assert(value_);
    return *value_;
  }
  [[nodiscard]] T&& value() && {
    assert(value_);
    return std::move(*value_);
  }
  [[nodiscard]] const config_error& error() const noexcept { return error_; }

 private:
  std::optional<T> value_;
  config_error error_;
};

}  // namespace fixring::engine::config
