// TLS for reactor connections: OpenSSL 3 driven through memory BIOs, so the
// socket I/O stays on io_uring and OpenSSL only transforms bytes. The reactor
// feeds received ciphertext in, takes ciphertext out into the connection's send
// queue, and hands the handler plaintext; the handler never sees TLS.
//
// tls_context (cold): built once from a tls_config and shared by every
// connection that uses it; it must outlive them. Certificate verification is
// on by default: a client verifies the server against ca_file and, when
// server_name is set, checks the name and sends it as SNI. A server asks for
// and verifies client certificates when require_client_certificate is set.
//
// tls_stream: per-connection state; created by the reactor when a TLS
// connection is accepted or connected (OpenSSL allocates there, outside the
// steady-state hot path; TLS record processing in OpenSSL may allocate when a
// memory BIO grows, which is why TLS is opt-in per connection).
//
// Thread contract: a tls_context may be created on any thread and then used by
// reactors on any threads (OpenSSL SSL_CTX is thread-safe for SSL_new); a
// tls_stream belongs to one reactor thread.
#pragma once

#include "fixring/engine/reactor/status.hpp"

#include <cstdint>
#include <cstddef>
#include <memory>
#include <span>
#include <string>

struct ssl_ctx_st;
struct ssl_st;
struct bio_st;

namespace fixring::engine::reactor {

// TLS protocol versions a context may negotiate (QuickFIX's SSLProtocol).
enum tls_version_bits : std::uint8_t {
  tls_version_1_0 = 1u << 0,
  tls_version_1_1 = 1u << 1,
  tls_version_1_2 = 1u << 2,
  tls_version_1_3 = 1u << 3,
};

struct tls_config {
  std::string ca_file;           // PEM bundle of trusted CAs; required when verifying
  std::string cert_file;         // PEM certificate chain (server: required; client: optional)
  std::string key_file;          // PEM private key for cert_file
  std::string server_name;       // client: SNI and host name to check; empty = no name check
  bool verify_peer = true;       // client: verify the server certificate chain
  bool require_client_certificate = false;  // server: demand and verify a client certificate
  // Versions enabled (tls_version_bits; at least one). The lowest and highest
  // set bound the negotiation; versions in between that are not set are
  // switched off. OpenSSL's security level may refuse TLS 1.0/1.1 anyway.
  std::uint8_t versions = tls_version_1_2 | tls_version_1_3;
  // OpenSSL cipher list for TLS 1.2 and below (SSL_CTX_set_cipher_list, the
  // meaning of QuickFIX's SSLCipherSuite); empty = OpenSSL's default. TLS 1.3
  // suites are not affected by it.
  std::string cipher_list;
};

enum class tls_role : std::uint8_t { client, server };

// Cold-path error: what failed, with the file or OpenSSL reason in the text.
struct tls_setup_error {
  std::string message;
};

class tls_context {
 public:
  // Builds a context, or returns nullptr and fills err (names the file and the
  // OpenSSL reason). Cold.
  [[nodiscard]] static std::unique_ptr<tls_context> create(tls_role role, const tls_config& cfg,
                                                           tls_setup_error& err);
  ~tls_context();
  tls_context(const tls_context&) = delete;
  tls_context& operator=(const tls_context&) = delete;

  [[nodiscard]] tls_role role() const noexcept { return role_; }
  [[nodiscard]] const std::string& server_name() const noexcept { return server_name_; }
  [[nodiscard]] ssl_ctx_st* native() const noexcept { return ctx_; }

 private:
  tls_context(tls_role role, ssl_ctx_st* ctx, std::string server_name)
      : role_(role), ctx_(ctx), server_name_(std::move(server_name)) {}
  tls_role role_;
  ssl_ctx_st* ctx_;
  std::string server_name_;
};

enum class tls_progress : std::uint8_t {
  done,        // handshake complete (or: plaintext available / written)
  want_more,   // needs more ciphertext from the peer
  failed,      // fatal; status() says why
};

class tls_stream {
 public:
  // server_name overrides the context's for this connection when non-empty.
  tls_stream(const tls_context& ctx, const std::string& server_name);
  ~tls_stream();
  tls_stream(const tls_stream&) = delete;
  tls_stream& operator=(const tls_stream&) = delete;

  [[nodiscard]] bool valid() const noexcept { return ssl_ != nullptr; }

  // Appends received ciphertext. Returns false on allocation failure.
  [[nodiscard]] bool feed(std::span<const char> ciphertext) noexcept;
  // Advances the handshake with the ciphertext fed so far.
  [[nodiscard]] tls_progress handshake() noexcept;
  [[nodiscard]] bool handshake_done() const noexcept;
  // Decrypts up to cap bytes into dst. > 0: bytes written; 0: nothing more
  // available now; < 0: the peer closed TLS or a fatal error (see status()).
  [[nodiscard]] long read_plain(char* dst, std::size_t cap) noexcept;
  // Encrypts all of plain into the outgoing ciphertext buffer; false on error.
  [[nodiscard]] bool write_plain(std::span<const char> plain) noexcept;
  // Ciphertext waiting to be sent, and a way to move it out.
  [[nodiscard]] std::size_t pending_ciphertext() const noexcept;
  [[nodiscard]] std::size_t take_ciphertext(char* dst, std::size_t cap) noexcept;
  // Why the stream failed: the X509 verify result when verification failed,
  // otherwise the OpenSSL reason.
  [[nodiscard]] io_status status() const noexcept { return status_; }

 private:
  void record_failure() noexcept;
  ssl_st* ssl_ = nullptr;
  bio_st* rbio_ = nullptr;  // owned by ssl_
  bio_st* wbio_ = nullptr;  // owned by ssl_
  io_status status_{};
};

}  // namespace fixring::engine::reactor
