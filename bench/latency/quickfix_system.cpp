// System (c): QuickFIX/C++ initiator <-> QuickFIX/C++ acceptor, FIX.4.4,
// NewOrderSingle -> ExecutionReport. The library is used directly, one side per
// process: the acceptor in a forked child, the initiator here. Each side drives
// its SocketAcceptor/SocketInitiator with poll(0.0) in a loop on its own pinned
// thread, which is QuickFIX's way to busy-poll, so neither side pays a thread
// hand-off that the raw TCP sides do not pay either. Both sides journal with
// QuickFIX's FileStore (its journaling-on configuration), in a fresh temporary
// directory per run. Compiled as gnu++14 for QuickFIX's headers.
#include <quickfix/Application.h>
#include <quickfix/FileStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketAcceptor.h>
#include <quickfix/SocketInitiator.h>
#include <quickfix/fix44/ExecutionReport.h>
#include <quickfix/fix44/NewOrderSingle.h>

#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "process.hpp"
#include "system.hpp"

namespace fixring {
namespace latency {
namespace {

struct qf_shared {
  std::atomic<int> acceptor_ready{0};             // the acceptor listens
  std::atomic<int> stream_phase{0};               // 1: count NewOrderSingles instead of answering
  std::atomic<int> stop{0};                       // 1: the acceptor shuts down
  std::atomic<std::uint64_t> stream_received{0};  // NewOrderSingles counted in the stream phase
  std::atomic<std::uint64_t> stream_done_ns{0};   // when the last one arrived; 0 until then
  std::atomic<int> acceptor_error{0};
};

// Answers each NewOrderSingle with a filled ExecutionReport carrying its ClOrdID,
// or, once the initiator has switched to the stream phase, only counts them.
class echo_application : public FIX::Application {
 public:
  echo_application(qf_shared& shared, std::uint64_t stream_count) : shared_(shared), stream_count_(stream_count) {}
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override {}
  void onLogout(const FIX::SessionID&) override {}
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) throw(FIX::DoNotSend) override {}
  void fromAdmin(const FIX::Message&, const FIX::SessionID&) throw(
      FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::RejectLogon) override {}
  void fromApp(const FIX::Message& message, const FIX::SessionID& session_id) throw(
      FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::UnsupportedMessageType) override {
    FIX::MsgType type;
    message.getHeader().getField(type);
    if (type.getValue() != "D") return;
    // Pairs with the initiator's release store of stream_phase, made after the
    // last round trip's reply arrived.
    if (shared_.stream_phase.load(std::memory_order_acquire) != 0) {
      // Relaxed: only this thread writes stream_received.
      const std::uint64_t n = shared_.stream_received.load(std::memory_order_relaxed) + 1;
      if (n == stream_count_) shared_.stream_done_ns.store(now_ns(), std::memory_order_release);
      // Pairs with the initiator's acquire load of stream_received.
      shared_.stream_received.store(n, std::memory_order_release);
      return;
    }
    FIX::ClOrdID cl_ord_id;
    FIX::Side side;
    FIX::Symbol symbol;
    FIX::OrderQty qty;
    FIX::Price price;
    message.getField(cl_ord_id);
    message.getField(side);
    message.getField(symbol);
    message.getField(qty);
    message.getField(price);
    ++exec_id_;
    FIX44::ExecutionReport report(FIX::OrderID("O" + std::to_string(exec_id_)), FIX::ExecID("E" + std::to_string(exec_id_)),
                                  FIX::ExecType(FIX::ExecType_TRADE), FIX::OrdStatus(FIX::OrdStatus_FILLED), side,
                                  FIX::LeavesQty(0), FIX::CumQty(qty.getValue()), FIX::AvgPx(price.getValue()));
    report.set(cl_ord_id);
    report.set(symbol);
    report.set(qty);
    report.set(price);
    report.set(FIX::LastQty(qty.getValue()));
    report.set(FIX::LastPx(price.getValue()));
    report.set(FIX::TransactTime());
    FIX::Session::sendToTarget(report, session_id);
  }

