// GET /stream and /stream/{pair} from the built binary: ordered events that end with what was
// stored, clients that never read, and shutdown with streams open.
#include <gtest/gtest.h>

#include <csignal>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/event_stream_client.h"
#include "support/service.h"
#include "support/temp_dir.h"

namespace cryptometrics {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::EventStreamClient;
using testing::Service;
using testing::ServerSentEvent;
using Clock = std::chrono::steady_clock;

// What every event of a stream must keep to: ids that only go up, each pair's count too.
class OrderedEvents {
 public:
  void add(const ServerSentEvent& event) {
    ASSERT_EQ(event.type, "metrics");
    const std::uint64_t id = std::stoull(event.id);
    EXPECT_GT(id, last_id_) << event.data;
    last_id_ = id;
    const json metrics = json::parse(event.data);
    const std::string pair = metrics.at("pair");
    const std::int64_t count = metrics.at("count");
    if (latest_.contains(pair)) {
      EXPECT_GT(count, latest_[pair].at("count").get<std::int64_t>()) << pair;
    }
    latest_[pair] = metrics;
    ++events_;
  }

  // Reads `client` until `done` holds of what was seen.
  template <typename Done>
  void read(EventStreamClient& client, Done done) {
    while (!done()) {
      const auto event = client.next();
      ASSERT_TRUE(event) << "the stream ended early";
      add(*event);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }

  const std::map<std::string, json>& latest() const { return latest_; }
  std::size_t events() const { return events_; }

 private:
  std::uint64_t last_id_ = 0;
  std::map<std::string, json> latest_;  // pair → its last event's metrics
  std::size_t events_ = 0;
};

// The pair's newest stored row once it is the `count`th, spelt as /metrics/{pair} spells
// metrics: rows become durable shortly after the metrics are visible.
json newest_stored(Service& service, const std::string& pair, std::int64_t count) {
  json rows = service.wait_for("/metrics/" + pair + "/history?limit=1", [&](const json& body) {
    return body.at("rows").size() == 1 && body.at("rows").at(0).at("count") == count;
  }).at("rows");
  json row = rows.at(0);
  for (const char* source : {"kafka_topic", "kafka_partition", "kafka_offset"}) row.erase(source);
  return row;
}

TEST(Stream, EventsAreOrderedAndEndWithTheStoredMetricsThenSigtermEndsThem) {
  testing::TempDir directory;
  testing::KafkaDev broker{directory};
  Service service{directory, {{"KAFKA_BOOTSTRAP_SERVERS", broker.bootstrap_servers()}}};
  EventStreamClient all{service.port(), "/stream"};
  EventStreamClient btc{service.port(), "/stream/btc-usd"};
  EXPECT_EQ(all.response().status, 200u);
  EXPECT_EQ(all.response().headers.at("content-type"), "text/event-stream");

  testing::Simulator simulator{directory, broker.bootstrap_servers(), 2000};
  // The group joins and the first quotes arrive a few seconds after the start.
  service.wait_for("/metrics", [](const json& body) { return body.at("pairs").size() == 3; });
  OrderedEvents all_events;
  OrderedEvents btc_events;
  const auto until = Clock::now() + 3s;
  all_events.read(all, [&] { return Clock::now() > until; });
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  const std::int64_t delivered = simulator.stop();
  service.wait_for_total(delivered, 30s);

  const json listed = json::parse(service.get("/metrics").body).at("pairs");
  ASSERT_EQ(listed.size(), 3u) << listed.dump();
  std::map<std::string, json> metrics;
  for (const json& pair : listed) metrics[pair.at("pair")] = pair;
  all_events.read(all, [&] { return all_events.latest() == metrics; });
  btc_events.read(btc, [&] {
    return btc_events.latest().contains("BTC-USD") &&
           btc_events.latest().at("BTC-USD") == metrics.at("BTC-USD");
  });
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  EXPECT_EQ(btc_events.latest().size(), 1u);
  for (auto [pair, shown] : metrics) {
    shown.erase("source");  // the stored row tells its source in columns of its own
    EXPECT_EQ(shown, newest_stored(service, pair, shown.at("count"))) << pair;
  }
  std::cout << "[ figures  ] " << delivered << " quotes delivered, " << all_events.events()
            << " events on /stream, " << btc_events.events() << " on /stream/BTC-USD\n";

  const auto stopping = Clock::now();
  service.process().send_signal(SIGTERM);
  EXPECT_FALSE(all.next());
  EXPECT_TRUE(all.ended_cleanly());
  EXPECT_FALSE(btc.next());
  EXPECT_TRUE(btc.ended_cleanly());
  EXPECT_EQ(service.process().wait(5s), 0);
  EXPECT_LT(Clock::now() - stopping, 5s);
}

// Clients that open /stream and never read, while 20 pairs move at 20,000 quotes/s: the
// service's memory stays within a bound, a reading client keeps getting events, ingestion
// goes on, and the stalled clients are dropped once a write waited the request timeout (10 s).
TEST(Stream, ClientsThatNeverReadDoNotRaiseMemoryAndAreDropped) {
  constexpr int kStalledClients = 100;
  constexpr std::uint64_t kGrowthBoundKib = 16 * 1024;
  std::string pairs;
  for (int i = 0; i < 20; ++i) pairs += (i ? ",P" : "P") + std::to_string(10 + i) + "-USD";
  testing::TempDir directory;
  Service service{directory, {{"SIMULATOR_RATE", "20000"}, {"PAIRS", pairs}}};
  const auto total = [&] {
    std::int64_t sum = 0;
    const json listed = json::parse(service.get("/metrics").body);
    for (const json& pair : listed.at("pairs")) {
      sum += pair.at("count").get<std::int64_t>();
    }
    return sum;
  };
  service.wait_for("/metrics", [](const json& body) { return body.at("pairs").size() == 20; });
  // Warmed up: the baseline is the highest of a few seconds at full rate.
  std::uint64_t resident_before = 0;
  for (const auto until = Clock::now() + 3s; Clock::now() < until;) {
    resident_before = std::max(resident_before, service.process().resident_kib());
    std::this_thread::sleep_for(100ms);
  }

  std::vector<std::unique_ptr<EventStreamClient>> stalled;
  for (int i = 0; i < kStalledClients; ++i) {
    stalled.push_back(std::make_unique<EventStreamClient>(service.port(), "/stream", 4096));
  }
  EventStreamClient reading{service.port(), "/stream"};
  const std::int64_t total_before = total();
  const auto started = Clock::now();
  std::uint64_t resident_peak = resident_before;
  std::size_t read_events = 0;
  while (Clock::now() - started < 15s) {
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(reading.next());
      ++read_events;
    }
    resident_peak = std::max(resident_peak, service.process().resident_kib());
  }
  const double rate =
      static_cast<double>(total() - total_before) /
      std::chrono::duration<double>(Clock::now() - started).count();

  std::cout << "[ figures  ] VmRSS before " << resident_before << " KiB, peak "
            << resident_peak << " KiB with " << kStalledClients << " stalled streams; "
            << read_events << " events read by the reading client; " << rate
            << " quotes/s ingested meanwhile\n";
  EXPECT_LT(resident_peak - resident_before, kGrowthBoundKib);
  EXPECT_GT(rate, 10'000) << "the stalled streams held ingestion back";
  // Each stalled client is dropped: what it reads now ends with the server's close.
  for (const auto& client : stalled) {
    std::optional<ServerSentEvent> event;
    do {
      event = client->next(5s);
    } while (event);
  }
  EXPECT_EQ(service.stop(), 0);
}

}  // namespace
}  // namespace cryptometrics
