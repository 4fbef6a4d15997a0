// Tests against the real FIX dictionaries and the session acceptance scripts in
// ../shared/conformance (which may not be copied into the repository). This
// executable exits 77, which meson reports as SKIP, when they are absent.
//
// The validation answers are read from the scripts themselves: for every
// message the runner sends, the acceptor's next reply says what validation must
// conclude (a Reject with SessionRejectReason 373 and RefTagID 371, or any
// other reply, meaning the message passed).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "fix_text.hpp"
#include "fixring/codec/generated/fix42.hpp"
#include "fixring/codec/generated/fix44.hpp"
#include "fixring/codec/generated/fix50sp2.hpp"
#include "fixring/codec/groups.hpp"
#include "fixring/codec/validate.hpp"

using namespace fixring::codec;
namespace fs = std::filesystem;

namespace {

const std::string spec_dir = FIXRING_SPEC_DIR;
const std::string conformance_dir = spec_dir + "/..";

const dictionary& fix42_dict() {
  static const dictionary d = std::move(dictionary::load(spec_dir + "/FIX42.xml")).value();
  return d;
}
const dictionary& fix44_dict() {
  static const dictionary d = std::move(dictionary::load(spec_dir + "/FIX44.xml")).value();
  return d;
}
const dictionary& fix50_dict() {
  static const dictionary d =
      std::move(dictionary::load_fixt(spec_dir + "/FIXT11.xml", spec_dir + "/FIX50SP2.xml")).value();
  return d;
}

std::string field_of(const std::string& msg, const std::string& tag) {
  const std::string key = "\x01" + tag + "=";
  std::size_t p = msg.find(key);
  if (p == std::string::npos) {
    if (msg.rfind(tag + "=", 0) != 0) return {};
    p = 0;
  } else {
    p += 1;
  }
  p += tag.size() + 1;
  return msg.substr(p, msg.find('\x01', p) - p);
}

std::string replace_times(std::string s) {
  for (std::size_t p; (p = s.find("<TIME")) != std::string::npos;)
    s.replace(p, s.find('>', p) - p + 1, "20260101-12:00:00");
  return s;
}

session_reject_reason reason_from_text(const std::string& text) {
  for (int v = 0; v < 100; ++v) {
    const auto r = static_cast<session_reject_reason>(v);
    if (to_string(r) == text) return r;
  }
  return session_reject_reason::other;
}

struct step {
  std::string sent;      // wire bytes
  std::string reply;     // wire bytes of the expected reply
  std::size_t line = 0;
};

// The (sent, next expected reply) pairs of one script.
std::vector<step> read_script(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<step> out;
  std::string line;
  std::size_t n = 0;
  std::string pending;
  std::size_t pending_line = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    std::string payload = line.substr(1);
    if (payload.size() > 2 && payload[0] >= '0' && payload[0] <= '9' && payload[1] == ',') payload = payload.substr(2);
    if (line[0] == 'I' && payload.rfind("8=", 0) == 0) {
      pending = replace_times(payload);
      pending_line = n;
    } else if (line[0] == 'E' && !pending.empty()) {
      std::string readable = pending;
      for (char& c : readable)
        if (c == '\x01') c = '|';
      out.push_back({fixring::test::fix(readable), payload, pending_line});
      pending.clear();
    } else {
      pending.clear();
    }
  }
  return out;
}

void check_script(const fs::path& path, const dictionary& d) {
  for (const step& s : read_script(path)) {
    INFO(path.filename().string() << " line " << s.line);
    validation_options o;
    if (field_of(s.sent, "49") == "NO_CHECK_FIELDS_HAVE_VALUES") o.check_fields_have_values = false;
    const bool reject = field_of(s.reply, "35") == "3";
    const std::string ref = field_of(s.reply, "371");
    const session_reject_reason want =
        reject ? reason_from_text(field_of(s.reply, "58")) : session_reject_reason::none;
    if (reject && !field_of(s.reply, "373").empty())
      REQUIRE(static_cast<int>(want) == std::stoi(field_of(s.reply, "373")));
    message m;
    const parse_error pe = m.parse(s.sent, d.data_fields());
    if (pe == parse_error::garbled_field) {
      // "0=HI", "-1=HI": the parser refuses the tag; the Reject still names it.
      std::int64_t tag = 0;
      CHECK(want == session_reject_reason::invalid_tag_number);
      CHECK(find_invalid_tag_number(s.sent, tag));
      CHECK(std::to_string(tag) == ref);
      continue;
    }
    REQUIRE(pe == parse_error::none);
    const validation_result v = validate(d, m, o);
    CHECK(static_cast<int>(v.reason) == static_cast<int>(want));
    if (reject) CHECK(std::to_string(v.ref_tag) == (ref.empty() ? "0" : ref));
  }
}

