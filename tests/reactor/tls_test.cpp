// TLS over the reactor: a throwaway CA and certificates are made with the
// openssl CLI in a temp dir at test time; exits 77 (skipped) without it.
#include "reactor_harness.hpp"

#include <catch2/catch.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <filesystem>

using namespace fixring::test::reactor;
using fixring::engine::reactor::conn_id;
using fixring::engine::reactor::io_kind;
using fixring::engine::reactor::send_result;
using fixring::engine::reactor::tls_config;
using fixring::engine::reactor::tls_context;
using fixring::engine::reactor::tls_role;
using fixring::engine::reactor::tls_setup_error;

namespace {

namespace fs = std::filesystem;

struct pki {
  fs::path dir;
  std::string ca, other_ca, server_cert, server_key, client_cert, client_key;
};

void run_or_skip(const std::string& cmd) {
  if (std::system((cmd + " >/dev/null 2>&1").c_str()) != 0) {
    std::fprintf(stderr, "skipping: cannot run: %s\n", cmd.c_str());
    std::exit(77);
  }
}

// Created once per process; removed at exit.
const pki& test_pki() {
  static const pki p = [] {
    pki k;
    char tmpl[] = "/tmp/fixring-tls-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) std::abort();
    k.dir = tmpl;
    const std::string d = k.dir.string() + "/";
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    run_or_skip("openssl req -x509" + ec + " -keyout " + d + "ca.key -out " + d +
                "ca.pem -days 2 -subj /CN=fixring-test-ca");
    run_or_skip("openssl req -x509" + ec + " -keyout " + d + "other.key -out " + d +
                "other.pem -days 2 -subj /CN=fixring-other-ca");
    {
      FILE* f = std::fopen((d + "server.ext").c_str(), "w");
      std::fputs("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n", f);
      std::fclose(f);
      f = std::fopen((d + "client.ext").c_str(), "w");
      std::fputs("basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n", f);
      std::fclose(f);
    }
    for (const char* who : {"server", "client"}) {
      const std::string w = d + who;
      run_or_skip("openssl req" + ec + " -keyout " + w + ".key -out " + w + ".csr -subj /CN=" +
                  (std::string(who) == "server" ? "localhost" : "fixring-client"));
      run_or_skip("openssl x509 -req -in " + w + ".csr -CA " + d + "ca.pem -CAkey " + d +
                  "ca.key -CAcreateserial -days 2 -out " + w + ".pem -extfile " + w + ".ext");
    }
    k.ca = d + "ca.pem";
    k.other_ca = d + "other.pem";
    k.server_cert = d + "server.pem";
    k.server_key = d + "server.key";
    k.client_cert = d + "client.pem";
    k.client_key = d + "client.key";
    std::atexit([] {
      std::error_code ec2;
      fs::remove_all(test_pki().dir, ec2);
    });
    return k;
  }();
  return p;
}

std::unique_ptr<tls_context> make_ctx(tls_role role, const tls_config& cfg) {
  tls_setup_error err;
  auto ctx = tls_context::create(role, cfg, err);
  INFO(err.message);
  REQUIRE(ctx);
  return ctx;
}

std::unique_ptr<tls_context> server_ctx(bool require_client_cert = false) {
  const pki& k = test_pki();
  tls_config cfg;
  cfg.cert_file = k.server_cert;
  cfg.key_file = k.server_key;
  cfg.ca_file = k.ca;
  cfg.require_client_certificate = require_client_cert;
  return make_ctx(tls_role::server, cfg);
}

std::unique_ptr<tls_context> client_ctx(const std::string& ca, const std::string& name,
                                        bool with_cert = false) {
  const pki& k = test_pki();
  tls_config cfg;
  cfg.ca_file = ca;
  cfg.server_name = name;
  if (with_cert) {
    cfg.cert_file = k.client_cert;
    cfg.key_file = k.client_key;
  }
  return make_ctx(tls_role::client, cfg);
}

// A reactor with a TLS echo listener; returns the port.
std::uint16_t tls_echo(test_reactor& r, recording_handler& h, const tls_context& sctx,
                       std::vector<conn_id>& servers) {
  rx::listen_options lo;
  lo.tls = &sctx;
  auto lr = r.listen("127.0.0.1", 0, lo);
  REQUIRE(lr.ok());
  h.accept_hook = [&servers](conn_id c, const rx::peer_address&) {
    servers.push_back(c);
    return true;
  };
  h.data_hook = [&r, &servers](conn_id c, std::span<const char> d) -> std::size_t {
    if (std::find(servers.begin(), servers.end(), c) != servers.end()) {
      REQUIRE(r.send(c, d) == send_result::ok);
    }
    return d.size();
  };
  return lr.port;
}

// A reactor with a TLS echo listener, for tests that connect TLS clients to
// it. Each client's context must outlive its connection.
struct tls_echo_server {
  recording_handler h;
  std::unique_ptr<test_reactor> r = make_reactor_or_skip(h, small_config());
  std::unique_ptr<tls_context> sctx;
  std::vector<conn_id> servers;  // server-side connections the reactor announced
  std::uint16_t port;

