#include "fixring/engine/reactor/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <climits>

namespace fixring::engine::reactor {
namespace {

std::string openssl_reason() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "no OpenSSL error recorded";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

}  // namespace

std::unique_ptr<tls_context> tls_context::create(tls_role role, const tls_config& cfg,
                                                 tls_setup_error& err) {
  SSL_CTX* ctx = SSL_CTX_new(role == tls_role::client ? TLS_client_method() : TLS_server_method());
  if (ctx == nullptr) {
    err.message = "SSL_CTX_new: " + openssl_reason();
    return nullptr;
  }
  auto fail = [&](std::string what) {
    err.message = std::move(what) + ": " + openssl_reason();
    SSL_CTX_free(ctx);
    return std::unique_ptr<tls_context>{};
  };
  // SSLProtocol: bound the negotiation by the lowest and highest enabled
  // version, and switch off any disabled one in between.
  {
    constexpr struct {
      std::uint8_t bit;
      int version;
      unsigned long no_option;
    } versions[] = {{tls_version_1_0, TLS1_VERSION, SSL_OP_NO_TLSv1},
                    {tls_version_1_1, TLS1_1_VERSION, SSL_OP_NO_TLSv1_1},
                    {tls_version_1_2, TLS1_2_VERSION, SSL_OP_NO_TLSv1_2},
                    {tls_version_1_3, TLS1_3_VERSION, SSL_OP_NO_TLSv1_3}};
    int lowest = 0, highest = 0;
    for (const auto& v : versions) {
      if ((cfg.versions & v.bit) == 0) continue;
      if (lowest == 0) lowest = v.version;
      highest = v.version;
    }
    if (lowest == 0) {
      err.message = "no TLS protocol version enabled";
      SSL_CTX_free(ctx);
      return nullptr;
    }
    if (SSL_CTX_set_min_proto_version(ctx, lowest) != 1 || SSL_CTX_set_max_proto_version(ctx, highest) != 1) {
      return fail("protocol versions");
    }
    for (const auto& v : versions) {
      if ((cfg.versions & v.bit) == 0 && v.version > lowest && v.version < highest) SSL_CTX_set_options(ctx, v.no_option);
    }
  }
  if (!cfg.cipher_list.empty() && SSL_CTX_set_cipher_list(ctx, cfg.cipher_list.c_str()) != 1) {
    return fail("cipher list \"" + cfg.cipher_list + "\"");
  }
  // Partial writes would split a FIX message across calls; the reactor always
  // drains the write BIO, so a whole-buffer write is the simpler contract.
  SSL_CTX_clear_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE);
  SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);

  if (!cfg.ca_file.empty() && SSL_CTX_load_verify_locations(ctx, cfg.ca_file.c_str(), nullptr) != 1) {
    return fail("CA file " + cfg.ca_file);
  }
  if (!cfg.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx, cfg.cert_file.c_str()) != 1) {
      return fail("certificate file " + cfg.cert_file);
    }
    const std::string& key = cfg.key_file.empty() ? cfg.cert_file : cfg.key_file;
    if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
      return fail("private key file " + key);
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
      return fail("private key " + key + " does not match certificate " + cfg.cert_file);
    }
  } else if (role == tls_role::server) {
    err.message = "a TLS server needs cert_file";
    SSL_CTX_free(ctx);
    return nullptr;
  }

  if (role == tls_role::client) {
    if (cfg.verify_peer) {
      if (cfg.ca_file.empty()) {
        err.message = "verify_peer is on but ca_file is empty";
        SSL_CTX_free(ctx);
        return nullptr;
      }
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    } else {
      SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    }
  } else if (cfg.require_client_certificate) {
    if (cfg.ca_file.empty()) {
      err.message = "require_client_certificate is on but ca_file is empty";
      SSL_CTX_free(ctx);
      return nullptr;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  return std::unique_ptr<tls_context>(new tls_context(role, ctx, cfg.server_name));
}

tls_context::~tls_context() { SSL_CTX_free(ctx_); }

tls_stream::tls_stream(const tls_context& ctx, const std::string& server_name) {
  ssl_ = SSL_new(ctx.native());
  if (ssl_ == nullptr) return;
  rbio_ = BIO_new(BIO_s_mem());
  wbio_ = BIO_new(BIO_s_mem());
  if (rbio_ == nullptr || wbio_ == nullptr) {
    BIO_free(rbio_);
    BIO_free(wbio_);
    SSL_free(ssl_);
    ssl_ = nullptr;
    return;
  }
  // An empty memory BIO reports "retry" instead of EOF, which is what lets
  // SSL_read/SSL_do_handshake return WANT_READ while ciphertext is in flight.
  BIO_set_mem_eof_return(rbio_, -1);
  SSL_set_bio(ssl_, rbio_, wbio_);
  if (ctx.role() == tls_role::client) {
    const std::string& name = server_name.empty() ? ctx.server_name() : server_name;
    if (!name.empty()) {
      SSL_set_tlsext_host_name(ssl_, name.c_str());
      SSL_set1_host(ssl_, name.c_str());
    }
    SSL_set_connect_state(ssl_);
  } else {
    SSL_set_accept_state(ssl_);
  }
}

tls_stream::~tls_stream() { SSL_free(ssl_); }

bool tls_stream::feed(std::span<const char> ciphertext) noexcept {
  while (!ciphertext.empty()) {
    const int chunk = ciphertext.size() > INT_MAX ? INT_MAX : static_cast<int>(ciphertext.size());
    const int n = BIO_write(rbio_, ciphertext.data(), chunk);
    if (n <= 0) return false;
    ciphertext = ciphertext.subspan(static_cast<std::size_t>(n));
  }
  return true;
}

void tls_stream::record_failure() noexcept {
  const long verify = SSL_get_verify_result(ssl_);
  if (verify != X509_V_OK) {
    status_ = io_status{io_kind::tls_error, static_cast<int>(verify)};
  } else {
    // OpenSSL 3 packs library and reason into 31 bits, so the code fits an int;
    // negative marks it as an OpenSSL reason rather than a verify result.
    const unsigned long e = ERR_peek_last_error();
    const int packed = e == 0 ? 1 : static_cast<int>(e & INT_MAX);
    status_ = io_status{io_kind::tls_error, -packed};
  }
  ERR_clear_error();
}

tls_progress tls_stream::handshake() noexcept {
  const int rc = SSL_do_handshake(ssl_);
  if (rc == 1) return tls_progress::done;
  const int e = SSL_get_error(ssl_, rc);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return tls_progress::want_more;
  record_failure();
  return tls_progress::failed;
}

bool tls_stream::handshake_done() const noexcept { return SSL_is_init_finished(ssl_) == 1; }

long tls_stream::read_plain(char* dst, std::size_t cap) noexcept {
  std::size_t got = 0;
  const int rc = SSL_read_ex(ssl_, dst, cap, &got);
  if (rc == 1) return static_cast<long>(got);
  const int e = SSL_get_error(ssl_, rc);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return 0;
  if (e == SSL_ERROR_ZERO_RETURN) {
    status_ = io_status{io_kind::eof, 0};
    return -1;
  }
  record_failure();
  return -1;
}

bool tls_stream::write_plain(std::span<const char> plain) noexcept {
  if (plain.empty()) return true;
  std::size_t written = 0;
  if (SSL_write_ex(ssl_, plain.data(), plain.size(), &written) == 1 && written == plain.size()) {
    return true;
  }
  record_failure();
  return false;
}

std::size_t tls_stream::pending_ciphertext() const noexcept { return BIO_ctrl_pending(wbio_); }

std::size_t tls_stream::take_ciphertext(char* dst, std::size_t cap) noexcept {
  if (cap == 0) return 0;
  const int chunk = cap > INT_MAX ? INT_MAX : static_cast<int>(cap);
  const int n = BIO_read(wbio_, dst, chunk);
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

}  // namespace fixring::engine::reactor
