#include "fixring/engine/reactor/status.hpp"

#include <openssl/err.h>
#include <openssl/x509.h>

#include <cstring>

namespace fixring::engine::reactor {

std::string_view io_status::name() const noexcept {
  switch (kind) {
    case io_kind::ok: return "ok";
    case io_kind::os_error: {
      // glibc >= 2.32: the symbolic name ("ECONNREFUSED"), static storage.
      const char* n = ::strerrorname_np(code);
      return n != nullptr ? std::string_view{n} : std::string_view{"unknown errno"};
    }
    case io_kind::eof: return "eof";
    case io_kind::timeout: return "timeout";
    case io_kind::local_close: return "local close";
    case io_kind::frame_too_large: return "frame too large";
    case io_kind::tls_error: {
      // Positive codes are X509 verify results, negative ones OpenSSL reasons;
      // both string tables are static inside OpenSSL.
      const char* n = code > 0 ? X509_verify_cert_error_string(code)
                               : ERR_reason_error_string(static_cast<unsigned long>(-code));
      return n != nullptr ? std::string_view{n} : std::string_view{"tls error"};
    }
    case io_kind::no_slot: return "no free connection slot";
    case io_kind::stopped: return "reactor stopped";
  }
  return "unknown";
}

}  // namespace fixring::engine::reactor