  explicit tls_echo_server(bool require_client_cert = false)
      : sctx(server_ctx(require_client_cert)), port(tls_echo(*r, h, *sctx, servers)) {}

  // Starts a TLS connect with client context cctx; returns its id.
  conn_id connect(const tls_context& cctx) {
    rx::connect_options co;
    co.tls = &cctx;
    auto cr = r->connect("127.0.0.1", port, co);
    REQUIRE(cr.ok());
    return cr.id;
  }

  // Polls until the first client's handshake has either succeeded or failed.
  void wait_for_first_handshake() {
    REQUIRE(poll_until(*r, [&] { return !h.connect_failed.empty() || !h.connected.empty(); }));
  }
};

struct tls_echo_server_requiring_client_cert : tls_echo_server {
  tls_echo_server_requiring_client_cert() : tls_echo_server(true) {}
};

}  // namespace

TEST_CASE_METHOD(tls_echo_server, "TLS handshake with a verified server certificate, then echo",
                 "[tls]") {
  auto cctx = client_ctx(test_pki().ca, "localhost");
  const conn_id client = connect(*cctx);
  wait_for_first_handshake();
  REQUIRE(h.connect_failed.empty());
  REQUIRE(r->send(client, as_span("8=FIX.4.4|35=A|")) == send_result::ok);
  const std::string big(40000, 'T');  // several TLS records
  REQUIRE(r->send(client, as_span(big)) == send_result::ok);
  const std::string want = "8=FIX.4.4|35=A|" + big;
  REQUIRE(poll_until(*r, [&] { return h.received[client].size() == want.size(); }));
  CHECK(h.received[client] == want);
  REQUIRE(servers.size() == 1);
  CHECK(h.received[servers[0]] == want);  // the server handler saw plaintext
}

TEST_CASE("TLS keeps a partial frame across records until the rest arrives", "[tls]") {
  recording_handler h;
  auto r = make_reactor_or_skip(h, small_config());
  auto sctx = server_ctx();
  auto cctx = client_ctx(test_pki().ca, "localhost");
  rx::listen_options lo;
  lo.tls = sctx.get();
  auto lr = r->listen("127.0.0.1", 0, lo);
  REQUIRE(lr.ok());
  // The server consumes ';'-terminated frames only.
  std::vector<std::string> frames;
  std::vector<conn_id> servers;
  h.accept_hook = [&](conn_id c, const rx::peer_address&) {
    servers.push_back(c);
    return true;
  };
  h.data_hook = [&](conn_id c, std::span<const char> d) -> std::size_t {
    if (std::find(servers.begin(), servers.end(), c) == servers.end()) return d.size();
    std::size_t used = 0;
    for (std::size_t i = 0; i < d.size(); ++i) {
      if (d[i] == ';') {
        frames.emplace_back(d.data() + used, i - used);
        used = i + 1;
      }
    }
    return used;
  };
  rx::connect_options co;
  co.tls = cctx.get();
  auto cr = r->connect("127.0.0.1", lr.port, co);
  REQUIRE(cr.ok());
  REQUIRE(poll_until(*r, [&] { return h.connected.size() == 1; }));
  // Each send is its own TLS record; frames straddle them.
  for (std::string_view piece : {"35=D|11=a", "bc|;35=D|", "11=x", "yz|;", "35=F;"}) {
    REQUIRE(r->send(cr.id, as_span(piece)) == send_result::ok);
    for (int i = 0; i < 5; ++i) (void)r->poll_once();
  }
  REQUIRE(poll_until(*r, [&] { return frames.size() == 3; }));
  CHECK(frames[0] == "35=D|11=abc|");
  CHECK(frames[1] == "35=D|11=xyz|");
  CHECK(frames[2] == "35=F");
}