 private:
  qf_shared& shared_;
  std::uint64_t stream_count_;
  std::uint64_t exec_id_ = 0;
};

// Records when each ExecutionReport arrives, by the index in its ClOrdID.
class initiator_application : public FIX::Application {
 public:
  std::vector<std::uint64_t> received_ns;  // 0 until that order's report arrived
  std::uint64_t replies = 0;
  bool logged_on = false;

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override { logged_on = true; }
  void onLogout(const FIX::SessionID&) override { logged_on = false; }
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) throw(FIX::DoNotSend) override {}
  void fromAdmin(const FIX::Message&, const FIX::SessionID&) throw(
      FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::RejectLogon) override {}
  void fromApp(const FIX::Message& message, const FIX::SessionID&) throw(
      FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::UnsupportedMessageType) override {
    const std::uint64_t t = now_ns();
    FIX::MsgType type;
    message.getHeader().getField(type);
    if (type.getValue() != "8") return;
    FIX::ClOrdID cl_ord_id;
    message.getField(cl_ord_id);
    const std::uint64_t index = std::strtoull(cl_ord_id.getValue().c_str(), nullptr, 10);
    if (index < received_ns.size() && received_ns[index] == 0) {
      received_ns[index] = t;
      ++replies;
    }
  }
};

FIX44::NewOrderSingle make_order(std::uint64_t index) {
  FIX44::NewOrderSingle order(FIX::ClOrdID(std::to_string(index)), FIX::Side(FIX::Side_BUY), FIX::TransactTime(),
                              FIX::OrdType(FIX::OrdType_LIMIT));
  order.set(FIX::HandlInst('1'));
  order.set(FIX::Symbol("AAPL"));
  order.set(FIX::OrderQty(1000));
  order.set(FIX::Price(101.25));
  order.set(FIX::TimeInForce(FIX::TimeInForce_DAY));
  return order;
}

const FIX::SessionID acceptor_session("FIX.4.4", "BROKER1", "CLIENT1");
const FIX::SessionID initiator_session("FIX.4.4", "CLIENT1", "BROKER1");

FIX::SessionSettings make_settings(bool acceptor, int port, const std::string& store_dir, const std::string& dictionary) {
  FIX::Dictionary d;
  d.setString("ConnectionType", acceptor ? "acceptor" : "initiator");
  d.setString("StartTime", "00:00:00");
  d.setString("EndTime", "00:00:00");
  d.setString("HeartBtInt", "30");
  d.setString("FileStorePath", store_dir);
  d.setString("SocketNodelay", "Y");
  d.setString("ReconnectInterval", "1");
  d.setString("UseDataDictionary", dictionary.empty() ? "N" : "Y");
  if (!dictionary.empty()) d.setString("DataDictionary", dictionary);
  if (acceptor) {
    d.setString("SocketAcceptPort", std::to_string(port));
  } else {
    d.setString("SocketConnectHost", "127.0.0.1");
    d.setString("SocketConnectPort", std::to_string(port));
  }
  FIX::SessionSettings settings;
  settings.set(acceptor ? acceptor_session : initiator_session, d);
  return settings;
}

int acceptor_main(int port, const std::string& store_dir, const std::string& dictionary, std::uint64_t stream_count,
                  double max_seconds, qf_shared& shared) {
  try {
    echo_application app(shared, stream_count);
    FIX::FileStoreFactory store(store_dir);
    FIX::SocketAcceptor acceptor(app, store, make_settings(true, port, store_dir, dictionary));
    const std::uint64_t deadline = now_ns() + static_cast<std::uint64_t>(max_seconds * 1e9);
    acceptor.poll(0.0);  // the first poll opens the listening socket
    shared.acceptor_ready.store(1, std::memory_order_release);  // pairs with the initiator's acquire wait
    while (shared.stop.load(std::memory_order_acquire) == 0 && now_ns() < deadline) acceptor.poll(0.0);
    acceptor.stop(true);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "quickfix acceptor: %s\n", e.what());
    return 2;
  }
}

