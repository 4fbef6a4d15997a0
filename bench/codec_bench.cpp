// Codec benchmarks: fixring's side. The QuickFIX/C++ counterparts, on the same
// bytes, are in quickfix_codec_bench.cpp (a gnu++14 target) and run in the same
// binary, so one run gives both sides and their ratio.
//
// Is parse/* like for like with quickfix/parse/*? QuickFIX's benchmark calls
// FIX::Message::setString(wire, true). With validation on, QuickFIX 1.15
// refuses a message whose first three fields are not 8, 9, 35, and, after
// splitting every field into its maps, compares BodyLength and CheckSum with
// values it computes from the fields (Message::validate). That was checked
// against the installed library, not assumed: setString(wire, true) throws
// InvalidMessage "Expected CheckSum=154, Received CheckSum=150" for a wrong
// checksum and "Expected BodyLength=146, Received BodyLength=246" for a wrong
// length. So fixring's parse/* must verify them too: it calls the one-call
// message::parse(bytes), which checks BeginString, BodyLength, MsgType, the
// place and value of CheckSum (the checks of frame()) and indexes every field,
// tag numbers decoded. Neither side uses a dictionary.
//
// The session's receive path does the same work in two calls: frame() finds the
// message in the stream and verifies it, then parse(bytes, body_offset) indexes
// it. parse/*/frame_then_index measures that path; index/* is the indexing
// alone, for the breakdown (it has no QuickFIX counterpart).
#include <benchmark/benchmark.h>

#include <string>

#include "fixring/codec/encoder.hpp"
#include "fixring/codec/validate.hpp"
#include "fixring/codec/message.hpp"
#include "support/bench_loop.hpp"
#include "support/sample_messages.hpp"