TEST_CASE_METHOD(tls_echo_server, "a server certificate from an unknown CA fails verification",
                 "[tls]") {
  auto cctx = client_ctx(test_pki().other_ca, "localhost");
  const conn_id client = connect(*cctx);
  wait_for_first_handshake();
  REQUIRE(h.connected.empty());
  CHECK(h.connect_failed[0].first == client);
  CHECK(h.connect_failed[0].second.kind == io_kind::tls_error);
  // The server sends its CA along with its certificate (OpenSSL builds the
  // chain from the server's trust store), so the client sees an untrusted
  // self-signed root; without the chain it would be an unknown issuer.
  const std::string_view why = h.connect_failed[0].second.name();
  CHECK((why == "self-signed certificate in certificate chain" ||
         why == "unable to get local issuer certificate"));
  for (int i = 0; i < 20; ++i) (void)r->poll_once();
  CHECK(servers.empty());  // the server never announced the failed handshake
}

TEST_CASE_METHOD(tls_echo_server, "a server certificate for another host name fails verification",
                 "[tls]") {
  auto cctx = client_ctx(test_pki().ca, "fix.example.com");
  (void)connect(*cctx);
  wait_for_first_handshake();
  REQUIRE(h.connected.empty());
  CHECK(h.connect_failed[0].second.kind == io_kind::tls_error);
  CHECK(h.connect_failed[0].second.name() == "hostname mismatch");
}

TEST_CASE_METHOD(tls_echo_server_requiring_client_cert,
                 "a server requiring client certificates accepts a signed client and refuses one without",
                 "[tls]") {
  auto with_cert = client_ctx(test_pki().ca, "localhost", true);
  auto without_cert = client_ctx(test_pki().ca, "localhost", false);

  const conn_id ok = connect(*with_cert);
  REQUIRE(poll_until(*r, [&] { return h.connected.size() == 1; }));
  REQUIRE(r->send(ok, as_span("hello")) == send_result::ok);
  REQUIRE(poll_until(*r, [&] { return h.received[ok] == "hello"; }));
  CHECK(servers.size() == 1);

  const conn_id refused = connect(*without_cert);
  // TLS 1.3 lets the client finish before the server checks its certificate,
  // so the refusal shows either as a failed connect or as a close with a TLS
  // alert; either way it is an error and the server never announces it.
  auto refused_ended = [&] {
    for (auto& [c, s] : h.connect_failed) {
      if (c == refused) return true;
    }
    for (auto& [c, s] : h.closed) {
      if (c == refused) return true;
    }
    return false;
  };
  REQUIRE(poll_until(*r, refused_ended));
  for (auto& [c, s] : h.connect_failed) {
    if (c == refused) CHECK(s.kind == io_kind::tls_error);
  }
  for (auto& [c, s] : h.closed) {
    if (c == refused) CHECK_FALSE(s.ok());
  }
  CHECK(servers.size() == 1);
}

TEST_CASE("a TLS server context without a certificate is refused with a message", "[tls]") {
  tls_config cfg;
  tls_setup_error err;
  CHECK_FALSE(tls_context::create(tls_role::server, cfg, err));
  CHECK(err.message.find("cert_file") != std::string::npos);
  cfg.cert_file = "/nonexistent/server.pem";
  CHECK_FALSE(tls_context::create(tls_role::server, cfg, err));
  CHECK(err.message.find("/nonexistent/server.pem") != std::string::npos);
  tls_config client;  // verify_peer on by default, and no CA given
  CHECK_FALSE(tls_context::create(tls_role::client, client, err));
  CHECK(err.message.find("ca_file") != std::string::npos);
}

// ---------------------------------------------------------------- SSLProtocol / SSLCipherSuite

