// Validation: each check with its SessionRejectReason and RefTagID, the
// precedence between checks, the switches, and "allocates nothing". All
// against tests/codec/data/mini44.xml so these run everywhere.
#include <catch2/catch.hpp>

#include <ostream>
#include <string>

#include "alloc_counter.hpp"
#include "fix_text.hpp"
#include "fixring/codec/validate.hpp"

using namespace fixring::codec;
using fixring::test::fix;
using r = session_reject_reason;

namespace fixring::codec {
std::ostream& operator<<(std::ostream& os, const validation_result& v) {
  return os << "{reason " << static_cast<int>(v.reason) << " (" << to_string(v.reason) << "), ref_tag "
            << v.ref_tag << "}";
}
}  // namespace fixring::codec

namespace {

const std::string data_dir = FIXRING_CODEC_TEST_DATA;

const dictionary& dict() {
  static const dictionary d = [] {
    auto res = dictionary::load(data_dir + "/mini44.xml");
    if (!res) FAIL(res.error().message);
    return std::move(res).value();
  }();
  return d;
}

// Standard header for MsgType `type`; the body follows.
std::string h(const std::string& type) {
  return "8=FIX.4.4|35=" + type + "|34=2|49=TW44|52=20260101-12:00:00.000|56=ISLD|";
}

const std::string nos_body = "11=ID|21=1|38=002000.00|40=1|54=1|55=INTC|60=20260101-12:00:00|";

validation_result check(const std::string& readable, const validation_options& o = {},
                        const dictionary& d = dict()) {
  const std::string bytes = fix(readable);
  message m;
  REQUIRE(m.parse(bytes, d.data_fields()) == parse_error::none);
  return validate(d, m, o);
}

constexpr validation_result ok{};
constexpr validation_result fault(r why, std::uint32_t tag) { return {why, tag}; }

}  // namespace

TEST_CASE("a well-formed NewOrderSingle passes every check") {
  CHECK(check(h("D") + nos_body) == ok);
  CHECK(check(h("0")) == ok);
  CHECK(check(h("0") + "112=TEST|") == ok);
}

TEST_CASE("header fields in any order after the first three pass") {
  CHECK(check("8=FIX.4.4|35=D|49=TW44|34=3|56=ISLD|52=20260101-12:00:00|40=1|55=MSFT|60=20260101-12:00:00|"
              "54=1|21=3|11=id|") == ok);
}

TEST_CASE("a tag the dictionary does not define is an invalid tag number") {
  CHECK(check(h("0") + "999=HI|") == fault(r::invalid_tag_number, 999));
  CHECK(check(h("0") + "5500=HI|") == fault(r::invalid_tag_number, 5500));
  CHECK(check(h("0") + "10000=HI|") == fault(r::invalid_tag_number, 10000));
}

TEST_CASE("an unknown tag is reported as undefined tag when asked to") {
  validation_options o;
  o.report_unknown_as_undefined = true;
  CHECK(check(h("0") + "999=HI|", o) == fault(r::undefined_tag, 999));
}

TEST_CASE("unknown tags pass when the unknown-field check is off") {
  validation_options o;
  o.check_unknown_fields = false;
  CHECK(check(h("0") + "999=HI|", o) == ok);
}

TEST_CASE("user-defined tags are checked like any other unless ValidateUserDefinedFields is off") {
  // 5002 is defined but not part of Heartbeat; 5500 is not defined at all; 10000 is not user-defined.
  CHECK(check(h("0") + "5002=X|") == fault(r::tag_not_defined_for_message_type, 5002));
  validation_options o;
  o.check_user_defined_fields = false;
  CHECK(check(h("0") + "5002=X|", o) == ok);
  CHECK(check(h("0") + "5500=X|", o) == ok);
  CHECK(check(h("0") + "10000=X|", o) == fault(r::invalid_tag_number, 10000));
  CHECK(check(h("D") + nos_body + "5001=VWAP|") == ok);  // defined for NewOrderSingle
}

TEST_CASE("a missing required header field is named, lowest tag first") {
  CHECK(check("8=FIX.4.4|35=0|34=2|49=TW44|52=20260101-12:00:00|") == fault(r::required_tag_missing, 56));
  CHECK(check("8=FIX.4.4|35=0|49=TW44|52=20260101-12:00:00|") == fault(r::required_tag_missing, 34));
}

