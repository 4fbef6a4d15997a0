// The session with the codec's dictionary validation wired in
// (dictionary_validator.hpp), against tests/codec/data/mini44.xml.
#include <catch2/catch.hpp>

#include "fixring/engine/session/dictionary_validator.hpp"
#include "session_harness.hpp"

using namespace fixring::test;
namespace codec = fixring::codec;

namespace {
const codec::dictionary& mini44() {
  static const codec::dictionary d = [] {
    auto r = codec::dictionary::load(std::string(FIXRING_CODEC_TEST_DATA) + "/mini44.xml");
    if (!r) FAIL(r.error().message);
    return std::move(r).value();
  }();
  return d;
}

struct dict_harness : harness<dictionary_validator> {
  explicit dict_harness(codec::validation_options o = {}) {
    validator = std::make_unique<dictionary_validator>(mini44(), o);
    make();
  }
};

std::string E(std::string_view s) { return expect("FIX.4.4", s); }
const std::string order = "11=ID|21=1|38=100|40=1|54=1|55=INTC|60=20260101-12:00:00|";
}  // namespace

TEST_CASE("dictionary validator: a valid application message reaches the application") {
  dict_harness h;
  h.given_logged_on();
  h.receive("D", 2, order);
  CHECK(h.handler.app.size() == 1);
  CHECK(h.sent().empty());
}

TEST_CASE("dictionary validator: a value outside the enumeration is rejected with reason 5 and RefTagID") {
  dict_harness h;
  h.given_logged_on();
  h.receive("D", 2, "11=ID|21=1|38=100|40=w|54=1|55=INTC|60=20260101-12:00:00|");
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] ==
        E("35=3|34=2|49=ISLD|52=@|56=TW44|45=2|58=Value is incorrect (out of range) for this tag|371=40|372=D|373=5|"));
  CHECK(h.handler.app.empty());
  CHECK(h.s->next_inbound_seq() == 3);
}

TEST_CASE("dictionary validator: a MsgType the dictionary does not define is rejected with reason 11") {
  dict_harness h;
  h.given_logged_on();
  h.receive("ZZ", 2);
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=3|34=2|49=ISLD|52=@|56=TW44|45=2|58=Invalid MsgType|372=ZZ|373=11|"));
}

TEST_CASE("dictionary validator: a tag number below 1 is rejected as an invalid tag number") {
  dict_harness h;
  h.given_logged_on();
  h.receive("0", 2, "-1=HI|");
  REQUIRE(h.sent().size() == 1);
  CHECK(h.sent()[0] == E("35=3|34=2|49=ISLD|52=@|56=TW44|45=2|58=Invalid tag number|371=-1|372=0|373=0|"));
  CHECK(h.s->next_inbound_seq() == 3);
}

TEST_CASE("dictionary validator: empty values pass when the option is off") {
  codec::validation_options o;
  o.check_fields_have_values = false;
  dict_harness h(o);
  h.given_logged_on();
  h.receive("0", 2, "112=|");
  CHECK(h.sent().empty());
  CHECK(h.s->next_inbound_seq() == 3);
}
