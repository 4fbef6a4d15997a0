// qf-peer: a QuickFIX/C++ acceptor or initiator for interop tests and
// benchmarks, driven by a QuickFIX settings file. Compiled as gnu++14 for
// QuickFIX's headers.
//
//   qf-peer [OPTIONS] SETTINGS echo
//       Answers each NewOrderSingle with a filled ExecutionReport carrying its
//       ClOrdID. Runs until SIGINT/SIGTERM or S seconds, then logs out; exit 0.
//   qf-peer [OPTIONS] SETTINGS orders N
//       Initiator: after logon sends N NewOrderSingles on the first session and
//       counts the fills (ExecutionReport, OrdStatus 2) that come back for them.
//       Exit 0 once all N came back (after a Logout), 1 with a message on stderr
//       if S seconds pass.
//
// Options (the fault drills of tests/interop/fixring_interop_test.sh):
//   --max-seconds S          time limit (default 60)
//   --first-id F             ClOrdIDs are the decimal numbers F .. F+N-1 (orders);
//                            without it they carry a per-run prefix
//   --await-reports M        orders: also wait for M distinct fills of orders that
//                            are not this run's (a previous run's, resent to us)
//   --skip-after-order ID:K  after answering (echo) or sending (orders) the order
//                            with ClOrdID ID, raise the session's next outbound
//                            MsgSeqNum by K: the counterparty sees a gap, asks for
//                            it and gets a SequenceReset-GapFill
//   --crash-on-order ID      echo: _exit(3) on receiving ClOrdID ID, before
//                            answering it (QuickFIX consumes a message's MsgSeqNum
//                            only after fromApp, so the order is asked for again)
//   --test-request ID        send a TestRequest with TestReqID ID after the
//                            first logon (the counterparty answers a Heartbeat)
//   --crash-on-report ID     orders: _exit(3) on receiving the first
//                            ExecutionReport for ClOrdID ID, before counting it
//                            (once all N orders are handed to QuickFIX)
//
// ConnectionType in the settings picks acceptor or initiator. Sessions are
// journaled with FileStore (FileStorePath is required), so sequence numbers
// persist across restarts (and crashes); FileLogPath, when present, adds
// QuickFIX's FileLog. An initiator may only connect to 127.0.0.1 or localhost.
// QuickFIX 1.15's acceptor has no bind-address setting and listens on every
// interface: give it a port nothing outside reaches, as the tests do.
//
// Session events go to stdout, one line each, flushed, so a test can wait on them:
//   logon SESSION next_sender_seq=N next_target_seq=N
//   logout SESSION                 (after a logon)
//   disconnect SESSION             (a connection lost before any logon)
//   resend-request sent|received SESSION begin=N end=N
//   sequence-reset sent|received SESSION new_seq=N gap_fill=Y|N
//   heartbeat|test-request sent|received SESSION test_req_id=ID
//   logout-message sent|received SESSION   (a Logout(5) on the wire, either way)
//   reject sent|received SESSION ref_seq=N text=...
//   order ID possdup=Y|N           (echo: an order answered)
//   report ID status=C possdup=Y|N (orders: an ExecutionReport received)
//   skip K after ID next_sender_seq=N
//   crash on order|report ID next_sender_seq=N next_target_seq=N
//   orders sent N
//   orders complete N
//   exit SESSION next_sender_seq=N next_target_seq=N
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
#include <functional>
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


std::string seq_numbers(const FIX::SessionID& id) {
  FIX::Session* session = FIX::Session::lookupSession(id);
  return "next_sender_seq=" + std::to_string(session ? session->getExpectedSenderNum() : 0) +
         " next_target_seq=" + std::to_string(session ? session->getExpectedTargetNum() : 0);
}

// The fault drills; an empty ClOrdID leaves a drill off.
struct drills {
  std::string skip_after_order;  // --skip-after-order ID:K
  int skip_count = 0;
  std::string crash_on_order;    // --crash-on-order ID
  std::string crash_on_report;   // --crash-on-report ID
};

// A simulated crash: nothing is flushed or logged out; QuickFIX's FileStore
// has already written (and fflushed) every message and sequence number.
void crash(const char* what, const std::string& cl_ord_id, const FIX::SessionID& id) {
  event(std::string("crash on ") + what + " " + cl_ord_id + " " + seq_numbers(id));
  std::_Exit(3);
}

void skip_outbound(const FIX::SessionID& id, int count, const std::string& after) {
  FIX::Session* session = FIX::Session::lookupSession(id);
  if (session == nullptr) return;
  session->setNextSenderMsgSeqNum(session->getExpectedSenderNum() + count);
  event("skip " + std::to_string(count) + " after " + after +
        " next_sender_seq=" + std::to_string(session->getExpectedSenderNum()));
}

