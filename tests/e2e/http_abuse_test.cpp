// The built binary, with its real HTTP limits, under every abuse at once: 1,000 silent
// connections, a client sending one byte a second, a pipelining flood that never reads its
// answers. A normal client must be answered throughout and the resident size stay bounded. And
// no single request ends the process.
#include <gtest/gtest.h>
#include <sys/types.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "http/abusive_clients.h"
#include "http/normal_client.h"
#include "support/process.h"
#include "support/service.h"
#include "support/temp_dir.h"

namespace cryptometrics {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The bound of DESIGN.md for the whole process, and one for what the abuse adds to it; measured
// here: about 16 MiB before, 20 MiB at the peak (the figures the test prints).
constexpr std::uint64_t kResidentBoundKib = 64 * 1024;
constexpr std::uint64_t kResidentGrowthBoundKib = 16 * 1024;
// The binary's request timeout (http::Limits), which the slow client and the stalled flood
// must be held to, and a margin for a loaded machine.
constexpr auto kRequestTimeout = 10s;
constexpr auto kMargin = 3s;
constexpr auto kNormalClientPace = 100ms;

// Service::wait_for() asks the port Service chose, not the one given in HTTP_PORT, which the
// abusive clients need to know.
bool serves_quotes(unsigned short port, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    testing::NormalClient probe;
    probe.get(port, "/metrics/BTC-USD");
    if (probe.answered == 1) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

TEST(HttpAbuse, NormalClientIsServedAndMemoryStaysBoundedUnderEveryAbuseAtOnce) {
  testing::TempDir directory;
  const unsigned short port = testing::free_port();
  testing::Service service{directory, {{"HTTP_PORT", std::to_string(port)}}};
  ASSERT_TRUE(serves_quotes(port, 30s)) << service.process().stderr_text();
  const std::uint64_t resident_before = service.process().resident_kib();

  testing::AbusiveClients abusers{port};
  abusers.open_idle(1000);
  abusers.start_slowloris(1s);
  abusers.start_pipelining_flood("/metrics");
  const auto abuse_started = Clock::now();

  // Until every abusive connection is closed, and for at least a request timeout.
  const auto all_closed = [&] {
    return abusers.idle_open() == 0 && abusers.slowloris_closed_after() &&
           abusers.flood_closed_after();
  };
  testing::NormalClient client;
  std::uint64_t resident_peak = resident_before;
  while (Clock::now() - abuse_started < 45s &&
         !(all_closed() && Clock::now() - abuse_started > kRequestTimeout)) {
    client.get(port, "/metrics/BTC-USD");
    resident_peak = std::max(resident_peak, service.process().resident_kib());
    // The normal client's pace: it is the thing being measured, not a wait for an event.
    std::this_thread::sleep_for(kNormalClientPace);
  }
  const auto abuse_lasted = Clock::now() - abuse_started;

  std::cout << "[ figures  ] VmRSS before " << resident_before << " KiB, peak " << resident_peak
            << " KiB; normal client: " << client.answered << " answered, " << client.failed
            << " failed, slowest " << client.slowest.count() << " ms; idle still open "
            << abusers.idle_open() << "; slowloris closed after "
            << abusers.slowloris_closed_after().value_or(-1ms).count() << " ms ("
            << abusers.slowloris_bytes_sent() << " bytes); flood closed after "
            << abusers.flood_closed_after().value_or(-1ms).count() << " ms ("
            << abusers.flood_bytes_sent() / 1024 << " KiB sent); abuse lasted "
            << std::chrono::duration_cast<std::chrono::seconds>(abuse_lasted).count() << " s\n";
  EXPECT_EQ(client.failed, 0u);
  EXPECT_GE(client.answered, 50u);
  EXPECT_LT(client.slowest, 1s);
  EXPECT_EQ(abusers.idle_open(), 0u);
  ASSERT_TRUE(abusers.slowloris_closed_after());
  EXPECT_LT(*abusers.slowloris_closed_after(), kRequestTimeout + kMargin);
  ASSERT_TRUE(abusers.flood_closed_after());
  EXPECT_LT(*abusers.flood_closed_after(), 2 * kRequestTimeout + kMargin);
  EXPECT_LT(resident_peak, kResidentBoundKib);
  EXPECT_LT(resident_peak - resident_before, kResidentGrowthBoundKib);
  EXPECT_EQ(service.stop(), 0);
}

// `curl 'localhost:8080/metrics/BTC-USD/history?since=%FF'` once ended the process: the error
// text echoed the byte and nothing caught what JSON threw about it.
TEST(HttpAbuse, AQueryThatIsNotUtf8IsAnswered400AndTheServiceGoesOn) {
  testing::TempDir directory;
  testing::Service service{directory, {}};

  testing::HttpResponse response;
  ASSERT_NO_THROW(response = service.get("/metrics/BTC-USD/history?since=%FF"))
      << service.process().stderr_text();

  EXPECT_EQ(response.status, 400u);
  EXPECT_EQ(nlohmann::json::parse(response.body).at("error"),
            "since must be an RFC 3339 time (2026-11-24T10:54:05Z): '?'");
  EXPECT_EQ(service.get("/healthz").status, 200u) << service.process().stderr_text();
  EXPECT_EQ(service.stop(), 0);
}

}  // namespace
}  // namespace cryptometrics
