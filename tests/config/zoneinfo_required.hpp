// Included by suites that read /usr/share/zoneinfo: without the zone files the
// suite exits 77 before Catch2 starts, which meson reports as "skipped".
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace fixring::test {

inline const bool zoneinfo_present = [] {
  if (!std::filesystem::exists("/usr/share/zoneinfo/America/New_York")) {
    std::fputs("skipped: /usr/share/zoneinfo is missing (apt-get install tzdata)\n", stderr);
    std::exit(77);
  }
  return true;
}();

}  // namespace fixring::test