namespace {

using namespace fixring::codec;
using fixring::bench::run_counted;

// One call: frame checks (BeginString, BodyLength, MsgType, CheckSum) + index.
void parse_bench(benchmark::State& state, const char* text) {
  const std::string wire = fixring::bench::with_length_and_checksum(text);
  static message m;
  if (m.parse(wire) != parse_error::none) {
    state.SkipWithError("sample does not parse");
    return;
  }
  run_counted(state, wire.size(), [&] {
    const char* p = wire.data();
    benchmark::DoNotOptimize(p);  // the compiler may not assume the bytes are known
    const parse_error e = m.parse(std::string_view(p, wire.size()));
    benchmark::DoNotOptimize(e);
    benchmark::DoNotOptimize(m);
  });
}

// The session's receive path: frame() on the stream, then index the framed bytes.
void frame_then_index_bench(benchmark::State& state, const char* text) {
  const std::string wire = fixring::bench::with_length_and_checksum(text);
  static message m;
  run_counted(state, wire.size(), [&] {
    const char* p = wire.data();
    benchmark::DoNotOptimize(p);
    const frame_result f = frame(p, wire.size());
    const parse_error e = m.parse(std::string_view(p, f.size_bytes), f.body_offset);
    benchmark::DoNotOptimize(e);
    benchmark::DoNotOptimize(m);
  });
}

// Indexing alone, of bytes already framed.
void index_bench(benchmark::State& state, const char* text) {
  const std::string wire = fixring::bench::with_length_and_checksum(text);
  const frame_result f = frame(wire.data(), wire.size());
  static message m;
  run_counted(state, wire.size(), [&] {
    const char* p = wire.data();
    benchmark::DoNotOptimize(p);
    const parse_error e = m.parse(std::string_view(p, f.size_bytes), f.body_offset);
    benchmark::DoNotOptimize(e);
    benchmark::DoNotOptimize(m);
  });
}

void BM_parse_new_order_single(benchmark::State& state) {
  parse_bench(state, fixring::bench::new_order_single_text);
}
void BM_parse_execution_report(benchmark::State& state) {
  parse_bench(state, fixring::bench::execution_report_text);
}
void BM_frame_then_index_new_order_single(benchmark::State& state) {
  frame_then_index_bench(state, fixring::bench::new_order_single_text);
}
void BM_frame_then_index_execution_report(benchmark::State& state) {
  frame_then_index_bench(state, fixring::bench::execution_report_text);
}
void BM_index_new_order_single(benchmark::State& state) {
  index_bench(state, fixring::bench::new_order_single_text);
}
void BM_index_execution_report(benchmark::State& state) {
  index_bench(state, fixring::bench::execution_report_text);
}

// encode/ExecutionReport is the like-for-like counterpart of QuickFIX's
// Message::toString: every field value is already text (as a FIX::Message holds
// it) and is serialised with tags, BodyLength and CheckSum. The values are hidden
// from the optimiser every iteration and MsgSeqNum's text changes, so nothing can
// be folded at compile time. encode/ExecutionReport/typed formats the numbers,
// prices and timestamps from binary values instead, against QuickFIX setting the
// same typed fields and calling toString.
struct exec_report_text {
  char seq[12] = "987";
  std::size_t seq_len = 3;
  std::string_view sending_time = "20260101-12:00:00.456", px = "101.25", cum_qty = "500", last_qty = "500",
                   order_qty = "1000", leaves_qty = "500", sender = "BROKER1", target = "CLIENT1",
                   cl_ord_id = "ORD-0001234", exec_id = "EXEC-000987", order_id = "OID-55123", symbol = "AAPL";
};

std::uint32_t encode_exec_report(char* buf, std::size_t cap, const exec_report_text& v) {
  encoder e(buf, cap);
  e.begin("FIX.4.4", "8");
  e.add(34, {v.seq, v.seq_len});
  e.add(49, v.sender);
  e.add(52, v.sending_time);
  e.add(56, v.target);
  e.add(6, v.px);
  e.add(11, v.cl_ord_id);
  e.add(14, v.cum_qty);
  e.add(17, v.exec_id);
  e.add(31, v.px);
  e.add(32, v.last_qty);
  e.add(37, v.order_id);
  e.add(38, v.order_qty);
  e.add(39, "1");
  e.add(40, "2");
  e.add(44, v.px);
  e.add(54, "1");
  e.add(55, v.symbol);
  e.add(59, "0");
  e.add(60, v.sending_time);
  e.add(150, "F");
  e.add(151, v.leaves_qty);
  return e.finish().size_bytes;
}

void BM_encode_execution_report(benchmark::State& state) {
  char buf[512];
  exec_report_text v;
  const std::string expected = fixring::bench::with_length_and_checksum(fixring::bench::execution_report_text);
  if (std::string(buf, encode_exec_report(buf, sizeof buf, v)) != expected) {
    state.SkipWithError("encoder output differs from the sample bytes");
    return;
  }
  std::uint64_t seq = 987;
  run_counted(state, expected.size(), [&] {
    v.seq_len = format_uint(v.seq, ++seq % 1000 + 100);  // a new 3-digit MsgSeqNum each time
    benchmark::DoNotOptimize(v);
    const std::uint32_t n = encode_exec_report(buf, sizeof buf, v);
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(buf);
  });
}

struct exec_report_values {
  std::uint64_t seq = 987;
  std::int64_t sending_time_ns = 1767268800456000000LL;
  decimal px{10125, 2};
  std::uint64_t cum_qty = 500, last_qty = 500, order_qty = 1000, leaves_qty = 500;
  std::string_view sender = "BROKER1", target = "CLIENT1", cl_ord_id = "ORD-0001234",
                   exec_id = "EXEC-000987", order_id = "OID-55123", symbol = "AAPL";
};

std::uint32_t encode_exec_report_typed(char* buf, std::size_t cap, const exec_report_values& v) {
  encoder e(buf, cap);
  e.begin("FIX.4.4", "8");
  e.add_uint(34, v.seq);
  e.add(49, v.sender);
  e.add_timestamp(52, v.sending_time_ns, time_precision::ms);
  e.add(56, v.target);
  e.add_decimal(6, v.px);
  e.add(11, v.cl_ord_id);
  e.add_uint(14, v.cum_qty);
  e.add(17, v.exec_id);
  e.add_decimal(31, v.px);
  e.add_uint(32, v.last_qty);
  e.add(37, v.order_id);
  e.add_uint(38, v.order_qty);
  e.add_char(39, '1');
  e.add_char(40, '2');
  e.add_decimal(44, v.px);
  e.add_char(54, '1');
  e.add(55, v.symbol);
  e.add_char(59, '0');
  e.add_timestamp(60, v.sending_time_ns, time_precision::ms);
  e.add_char(150, 'F');
  e.add_uint(151, v.leaves_qty);
  return e.finish().size_bytes;
}

void BM_encode_execution_report_typed(benchmark::State& state) {
  char buf[512];
  exec_report_values v;
  const std::string expected = fixring::bench::with_length_and_checksum(fixring::bench::execution_report_text);
  if (std::string(buf, encode_exec_report_typed(buf, sizeof buf, v)) != expected) {
    state.SkipWithError("typed encoder output differs from the sample bytes");
    return;
  }
  run_counted(state, expected.size(), [&] {
    benchmark::DoNotOptimize(v);
    const std::uint32_t n = encode_exec_report_typed(buf, sizeof buf, v);
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(buf);
    ++v.seq;
    v.sending_time_ns += 1'000'000;  // one message per millisecond
  });
}

// Validate = every dictionary check (QuickFIX's defaults) on a parsed NewOrderSingle.
void BM_validate_new_order_single(benchmark::State& state) {
  const std::string path = std::string(fixring::bench::spec_dir) + "/FIX44.xml";
  auto d = dictionary::load(path);
  if (!d) {
    state.SkipWithError(("FIX44.xml not available: " + path).c_str());
    return;
  }
  const std::string wire = fixring::bench::with_length_and_checksum(fixring::bench::new_order_single_text);
  static message m;
  if (m.parse(wire, d.value().data_fields()) != parse_error::none) {
    state.SkipWithError("sample does not parse");
    return;
  }
  const validation_options opts;
  if (!validate(d.value(), m, opts).ok()) {
    state.SkipWithError("sample NewOrderSingle does not validate");
    return;
  }
  run_counted(state, wire.size(), [&] {
    benchmark::DoNotOptimize(m);
    validation_result r = validate(d.value(), m, opts);
    benchmark::DoNotOptimize(r);
  });
}

BENCHMARK(BM_parse_new_order_single)->Name("parse/NewOrderSingle");
BENCHMARK(BM_parse_execution_report)->Name("parse/ExecutionReport");
BENCHMARK(BM_frame_then_index_new_order_single)->Name("parse/NewOrderSingle/frame_then_index");
BENCHMARK(BM_frame_then_index_execution_report)->Name("parse/ExecutionReport/frame_then_index");
BENCHMARK(BM_index_new_order_single)->Name("index/NewOrderSingle");
BENCHMARK(BM_index_execution_report)->Name("index/ExecutionReport");
BENCHMARK(BM_encode_execution_report)->Name("encode/ExecutionReport");
BENCHMARK(BM_encode_execution_report_typed)->Name("encode/ExecutionReport/typed");
BENCHMARK(BM_validate_new_order_single)->Name("validate/NewOrderSingle");

}  // namespace
