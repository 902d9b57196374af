#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.h"

namespace cryptometrics::testing {

// A self-signed certificate for `names` (an X.509 subjectAltName), made with the openssl command
// in `directory` under `name`: being its own CA, it is what TLS_CA_FILE trusts.
struct TestCertificate {
  std::filesystem::path certificate;  // PEM
  std::filesystem::path key;          // PEM
};
TestCertificate make_certificate(const TempDir& directory, const std::string& name,
                                 const std::string& names = "DNS:localhost,IP:127.0.0.1");

// What the server does with one connection, from the websocket handshake on.
struct ConnectionPlan {
  enum class End {
    stay_open,       // heartbeats go on (if on) until the client leaves or the server stops
    close_cleanly,   // a websocket close (code 1000), then TLS and TCP closed in order
    close_abruptly,  // the TCP socket closed under the TLS session: no close of either
    go_silent,       // nothing more sent, the connection left open
  };

  // Take the subscribe as if it never came: the server drops a client that has not subscribed
  // within ReplayServer::Options::subscribe_deadline, as Coinbase does after 5 s.
  bool ignore_subscribe = false;
  // Answer the subscribe with a `subscriptions` message.
  bool acknowledge = true;
  // Sent in order once subscribed, `between` apart.
  std::vector<std::string> messages;
  std::chrono::milliseconds between{0};
  // A heartbeat of every subscribed product each heartbeat_interval, after the messages.
  bool heartbeats = true;
  // When, after the messages, the connection ends as `end` says.
  std::chrono::milliseconds end_after{0};
  End end = End::stay_open;
};

// A TLS websocket server on 127.0.0.1 standing in for the Coinbase Exchange feed, on a thread of
// its own: connection N follows plans[N] (the last plan for any beyond).
class ReplayServer {
 public:
  struct Options {
    TestCertificate certificate;
    std::vector<ConnectionPlan> plans;
    std::chrono::milliseconds subscribe_deadline{5'000};
    std::chrono::milliseconds heartbeat_interval{100};
  };

  explicit ReplayServer(Options options);
  ~ReplayServer();

  ReplayServer(const ReplayServer&) = delete;
  ReplayServer& operator=(const ReplayServer&) = delete;

  unsigned short port() const { return port_; }
  // "wss://127.0.0.1:PORT/", for COINBASE_WS_URL.
  std::string url() const;

  struct Record {
    int tcp_connections = 0;
    std::vector<std::chrono::steady_clock::time_point> connected_at;  // of each TCP connection
    int tls_failures = 0;           // handshakes that failed (an untrusting client hangs up)
    int websocket_connections = 0;  // past the websocket handshake
    std::vector<std::string> subscribes;
    // From each websocket handshake to its subscribe.
    std::vector<std::chrono::milliseconds> subscribe_delays;
    int plans_finished = 0;  // connections that reached their end
  };
  Record record() const;
  // Waits until `accept` likes the record; false on timeout.
  bool wait_for(const std::function<bool(const Record&)>& accept,
                std::chrono::milliseconds timeout) const;

 private:
  struct Loop;
  void update(const std::function<void(Record&)>& change);

  std::unique_ptr<Loop> loop_;
  unsigned short port_ = 0;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  Record record_;
  std::thread thread_;
};

}  // namespace cryptometrics::testing
