// Helpers for the store suites: a scratch directory removed afterwards, and
// small FIX messages of a chosen size.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "fix_text.hpp"

namespace fixring::test {

class scratch_dir {
 public:
  explicit scratch_dir(const char* base = "/tmp") {
    std::string tmpl = std::string(base) + "/fixring-store-XXXXXX";
    if (!::mkdtemp(tmpl.data())) std::abort();
    path_ = tmpl;
  }
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A NewOrderSingle-ish message carrying `seq`, padded with Text(58) to roughly
// `approx_bytes`.
inline std::string order_message(std::uint64_t seq, std::size_t approx_bytes = 200) {
  std::string body = "8=FIX.4.4|35=D|34=" + std::to_string(seq) + "|49=CLIENT|56=BROKER|11=ORD" + std::to_string(seq) + "|58=";
  while (body.size() + 20 < approx_bytes) body += 'x';
  body += "|";
  return fix(body);
}

}  // namespace fixring::test
