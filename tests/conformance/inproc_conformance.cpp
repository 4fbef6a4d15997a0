// Runs the FIX session acceptance suite (../shared/conformance, QuickFIX .def
// scripts) against the sans-IO session core, in process, with a fake clock.
//
// The scripts are written for an acceptor on a socket; here each script's
// connections are simulated: bytes the script sends go to session::on_bytes,
// what the session sends is compared, field by field, with the script's
// expectations under the suite's strict rules (defrun.py), and when a script
// waits for something the session only sends on a timer (a Heartbeat after
// HeartBtInt, a TestRequest, a disconnect) the fake clock advances in steps,
// up to the runner's own read timeout, calling poll(). No real time passes, so
// the whole suite runs in about a second and a failure replays exactly.
//
// The acceptor is configured as ../shared/conformance/README.md says (sender
// ISLD; TW42, TW44, TW50SP2, TW and NO_CHECK_FIELDS_HAVE_VALUES; ResetOnLogon;
// SendingTime window 120 s; TestReqID TEST) and answers with the suite's echo
// application. The socket-level run of the same scripts (defrun.py against
// fixring-sim) belongs to the engine; this one pins the protocol logic.
//
// Usage: inproc_conformance SPEC_DIR DEF_FILE_OR_DIR... [-v]
// Prints a line per failing script and ends "conformance: N passed, N failed";
// exits 77 (skipped) when SPEC_DIR does not exist.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fixring/codec/dictionary.hpp"
#include "fixring/codec/validate.hpp"
#include "fixring/engine/routing.hpp"
#include "fixring/engine/session/dictionary_validator.hpp"
#include "fixring/engine/session/memory_store.hpp"
#include "fixring/engine/session/session.hpp"
#include "../../tools/fixring-sim/apps.hpp"

namespace fs = std::filesystem;
using namespace fixring;
using codec::soh;

namespace {

// ---------------------------------------------------------------------------
// Script steps
// ---------------------------------------------------------------------------

enum class step_kind { connect, disconnect, send, expect, expect_disconnect };

struct step {
  step_kind kind;
  int cid;
  std::string payload;  // send / expect: the message text with <TIME> markers
  int line;
};

std::vector<step> read_script(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<step> steps;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const char kind = line[0];
    std::string rest = line.substr(1);
    int cid = 1;
    if (rest.size() >= 2 && std::isdigit(static_cast<unsigned char>(rest[0])) && rest[1] == ',') {
      cid = rest[0] - '0';
      rest = rest.substr(2);
    }
    if (kind == 'i' && rest == "CONNECT") steps.push_back({step_kind::connect, cid, {}, n});
    else if (kind == 'i' && rest == "DISCONNECT") steps.push_back({step_kind::disconnect, cid, {}, n});
    else if (kind == 'e' && rest == "DISCONNECT") steps.push_back({step_kind::expect_disconnect, cid, {}, n});
    else if (kind == 'I') steps.push_back({step_kind::send, cid, rest, n});
    else if (kind == 'E') steps.push_back({step_kind::expect, cid, rest, n});
  }
  return steps;
}

// ---------------------------------------------------------------------------
// Message text: <TIME+-n> substitution and BodyLength/CheckSum completion,
// the way the suite's runner does it.
// ---------------------------------------------------------------------------

std::string utc_seconds(std::int64_t ns) {
  char buf[32];
  const std::size_t n = codec::format_utc_timestamp(buf, ns, codec::time_precision::s);
  return {buf, n};
}

std::string substitute_time(const std::string& s, std::int64_t now_ns) {
  static const std::regex re("<TIME([+-][0-9]+)?>");
  std::string out;
  auto begin = std::sregex_iterator(s.begin(), s.end(), re);
  std::size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    out += s.substr(last, static_cast<std::size_t>(it->position()) - last);
    const std::int64_t off = (*it)[1].matched ? std::stoll((*it)[1].str()) : 0;
    out += utc_seconds(now_ns + off * 1'000'000'000);
    last = static_cast<std::size_t>(it->position() + it->length());
  }
  return out + s.substr(last);
}

std::string fixify(const std::string& s) {
  if (s.rfind("8=", 0) != 0) return s;
  const bool has_len = s.find("\x01" "9=") != std::string::npos;
  const std::size_t i = s.find(soh) + 1;
  std::string head = s.substr(0, i), rest = s.substr(i), cks;
  static const std::regex cks_re("\x01" "10=[^\x01]*\x01$");
  std::smatch m;
  if (std::regex_search(rest, m, cks_re)) {
    cks = rest.substr(static_cast<std::size_t>(m.position()) + 1);
    rest = rest.substr(0, static_cast<std::size_t>(m.position()) + 1);
  }
  const std::string length = has_len ? "" : "9=" + std::to_string(rest.size()) + "\x01";
  if (cks.empty()) {
    unsigned sum = 0;
    for (unsigned char c : head + length + rest) sum += c;
    char b[16];
    std::snprintf(b, sizeof b, "10=%03u\x01", sum % 256);
    cks = b;
  }
  return head + length + rest + cks;
}