TEST_CASE("a missing required body field is named, lowest tag first") {
  CHECK(check(h("D") + "40=1|60=20260101-12:00:00|54=1|21=3|") == fault(r::required_tag_missing, 11));
  CHECK(check(h("D") + "11=ID|40=1|60=20260101-12:00:00|54=1|") == fault(r::required_tag_missing, 55));
  CHECK(check(h("A") + "98=0|") == fault(r::required_tag_missing, 108));
}

TEST_CASE("required checks can be switched off") {
  validation_options o;
  o.check_required_fields = false;
  CHECK(check(h("D") + "40=1|60=20260101-12:00:00|54=1|21=3|", o) == ok);
}

TEST_CASE("a field defined elsewhere but not for this MsgType is not defined for the message type") {
  CHECK(check(h("0") + "55=MSFT|") == fault(r::tag_not_defined_for_message_type, 55));
  // A group member outside its group is not a top-level field of the message.
  CHECK(check(h("D") + nos_body + "448=X|") == fault(r::tag_not_defined_for_message_type, 448));
  validation_options o;
  o.check_fields_in_message = false;
  CHECK(check(h("0") + "55=MSFT|", o) == ok);
}

TEST_CASE("a field without a value is reported unless ValidateFieldsHaveValues is off") {
  CHECK(check("8=FIX.4.4|35=0|34=2|49=TW44|52=20260101-12:00:00|56=|") == fault(r::tag_specified_without_value, 56));
  CHECK(check(h("0") + "112=|") == fault(r::tag_specified_without_value, 112));
  validation_options o;
  o.check_fields_have_values = false;
  CHECK(check(h("0") + "112=|", o) == ok);
  // An empty value is not checked for format either when empty values are allowed.
  CHECK(check(h("D") + nos_body + "44=|", o) == ok);
}

TEST_CASE("a value outside the enumeration is out of range") {
  CHECK(check(h("D") + "11=ID|21=4|38=002000.00|40=1|54=1|55=INTC|60=20260101-12:00:00|") ==
        fault(r::value_out_of_range, 21));
  CHECK(check(h("D") + nos_body + "18=1 X|") == fault(r::value_out_of_range, 18));
  CHECK(check(h("D") + nos_body + "18=1 G e|") == ok);
  CHECK(check(h("A") + "98=7|108=30|") == fault(r::value_out_of_range, 98));
  validation_options o;
  o.check_enum_values = false;
  CHECK(check(h("A") + "98=7|108=30|", o) == ok);
}

TEST_CASE("a value not of the field's type is an incorrect data format") {
  const std::string base = h("D") + "11=ID|21=1|40=1|54=1|55=INTC|60=20260101-12:00:00|";
  CHECK(check(base + "38=+200.00|") == fault(r::incorrect_data_format, 38));      // Qty
  CHECK(check(base + "44=1e5|") == fault(r::incorrect_data_format, 44));          // Price
  CHECK(check(base + "114=T|") == fault(r::incorrect_data_format, 114));          // Boolean
  CHECK(check(base + "432=20260230|") == fault(r::incorrect_data_format, 432));   // LocalMktDate
  CHECK(check(base + "200=202613|") == fault(r::incorrect_data_format, 200));     // MonthYear
  CHECK(check(base + "210=12a|") == fault(r::incorrect_data_format, 210));        // Qty
  CHECK(check(h("A") + "98=0|108=3x|") == fault(r::incorrect_data_format, 108));  // int
  CHECK(check("8=FIX.4.4|35=0|34=-2|49=TW44|52=20260101-12:00:00|56=ISLD|") ==
        fault(r::incorrect_data_format, 34));  // SeqNum
  CHECK(check("8=FIX.4.4|35=0|34=2|49=TW44|52=20260101-12:00|56=ISLD|") ==
        fault(r::incorrect_data_format, 52));  // UTCTimestamp
  CHECK(check(h("D") + "11=ID|21=1|40=12|54=1|55=INTC|60=20260101-12:00:00|") ==
        fault(r::incorrect_data_format, 40));  // char: format before enumeration
  CHECK(check(base + "38=-1.5|44=.5|114=Y|432=20240229|200=202612w2|") == ok);
  validation_options o;
  o.check_data_format = false;
  CHECK(check(base + "38=+200.00|", o) == ok);
}

TEST_CASE("a MsgType the dictionary does not define is an invalid MsgType without RefTagID") {
  const auto v = check(h("*"));
  CHECK(v == fault(r::invalid_msg_type, 0));
  CHECK_FALSE(v.has_ref_tag());
  CHECK(check(h("ZZ")) == fault(r::invalid_msg_type, 0));
  CHECK(check(h("BC") + "933=N1|") == ok);
}

