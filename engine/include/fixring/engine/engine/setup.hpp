// The engine's cold, non-template half: turning config::session_settings into
// what a session is built from (session_config, a dictionary validator, an open
// journal), with errors that name the settings file line, the session and the
// file at fault.
//
// Thread contract: call from one thread before the engine runs. Ownership:
// dictionary_cache owns every dictionary it loaded; validators and sessions
// refer to them, so the cache must outlive the sessions.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "fixring/codec/dictionary.hpp"
#include "fixring/codec/validate.hpp"
#include "fixring/engine/config/result.hpp"
#include "fixring/engine/config/settings.hpp"
#include "fixring/engine/reactor/tls.hpp"
#include "fixring/engine/session/session_types.hpp"
#include "fixring/store/session_journal.hpp"

namespace fixring::engine {

// Validator for an engine session: the dictionary's checks when the session has
// a dictionary (UseDataDictionary=Y and a DataDictionary, or FIXT's transport +
// application pair), none otherwise. Satisfies session_validator; hot methods
// are noexcept and allocate nothing.
class optional_validator {
 public:
  optional_validator() noexcept = default;
  optional_validator(const codec::dictionary* dict, const codec::validation_options& options) noexcept
      : dict_(dict), options_(options) {}

  [[nodiscard]] validation_result validate(const codec::message& m) const noexcept {
    if (dict_ == nullptr) return {};
    return codec::validate(*dict_, m, options_);
  }
  [[nodiscard]] bool find_invalid_tag(std::string_view framed, std::int64_t& tag) const noexcept {
    return dict_ != nullptr && codec::find_invalid_tag_number(framed, tag);
  }
  [[nodiscard]] const codec::data_field_table& data_fields() const noexcept {
    return dict_ != nullptr ? dict_->data_fields() : codec::standard_data_field_table;
  }
  [[nodiscard]] const codec::dictionary* dictionary() const noexcept { return dict_; }

 private:
  const codec::dictionary* dict_ = nullptr;
  codec::validation_options options_{};
};

static_assert(session_validator<optional_validator>);

// Loads each dictionary file (or FIXT transport + application pair) once.
class dictionary_cache {
 public:
  // The session's validator. Error (bad_value, naming the session's settings
  // line and the dictionary file) when a file does not load.
  [[nodiscard]] config::result<optional_validator> validator_for(const config::session_settings& s);

 private:
  std::map<std::string, std::unique_ptr<codec::dictionary>> loaded_;
};

// session_config for the session core from its settings. Pure; any thread.
[[nodiscard]] session_config make_session_config(const config::session_settings& s);

// The TLS context settings of a session with SSLEnable: certificate files by
// role, CertificateVerifyLevel, SSLProtocol (versions) and SSLCipherSuite.
// Pure; any thread.
[[nodiscard]] reactor::tls_config make_tls_config(const config::session_settings& s);

// DefaultApplVerID as it goes on the wire ("9" for FIX50SP2); empty for none.
[[nodiscard]] std::string appl_ver_id_code(config::appl_ver_id v);

// Journal directory of a session: FileStorePath (or `default_store_dir` when
// the session sets none) / the identity with path-hostile characters replaced
// ("FIX.4.4-ISLD-TW").
[[nodiscard]] std::string journal_directory(const config::session_settings& s, std::string_view default_store_dir);

// Opens (recovering) or creates the session's journal, durability per
// FixringDurability / FixringSyncIntervalMs. Error (io_error) names the
// session, its settings line and the journal's own message.
[[nodiscard]] config::result<std::unique_ptr<store::session_journal>> open_journal(
    const config::session_settings& s, std::string_view default_store_dir, std::uint64_t index_capacity,
    std::int64_t now_ns);

// The schedule window a journal's sequence numbers belong to, kept beside the
// journal in the file "window" (decimal ns since the epoch, UTC), so that a
// restart inside the same daily or weekly window does not reset them.
// read: 0 when the file is absent or unreadable. write: false on failure.
[[nodiscard]] std::int64_t read_window_start(const std::string& journal_dir) noexcept;
[[nodiscard]] bool write_window_start(const std::string& journal_dir, std::int64_t start_ns) noexcept;

}  // namespace fixring::engine
