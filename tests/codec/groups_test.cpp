// Repeating-group iteration through the dictionary, nested groups included.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "fix_text.hpp"
#include "fixring/codec/groups.hpp"

using namespace fixring::codec;
using fixring::test::fix;

namespace {

const dictionary& dict() {
  static const dictionary d = [] {
    auto res = dictionary::load(std::string(FIXRING_CODEC_TEST_DATA) + "/mini44.xml");
    if (!res) FAIL(res.error().message);
    return std::move(res).value();
  }();
  return d;
}

const std::string head = "8=FIX.4.4|35=D|34=2|49=TW44|52=20260101-12:00:00|56=ISLD|";
const std::string order = "11=ID|21=1|38=100|40=1|54=1|55=INTC|60=20260101-12:00:00|";

}  // namespace

TEST_CASE("instances of a top-level group are iterated in order with their own fields") {
  const std::string bytes = fix(head + order + "453=3|448=A|447=D|452=1|448=B|452=3|448=C|452=12|59=0|");
  message m;
  REQUIRE(m.parse(bytes) == parse_error::none);
  const group_view parties = find_group(dict(), m, 453);
  REQUIRE(parties.found());
  CHECK(parties.declared_count() == 3);
  CHECK(parties.size() == 3);
  std::vector<std::string> ids, roles, sources;
  for (const group_instance& p : parties) {
    ids.emplace_back(p.get_or(448));
    roles.emplace_back(p.get_or(452));
    sources.emplace_back(p.get_or(447, "-"));
  }
  CHECK(ids == std::vector<std::string>{"A", "B", "C"});
  CHECK(roles == std::vector<std::string>{"1", "3", "12"});
  CHECK(sources == std::vector<std::string>{"D", "-", "-"});
  // The field after the group is not part of it.
  CHECK(m.fields()[parties.end_index()].tag == 59);
  CHECK((*parties.begin()).fields().size() == 3);
}

TEST_CASE("nested groups are reached from their enclosing instance") {
  const std::string bytes =
      fix(head + order + "453=2|448=A|452=3|802=2|523=x|803=1|523=y|448=B|452=1|802=1|523=z|59=0|");
  message m;
  REQUIRE(m.parse(bytes) == parse_error::none);
  const group_view parties = find_group(dict(), m, 453);
  REQUIRE(parties.size() == 2);
  std::vector<std::string> subs;
  std::vector<std::size_t> sub_counts;
  for (const group_instance& p : parties) {
    const group_view sub = p.group(802);
    REQUIRE(sub.found());
    sub_counts.push_back(sub.size());
    for (const group_instance& s : sub) subs.emplace_back(std::string(p.get_or(448)) + ":" + std::string(s.get_or(523)));
  }
  CHECK(sub_counts == std::vector<std::size_t>{2, 1});
  CHECK(subs == std::vector<std::string>{"A:x", "A:y", "B:z"});
  // A nested group's delimiter does not start a new outer instance, and a
  // nested field is not found at the outer level.
  const group_instance first = *parties.begin();
  CHECK(first.find(523) == nullptr);
  CHECK(first.fields().size() == 6);  // 448 452 802 523 803 523
}

TEST_CASE("a NumInGroup that disagrees with the instances is visible as declared versus actual") {
  const std::string bytes = fix(head + order + "386=3|336=PRE-OPEN|336=AFTER-HOURS|59=0|");
  message m;
  REQUIRE(m.parse(bytes) == parse_error::none);
  const group_view sessions = find_group(dict(), m, 386);
  CHECK(sessions.declared_count() == 3);
  CHECK(sessions.size() == 2);
}

TEST_CASE("a group the message does not carry is an empty view") {
  const std::string bytes = fix(head + order);
  message m;
  REQUIRE(m.parse(bytes) == parse_error::none);
  const group_view none = find_group(dict(), m, 453);
  CHECK_FALSE(none.found());
  CHECK(none.empty());
  CHECK(none.size() == 0);
  CHECK(none.begin() == none.end());
}

TEST_CASE("a zero count with no instances is found and empty") {
  const std::string bytes = fix(head + order + "453=0|59=0|");
  message m;
  REQUIRE(m.parse(bytes) == parse_error::none);
  const group_view parties = find_group(dict(), m, 453);
  CHECK(parties.found());
  CHECK(parties.empty());
}

TEST_CASE("a group found through a component inside a component is iterated") {
  const std::string bytes = fix(head + "11=ID|55=INTC|454=2|455=A|456=4|455=B|54=1|");
  message m;
  REQUIRE(m.parse(bytes) == parse_error::none);
  std::vector<std::string> alt;
  for (const group_instance& a : find_group(dict(), m, 454)) alt.emplace_back(a.get_or(455));
  CHECK(alt == std::vector<std::string>{"A", "B"});
}

TEST_CASE("a header group is found in the header") {
  const std::string bytes =
      fix("8=FIX.4.4|35=0|34=2|49=TW44|52=20260101-12:00:00|56=ISLD|627=2|628=H1|628=H2|112=T|");
  message m;
  REQUIRE(m.parse(bytes) == parse_error::none);
  CHECK(find_group(dict(), m, 627).size() == 2);
}

TEST_CASE("an instance that does not start with the delimiter is still iterated") {
  const std::string bytes = fix(head + order + "386=1|625=A|336=X|");
  message m;
  REQUIRE(m.parse(bytes) == parse_error::none);
  const group_view g = find_group(dict(), m, 386);
  REQUIRE(g.size() == 2);
  CHECK((*g.begin()).get_or(625) == "A");
}

TEST_CASE("iterating groups allocates nothing") {
  const std::string bytes =
      fix(head + order + "453=2|448=A|452=3|802=2|523=x|803=1|523=y|448=B|452=1|802=1|523=z|59=0|");
  message m;
  REQUIRE(m.parse(bytes) == parse_error::none);
  const dictionary& d = dict();
  std::size_t total = 0, chars = 0;
  fixring::test::alloc_scope scope;
  for (const group_instance& p : find_group(d, m, 453))
    for (const group_instance& s : p.group(802)) {
      ++total;
      chars += s.get_or(523).size();
    }
  CHECK(scope.allocations() == 0);
  CHECK(total == 3);
  CHECK(chars == 3);
}
