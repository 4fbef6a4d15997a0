// libFuzzer target: the settings parser on arbitrary text. Any input must give a
// value or an error whose message starts with the file name; never a crash.
// Built by meson when the compiler is clang; by hand:
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Iengine/include \
//     tests/config/fuzz_settings.cpp engine/src/config/{settings,time_zone,schedule}.cpp \
//     -o /tmp/fuzz_settings && /tmp/fuzz_settings -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fixring/engine/config/settings.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fixring::engine::config;
  parse_options options;
  options.env_lookup = [](std::string_view name) -> std::optional<std::string> {
    if (name == "SET") return std::string("value");
    return std::nullopt;
  };
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const result<settings> r = parse_settings_text(text, "fuzz.cfg", options);
  if (!r && r.error().message.rfind("fuzz.cfg:", 0) != 0) std::abort();
  return 0;
}
