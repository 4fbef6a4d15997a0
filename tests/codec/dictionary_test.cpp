// Dictionary loader: tables built from the small dictionaries in tests/codec/data,
// errors that name the file and the element, and the generated constants.
#include <catch2/catch.hpp>

#include <string>

#include "fixring/codec/dictionary.hpp"
#include "fixring/codec/generated/fix42.hpp"
#include "fixring/codec/generated/fix44.hpp"
#include "fixring/codec/generated/fix50sp2.hpp"

using namespace fixring::codec;

namespace {

const std::string data_dir = FIXRING_CODEC_TEST_DATA;

const dictionary& mini44() {
  static const dictionary d = [] {
    auto r = dictionary::load(data_dir + "/mini44.xml");
    if (!r) FAIL(r.error().message);
    return std::move(r).value();
  }();
  return d;
}

// Wraps fields/messages/components in a <fix> root.
std::string xml(const std::string& fields, const std::string& messages = "", const std::string& components = "",
                const std::string& header = "") {
  return "<fix type='FIX' major='4' minor='4'><header>" + header + "</header><messages>" + messages +
         "</messages><trailer/><components>" + components + "</components><fields>" + fields +
         "</fields></fix>";
}

const std::string basic_fields =
    "<field number='11' name='ClOrdID' type='STRING'/><field number='55' name='Symbol' type='STRING'/>"
    "<field number='453' name='NoPartyIDs' type='NUMINGROUP'/><field number='448' name='PartyID' type='STRING'/>";

dictionary_error load_error(const std::string& text) {
  auto r = dictionary::load_from_string(text, "test.xml");
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

}  // namespace

TEST_CASE("loading a dictionary builds field, message, header and trailer tables") {
  const dictionary& d = mini44();
  CHECK(d.begin_string() == "FIX.4.4");
  REQUIRE(d.field(11) != nullptr);
  CHECK(d.field(11)->type == field_type::string);
  CHECK(d.field(38)->format == value_format::decimal);
  CHECK(d.field(52)->format == value_format::utc_timestamp);
  CHECK(d.field(34)->format == value_format::unsigned_int);
  CHECK(d.field_name(448) == "PartyID");
  CHECK(d.tag_of("TransactTime") == 60);
  CHECK(d.tag_of("NoSuchField") == 0);
  CHECK(d.field(7) == nullptr);
  CHECK(d.field(1'000'000) == nullptr);
  CHECK(d.field(49)->is_header());
  CHECK(d.field(628)->is_header());  // a header group's member
  CHECK(d.field(10)->is_trailer());
  CHECK_FALSE(d.field(11)->is_header());
  CHECK(d.field(453)->is_group_count());
}

TEST_CASE("enumerated values are kept sorted and matched exactly or item by item") {
  const dictionary& d = mini44();
  const auto values = d.enum_values(452);
  REQUIRE(values.size() == 3);
  CHECK(values[0] == "1");
  CHECK(values[1] == "12");
  CHECK(values[2] == "3");
  CHECK(d.enum_allows(*d.field(452), "12"));
  CHECK_FALSE(d.enum_allows(*d.field(452), "2"));
  CHECK(d.enum_allows(*d.field(54), "2"));
  CHECK_FALSE(d.enum_allows(*d.field(54), "22"));
  CHECK(d.enum_allows(*d.field(18), "1 G e"));
  CHECK_FALSE(d.enum_allows(*d.field(18), "1 X"));
  CHECK_FALSE(d.enum_allows(*d.field(18), "1  G"));
  CHECK(d.enum_allows(*d.field(11), "anything"));
}

TEST_CASE("a MsgType is found by one, two or more characters and admin ones are marked") {
  const dictionary& d = mini44();
  CHECK(d.is_defined("D"));
  CHECK(d.is_defined("BC"));
  CHECK_FALSE(d.is_defined("B"));
  CHECK_FALSE(d.is_defined("*"));
  CHECK_FALSE(d.is_defined(""));
  CHECK_FALSE(d.is_defined("DDD"));
  CHECK(d.is_admin("0"));
  CHECK(d.is_admin("A"));
  CHECK_FALSE(d.is_admin("D"));
  CHECK_FALSE(d.is_admin("*"));
  CHECK(d.message_at(d.find_message("D")).name == "NewOrderSingle");
}

TEST_CASE("components are expanded inline and required only when every enclosing level is") {
  const dictionary& d = mini44();
  const message_def& nos = d.message_at(d.find_message("D"));
  CHECK(d.allows(nos, 55));   // Instrument component
  CHECK(d.allows(nos, 200));  // Instrument component
  CHECK(d.allows(nos, 454));  // SecAltIDGrp inside Instrument
  CHECK(d.allows(nos, 453));  // Parties
  CHECK_FALSE(d.allows(nos, 448));  // a group member is not a top-level field
  CHECK_FALSE(d.allows(nos, 112));
  CHECK(d.requires_field(nos, 55));   // required component, required field
  CHECK(d.requires_field(nos, 11));
  CHECK_FALSE(d.requires_field(nos, 38));   // required component, optional field
  CHECK_FALSE(d.requires_field(nos, 453));  // optional component
  const message_def& def = d.message_at(d.find_message("d"));
  CHECK_FALSE(d.requires_field(def, 55));  // optional component, required field
  CHECK(d.requires_field(d.header(), 56));
  CHECK_FALSE(d.requires_field(d.header(), 43));
  CHECK(d.requires_field(d.trailer(), 10));
}

TEST_CASE("repeating groups record their delimiter, members in order and nested groups") {
  const dictionary& d = mini44();
  const message_def& nos = d.message_at(d.find_message("D"));
  const std::uint32_t parties = d.find_group(nos, 453);
  REQUIRE(parties != no_group);
  const group_def& g = d.group(parties);
  CHECK(g.count_tag == 453);
  CHECK(g.delimiter_tag == 448);
  const auto m = d.members(g);
  REQUIRE(m.size() == 4);
  CHECK(m[0].tag == 448);
  CHECK(m[1].tag == 447);
  CHECK(m[2].tag == 452);
  CHECK(m[2].required);
  CHECK(m[3].tag == 802);
  REQUIRE(m[3].nested_group != no_group);
  CHECK(d.group(m[3].nested_group).delimiter_tag == 523);
  CHECK(d.member_index(g, 452) == 2);
  CHECK(d.member_index(g, 523) == no_member);
  CHECK(d.member_index(g, 55) == no_member);
  REQUIRE(d.required_members(g).size() == 1);
  CHECK(d.required_members(g)[0] == 2);
  CHECK(d.find_group(nos, 627) == no_group);  // NoHops belongs to the header
  CHECK(d.find_group(d.header(), 627) != no_group);
  CHECK(d.find_group(nos, 454) != no_group);
}

TEST_CASE("DATA fields are paired with their Length fields for the parser") {
  const dictionary& d = mini44();
  CHECK(d.data_fields().governs(95, 96));
  CHECK(d.data_fields().governs(93, 89));
  CHECK(d.data_fields().is_length_tag(95));
  CHECK_FALSE(d.data_fields().is_length_tag(9));
  CHECK(d.data_field_pairs().size() == 2);
}

TEST_CASE("a dictionary survives a move with its views intact") {
  auto r = dictionary::load(data_dir + "/mini44.xml");
  REQUIRE(r.has_value());
  dictionary moved = std::move(r).value();
  CHECK(moved.data_fields().governs(95, 96));
  CHECK(moved.enum_values(452)[1] == "12");
  CHECK(moved.is_defined("BC"));
}

TEST_CASE("FIXT loading joins the transport's header and admin messages with the application's messages") {
  auto r = dictionary::load_fixt(data_dir + "/minifixt.xml", data_dir + "/mini50.xml");
  REQUIRE(r.has_value());
  const dictionary& d = r.value();
  CHECK(d.begin_string() == "FIXT.1.1");
  CHECK(d.is_admin("A"));
  CHECK(d.is_defined("D"));
  CHECK_FALSE(d.is_admin("D"));
  CHECK(d.requires_field(d.header(), 49));
  CHECK(d.field(1128)->is_header());
  CHECK(d.enum_values(1128).size() == 2);  // the application's definition is kept
  CHECK(d.requires_field(d.message_at(d.find_message("A")), 1137));
}

TEST_CASE("a missing file is reported with its path") {
  auto r = dictionary::load(data_dir + "/no_such_file.xml");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == dictionary_errc::file_not_found);
  CHECK_THAT(r.error().message, Catch::Contains("no_such_file.xml"));
}