namespace {
struct handshake_result {
  bool ok = false;
  std::string version;
  std::string cipher;
};

// Handshakes a client and a server SSL made from the two contexts, in memory
// (two BIO pairs), and reports what they agreed on.
handshake_result handshake(const tls_context& client, const tls_context& server) {
  SSL* c = SSL_new(client.native());
  SSL* s = SSL_new(server.native());
  BIO *c_io = nullptr, *s_io = nullptr;
  REQUIRE(BIO_new_bio_pair(&c_io, 0, &s_io, 0) == 1);
  SSL_set_bio(c, c_io, c_io);
  SSL_set_bio(s, s_io, s_io);
  SSL_set_connect_state(c);
  SSL_set_accept_state(s);
  SSL_set_tlsext_host_name(c, "localhost");
  handshake_result r;
  for (int i = 0; i < 20; ++i) {
    const int a = SSL_do_handshake(c);
    const int b = SSL_do_handshake(s);
    if (a == 1 && b == 1) {
      r.ok = true;
      break;
    }
    const int ea = SSL_get_error(c, a), eb = SSL_get_error(s, b);
    if ((a != 1 && ea != SSL_ERROR_WANT_READ && ea != SSL_ERROR_WANT_WRITE) ||
        (b != 1 && eb != SSL_ERROR_WANT_READ && eb != SSL_ERROR_WANT_WRITE))
      break;
  }
  if (r.ok) {
    r.version = SSL_get_version(c);
    r.cipher = SSL_get_cipher_name(c);
  }
  ERR_clear_error();
  SSL_free(c);
  SSL_free(s);
  return r;
}

std::unique_ptr<tls_context> server_with(std::uint8_t versions, const std::string& ciphers = {}) {
  const pki& k = test_pki();
  tls_config cfg;
  cfg.cert_file = k.server_cert;
  cfg.key_file = k.server_key;
  cfg.versions = versions;
  cfg.cipher_list = ciphers;
  return make_ctx(tls_role::server, cfg);
}

std::unique_ptr<tls_context> client_with(std::uint8_t versions, const std::string& ciphers = {}) {
  tls_config cfg;
  cfg.ca_file = test_pki().ca;
  cfg.server_name = "localhost";
  cfg.versions = versions;
  cfg.cipher_list = ciphers;
  return make_ctx(tls_role::client, cfg);
}
}  // namespace

TEST_CASE("SSLProtocol: the default negotiates TLS 1.3; restricted to TLS 1.2 both sides use it", "[tls]") {
  using namespace fixring::engine::reactor;
  const std::uint8_t both = tls_version_1_2 | tls_version_1_3;
  CHECK(handshake(*client_with(both), *server_with(both)).version == "TLSv1.3");
  const handshake_result r = handshake(*client_with(both), *server_with(tls_version_1_2));
  CHECK(r.ok);
  CHECK(r.version == "TLSv1.2");
}

TEST_CASE("SSLProtocol: a server on TLS 1.3 only refuses a TLS 1.2-only client", "[tls]") {
  using namespace fixring::engine::reactor;
  CHECK_FALSE(handshake(*client_with(tls_version_1_2), *server_with(tls_version_1_3)).ok);
  CHECK(handshake(*client_with(tls_version_1_3), *server_with(tls_version_1_3)).ok);
}

TEST_CASE("SSLCipherSuite restricts the TLS 1.2 ciphers", "[tls]") {
  using namespace fixring::engine::reactor;
  const std::string aes128 = "ECDHE-ECDSA-AES128-GCM-SHA256", aes256 = "ECDHE-ECDSA-AES256-GCM-SHA384";
  const handshake_result r = handshake(*client_with(tls_version_1_2), *server_with(tls_version_1_2, aes256));
  CHECK(r.ok);
  CHECK(r.cipher == aes256);
  CHECK_FALSE(handshake(*client_with(tls_version_1_2, aes128), *server_with(tls_version_1_2, aes256)).ok);
}

TEST_CASE("a context with no protocol version or an unknown cipher list is refused with a message", "[tls]") {
  tls_config cfg;
  cfg.cert_file = test_pki().server_cert;
  cfg.key_file = test_pki().server_key;
  tls_setup_error err;
  cfg.versions = 0;
  CHECK(tls_context::create(tls_role::server, cfg, err) == nullptr);
  CHECK(err.message.find("no TLS protocol version") != std::string::npos);
  cfg.versions = fixring::engine::reactor::tls_version_1_2;
  cfg.cipher_list = "NO-SUCH-CIPHER";
  CHECK(tls_context::create(tls_role::server, cfg, err) == nullptr);
  CHECK(err.message.find("cipher list \"NO-SUCH-CIPHER\"") != std::string::npos);
}