std::vector<std::pair<std::string, std::string>> split_fields(const std::string& msg) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t p = 0;
  while (p < msg.size()) {
    std::size_t e = msg.find(soh, p);
    if (e == std::string::npos) e = msg.size();
    if (e > p) {
      const std::string f = msg.substr(p, e - p);
      const std::size_t eq = f.find('=');
      out.emplace_back(f.substr(0, eq), eq == std::string::npos ? "" : f.substr(eq + 1));
    }
    p = e + 1;
  }
  return out;
}

// The strict comparison: same fields, same order, same values, except that the
// timestamp fields and CheckSum only need to match a pattern.
std::optional<std::string> compare_strict(const std::string& expected, const std::string& actual) {
  static const std::map<std::string, std::regex> patterns = {
      {"10", std::regex("\\d{3}")},
      {"42", std::regex("\\d{8}-\\d{2}:\\d{2}:\\d{2}")},
      {"52", std::regex("\\d{8}-\\d{2}:\\d{2}:\\d{2}")},
      {"60", std::regex("\\d{8}-\\d{2}:\\d{2}:\\d{2}")},
      {"122", std::regex("\\d{8}-\\d{2}:\\d{2}:\\d{2}")}};
  const auto e = split_fields(expected), a = split_fields(actual);
  if (e.size() != a.size()) return "number of fields do not match";
  for (std::size_t i = 0; i < e.size(); ++i) {
    if (e[i].first != a[i].first) return "expected field (" + e[i].first + ") but found field (" + a[i].first + ")";
    const auto pat = patterns.find(e[i].first);
    if (pat != patterns.end()) {
      if (!std::regex_search(a[i].second, pat->second))
        return "field " + e[i].first + " value '" + a[i].second + "' does not match its pattern";
    } else if (e[i].second != a[i].second) {
      return "field " + e[i].first + " expected '" + e[i].second + "' got '" + a[i].second + "'";
    }
  }
  return std::nullopt;
}

std::string readable(std::string s) {
  std::replace(s.begin(), s.end(), soh, '|');
  return s;
}

// ---------------------------------------------------------------------------
// The acceptor: sessions, their stores, sinks and the echo application
// ---------------------------------------------------------------------------

struct connection {
  bool open = false;
  bool closed_by_acceptor = false;
  int session = -1;             // bound session slot, -1 until identified
  std::string inbound;          // bytes the script sent, not yet consumed
  std::vector<std::string> out; // messages the acceptor sent, not yet read
};

using engine::dictionary_validator;

struct acceptor;

struct sink {
  acceptor* acc;
  int slot;
  engine::send_status send(std::span<const char> bytes) noexcept;
  void disconnect() noexcept;
};

// The suite's test application (tools/fixring-sim/apps.hpp), answering through
// the session with the acceptor's fake clock. Its calls into the session are
// defined after session_t, which needs this type complete first.
struct echo_app {
  void* session = nullptr;  // the session_t this application answers through
  sim::echo_responder responder;

  void on_app_message(const codec::message& m, std::int64_t now_ns) noexcept;
  bool authenticate_logon(const codec::message&) noexcept { return true; }
  void on_status(engine::session_status st, engine::session_error) noexcept {
    if (st == engine::session_status::logged_out || st == engine::session_status::disconnected)
      responder.on_session_down();
  }
};

using session_t = engine::session<engine::memory_store, sink, echo_app, dictionary_validator>;

// The responder's view of a session: sends stamped with the fake clock.
struct session_out {
  session_t* s;
  std::int64_t now_ns;
  template <class BodyFn>
  void send(std::string_view type, BodyFn&& body, const engine::header_fields& h) {
    (void)s->send(type, std::forward<BodyFn>(body), now_ns, h);
  }
  void business_reject(const codec::message& m, std::uint32_t reason, std::string_view text) {
    (void)s->send_business_reject(m, reason, text, now_ns);
  }
};

void echo_app::on_app_message(const codec::message& m, std::int64_t now_ns) noexcept {
  session_out out{static_cast<session_t*>(session), now_ns};
  responder.on_app_message(out, m);
}