TEST_CASE("a file that is not XML is reported with its path") {
  auto r = dictionary::load(data_dir + "/not_xml.xml");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == dictionary_errc::not_xml);
  CHECK_THAT(r.error().message, Catch::StartsWith(data_dir + "/not_xml.xml: "));
}

TEST_CASE("FIXT loading reports which of the two files is missing") {
  auto r = dictionary::load_fixt(data_dir + "/minifixt.xml", data_dir + "/absent50.xml");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == dictionary_errc::file_not_found);
  CHECK_THAT(r.error().message, Catch::Contains("absent50.xml"));
}

TEST_CASE("XML without a fix root or without fields is not a dictionary") {
  CHECK(load_error("<html/>").code == dictionary_errc::not_a_dictionary);
  CHECK(load_error("<fix><messages/></fix>").code == dictionary_errc::not_a_dictionary);
}

TEST_CASE("an unknown type name is reported with the field at fault") {
  const auto e = load_error(xml("<field number='11' name='ClOrdID' type='STRANGE'/>"));
  CHECK(e.code == dictionary_errc::unknown_type);
  CHECK(e.message == "test.xml: <field name='ClOrdID' number='11'>: unknown type 'STRANGE'");
}

TEST_CASE("a field number defined twice is a duplicate field") {
  const auto e = load_error(xml(basic_fields + "<field number='11' name='Other' type='STRING'/>"));
  CHECK(e.code == dictionary_errc::duplicate_field);
  CHECK_THAT(e.message, Catch::Contains("<field name='Other' number='11'>"));
}