// Prints session events; in echo mode answers orders, in orders mode counts the
// fills whose ClOrdID is one of this run's (own_id) or, up to `await`, one of
// an earlier run's. Callbacks run on QuickFIX's thread; the counters are read
// by main().
class peer_application : public FIX::Application {
 public:
  // own_id(ClOrdID) answers the index of this run's order, or -1.
  peer_application(bool echo, std::function<long long(const std::string&)> own_id, std::uint64_t orders,
                   const drills& d)
      : echo_(echo), own_id_(std::move(own_id)), drills_(d), seen_(orders, false) {}

  std::atomic<int> logged_on{0};
  std::atomic<std::uint64_t> reports{0};          // fills of this run's orders, distinct
  std::atomic<std::uint64_t> foreign_reports{0};  // fills of other runs' orders, distinct
  std::atomic<int> all_sent{0};                   // orders mode: every order handed to QuickFIX

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID& id) override {
    event("logon " + id.toString() + " " + seq_numbers(id));
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
    const std::string poss_dup = field_or(message.getHeader(), FIX::FIELD::PossDupFlag, "N");
    if (echo_ && type == "D") {
      const std::string cl_ord_id = message.getField(FIX::FIELD::ClOrdID);
      if (cl_ord_id == drills_.crash_on_order) crash("order", cl_ord_id, id);
      answer(message, id);
      event("order " + cl_ord_id + " possdup=" + poss_dup);
      if (cl_ord_id == drills_.skip_after_order) skip_outbound(id, drills_.skip_count, cl_ord_id);
    } else if (!echo_ && type == "8") {
      const std::string cl_ord_id = message.getField(FIX::FIELD::ClOrdID);
      const std::string status = field_or(message, FIX::FIELD::OrdStatus, "?");
      if (cl_ord_id == drills_.crash_on_report) {
        // Crash only once every order is numbered and stored, so that the
        // orders of this run are exactly those the test expects answered. The
        // main thread does not wait on this one (QuickFIX queues what the
        // socket does not take), so the wait ends.
        while (all_sent.load() == 0) usleep(1000);
        crash("report", cl_ord_id, id);
      }
      event("report " + cl_ord_id + " status=" + status + " possdup=" + poss_dup);
      if (status == "2") count(cl_ord_id);
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
    } else if (type == "0" || type == "1") {
      event(std::string(type == "0" ? "heartbeat " : "test-request ") + direction + " " + id.toString() +
            " test_req_id=" + field_or(message, FIX::FIELD::TestReqID, ""));
    } else if (type == "5") {
      event(std::string("logout-message ") + direction + " " + id.toString());
    } else if (type == "3") {
      event(std::string("reject ") + direction + " " + id.toString() + " ref_seq=" + field_or(message, FIX::FIELD::RefSeqNum, "?") +
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
    const long long index = own_id_(cl_ord_id);
    std::lock_guard<std::mutex> lock(seen_mutex_);
    if (index >= 0 && static_cast<std::uint64_t>(index) < seen_.size()) {
      if (!seen_[index]) {
        seen_[index] = true;
        reports.fetch_add(1);
      }
    } else if (foreign_seen_.insert(cl_ord_id).second) {
      foreign_reports.fetch_add(1);
    }
  }

  bool echo_;
  std::function<long long(const std::string&)> own_id_;
  drills drills_;
  std::uint64_t exec_id_ = 0;
  std::mutex seen_mutex_;  // guards seen_, foreign_seen_ and logged_on_sessions_
  std::vector<bool> seen_;
  std::set<std::string> foreign_seen_;
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
               "usage: qf-peer [OPTIONS] SETTINGS echo\n"
               "       qf-peer [OPTIONS] SETTINGS orders N\n"
               "A QuickFIX/C++ peer (FileStore journal) for fixring's interop tests and benchmarks;\n"
               "session events are printed one per line on stdout. Options: --max-seconds S (default 60),\n"
               "--first-id F, --await-reports M, --skip-after-order ID:K, --crash-on-order ID,\n"
               "--test-request ID,\n"
               "--crash-on-report ID (see the top of tests/interop/qf_peer.cpp).\n",
               why);
  return 2;
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

int run(int argc, char** argv) {
  double max_seconds = 60;
  std::string first_id_arg;
  std::uint64_t await_reports = 0;
  drills drill;
  std::string test_req_id;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      usage("help");
      return 0;
    }
    const bool takes_value = a == "--max-seconds" || a == "--first-id" || a == "--await-reports" || a == "--test-request" ||
                             a == "--skip-after-order" || a == "--crash-on-order" || a == "--crash-on-report";
    if (!takes_value) {
      args.push_back(a);
      continue;
    }
    if (i + 1 >= argc) return usage((a + " needs a value").c_str());
    const std::string v = argv[++i];
    if (a == "--max-seconds") {
      max_seconds = std::atof(v.c_str());
      if (max_seconds <= 0) return usage("--max-seconds must be positive");
    } else if (a == "--first-id") {
      if (!all_digits(v)) return usage("--first-id needs a number");
      first_id_arg = v;
    } else if (a == "--await-reports") {
      if (!all_digits(v)) return usage("--await-reports needs a number");
      await_reports = std::strtoull(v.c_str(), nullptr, 10);
    } else if (a == "--skip-after-order") {
      const std::size_t colon = v.find(':');
      if (colon == std::string::npos || !all_digits(v.substr(colon + 1)) || colon == 0)
        return usage("--skip-after-order needs ID:K");
      drill.skip_after_order = v.substr(0, colon);
      drill.skip_count = std::atoi(v.c_str() + colon + 1);
      if (drill.skip_count <= 0) return usage("--skip-after-order needs K > 0");
    } else if (a == "--test-request") {
      test_req_id = v;
    } else if (a == "--crash-on-order") {
      drill.crash_on_order = v;
    } else {
      drill.crash_on_report = v;
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
  if (echo && (await_reports != 0 || !first_id_arg.empty() || !drill.crash_on_report.empty()))
    return usage("--first-id, --await-reports and --crash-on-report belong to orders mode");
  if (!echo && !drill.crash_on_order.empty()) return usage("--crash-on-order belongs to echo mode");

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

  // ClOrdIDs: F, F+1, ... with --first-id; otherwise a per-run prefix, so that
  // fills of an earlier run on the same store are never taken for this run's.
  const std::uint64_t first_id = first_id_arg.empty() ? 0 : std::strtoull(first_id_arg.c_str(), nullptr, 10);
  const std::string prefix = std::to_string(getpid()) + "-" + std::to_string(time(nullptr)) + "-";
  const bool numbered = !first_id_arg.empty();
  const auto cl_ord_id_of = [&](std::uint64_t i) {
    return numbered ? std::to_string(first_id + i) : prefix + std::to_string(i);
  };
  const auto own_id = [numbered, first_id, prefix, orders](const std::string& cl_ord_id) -> long long {
    if (numbered) {
      if (!all_digits(cl_ord_id)) return -1;
      const std::uint64_t v = std::strtoull(cl_ord_id.c_str(), nullptr, 10);
      return v >= first_id && v - first_id < orders ? static_cast<long long>(v - first_id) : -1;
    }
    if (cl_ord_id.compare(0, prefix.size(), prefix) != 0) return -1;
    return static_cast<long long>(std::strtoull(cl_ord_id.c_str() + prefix.size(), nullptr, 10));
  };
  peer_application app(echo, own_id, orders, drill);
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
  const auto print_exit = [&]() {
    for (const FIX::SessionID& id : sessions) event("exit " + id.toString() + " " + seq_numbers(id));
  };

  const double deadline = monotonic_s() + max_seconds;
  const FIX::SessionID first = *sessions.begin();
  bool sent = false;
  bool test_request_sent = test_req_id.empty();
  const auto complete = [&]() { return app.reports.load() == orders && app.foreign_reports.load() >= await_reports; };
  while (stop_signal.load() == 0 && monotonic_s() < deadline) {
    if (!test_request_sent && app.logged_on.load() != 0) {
      FIX::Message test_request;
      test_request.getHeader().setField(FIX::MsgType("1"));
      test_request.setField(FIX::TestReqID(test_req_id));
      FIX::Session::sendToTarget(test_request, first);
      test_request_sent = true;
    }
    if (!echo) {
      if (!sent && app.logged_on.load() != 0) {
        // While the counterparty is away QuickFIX still numbers and stores what
        // is sent; it goes out on the next logon's resend.
        for (std::uint64_t i = 0; i < orders; ++i) {
          const std::string cl_ord_id = cl_ord_id_of(i);
          FIX::Message order = make_order(cl_ord_id);
          FIX::Session::sendToTarget(order, first);
          if (cl_ord_id == drill.skip_after_order) skip_outbound(first, drill.skip_count, cl_ord_id);
        }
        sent = true;
        app.all_sent.store(1);
        event("orders sent " + std::to_string(orders));
      }
      if (complete()) break;
    }
    usleep(10000);
  }
  if (!echo && !complete()) {
    std::fprintf(stderr, "qf-peer: %s: %llu of %llu fills came back, %llu of %llu awaited from earlier runs (%s)\n",
                 args[0].c_str(), static_cast<unsigned long long>(app.reports.load()),
                 static_cast<unsigned long long>(orders), static_cast<unsigned long long>(app.foreign_reports.load()),
                 static_cast<unsigned long long>(await_reports),
                 app.logged_on.load() == 0 && !sent ? "never logged on" :
                 stop_signal.load() != 0 ? "stopped by a signal" : "timed out after --max-seconds");
    stop(true);
    print_exit();
    return 1;
  }
  if (!echo) event("orders complete " + std::to_string(orders));
  stop(false);  // Logout, waiting for the peer's Logout
  print_exit();
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
