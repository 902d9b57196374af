// Hostile clients against the server in-process, with short limits so that each runs in seconds;
// tests/e2e/http_abuse_test.cpp runs them all at once against the binary with its real limits.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <iostream>
#include <optional>
#include <string_view>

#include "http/abusive_clients.h"
#include "http/normal_client.h"
#include "http/routes.h"
#include "http/running_server.h"
#include "http/server.h"
#include "metrics/book.h"
#include "metrics/latency_histogram.h"

namespace cryptometrics::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using cryptometrics::testing::AbusiveClients;
using cryptometrics::testing::NormalClient;

class AbuseTest : public ::testing::Test {
 protected:
  void start(Limits limits) { server_.emplace(router_, limits); }
  unsigned short port() const { return server_->port(); }

  // Requests from a normal client, one every `pace` at most, until `done` or `timeout`.
  NormalClient serve_normal_client_until(AbusiveClients& abusers, const std::function<bool()>& done,
                                         std::chrono::milliseconds timeout,
                                         std::chrono::milliseconds pace = 250ms) {
    NormalClient client;
    const auto deadline = Clock::now() + timeout;
    while (!done() && Clock::now() < deadline) {
      client.get(port(), "/healthz");
      abusers.wait_until(done, pace);
    }
    return client;
  }

  metrics::Book book_{5};
  metrics::LatencyHistogram latency_;
  Router router_{{.book = book_, .latency = latency_, .readiness = [] { return Readiness{}; }}};
  std::optional<RunningServer> server_;
};

TEST_F(AbuseTest, ThousandIdleConnectionsDoNotLockOutAClient) {
  start({.max_connections = 512, .request_timeout = 2s});
  AbusiveClients abusers{port()};
  abusers.open_idle(1000);

  NormalClient client;
  for (int i = 0; i < 20; ++i) client.get(port(), "/healthz");

  EXPECT_EQ(client.answered, 20u);
  EXPECT_LT(client.slowest, 1s);
  // Closed to make room, or after request_timeout without a request.
  EXPECT_TRUE(abusers.wait_until([&] { return abusers.idle_open() == 0; }, 10s))
      << abusers.idle_open() << " idle connections still open";
  std::cout << "[ figures  ] 1000 idle: 20 requests answered 200, slowest "
            << client.slowest.count() << " ms\n";
}

TEST_F(AbuseTest, SlowlorisAtOneBytePerSecondIsDroppedWhileOthersAreServed) {
  start({.request_timeout = 3s});
  AbusiveClients abusers{port()};
  abusers.start_slowloris(1s);

  const auto dropped = [&] { return abusers.slowloris_closed_after().has_value(); };
  const NormalClient client = serve_normal_client_until(abusers, dropped, 15s);

  ASSERT_TRUE(dropped()) << "still open after sending " << abusers.slowloris_bytes_sent()
                         << " bytes";
  // The whole first request is due within request_timeout of connecting, however it trickles.
  EXPECT_GE(*abusers.slowloris_closed_after(), 2900ms);
  EXPECT_LT(*abusers.slowloris_closed_after(), 4500ms);
  EXPECT_GE(client.answered, 5u);
  EXPECT_EQ(client.failed, 0u);
  EXPECT_LT(client.slowest, 1s);
  std::cout << "[ figures  ] slowloris: closed after " << abusers.slowloris_closed_after()->count()
            << " ms, " << abusers.slowloris_bytes_sent() << " bytes sent; " << client.answered
            << " normal requests answered, slowest " << client.slowest.count() << " ms\n";
}

TEST_F(AbuseTest, PipeliningFloodIsClosedOnceItsAnswersStall) {
  start({.request_timeout = 1s});
  AbusiveClients abusers{port()};
  abusers.start_pipelining_flood("/metrics");

  const auto closed = [&] { return abusers.flood_closed_after().has_value(); };
  const NormalClient client = serve_normal_client_until(abusers, closed, 20s);

  ASSERT_TRUE(closed()) << "still open after sending " << abusers.flood_bytes_sent() << " bytes";
  EXPECT_LT(*abusers.flood_closed_after(), 10s);
  EXPECT_GE(client.answered, 1u);
  EXPECT_EQ(client.failed, 0u);
  EXPECT_LT(client.slowest, 1s);
  std::cout << "[ figures  ] pipelining flood: closed after "
            << abusers.flood_closed_after()->count() << " ms, " << abusers.flood_bytes_sent() / 1024
            << " KiB of requests sent; " << client.answered << " normal requests answered, slowest "
            << client.slowest.count() << " ms\n";
}

}  // namespace
}  // namespace cryptometrics::http