TEST_CASE("a tag repeated outside a group appears more than once") {
  CHECK(check(h("D") + "11=ID|21=1|40=1|40=2|54=1|38=200.00|55=INTC|60=20260101-12:00:00|") ==
        fault(r::tag_appears_more_than_once, 40));
  validation_options o;
  o.check_repeated_tags = false;
  CHECK(check(h("D") + "11=ID|21=1|40=1|40=2|54=1|38=200.00|55=INTC|60=20260101-12:00:00|", o) == ok);
}

TEST_CASE("a header field after body fields is out of required order, naming the first one") {
  CHECK(check("8=FIX.4.4|35=D|11=id|21=3|40=1|54=1|55=MSFT|60=20260101-12:00:00|34=2|49=TW44|"
              "52=20260101-12:00:00|56=ISLD|") == fault(r::tag_out_of_order, 34));
  CHECK(check("8=FIX.4.4|35=D|55=MSFT|34=3|49=TW44|52=20260101-12:00:00|56=ISLD|11=id|21=3|40=1|54=1|"
              "60=20260101-12:00:00|") == fault(r::tag_out_of_order, 34));
}

TEST_CASE("a body field after a trailer field is out of required order") {
  CHECK(check(h("D") + "93=3|89=a\x01" "b|" + nos_body) == fault(r::tag_out_of_order, 11));
  CHECK(check(h("D") + nos_body + "93=3|89=a\x01" "b|") == ok);  // Signature may hold SOH
}

TEST_CASE("order checks can be switched off") {
  validation_options o;
  o.check_field_order = false;
  CHECK(check("8=FIX.4.4|35=D|11=id|21=3|40=1|54=1|55=MSFT|60=20260101-12:00:00|34=2|49=TW44|"
              "52=20260101-12:00:00|56=ISLD|", o) == ok);
}

TEST_CASE("a NumInGroup that does not match the instances is an incorrect count") {
  CHECK(check(h("D") + "11=ID|21=1|40=1|54=1|38=200.00|55=INTC|386=3|336=PRE-OPEN|336=AFTER-HOURS|"
              "60=20260101-12:00:00|") == fault(r::incorrect_num_in_group_count, 386));
  CHECK(check(h("D") + nos_body + "386=0|336=X|") == fault(r::incorrect_num_in_group_count, 386));
  CHECK(check(h("D") + nos_body + "386=2|336=X|") == fault(r::incorrect_num_in_group_count, 386));
  CHECK(check(h("D") + nos_body + "386=2|336=X|625=A|336=Y|") == ok);
  CHECK(check(h("D") + nos_body + "386=0|") == ok);
  validation_options o;
  o.check_group_counts = false;
  CHECK(check(h("D") + nos_body + "386=2|336=X|", o) == ok);
}

TEST_CASE("a NumInGroup of zero with no instances passes") {
  CHECK(check(h("d") + "320=JCD1091-20021011|55=TBS|58=No Products found|454=0|") == ok);
}

TEST_CASE("group fields out of the declared order are repeating group fields out of order") {
  // First field after NumInGroup is not the delimiter.
  CHECK(check(h("D") + nos_body + "386=1|625=A|336=X|") == fault(r::repeating_group_fields_out_of_order, 625));
  // Members of one instance in the wrong order.
  CHECK(check(h("D") + nos_body + "453=1|448=A|452=3|447=D|") ==
        fault(r::repeating_group_fields_out_of_order, 447));
  // A member twice in one instance: the next delimiter is missing.
  CHECK(check(h("D") + nos_body + "453=2|448=A|452=3|452=1|") ==
        fault(r::repeating_group_fields_out_of_order, 452));
  validation_options o;
  o.check_group_order = false;
  CHECK(check(h("D") + nos_body + "453=1|448=A|452=3|447=D|", o) == ok);
  CHECK(check(h("D") + nos_body + "453=1|448=A|452=3|452=1|", o) == fault(r::tag_appears_more_than_once, 452));
}

TEST_CASE("a required group member missing from an instance is a required tag missing") {
  CHECK(check(h("D") + nos_body + "453=2|448=A|452=3|448=B|447=D|") == fault(r::required_tag_missing, 452));
}

TEST_CASE("nested groups are validated level by level") {
  const std::string parties = "453=2|448=A|447=D|452=3|802=2|523=x|803=1|523=y|448=B|452=1|";
  CHECK(check(h("D") + nos_body + parties) == ok);
  CHECK(check(h("D") + nos_body + "453=2|448=A|452=3|802=3|523=x|523=y|448=B|452=1|") ==
        fault(r::incorrect_num_in_group_count, 802));
  CHECK(check(h("D") + nos_body + "453=1|448=A|452=3|802=1|523=x|803=zz|") ==
        fault(r::incorrect_data_format, 803));
  CHECK(check(h("D") + nos_body + "453=1|448=A|452=7|") == fault(r::value_out_of_range, 452));
}

