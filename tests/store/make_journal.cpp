// Writes a journal with known content for the fixjournal tests:
//   make_journal DIR COUNT [SEGMENT_BYTES]
// COUNT rounds of: inbound NewOrderSingle (ClOrdID ORD<n>), outbound
// ExecutionReport for it 250 us later, and every 10th round an outbound
// Heartbeat. Reopens and continues when DIR already holds a journal (the
// follow test appends to a journal another process is reading).
// Wall-clock timestamps start at 2023-11-14T22:13:20Z, 1 ms per round.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "fix_text.hpp"
#include "fixring/store/session_journal.hpp"

using namespace fixring::store;
using fixring::test::fix;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: make_journal DIR COUNT [SEGMENT_BYTES]\n");
    return 2;
  }
  journal_options o;
  o.session_name = "FIX.4.4:CLIENT->BROKER";
  o.segment_bytes = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 64 * 1024;
  const std::int64_t base_ns = 1'700'000'000'000'000'000;
  auto r = session_journal::open(argv[1], o, base_ns);
  if (!r) {
    std::fprintf(stderr, "%s\n", r.error().message.c_str());
    return 1;
  }
  session_journal& j = r.value();
  const long count = std::strtol(argv[2], nullptr, 10);
  const std::uint64_t start = j.next_inbound_seq();
  for (long i = 0; i < count; ++i) {
    const std::uint64_t in_seq = j.next_inbound_seq(), out_seq = j.next_outbound_seq();
    const std::uint64_t n = start + static_cast<std::uint64_t>(i);
    const std::int64_t t = base_ns + static_cast<std::int64_t>(n) * 1'000'000;
    const std::string order = fix("8=FIX.4.4|35=D|34=" + std::to_string(in_seq) +
                                  "|49=CLIENT|56=BROKER|11=ORD" + std::to_string(n) + "|54=1|55=ABC|38=100|40=2|44=10.5|");
    if (j.record_inbound(in_seq, order, 0, t) != store_status::ok) return 1;
    const std::string report = fix("8=FIX.4.4|35=8|34=" + std::to_string(out_seq) + "|49=BROKER|56=CLIENT|11=ORD" +
                                   std::to_string(n) + "|17=E" + std::to_string(n) + "|150=0|39=0|54=1|55=ABC|");
    auto room = j.reserve_outbound(report.size());
    std::memcpy(room.data(), report.data(), report.size());
    if (j.commit_outbound(out_seq, report.size(), 0, t + 250'000) != store_status::ok) return 1;
    if (n % 10 == 9) {
      const std::string hb = fix("8=FIX.4.4|35=0|34=" + std::to_string(out_seq + 1) + "|49=BROKER|56=CLIENT|");
      room = j.reserve_outbound(hb.size());
      std::memcpy(room.data(), hb.data(), hb.size());
      if (j.commit_outbound(out_seq + 1, hb.size(), flag_admin, t + 500'000) != store_status::ok) return 1;
    }
  }
  std::printf("next_out=%llu next_in=%llu\n", static_cast<unsigned long long>(j.next_outbound_seq()),
              static_cast<unsigned long long>(j.next_inbound_seq()));
  return 0;
}
