// Disk full: a journal on a 1 MiB tmpfs fills up. The writer must say
// no_space, keep every committed record intact, and never die of SIGBUS.
// Needs mount(2); exits 77 (skipped) when the system does not allow it.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <sys/mount.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "fixring/store/session_journal.hpp"
#include "store_test_support.hpp"

using namespace fixring::store;
using fixring::test::order_message;

namespace {
std::string g_mount_point;
}

TEST_CASE("a full file system gives no_space and damages nothing already journaled", "[journal][disk_full]") {
  journal_options o;
  o.session_name = "FIX.4.4:FULL->DISK";
  o.segment_bytes = 192 * 1024;
  const std::string dir = g_mount_point + "/s";
  std::uint64_t committed = 0;
  {
    auto r = session_journal::open(dir, o, 1);
    if (!r) FAIL(r.error().message);
    session_journal& j = r.value();
    store_status st = store_status::ok;
    for (std::uint64_t s = 1; s < 100000; ++s) {
      const std::string m = order_message(s);
      const auto room = j.reserve_outbound(m.size());
      if (room.empty()) {
        st = j.last_status();
        break;
      }
      std::memcpy(room.data(), m.data(), m.size());
      REQUIRE(j.commit_outbound(s, m.size(), 0, 1) == store_status::ok);
      committed = s;
    }
    CHECK(st == store_status::no_space);
    REQUIRE(committed > 100);
    // Still full: inbound fails cleanly too, and nothing before it changed.
    CHECK(j.record_inbound(1, order_message(1), 0, 1) != store_status::ok);
    CHECK(j.next_outbound_seq() == committed + 1);
    CHECK(std::string(j.find_outbound(committed).bytes.data(), j.find_outbound(committed).bytes.size()) ==
          order_message(committed));
  }
  auto r = session_journal::open(dir, o, 2);
  if (!r) FAIL(r.error().message);
  session_journal& j = r.value();
  CHECK(j.next_outbound_seq() == committed + 1);
  for (std::uint64_t s = 1; s <= committed; ++s) {
    const auto m = j.find_outbound(s);
    REQUIRE(m.found());
    REQUIRE(std::string(m.bytes.data(), m.bytes.size()) == order_message(s));
  }
}

int main(int argc, char** argv) {
  fixring::test::scratch_dir mount_point;
  if (::mount("tmpfs", mount_point.path().c_str(), "tmpfs", 0, "size=1m") != 0) {
    std::fprintf(stderr, "cannot mount a tmpfs (%s): skipping the disk-full test\n", std::strerror(errno));
    return 77;
  }
  g_mount_point = mount_point.path();
  const int rc = Catch::Session().run(argc, argv);
  ::umount2(g_mount_point.c_str(), MNT_DETACH);
  return rc;
}