TEST_CASE("a group inside a component of a component is found") {
  CHECK(check(h("D") + "11=ID|21=1|40=1|54=1|55=INTC|454=2|455=A|456=4|455=B|60=20260101-12:00:00|") == ok);
}

TEST_CASE("a header repeating group is validated in the header") {
  CHECK(check("8=FIX.4.4|35=0|34=2|49=TW44|52=20260101-12:00:00|56=ISLD|627=2|628=H1|629=20260101-12:00:00|"
              "628=H2|") == ok);
  CHECK(check("8=FIX.4.4|35=0|34=2|49=TW44|52=20260101-12:00:00|56=ISLD|627=1|628=H1|628=H2|") ==
        fault(r::incorrect_num_in_group_count, 627));
}

TEST_CASE("order faults take precedence over an invalid MsgType") {
  CHECK(check("8=FIX.4.4|35=*|11=id|34=2|49=TW44|52=20260101-12:00:00|56=ISLD|") == fault(r::tag_out_of_order, 34));
}

TEST_CASE("an invalid MsgType takes precedence over missing required fields") {
  CHECK(check("8=FIX.4.4|35=*|34=2|49=TW44|52=20260101-12:00:00|") == fault(r::invalid_msg_type, 0));
}

TEST_CASE("missing required fields take precedence over per-field faults") {
  CHECK(check(h("D") + "21=4|38=002000.00|40=1|54=1|55=INTC|60=20260101-12:00:00|") ==
        fault(r::required_tag_missing, 11));
  // Header required before body required.
  CHECK(check("8=FIX.4.4|35=D|34=2|49=TW44|52=20260101-12:00:00|40=1|54=1|55=X|60=20260101-12:00:00|") ==
        fault(r::required_tag_missing, 56));
}

TEST_CASE("among per-field faults the earliest field in wire order wins") {
  const std::string rest = "11=ID|40=1|54=1|55=INTC|60=20260101-12:00:00|";
  CHECK(check(h("D") + "21=4|38=+1|" + rest) == fault(r::value_out_of_range, 21));
  CHECK(check(h("D") + "38=+1|21=4|" + rest) == fault(r::incorrect_data_format, 38));
  // NumInGroup's count is reported before faults inside its instances.
  CHECK(check(h("D") + rest + "453=2|448=A|452=7|") == fault(r::incorrect_num_in_group_count, 453));
}

TEST_CASE("a FIXT pair validates admin and application messages with the transport header") {
  auto res = dictionary::load_fixt(data_dir + "/minifixt.xml", data_dir + "/mini50.xml");
  REQUIRE(res.has_value());
  const dictionary& d = res.value();
  const std::string hdr = "8=FIXT.1.1|35=D|34=2|49=TW|52=20260101-12:00:00|56=ISLD|";
  CHECK(check(hdr + "11=X|54=1|", {}, d) == ok);
  CHECK(check(hdr + "11=X|54=7|", {}, d) == fault(r::value_out_of_range, 54));
  CHECK(check(hdr + "11=X|54=1|1128=9|", {}, d) == fault(r::tag_out_of_order, 1128));
  CHECK(check("8=FIXT.1.1|35=A|34=1|49=TW|52=20260101-12:00:00|56=ISLD|98=0|108=2|", {}, d) ==
        fault(r::required_tag_missing, 1137));
  // An admin message knows only the transport's fields: ClOrdID is the application's.
  CHECK(check("8=FIXT.1.1|35=0|34=2|49=TW|52=20260101-12:00:00|56=ISLD|11=X|", {}, d) ==
        fault(r::invalid_tag_number, 11));
  CHECK(check("8=FIXT.1.1|35=0|34=2|49=TW|52=20260101-12:00:00|56=ISLD|112=X|", {}, d) == ok);
}

