// FileLogPath's per-session logs (engine/session_log.hpp): line format, files,
// buffering and flushing, and no allocation per line.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "alloc_counter.hpp"
#include "fixring/engine/engine/session_log.hpp"

namespace fs = std::filesystem;
using fixring::engine::session_log;

namespace {
struct temp_dir {
  std::string path;
  temp_dir() {
    char tmpl[] = "/tmp/fixring-log-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~temp_dir() { fs::remove_all(path); }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

constexpr std::int64_t t_ns = 1767268800LL * 1'000'000'000 + 5;  // 2026-01-01 12:00:00.000000005
const std::string msg = std::string("8=FIX.4.4\x01" "9=5\x01" "35=0\x01" "10=000\x01");
}  // namespace

TEST_CASE("the message log has one readable line per message, the event log one per event", "[engine][log]") {
  temp_dir dir;
  auto r = session_log::open(dir.path + "/logs", "FIX.4.4:ISLD->TW");
  REQUIRE(r.has_value());
  auto& log = *r.value();
  CHECK(log.messages_path() == dir.path + "/logs/FIX.4.4-ISLD--TW.messages.log");
  CHECK(log.events_path() == dir.path + "/logs/FIX.4.4-ISLD--TW.event.log");
  log.message(t_ns, true, {msg.data(), msg.size()});
  log.message(t_ns, false, {msg.data(), msg.size()});
  log.event(t_ns, "status active");
  CHECK(slurp(log.messages_path()).empty());  // buffered until flushed
  log.flush();
  CHECK(slurp(log.messages_path()) ==
        "20260101-12:00:00.000000005 in 8=FIX.4.4|9=5|35=0|10=000|\n"
        "20260101-12:00:00.000000005 out 8=FIX.4.4|9=5|35=0|10=000|\n");
  CHECK(slurp(log.events_path()) == "20260101-12:00:00.000000005 status active\n");
}

TEST_CASE("a full log buffer is flushed before the next line, and a longer line is cut", "[engine][log]") {
  temp_dir dir;
  auto r = session_log::open(dir.path, "S", 256);
  REQUIRE(r.has_value());
  auto& log = *r.value();
  for (int i = 0; i < 6; ++i) log.message(t_ns, true, {msg.data(), msg.size()});  // 6 x 57 bytes > 256
  CHECK(slurp(log.messages_path()).size() >= 4 * 57);
  const std::string big(1000, 'x');
  log.message(t_ns, false, {big.data(), big.size()});
  log.flush();
  const std::string all = slurp(log.messages_path());
  CHECK(all.find("out " + std::string(256 - 28 - 4 - 1 - 3, 'x') + "...\n") != std::string::npos);
  CHECK(log.dropped_bytes() == 0);
}

TEST_CASE("logging a message allocates nothing", "[engine][log][alloc]") {
  temp_dir dir;
  auto r = session_log::open(dir.path, "S", 4096);
  REQUIRE(r.has_value());
  auto& log = *r.value();
  fixring::test::alloc_scope scope;
  for (int i = 0; i < 500; ++i) log.message(t_ns, (i & 1) != 0, {msg.data(), msg.size()});
  log.event(t_ns, "status logged_out");
  log.flush();
  CHECK(scope.allocations() == 0);
}

TEST_CASE("a log directory that cannot be made is an error naming it", "[engine][log]") {
  auto r = session_log::open("/proc/no/such/dir", "S");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find("FileLogPath: cannot create /proc/no/such/dir") != std::string::npos);
}

TEST_CASE("an empty event still makes a line", "[engine][log]") {
  temp_dir dir;
  auto r = session_log::open(dir.path, "S");
  REQUIRE(r.has_value());
  r.value()->event(t_ns, {});
  r.value()->flush();
  CHECK(slurp(r.value()->events_path()) == "20260101-12:00:00.000000005 \n");
}
