// The byte-identical FIX.4.4 messages every codec benchmark uses, fixring's and
// QuickFIX's alike. Plain C++14 so that the QuickFIX target (gnu++14) can include it.
#pragma once

#include <string>

namespace fixring::bench {

// Readable form, '|' for SOH; with_length_and_checksum() turns it into wire bytes.
constexpr const char* new_order_single_text =
    "8=FIX.4.4|35=D|34=1234|49=CLIENT1|52=20260101-12:00:00.123|56=BROKER1|11=ORD-0001234|21=1|"
    "38=1000|40=2|44=101.25|54=1|55=AAPL|59=0|60=20260101-12:00:00.123|";

constexpr const char* execution_report_text =
    "8=FIX.4.4|35=8|34=987|49=BROKER1|52=20260101-12:00:00.456|56=CLIENT1|6=101.25|11=ORD-0001234|"
    "14=500|17=EXEC-000987|31=101.25|32=500|37=OID-55123|38=1000|39=1|40=2|44=101.25|54=1|55=AAPL|59=0|"
    "60=20260101-12:00:00.456|150=F|151=500|";

inline std::string with_length_and_checksum(const char* readable) {
  std::string s(readable);
  for (char& c : s)
    if (c == '|') c = '\x01';
  const std::string::size_type first = s.find('\x01') + 1;
  std::string out = s.substr(0, first) + "9=" + std::to_string(s.size() - first) + '\x01' + s.substr(first);
  unsigned sum = 0;
  for (unsigned char c : out) sum += c;
  const unsigned cks = sum % 256;
  out += "10=";
  out += static_cast<char>('0' + cks / 100);
  out += static_cast<char>('0' + cks / 10 % 10);
  out += static_cast<char>('0' + cks % 10);
  out += '\x01';
  return out;
}

// Where the FIX.4.4 data dictionary is, when ../shared is beside the repository.
#ifdef FIXRING_SPEC_DIR
constexpr const char* spec_dir = FIXRING_SPEC_DIR;
#else
constexpr const char* spec_dir = "";
#endif

}  // namespace fixring::bench
