// QuickFIX/C++ counterparts of codec_bench.cpp, on the same bytes. Built as
// gnu++14 (QuickFIX's headers use dynamic exception specifications).
#include <benchmark/benchmark.h>
#include <quickfix/DataDictionary.h>
#include <quickfix/Message.h>
#include <quickfix/fix44/ExecutionReport.h>

#include <memory>
#include <string>

#include "support/bench_loop.hpp"
#include "support/sample_messages.hpp"

namespace {

using fixring::bench::run_counted;

// FIX::Message::setString with validation of BodyLength and CheckSum, no dictionary.
void parse_bench(benchmark::State& state, const char* text) {
  const std::string wire = fixring::bench::with_length_and_checksum(text);
  FIX::Message m;
  run_counted(state, wire.size(), [&] {
    m.setString(wire, true);
    benchmark::DoNotOptimize(m);
  });
}

void BM_qf_parse_new_order_single(benchmark::State& state) {
  parse_bench(state, fixring::bench::new_order_single_text);
}
void BM_qf_parse_execution_report(benchmark::State& state) {
  parse_bench(state, fixring::bench::execution_report_text);
}

// FIX::Message::toString of a populated ExecutionReport.
void BM_qf_encode_execution_report(benchmark::State& state) {
  const std::string wire = fixring::bench::with_length_and_checksum(fixring::bench::execution_report_text);
  FIX::Message m(wire, false);
  std::string out;
  m.toString(out);
  if (out != wire) {
    state.SkipWithError("QuickFIX output differs from the sample bytes");
    return;
  }
  run_counted(state, wire.size(), [&] {
    m.toString(out);
    benchmark::DoNotOptimize(out);
  });
}

// An application's encode with QuickFIX: the same typed values set as fields,
// then toString (which formats them and adds BodyLength and CheckSum).
void BM_qf_encode_execution_report_typed(benchmark::State& state) {
  std::string out;
  int seq = 987, millis = 456;
  run_counted(state, 260, [&] {
    FIX::Message m;
    FIX::Header& h = m.getHeader();
    h.setField(FIX::BeginString("FIX.4.4"));
    h.setField(FIX::MsgType("8"));
    h.setField(FIX::MsgSeqNum(seq++));
    h.setField(FIX::SenderCompID("BROKER1"));
    h.setField(FIX::SendingTime(FIX::UtcTimeStamp(12, 0, 0, millis, 1, 1, 2026), 3));
    h.setField(FIX::TargetCompID("CLIENT1"));
    m.setField(FIX::AvgPx(101.25));
    m.setField(FIX::ClOrdID("ORD-0001234"));
    m.setField(FIX::CumQty(500));
    m.setField(FIX::ExecID("EXEC-000987"));
    m.setField(FIX::LastPx(101.25));
    m.setField(FIX::LastQty(500));
    m.setField(FIX::OrderID("OID-55123"));
    m.setField(FIX::OrderQty(1000));
    m.setField(FIX::OrdStatus('1'));
    m.setField(FIX::OrdType('2'));
    m.setField(FIX::Price(101.25));
    m.setField(FIX::Side('1'));
    m.setField(FIX::Symbol("AAPL"));
    m.setField(FIX::TimeInForce('0'));
    m.setField(FIX::TransactTime(FIX::UtcTimeStamp(12, 0, 0, millis, 1, 1, 2026), 3));
    m.setField(FIX::ExecType('F'));
    m.setField(FIX::LeavesQty(500));
    m.toString(out);
    benchmark::DoNotOptimize(out);
    millis = (millis + 1) % 1000;
  });
}

// FIX::DataDictionary::validate of a NewOrderSingle parsed with that dictionary.
void BM_qf_validate_new_order_single(benchmark::State& state) {
  const std::string path = std::string(fixring::bench::spec_dir) + "/FIX44.xml";
  std::unique_ptr<FIX::DataDictionary> dd;
  try {
    dd.reset(new FIX::DataDictionary(path));
  } catch (const std::exception&) {
    state.SkipWithError(("FIX44.xml not available: " + path).c_str());
    return;
  }
  const std::string wire = fixring::bench::with_length_and_checksum(fixring::bench::new_order_single_text);
  FIX::Message m(wire, *dd, true);
  run_counted(state, wire.size(), [&] {
    dd->validate(m);
    benchmark::ClobberMemory();
  });
}

BENCHMARK(BM_qf_parse_new_order_single)->Name("quickfix/parse/NewOrderSingle");
BENCHMARK(BM_qf_parse_execution_report)->Name("quickfix/parse/ExecutionReport");
BENCHMARK(BM_qf_encode_execution_report)->Name("quickfix/encode/ExecutionReport");
BENCHMARK(BM_qf_encode_execution_report_typed)->Name("quickfix/encode/ExecutionReport/typed");
BENCHMARK(BM_qf_validate_new_order_single)->Name("quickfix/validate/NewOrderSingle");

}  // namespace