struct session_slot {
  std::unique_ptr<engine::memory_store> store;
  std::unique_ptr<sink> snk;
  std::unique_ptr<echo_app> app;
  std::unique_ptr<session_t> sess;
  int bound_cid = -1;
};

struct acceptor {
  std::map<int, connection> conns;
  std::vector<session_slot> slots;
  engine::session_directory directory;
  std::int64_t now_ns = 0;
  std::vector<std::string> log;

  acceptor(const std::map<std::string, const codec::dictionary*>& dicts, std::int64_t start_ns) : now_ns(start_ns) {
    struct def {
      const char* bs;
      const char* target;
      const char* dict;
      bool fields_have_values;
      const char* appl_ver;
    };
    const def defs[] = {{"FIX.4.2", "TW42", "FIX42", true, ""},
                        {"FIX.4.4", "TW44", "FIX44", true, ""},
                        {"FIXT.1.1", "TW50SP2", "FIX50SP2", true, "9"},
                        {"FIX.4.4", "TW", "FIX44", true, ""},
                        {"FIX.4.4", "NO_CHECK_FIELDS_HAVE_VALUES", "FIX44", false, ""}};
    slots.reserve(std::size(defs));
    for (const def& d : defs) {
      session_slot& s = slots.emplace_back();
      directory.add(d.bs, "ISLD", d.target);
      engine::session_config cfg;
      cfg.role = engine::session_role::acceptor;
      cfg.begin_string = d.bs;
      cfg.sender_comp_id = "ISLD";
      cfg.target_comp_id = d.target;
      cfg.reset_on_logon = true;
      cfg.default_appl_ver_id = d.appl_ver;
      s.store = std::make_unique<engine::memory_store>(std::size_t{1} << 20, 4096);
      s.snk = std::make_unique<sink>(sink{this, static_cast<int>(slots.size() - 1)});
      s.app = std::make_unique<echo_app>();
      codec::validation_options opts;
      opts.check_fields_have_values = d.fields_have_values;
      const dictionary_validator v(*dicts.at(d.dict), opts);
      s.sess = std::make_unique<session_t>(cfg, *s.store, *s.snk, *s.app, v);
      s.app->session = s.sess.get();
    }
  }

  void close_conn(int cid, bool by_acceptor) {
    connection& c = conns[cid];
    if (!c.open) return;
    c.open = false;
    c.closed_by_acceptor = by_acceptor;
    if (c.session >= 0) {
      session_slot& s = slots[static_cast<std::size_t>(c.session)];
      if (s.bound_cid == cid) {
        s.bound_cid = -1;
        s.sess->on_disconnected(now_ns);
      }
    }
  }

  // Picks the session for a connection's first message (engine/routing.hpp).
  void route(int cid) {
    connection& c = conns[cid];
    engine::logon_identity id;
    const engine::identity_status st = engine::read_identity({c.inbound.data(), c.inbound.size()}, id);
    if (st == engine::identity_status::need_more) return;
    const std::optional<std::size_t> slot =
        st == engine::identity_status::found ? directory.find(id) : std::nullopt;
    if (!slot || slots[*slot].bound_cid >= 0) {  // unknown, not FIX, or already logged on elsewhere
      close_conn(cid, true);
      return;
    }
    session_slot& s = slots[*slot];
    s.bound_cid = cid;
    c.session = static_cast<int>(*slot);
    s.sess->on_connected(now_ns);
  }

  void deliver(int cid, const std::string& bytes) {
    connection& c = conns[cid];
    if (!c.open) return;
    c.inbound += bytes;
    if (c.session < 0) route(cid);
    if (!c.open || c.session < 0) return;
    session_slot& s = slots[static_cast<std::size_t>(c.session)];
    const std::size_t used = s.sess->on_bytes({c.inbound.data(), c.inbound.size()}, now_ns);
    if (conns[cid].open) c.inbound.erase(0, used);
  }

  void advance(std::int64_t step_ns) {
    now_ns += step_ns;
    for (auto& s : slots)
      if (s.bound_cid >= 0) s.sess->poll(now_ns);
  }
};

engine::send_status sink::send(std::span<const char> bytes) noexcept {
  session_slot& s = acc->slots[static_cast<std::size_t>(slot)];
  if (s.bound_cid < 0 || !acc->conns[s.bound_cid].open) return engine::send_status::closed;
  acc->conns[s.bound_cid].out.emplace_back(bytes.data(), bytes.size());
  return engine::send_status::ok;
}

void sink::disconnect() noexcept {
  session_slot& s = acc->slots[static_cast<std::size_t>(slot)];
  if (s.bound_cid >= 0) acc->close_conn(s.bound_cid, true);
}