bool run_initiator(const run_config& config, system_result& result, int port, const std::string& store_dir,
                   const std::string& dictionary, qf_shared& shared) {
  initiator_application app;
  FIX::FileStoreFactory store(store_dir);
  FIX::SocketInitiator initiator(app, store, make_settings(false, port, store_dir, dictionary));
  const auto seconds = [&] { return now_ns() + static_cast<std::uint64_t>(config.max_seconds * 1e9); };

  std::uint64_t deadline = seconds();
  while (!app.logged_on && now_ns() < deadline) initiator.poll(0.0);
  FIX::Session* session = FIX::Session::lookupSession(initiator_session);
  if (!app.logged_on || session == nullptr) {
    result.error = "quickfix: no logon within --seconds";
    return false;
  }

  // Round trips. QuickFIX queues what it cannot send, so a send is never refused.
  const auto send_one = [&](std::uint64_t i) {
    FIX44::NewOrderSingle order = make_order(i);
    session->send(order);
    return true;
  };
  const auto poll = [&]() -> const char* {
    initiator.poll(0.0);
    return nullptr;
  };
  if (!run_round_trips("quickfix", config, app.received_ns, app.replies, result, send_one, poll)) return false;
  const std::uint64_t total = config.warmup + config.count;

  // One-way stream: the acceptor counts instead of answering.
  shared.stream_phase.store(1, std::memory_order_release);  // pairs with the acceptor's acquire load
  deadline = seconds();
  const std::uint64_t start = now_ns();
  for (std::uint64_t i = 0; i < config.stream_count; ++i) {
    FIX44::NewOrderSingle order = make_order(total + i);
    session->send(order);
    // QuickFIX queues what the socket does not take; polling drains that queue.
    if ((i & 31) == 31) initiator.poll(0.0);
  }
  if (!finish_stream("quickfix", config, shared, start, deadline, result, [&] { initiator.poll(0.0); })) return false;

  // Logout, answered by the acceptor, then stop.
  session->logout();
  deadline = now_ns() + 2000000000ull;
  while (session->isLoggedOn() && now_ns() < deadline) initiator.poll(0.0);
  initiator.stop(true);
  return true;
}

int remove_entry(const char* path, const struct stat*, int, struct FTW*) { return ::remove(path); }

// Removes the run's temporary journal directory, depth first.
void remove_tree(const std::string& dir) {
  if (nftw(dir.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
    std::fprintf(stderr, "quickfix: could not remove %s\n", dir.c_str());
}

}  // namespace

bool run_quickfix(const run_config& config, system_result& result) {
  std::string dictionary = config.spec_dir.empty() ? std::string() : config.spec_dir + "/FIX44.xml";
  struct stat st;
  if (!dictionary.empty() && stat(dictionary.c_str(), &st) != 0) dictionary.clear();
  result.description = std::string("QuickFIX/C++ 1.15, FIX.4.4, poll(0.0) busy loop per side, FileStore on both sides") +
                       (dictionary.empty() ? ", no data dictionary" : ", FIX44.xml validation on");

  char dir_template[] = "/tmp/fixring-latency-qf-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) {
    result.error = errno_text("quickfix: mkdtemp");
    return false;
  }
  const std::string base(dir_template);
  const std::string acceptor_dir = base + "/acceptor", initiator_dir = base + "/initiator";
  mkdir(acceptor_dir.c_str(), 0700);
  mkdir(initiator_dir.c_str(), 0700);

  shared_block<qf_shared> shared;
  const int port = pick_free_port();
  if (!shared.ok() || port < 0) {
    result.error = errno_text("quickfix: shared memory or port");
    remove_tree(base);
    return false;
  }
  const double child_seconds = 3 * config.max_seconds + 5;
  std::fflush(nullptr);
  const pid_t child = fork_child(config.pin, config.acceptor_core, [&] {
    return acceptor_main(port, acceptor_dir, dictionary, config.stream_count, child_seconds, *shared);
  });
  if (child < 0) {
    result.error = errno_text("quickfix: fork");
    remove_tree(base);
    return false;
  }
  bool ok = false;
  try {
    ok = wait_acceptor_ready(*shared);
    if (!ok) result.error = "quickfix: the acceptor did not start listening";
    if (ok) ok = run_initiator(config, result, port, initiator_dir, dictionary, *shared);
  } catch (const std::exception& e) {
    result.error = std::string("quickfix initiator: ") + e.what();
    ok = false;
  }
  ok = stop_acceptor("quickfix", *shared, child, ok, result);
  remove_tree(base);
  return ok;
}

}  // namespace latency
}  // namespace fixring
