// qf-peer: a QuickFIX/C++ acceptor or initiator for interop tests and
// benchmarks, driven by a QuickFIX settings file. Compiled as gnu++14 for
// QuickFIX's headers.
//
//   qf-peer [--max-seconds S] SETTINGS echo
//       Answers each NewOrderSingle with a filled ExecutionReport carrying its
//       ClOrdID. Runs until SIGINT/SIGTERM or S seconds, then logs out; exit 0.
//   qf-peer [--max-seconds S] SETTINGS orders N
//       Initiator: after logon sends N NewOrderSingles on the first session and
//       counts the ExecutionReports that come back for them. Exit 0 once all N
//       came back (after a Logout), 1 with a message on stderr if S seconds pass.
//
// ConnectionType in the settings picks acceptor or initiator. Sessions are
// journaled with FileStore (FileStorePath is required), so sequence numbers
// persist across restarts; FileLogPath, when present, adds QuickFIX's FileLog.
// An initiator may only connect to 127.0.0.1 or localhost. QuickFIX 1.15's
// acceptor has no bind-address setting and listens on every interface: give it a
// port nothing outside reaches, as the tests do.
//
// Session events go to stdout, one line each, flushed, so a test can wait on them:
//   logon SESSION next_sender_seq=N next_target_seq=N
//   logout SESSION                 (after a logon)
//   disconnect SESSION             (a connection lost before any logon)
//   resend-request sent|received SESSION begin=N end=N
//   sequence-reset sent|received SESSION new_seq=N gap_fill=Y|N
//   reject received SESSION ref_seq=N text=...
//   orders sent N
//   orders complete N
#include <quickfix/Application.h>
#include <quickfix/FileLog.h>
#include <quickfix/FileStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketAcceptor.h>
#include <quickfix/SocketInitiator.h>
#include <quickfix/fix44/ExecutionReport.h>
#include <quickfix/fix44/NewOrderSingle.h>

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace {

std::atomic<int> stop_signal{0};
void on_signal(int) { stop_signal.store(1); }

double monotonic_s() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::mutex print_mutex;
void event(const std::string& line) {
  std::lock_guard<std::mutex> lock(print_mutex);
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

std::string field_or(const FIX::FieldMap& map, int tag, const char* fallback) {
  return map.isSetField(tag) ? map.getField(tag) : std::string(fallback);
}

// Prints session events; in echo mode answers orders, in orders mode counts the
// ExecutionReports whose ClOrdID carries this run's prefix. Callbacks run on
// QuickFIX's thread; the counters are read by main().
class peer_application : public FIX::Application {
 public:
  peer_application(bool echo, const std::string& prefix, std::uint64_t orders)
      : echo_(echo), prefix_(prefix), seen_(orders, false) {}

  std::atomic<int> logged_on{0};
  std::atomic<std::uint64_t> reports{0};

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID& id) override {
    FIX::Session* session = FIX::Session::lookupSession(id);
    event("logon " + id.toString() + " next_sender_seq=" + std::to_string(session ? session->getExpectedSenderNum() : 0) +
          " next_target_seq=" + std::to_string(session ? session->getExpectedTargetNum() : 0));
    {
      std::lock_guard<std::mutex> lock(seen_mutex_);
      logged_on_sessions_.insert(id.toString());
    }
    logged_on.store(1);
  }
  // QuickFIX also calls onLogout when a connection attempt fails before any
  // logon; that is reported as a disconnect so "logout" always follows a "logon".
  void onLogout(const FIX::SessionID& id) override {
    bool was_logged_on = false;
    {
      std::lock_guard<std::mutex> lock(seen_mutex_);
      was_logged_on = logged_on_sessions_.erase(id.toString()) != 0;
    }
    event((was_logged_on ? "logout " : "disconnect ") + id.toString());
    logged_on.store(0);
  }
  void toAdmin(FIX::Message& message, const FIX::SessionID& id) override { admin_event(message, id, "sent"); }
  void fromAdmin(const FIX::Message& message, const FIX::SessionID& id) throw(
      FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::RejectLogon) override {
    admin_event(message, id, "received");
  }
  void toApp(FIX::Message&, const FIX::SessionID&) throw(FIX::DoNotSend) override {}
  void fromApp(const FIX::Message& message, const FIX::SessionID& id) throw(
      FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::UnsupportedMessageType) override {
    const std::string type = message.getHeader().getField(FIX::FIELD::MsgType);
    if (echo_ && type == "D") {
      answer(message, id);
    } else if (!echo_ && type == "8") {
      count(message.getField(FIX::FIELD::ClOrdID));
    }
  }

 private:
  void admin_event(const FIX::Message& message, const FIX::SessionID& id, const char* direction) {
    const std::string type = message.getHeader().getField(FIX::FIELD::MsgType);
    if (type == "2") {
      event(std::string("resend-request ") + direction + " " + id.toString() + " begin=" +
            field_or(message, FIX::FIELD::BeginSeqNo, "?") + " end=" + field_or(message, FIX::FIELD::EndSeqNo, "?"));
    } else if (type == "4") {
      event(std::string("sequence-reset ") + direction + " " + id.toString() + " new_seq=" +
            field_or(message, FIX::FIELD::NewSeqNo, "?") + " gap_fill=" + field_or(message, FIX::FIELD::GapFillFlag, "N"));
    } else if (type == "3" && std::strcmp(direction, "received") == 0) {
      event("reject received " + id.toString() + " ref_seq=" + field_or(message, FIX::FIELD::RefSeqNum, "?") +
            " text=" + field_or(message, FIX::FIELD::Text, ""));
    }
  }

  void answer(const FIX::Message& order, const FIX::SessionID& id) {
    ++exec_id_;
    const double qty = std::atof(field_or(order, FIX::FIELD::OrderQty, "0").c_str());
    const double price = std::atof(field_or(order, FIX::FIELD::Price, "0").c_str());
    FIX::Message report;
    report.getHeader().setField(FIX::MsgType("8"));
    report.setField(FIX::OrderID("Q" + std::to_string(exec_id_)));
    report.setField(FIX::ExecID("X" + std::to_string(exec_id_)));
    report.setField(FIX::ClOrdID(order.getField(FIX::FIELD::ClOrdID)));
    report.setField(FIX::FIELD::Side, field_or(order, FIX::FIELD::Side, "1"));
    report.setField(FIX::FIELD::Symbol, field_or(order, FIX::FIELD::Symbol, "?"));
    report.setField(FIX::OrderQty(qty));
    report.setField(FIX::LastQty(qty));
    report.setField(FIX::LastPx(price));
    report.setField(FIX::CumQty(qty));
    report.setField(FIX::LeavesQty(0));
    report.setField(FIX::AvgPx(price));
    report.setField(FIX::OrdStatus(FIX::OrdStatus_FILLED));
    // ExecType F (Trade) exists from FIX 4.3; 4.2 says Fill (2) and needs ExecTransType.
    const bool fix42 = id.getBeginString().getValue() < "FIX.4.3";
    report.setField(FIX::ExecType(fix42 ? FIX::ExecType_FILL : FIX::ExecType_TRADE));
    if (fix42) report.setField(FIX::ExecTransType(FIX::ExecTransType_NEW));
    report.setField(FIX::TransactTime());
    FIX::Session::sendToTarget(report, id);
  }

  void count(const std::string& cl_ord_id) {
    if (cl_ord_id.compare(0, prefix_.size(), prefix_) != 0) return;
    const std::uint64_t index = std::strtoull(cl_ord_id.c_str() + prefix_.size(), nullptr, 10);
    std::lock_guard<std::mutex> lock(seen_mutex_);
    if (index < seen_.size() && !seen_[index]) {
      seen_[index] = true;
      reports.fetch_add(1);
    }
  }

  bool echo_;
  std::string prefix_;
  std::uint64_t exec_id_ = 0;
  std::mutex seen_mutex_;  // guards seen_ and logged_on_sessions_
  std::vector<bool> seen_;
  std::set<std::string> logged_on_sessions_;
};

FIX::Message make_order(const std::string& cl_ord_id) {
  FIX::Message order;
  order.getHeader().setField(FIX::MsgType("D"));
  order.setField(FIX::ClOrdID(cl_ord_id));
  order.setField(FIX::HandlInst('1'));
  order.setField(FIX::Symbol("AAPL"));
  order.setField(FIX::Side(FIX::Side_BUY));
  order.setField(FIX::TransactTime());
  order.setField(FIX::OrderQty(100));
  order.setField(FIX::OrdType(FIX::OrdType_LIMIT));
  order.setField(FIX::Price(101.25));
  order.setField(FIX::TimeInForce(FIX::TimeInForce_DAY));
  return order;
}

int usage(const char* why) {
  std::fprintf(stderr,
               "qf-peer: %s\n"
               "usage: qf-peer [--max-seconds S] SETTINGS echo\n"
               "       qf-peer [--max-seconds S] SETTINGS orders N\n"
               "A QuickFIX/C++ peer (FileStore journal) for fixring's interop tests and benchmarks;\n"
               "session events are printed one per line on stdout. --max-seconds defaults to 60.\n",
               why);
  return 2;
}

int run(int argc, char** argv) {
  double max_seconds = 60;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      usage("help");
      return 0;
    }
    if (a == "--max-seconds") {
      if (i + 1 >= argc) return usage("--max-seconds needs a value");
      max_seconds = std::atof(argv[++i]);
      if (max_seconds <= 0) return usage("--max-seconds must be positive");
    } else {
      args.push_back(a);
    }
  }
  if (args.size() < 2) return usage("missing SETTINGS or mode");
  const bool echo = args[1] == "echo";
  std::uint64_t orders = 0;
  if (!echo) {
    if (args[1] != "orders" || args.size() != 3) return usage("mode must be 'echo' or 'orders N'");
    orders = std::strtoull(args[2].c_str(), nullptr, 10);
    if (orders == 0) return usage("orders N needs N > 0");
  } else if (args.size() != 2) {
    return usage("echo takes no argument");
  }

  FIX::SessionSettings settings(args[0]);
  const FIX::Dictionary& defaults = settings.get();
  const std::set<FIX::SessionID> sessions = settings.getSessions();
  if (sessions.empty()) return usage(("no session in " + args[0]).c_str());
  const std::string connection = settings.get(*sessions.begin()).getString("ConnectionType");
  const bool acceptor = connection == "acceptor";
  for (const FIX::SessionID& id : sessions) {
    const FIX::Dictionary& d = settings.get(id);
    if (!d.has("FileStorePath")) return usage(("FileStorePath missing for " + id.toString()).c_str());
    if (!acceptor) {
      const std::string host = d.getString("SocketConnectHost");
      if (host != "127.0.0.1" && host != "localhost")
        return usage(("SocketConnectHost must be 127.0.0.1 (loopback only), not " + host).c_str());
    }
  }
  if (!echo && acceptor) return usage("orders mode needs ConnectionType=initiator");

  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  const std::string prefix = std::to_string(getpid()) + "-" + std::to_string(time(nullptr)) + "-";
  peer_application app(echo, prefix, orders);
  FIX::FileStoreFactory store(settings);
  std::unique_ptr<FIX::FileLogFactory> log;
  if (defaults.has("FileLogPath")) log.reset(new FIX::FileLogFactory(settings));
  std::unique_ptr<FIX::Acceptor> the_acceptor;
  std::unique_ptr<FIX::Initiator> the_initiator;
  if (acceptor) {
    the_acceptor.reset(log ? new FIX::SocketAcceptor(app, store, settings, *log)
                           : new FIX::SocketAcceptor(app, store, settings));
    the_acceptor->start();
  } else {
    the_initiator.reset(log ? new FIX::SocketInitiator(app, store, settings, *log)
                            : new FIX::SocketInitiator(app, store, settings));
    the_initiator->start();
  }
  const auto stop = [&](bool force) {
    if (the_acceptor) the_acceptor->stop(force);
    if (the_initiator) the_initiator->stop(force);
  };

  const double deadline = monotonic_s() + max_seconds;
  const FIX::SessionID first = *sessions.begin();
  bool sent = false;
  while (stop_signal.load() == 0 && monotonic_s() < deadline) {
    if (!echo) {
      if (!sent && app.logged_on.load() != 0) {
        for (std::uint64_t i = 0; i < orders; ++i) {
          FIX::Message order = make_order(prefix + std::to_string(i));
          FIX::Session::sendToTarget(order, first);
        }
        sent = true;
        event("orders sent " + std::to_string(orders));
      }
      if (app.reports.load() == orders) break;
    }
    usleep(10000);
  }
  if (!echo && app.reports.load() != orders) {
    std::fprintf(stderr, "qf-peer: %s: %llu of %llu ExecutionReports came back (%s)\n", args[0].c_str(),
                 static_cast<unsigned long long>(app.reports.load()), static_cast<unsigned long long>(orders),
                 app.logged_on.load() == 0 && !sent ? "never logged on" :
                 stop_signal.load() != 0 ? "stopped by a signal" : "timed out after --max-seconds");
    stop(true);
    return 1;
  }
  if (!echo) event("orders complete " + std::to_string(orders));
  stop(false);  // Logout, waiting for the peer's Logout
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "qf-peer: %s\n", e.what());
    return 2;
  }
}
