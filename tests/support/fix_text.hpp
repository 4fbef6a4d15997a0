// Helpers that turn readable FIX ("8=FIX.4.4|35=0|...|", '|' for SOH) into wire
// bytes, adding BodyLength(9) and CheckSum(10) the way a correct sender would.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace fixring::test {

inline std::string wire(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c == '|') c = '\x01';
  return out;
}

// "8=FIX.4.4|35=D|...|" -> "8=FIX.4.4<SOH>9=N<SOH>35=D<SOH>...<SOH>10=NNN<SOH>"
inline std::string fix(std::string_view readable) {
  const std::string s = wire(readable);
  const std::size_t first = s.find('\x01') + 1;
  const std::string head = s.substr(0, first), body = s.substr(first);
  std::string out = head + "9=" + std::to_string(body.size()) + '\x01' + body;
  unsigned sum = 0;
  for (unsigned char c : out) sum += c;
  char cks[8];
  std::snprintf(cks, sizeof cks, "10=%03u\x01", sum % 256);
  return out + cks;
}

// Wire bytes back to readable form, for failure messages.
inline std::string readable(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c == '\x01') c = '|';
  return out;
}

}  // namespace fixring::test
