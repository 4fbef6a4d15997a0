// Cold setup of engine sessions from settings; see engine/setup.hpp.
#include "fixring/engine/engine/setup.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

namespace fixring::engine {

namespace {

std::string where(const config::session_settings& s) {
  return s.source + ": [SESSION] " + s.id.to_string() + ": ";
}

}  // namespace

config::result<optional_validator> dictionary_cache::validator_for(const config::session_settings& s) {
  codec::validation_options opts;
  opts.check_fields_have_values = s.validate_fields_have_values;
  opts.check_field_order = s.validate_fields_out_of_order;
  opts.check_user_defined_fields = s.validate_user_defined_fields;
  opts.check_fields_in_message = !s.allow_unknown_msg_fields;
  if (!s.use_data_dictionary) return optional_validator{};
  const bool fixt = s.id.begin_string == config::fix_version::fixt11;
  std::string key;
  if (fixt) {
    // Without both halves a FIXT session runs on the session core's own checks.
    if (s.transport_data_dictionary.empty() || s.app_data_dictionary.empty()) return optional_validator{};
    key = s.transport_data_dictionary + '\n' + s.app_data_dictionary;
  } else {
    if (s.data_dictionary.empty()) return optional_validator{};
    key = s.data_dictionary;
  }
  auto it = loaded_.find(key);
  if (it == loaded_.end()) {
    auto loaded = fixt ? codec::dictionary::load_fixt(s.transport_data_dictionary, s.app_data_dictionary)
                       : codec::dictionary::load(s.data_dictionary);
    if (!loaded) {
      return config::config_error{config::config_errc::bad_value,
                                  where(s) + "dictionary: " + loaded.error().message};
    }
    it = loaded_.emplace(key, std::make_unique<codec::dictionary>(std::move(loaded).value())).first;
  }
  return optional_validator{it->second.get(), opts};
}

std::string appl_ver_id_code(config::appl_ver_id v) {
  if (v == config::appl_ver_id::none) return {};
  return std::to_string(static_cast<int>(v));
}

session_config make_session_config(const config::session_settings& s) {
  session_config c;
  c.role = s.connection == config::connection_type::acceptor ? session_role::acceptor : session_role::initiator;
  c.begin_string = std::string(config::to_string(s.id.begin_string));
  c.sender_comp_id = s.id.sender_comp_id;
  c.target_comp_id = s.id.target_comp_id;
  c.heartbeat_interval_s = s.heartbeat_interval_s > 0 ? static_cast<std::uint32_t>(s.heartbeat_interval_s) : 30;
  c.test_request_permille = s.test_request_threshold_pct * 10;
  c.disconnect_permille = s.disconnect_threshold_pct * 10;
  c.test_req_id = s.test_req_id;
  c.reset_on_logon = s.reset_on_logon;
  c.reset_on_logout = s.reset_on_logout;
  c.reset_on_disconnect = s.reset_on_disconnect;
  c.default_appl_ver_id = appl_ver_id_code(s.default_appl_ver_id);
  c.logon_timeout_ns = static_cast<std::int64_t>(s.logon_timeout_s) * 1'000'000'000;
  c.logout_timeout_ns = static_cast<std::int64_t>(s.logout_timeout_s) * 1'000'000'000;
  c.check_comp_ids = s.check_comp_id;
  c.check_latency = s.check_latency;
  c.max_latency_ns = static_cast<std::int64_t>(s.max_latency_s) * 1'000'000'000;
  c.max_messages_per_resend_request = s.resend_chunk;
  c.send_redundant_resend_requests = s.send_redundant_resend_requests;
  c.timestamp_precision = s.timestamp_precision_digits >= 9   ? codec::time_precision::ns
                          : s.timestamp_precision_digits >= 6 ? codec::time_precision::us
                          : s.timestamp_precision_digits >= 3 ? codec::time_precision::ms
                                                              : codec::time_precision::s;
  c.max_message_bytes = s.max_message_bytes;
  c.queue_capacity_messages = s.max_queued_messages;
  c.queue_capacity_bytes = s.max_queued_bytes;
  c.queue_policy = s.queue_full_logout ? queue_full_policy::disconnect : queue_full_policy::drop;
  c.frame_limits.max_message_bytes = s.max_message_bytes;
  return c;
}

reactor::tls_config make_tls_config(const config::session_settings& s) {
  reactor::tls_config tc;
  tc.ca_file = s.tls.certificate_authorities_file;
  tc.versions = 0;
  if (s.tls.protocols & config::tls_v1_0) tc.versions |= reactor::tls_version_1_0;
  if (s.tls.protocols & config::tls_v1_1) tc.versions |= reactor::tls_version_1_1;
  if (s.tls.protocols & config::tls_v1_2) tc.versions |= reactor::tls_version_1_2;
  if (s.tls.protocols & config::tls_v1_3) tc.versions |= reactor::tls_version_1_3;
  tc.cipher_list = s.tls.cipher_suite;
  if (s.connection == config::connection_type::initiator) {
    tc.cert_file = s.tls.client_certificate_file;
    tc.key_file = s.tls.client_certificate_key_file.empty() ? tc.cert_file : s.tls.client_certificate_key_file;
    tc.verify_peer = (s.tls.verify_level & 1u) != 0;
  } else {
    tc.cert_file = s.tls.server_certificate_file;
    tc.key_file = s.tls.server_certificate_key_file.empty() ? tc.cert_file : s.tls.server_certificate_key_file;
    tc.require_client_certificate = (s.tls.verify_level & 2u) != 0;
  }
  return tc;
}

std::string journal_directory(const config::session_settings& s, std::string_view default_store_dir) {
  std::string name = s.id.to_string();
  for (char& ch : name) {
    const bool keep = (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                      ch == '.' || ch == '_';
    if (!keep) ch = '-';
  }
  const std::string base = s.file_store_path.empty() ? std::string(default_store_dir) : s.file_store_path;
  return (std::filesystem::path(base) / name).string();
}

config::result<std::unique_ptr<store::session_journal>> open_journal(const config::session_settings& s,
                                                                     std::string_view default_store_dir,
                                                                     std::uint64_t index_capacity,
                                                                     std::int64_t now_ns) {
  const std::string dir = journal_directory(s, default_store_dir);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return config::config_error{config::config_errc::io_error,
                                where(s) + "FileStorePath: cannot create " + dir + ": " + ec.message()};
  }
  store::journal_options o;
  o.session_name = s.id.to_string().substr(0, 63);
  o.sync = s.durability == config::durability_mode::every      ? store::durability::every
           : s.durability == config::durability_mode::interval ? store::durability::interval
                                                                : store::durability::none;
  o.sync_interval_ns = static_cast<std::int64_t>(s.sync_interval_ms) * 1'000'000;
  o.index_capacity = index_capacity;
  o.prefault_by = s.prefault_helper ? store::journal_options::prefaulting::helper
                                    : store::journal_options::prefaulting::owner;
  auto j = store::session_journal::open(dir, o, now_ns);
  if (!j) {
    return config::config_error{config::config_errc::io_error, where(s) + "journal: " + j.error().message};
  }
  return std::make_unique<store::session_journal>(std::move(j).value());
}

std::int64_t read_window_start(const std::string& journal_dir) noexcept {
  std::FILE* f = std::fopen((journal_dir + "/window").c_str(), "r");
  if (f == nullptr) return 0;
  long long v = 0;
  const int n = std::fscanf(f, "%lld", &v);
  std::fclose(f);
  return n == 1 ? static_cast<std::int64_t>(v) : 0;
}

bool write_window_start(const std::string& journal_dir, std::int64_t start_ns) noexcept {
  const std::string tmp = journal_dir + "/window.tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) return false;
  const bool ok = std::fprintf(f, "%lld\n", static_cast<long long>(start_ns)) > 0;
  if (std::fclose(f) != 0 || !ok) return false;
  // rename: the file is either the old window or the new one, never half written.
  return std::rename(tmp.c_str(), (journal_dir + "/window").c_str()) == 0;
}

}  // namespace fixring::engine