TEST_CASE("a field name defined twice is a duplicate field") {
  const auto e = load_error(xml(basic_fields + "<field number='12' name='ClOrdID' type='STRING'/>"));
  CHECK(e.code == dictionary_errc::duplicate_field);
}

TEST_CASE("a field number that is not a positive tag is a bad attribute") {
  CHECK(load_error(xml("<field number='0' name='Zero' type='STRING'/>")).code == dictionary_errc::bad_attribute);
  CHECK(load_error(xml("<field number='x1' name='X' type='STRING'/>")).code == dictionary_errc::bad_attribute);
  CHECK(load_error(xml("<field name='NoNumber' type='STRING'/>")).code == dictionary_errc::bad_attribute);
}

TEST_CASE("a component reference without a definition names the component and the message") {
  const auto e = load_error(xml(basic_fields, "<message name='Order' msgtype='D'><component name='Missing'/></message>"));
  CHECK(e.code == dictionary_errc::component_not_found);
  CHECK(e.message ==
        "test.xml: <component name='Missing'> in <message name='Order' msgtype='D'>: no component called 'Missing'");
}

TEST_CASE("a component that contains itself is a cycle, not a stack overflow") {
  const auto e = load_error(xml(basic_fields, "<message name='Order' msgtype='D'><component name='A'/></message>",
                                "<component name='A'><component name='B'/></component>"
                                "<component name='B'><component name='A'/></component>"));
  CHECK(e.code == dictionary_errc::component_cycle);
}

TEST_CASE("a message naming an undefined field is reported") {
  const auto e = load_error(xml(basic_fields, "<message name='Order' msgtype='D'><field name='Nope'/></message>"));
  CHECK(e.code == dictionary_errc::unknown_field);
  CHECK_THAT(e.message, Catch::Contains("<field name='Nope'> in <message name='Order' msgtype='D'>"));
}

TEST_CASE("two messages with one MsgType are a duplicate message") {
  const auto e = load_error(xml(basic_fields, "<message name='A1' msgtype='D'/><message name='A2' msgtype='D'/>"));
  CHECK(e.code == dictionary_errc::duplicate_message);
}

TEST_CASE("a message without msgtype is a bad attribute") {
  CHECK(load_error(xml(basic_fields, "<message name='A1'/>")).code == dictionary_errc::bad_attribute);
}

TEST_CASE("a group without members is rejected") {
  const auto e = load_error(xml(basic_fields, "<message name='O' msgtype='D'><group name='NoPartyIDs'/></message>"));
  CHECK(e.code == dictionary_errc::empty_group);
}

TEST_CASE("a required flag other than Y or N is a bad attribute") {
  const auto e = load_error(xml(basic_fields, "<message name='O' msgtype='D'><field name='ClOrdID' required='yes'/></message>"));
  CHECK(e.code == dictionary_errc::bad_attribute);
}

TEST_CASE("FIXT files that give one tag two names disagree") {
  auto r = dictionary::load_fixt(data_dir + "/minifixt.xml", data_dir + "/conflict50.xml");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == dictionary_errc::transport_mismatch);
  CHECK_THAT(r.error().message, Catch::StartsWith(data_dir + "/conflict50.xml: <field name='TestRequestID' number='112'>"));
  CHECK_THAT(r.error().message, Catch::Contains("'TestReqID'"));
}

TEST_CASE("generated constants match the dictionaries they came from") {
  STATIC_REQUIRE(fix44::tag::ClOrdID == 11);
  STATIC_REQUIRE(fix44::tag::MsgType == 35);
  STATIC_REQUIRE(fix44::tag::NoPartyIDs == 453);
  STATIC_REQUIRE(fix44::msg_type::NewOrderSingle == "D");
  STATIC_REQUIRE(fix44::msg_type::ExecutionReport == "8");
  STATIC_REQUIRE(fix44::begin_string == "FIX.4.4");
  STATIC_REQUIRE(fix42::tag::OrderQty == 38);
  STATIC_REQUIRE(fix42::msg_type::Logon == "A");
  STATIC_REQUIRE(fix42::begin_string == "FIX.4.2");
  STATIC_REQUIRE(fix50sp2::tag::ApplVerID == 1128);
  STATIC_REQUIRE(fix50sp2::tag::DefaultApplVerID == 1137);
  STATIC_REQUIRE(fix50sp2::msg_type::Logon == "A");  // from the FIXT transport dictionary
  STATIC_REQUIRE(fix50sp2::msg_type::NewOrderSingle == "D");
  STATIC_REQUIRE(fix50sp2::begin_string == "FIXT.1.1");
  STATIC_REQUIRE(fix44::data_fields.governs(95, 96));
  STATIC_REQUIRE(fix44::data_fields.governs(354, 355));
  STATIC_REQUIRE(fix42::data_fields.governs(93, 89));
  STATIC_REQUIRE_FALSE(fix44::data_fields.is_length_tag(9));
}