// ---------------------------------------------------------------------------
// Running one script
// ---------------------------------------------------------------------------

constexpr std::int64_t ms = 1'000'000;
constexpr std::int64_t read_timeout_ns = 30'000 * ms;     // defrun.py --timeout default
constexpr std::int64_t disconnect_wait_ns = 10'000 * ms;  // eDISCONNECT wait
constexpr std::int64_t tick_ns = 10 * ms;

std::optional<std::string> run_script(const fs::path& path, const std::map<std::string, const codec::dictionary*>& dicts,
                                      bool verbose) {
  // A fixed start keeps every run identical.
  acceptor acc(dicts, 1767268800LL * 1'000'000'000);
  for (const step& st : read_script(path)) {
    const std::string where = "line " + std::to_string(st.line) + ": ";
    connection& c = acc.conns[st.cid];
    switch (st.kind) {
      case step_kind::connect:
        c = connection{};
        c.open = true;
        break;
      case step_kind::disconnect:
        acc.close_conn(st.cid, false);
        break;
      case step_kind::send: {
        const std::string msg = fixify(substitute_time(st.payload, acc.now_ns));
        if (verbose) std::printf("  I%d %s\n", st.cid, readable(msg).c_str());
        if (!c.open) return where + "sending on a closed connection";
        acc.deliver(st.cid, msg);
        break;
      }
      case step_kind::expect: {
        const std::string expected = fixify(substitute_time(st.payload, acc.now_ns));
        std::int64_t waited = 0;
        while (acc.conns[st.cid].out.empty() && acc.conns[st.cid].open && waited < read_timeout_ns) {
          acc.advance(tick_ns);
          waited += tick_ns;
        }
        connection& cc = acc.conns[st.cid];
        if (cc.out.empty())
          return where + (cc.open ? "timed out waiting for " : "was disconnected, expected ") + readable(expected);
        const std::string actual = cc.out.front();
        cc.out.erase(cc.out.begin());
        if (verbose) std::printf("  E%d %s\n", st.cid, readable(actual).c_str());
        if (auto why = compare_strict(expected, actual))
          return where + *why + "\n    expected " + readable(expected) + "\n    got      " + readable(actual);
        break;
      }
      case step_kind::expect_disconnect: {
        std::int64_t waited = 0;
        while (acc.conns[st.cid].open && acc.conns[st.cid].out.empty() && waited < disconnect_wait_ns) {
          acc.advance(tick_ns);
          waited += tick_ns;
        }
        connection& cc = acc.conns[st.cid];
        if (!cc.out.empty()) return where + "expected disconnection, got " + readable(cc.out.front());
        if (cc.open) return where + "connection hangs after 10 seconds";
        break;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s SPEC_DIR DEF_FILE_OR_DIR... [-v]\n", argv[0]);
    return 2;
  }
  const fs::path spec = argv[1];
  if (!fs::is_directory(spec)) {
    std::printf("no dictionaries at %s: skipped\n", spec.c_str());
    return 77;
  }
  bool verbose = false;
  std::vector<fs::path> files;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "-v") == 0) {
      verbose = true;
      continue;
    }
    const fs::path p = argv[i];
    if (fs::is_directory(p)) {
      for (const auto& e : fs::directory_iterator(p))
        if (e.path().extension() == ".def") files.push_back(e.path());
    } else if (fs::exists(p)) {
      files.push_back(p);
    } else {
      std::printf("no scripts at %s: skipped\n", p.c_str());
      return 77;
    }
  }
  std::sort(files.begin(), files.end());
  auto fix42 = codec::dictionary::load((spec / "FIX42.xml").string());
  auto fix44 = codec::dictionary::load((spec / "FIX44.xml").string());
  auto fix50 = codec::dictionary::load_fixt((spec / "FIXT11.xml").string(), (spec / "FIX50SP2.xml").string());
  for (auto* d : {&fix42, &fix44, &fix50}) {
    if (!*d) {
      std::fprintf(stderr, "dictionary: %s\n", d->error().message.c_str());
      return 1;
    }
  }
  const std::map<std::string, const codec::dictionary*> dicts = {
      {"FIX42", &fix42.value()}, {"FIX44", &fix44.value()}, {"FIX50SP2", &fix50.value()}};
  int passed = 0, failed = 0;
  for (const fs::path& f : files) {
    if (verbose) std::printf("%s\n", f.c_str());
    if (auto why = run_script(f, dicts, verbose)) {
      ++failed;
      std::printf("FAIL %s/%s: %s\n", f.parent_path().filename().c_str(), f.filename().c_str(), why->c_str());
    } else {
      ++passed;
    }
  }
  std::printf("conformance: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