void check_directory(const std::string& dir, const dictionary& d) {
  std::size_t scripts = 0;
  for (const auto& e : fs::directory_iterator(conformance_dir + "/server/" + dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("14", 0) == 0 || name.rfind("15_", 0) == 0 || name.rfind("21_", 0) == 0 ||
        name.rfind("2q_", 0) == 0 || name.rfind("2r_", 0) == 0) {
      check_script(e.path(), d);
      ++scripts;
    }
  }
  CHECK(scripts >= 13);
}

}  // namespace

TEST_CASE("the FIX 4.2, 4.4 and FIXT 1.1 + 5.0 SP2 dictionaries load") {
  CHECK(fix42_dict().begin_string() == "FIX.4.2");
  CHECK(fix44_dict().begin_string() == "FIX.4.4");
  CHECK(fix50_dict().begin_string() == "FIXT.1.1");
  CHECK(fix44_dict().messages().size() == 93);
  CHECK(fix50_dict().messages().size() == 156 + 8);
  CHECK(fix44_dict().is_admin("A"));
  CHECK(fix50_dict().is_admin("5"));
  CHECK_FALSE(fix50_dict().is_admin("D"));
  CHECK(fix50_dict().is_defined("BH"));
  CHECK(fix50_dict().field(50002) != nullptr);
}

TEST_CASE("FIX.4.2 validation answers what the fix42 acceptance scripts expect") {
  check_directory("fix42", fix42_dict());
}

TEST_CASE("FIX.4.4 validation answers what the fix44 acceptance scripts expect") {
  check_directory("fix44", fix44_dict());
}

TEST_CASE("FIXT.1.1 validation answers what the fix50sp2 acceptance scripts expect") {
  check_directory("fix50sp2", fix50_dict());
}

TEST_CASE("empty values are rejected or accepted per session as CheckFieldsHaveValues expects") {
  check_script(conformance_dir + "/server/validate/CheckFieldsHaveValues.def", fix44_dict());
}

TEST_CASE("generated DATA pairs agree with the loader's") {
  auto same = [](std::span<const data_field_pair> a, std::span<const data_field_pair> b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (a[i].length_tag != b[i].length_tag || a[i].data_tag != b[i].data_tag) return false;
    return true;
  };
  CHECK(same(fix42::data_field_pairs, fix42_dict().data_field_pairs()));
  CHECK(same(fix44::data_field_pairs, fix44_dict().data_field_pairs()));
  CHECK(same(fix50sp2::data_field_pairs, fix50_dict().data_field_pairs()));
}

TEST_CASE("generated tag constants agree with the loader's names") {
  CHECK(fix44_dict().tag_of("ClOrdID") == fix44::tag::ClOrdID);
  CHECK(fix44_dict().tag_of("NoPartyIDs") == fix44::tag::NoPartyIDs);
  CHECK(fix42_dict().tag_of("ExecTransType") == fix42::tag::ExecTransType);
  CHECK(fix50_dict().tag_of("ApplVerID") == fix50sp2::tag::ApplVerID);
  CHECK(fix44_dict().message_at(fix44_dict().find_message(fix44::msg_type::ExecutionReport)).name == "ExecutionReport");
}

TEST_CASE("an ExecutionReport with nested parties validates and iterates against FIX.4.4") {
  const dictionary& d = fix44_dict();
  const std::string bytes = fixring::test::fix(
      "8=FIX.4.4|35=8|34=2|49=ISLD|52=20260101-12:00:00.000|56=TW44|6=0|11=ID|14=0|17=E1|37=O1|39=0|54=1|"
      "55=INTC|150=0|151=100|453=2|448=P1|447=D|452=1|802=1|523=S1|803=1|448=P2|447=D|452=3|");
  message m;
  REQUIRE(m.parse(bytes, d.data_fields()) == parse_error::none);
  CHECK(validate(d, m).ok());
  std::size_t subs = 0;
  for (const group_instance& p : find_group(d, m, fix44::tag::NoPartyIDs)) subs += p.group(fix44::tag::NoPartySubIDs).size();
  CHECK(subs == 1);
}

int main(int argc, char* argv[]) {
  for (const char* f : {"FIX42.xml", "FIX44.xml", "FIXT11.xml", "FIX50SP2.xml"})
    if (!fs::exists(spec_dir + "/" + f)) {
      std::cerr << "skipped: " << spec_dir << "/" << f << " not found\n";
      return 77;
    }
  for (const auto& [name, r] : {std::pair{"FIX42", dictionary::load(spec_dir + "/FIX42.xml")},
                                std::pair{"FIX44", dictionary::load(spec_dir + "/FIX44.xml")},
                                std::pair{"FIXT11+FIX50SP2", dictionary::load_fixt(spec_dir + "/FIXT11.xml",
                                                                                   spec_dir + "/FIX50SP2.xml")}})
    if (!r.has_value()) {
      std::cerr << name << ": " << r.error().message << '\n';
      return 1;
    }
  return Catch::Session().run(argc, argv);
}
