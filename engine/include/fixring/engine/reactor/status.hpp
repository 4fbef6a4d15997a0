// The status a reactor handler sees when a connection closes or a connect
// fails. Completions carry -errno; the reactor converts them here, once, at the
// io_uring boundary, and nothing above it ever looks at errno again.
//
// Ownership: plain value type. Thread contract: any thread; name() is cold
// (looks up a table or OpenSSL's string table) and never allocates.
#pragma once

#include <cstdint>
#include <string_view>

namespace fixring::engine::reactor {

enum class io_kind : std::uint8_t {
  ok,
  os_error,         // code holds the positive errno (ECONNREFUSED, ECONNRESET, ...)
  eof,              // the peer closed its sending side (recv returned 0)
  timeout,          // connect did not finish within connect_timeout_ms
  local_close,      // this side called close()
  frame_too_large,  // the handler left more unconsumed bytes than recv_carry_bytes holds
  tls_error,        // code holds the X509 verify result or the OpenSSL reason code
  no_slot,          // every connection slot was in use
  stopped,          // the reactor was destroyed with the connection open
};

struct io_status {
  io_kind kind = io_kind::ok;
  int code = 0;

  [[nodiscard]] constexpr bool ok() const noexcept { return kind == io_kind::ok; }

  // "ECONNREFUSED", "eof", "timeout", "tls: certificate verify failed", ...
  // The view points at static storage.
  [[nodiscard]] std::string_view name() const noexcept;

  friend constexpr bool operator==(io_status, io_status) noexcept = default;
};

// Converts a CQE result (< 0, that is -errno) into a status. The only place the
// reactor interprets a negative res.
[[nodiscard]] constexpr io_status from_cqe_res(int res) noexcept {
  return io_status{io_kind::os_error, -res};
}

}  // namespace fixring::engine::reactor