TEST_CASE("every reason has the text acceptors put in the Reject") {
  CHECK(to_string(r::invalid_tag_number) == "Invalid tag number");
  CHECK(to_string(r::required_tag_missing) == "Required tag missing");
  CHECK(to_string(r::tag_not_defined_for_message_type) == "Tag not defined for this message type");
  CHECK(to_string(r::tag_specified_without_value) == "Tag specified without a value");
  CHECK(to_string(r::value_out_of_range) == "Value is incorrect (out of range) for this tag");
  CHECK(to_string(r::incorrect_data_format) == "Incorrect data format for value");
  CHECK(to_string(r::comp_id_problem) == "CompID problem");
  CHECK(to_string(r::sending_time_accuracy_problem) == "SendingTime accuracy problem");
  CHECK(to_string(r::invalid_msg_type) == "Invalid MsgType");
  CHECK(to_string(r::tag_appears_more_than_once) == "Tag appears more than once");
  CHECK(to_string(r::tag_out_of_order) == "Tag specified out of required order");
  CHECK(to_string(r::incorrect_num_in_group_count) == "Incorrect NumInGroup count for repeating group");
  CHECK(static_cast<int>(r::incorrect_num_in_group_count) == 16);
  CHECK(static_cast<int>(r::invalid_msg_type) == 11);
}

TEST_CASE("a non-positive tag in a garbled message is found for an invalid tag number Reject") {
  std::int64_t tag = 99;
  CHECK(find_invalid_tag_number(fixring::test::wire("8=FIX.4.4|9=5|35=0|0=HI|10=000|"), tag));
  CHECK(tag == 0);
  CHECK(find_invalid_tag_number(fixring::test::wire("8=FIX.4.4|9=5|35=0|-1=HI|10=000|"), tag));
  CHECK(tag == -1);
  CHECK_FALSE(find_invalid_tag_number(fixring::test::wire("8=FIX.4.4|9=5|35=0|4garbled9=TW|10=000|"), tag));
  CHECK_FALSE(find_invalid_tag_number(fixring::test::wire("8=FIX.4.4|9=5|35=0|49garbled=TW|10=000|"), tag));
}

TEST_CASE("validate allocates nothing, for good and for faulty messages") {
  const dictionary& d = dict();
  const std::string good = fix(h("D") + nos_body + "453=2|448=A|447=D|452=3|802=1|523=x|448=B|452=1|");
  const std::string bad = fix(h("D") + "21=4|38=+1|40=1|54=1|55=INTC|60=20260101-12:00:00|386=2|336=X|");
  message m1, m2;
  REQUIRE(m1.parse(good, d.data_fields()) == parse_error::none);
  REQUIRE(m2.parse(bad, d.data_fields()) == parse_error::none);
  const validation_options o;
  fixring::test::alloc_scope scope;
  const validation_result a = validate(d, m1, o);
  const validation_result b = validate(d, m2, o);
  CHECK(scope.allocations() == 0);
  CHECK(a == ok);
  CHECK(b == fault(r::required_tag_missing, 11));
}

TEST_CASE("UTCTimestamp format checks agree with the timestamp parser for every one-byte change") {
  // validate() checks the form without computing the instant; parse_utc_timestamp
  // is the reference. Mutate each byte of timestamps of every precision.
  const std::string base = h("D") + "11=ID|21=1|38=100|40=1|54=1|55=INTC|60=";
  const std::string samples[] = {"20240229-23:59:60", "20260101-12:00:00.123", "20261231-00:00:00.123456",
                                 "20260430-09:30:00.123456789"};
  const std::string replacements = "0123459:-.a /";
  std::size_t compared = 0;
  for (const std::string& ts : samples) {
    for (std::size_t pos = 0; pos < ts.size(); ++pos) {
      for (char c : replacements) {
        // The reference parser computes ns since 1970 in int64, which only spans
        // the years 1678..2261: keep the century's digits as they are.
        if (pos < 2 && c >= '0' && c <= '9') continue;
        std::string t = ts;
        t[pos] = c;
        utc_timestamp parsed;
        const bool want = parse_utc_timestamp(t, parsed);
        const validation_result v = check(base + t + "|");
        INFO(t);
        CHECK(v.ok() == want);
        if (!want) CHECK(v == fault(r::incorrect_data_format, 60));
        ++compared;
      }
    }
    for (std::size_t cut = 1; cut < ts.size(); ++cut) {
      utc_timestamp parsed;
      const std::string t = ts.substr(0, cut);
      CHECK(check(base + t + "|").ok() == parse_utc_timestamp(t, parsed));
    }
  }
  CHECK(compared > 1000);
  CHECK(check(base + "20260230-12:00:00|") == fault(r::incorrect_data_format, 60));  // no 30 February
  CHECK(check(base + "20250229-12:00:00|") == fault(r::incorrect_data_format, 60));  // not a leap year
  CHECK(check(base + "20260101-24:00:00|") == fault(r::incorrect_data_format, 60));
}
