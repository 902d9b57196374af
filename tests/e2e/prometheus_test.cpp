// The real binary's /prometheus answer, parsed and checked against what it stored in SQLite.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "kafka/producer.h"
#include "support/service.h"
#include "support/temp_dir.h"

namespace cryptometrics {
namespace {

using namespace std::chrono_literals;
using testing::KafkaDev;
using testing::Service;

constexpr std::string_view kTopic = "crypto_prices";

// Each sample of the exposition by its series as written (`name{label="value",...}`); comments
// skipped. prometheus-cpp writes no timestamps, so the value is what follows the last space.
std::map<std::string, double> parse_samples(const std::string& text) {
  std::map<std::string, double> samples;
  std::istringstream lines{text};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line.starts_with('#')) continue;
    const auto space = line.rfind(' ');
    EXPECT_NE(space, std::string::npos) << line;
    samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return samples;
}

std::map<std::string, double> scrape(Service& service) {
  const auto response = service.get("/prometheus");
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.headers.at("content-type"), "text/plain; version=0.0.4");
  return parse_samples(response.body);
}

double value_of(const std::map<std::string, double>& samples, const std::string& series) {
  const auto found = samples.find(series);
  EXPECT_NE(found, samples.end()) << series;
  return found == samples.end() ? -1 : found->second;
}

std::int64_t count_rows(const std::filesystem::path& database, const std::string& query) {
  SQLite::Database db{database.string()};
  return db.execAndGet(query).getInt64();
}

TEST(Prometheus, FiguresMatchTheRowsStoredInSqlite) {
  testing::TempDir directory;
  KafkaDev broker{directory};
  Service service{directory, {{"KAFKA_BOOTSTRAP_SERVERS", broker.bootstrap_servers()}}};
  testing::Simulator simulator{directory, broker.bootstrap_servers(), 300};

  // A few bad messages of known kinds, besides the simulator's good quotes.
  const std::map<std::string, std::vector<std::string>> bad_by_reason = {
      {"malformed", {"not json", R"({"pair":"BTC-USD","pair":"ETH-USD","bid":1,"ask":2})"}},
      {"ask_below_bid", {R"({"pair":"BTC-USD","bid":"2.5","ask":"1.5"})"}},
      {"bad_price",
       {R"({"pair":"BTC-USD","bid":"-1","ask":"2"})", R"({"pair":"BTC-USD",)"
                                                      R"("bid":"x","ask":"2"})"}},
      {"missing_field", {R"({"pair":"BTC-USD","bid":"1"})"}},
      {"bad_pair", {R"({"pair":"B","bid":"1","ask":"2"})"}},
  };
  kafka::Producer producer{broker.bootstrap_servers()};
  std::int64_t bad = 0;
  for (const auto& [reason, messages] : bad_by_reason) {
    for (const auto& message : messages) {
      while (!producer.produce(kTopic, "", message)) producer.poll();
      ++bad;
    }
  }
  ASSERT_EQ(producer.flush(30s), 0);

  service.wait_for("/metrics", [](const nlohmann::json& body) {
    std::int64_t total = 0;
    for (const auto& pair : body["pairs"]) total += pair["count"].get<std::int64_t>();
    return total >= 100;
  });
  const std::int64_t delivered = simulator.stop();
  ASSERT_GT(delivered, 0);
  service.wait_for_total(delivered, 30s);

  // Rows become durable a little after the metrics are visible: scrape until all are stored.
  std::map<std::string, double> samples;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  do {
    samples = scrape(service);
    if (value_of(samples, R"(crypto_metrics_rows_stored_total{store="sqlite"})") ==
        static_cast<double>(delivered + bad)) {
      break;
    }
    std::this_thread::sleep_for(50ms);
  } while (std::chrono::steady_clock::now() < deadline);

  const auto database = directory / "metrics.db";
  const auto stored_quotes = count_rows(database, "SELECT COUNT(*) FROM crypto_metrics");
  const auto stored_rejections = count_rows(database, "SELECT COUNT(*) FROM rejected_quotes");
  EXPECT_EQ(stored_quotes, delivered);
  EXPECT_EQ(stored_rejections, bad);

  EXPECT_EQ(value_of(samples, "crypto_metrics_quotes_accepted_total"), stored_quotes);
  EXPECT_EQ(value_of(samples, "crypto_metrics_quotes_consumed_total"),
            stored_quotes + stored_rejections);
  EXPECT_EQ(value_of(samples, R"(crypto_metrics_rows_stored_total{store="sqlite"})"),
            stored_quotes + stored_rejections);
  double rejected = 0;
  for (const auto& [series, value] : samples) {
    if (series.starts_with("crypto_metrics_quotes_rejected_total{")) rejected += value;
  }
  EXPECT_EQ(rejected, stored_rejections);
  for (const auto& [reason, messages] : bad_by_reason) {
    EXPECT_EQ(
        value_of(samples, R"(crypto_metrics_quotes_rejected_total{reason=")" + reason + R"("})"),
        static_cast<double>(messages.size()))
        << reason;
  }
  // Every simulated quote carries its producer's timestamp, so each has its latency recorded.
  EXPECT_EQ(value_of(samples, "crypto_metrics_quote_visible_latency_seconds_count"), stored_quotes);
  EXPECT_EQ(value_of(samples, R"(crypto_metrics_quote_visible_latency_seconds_bucket{le="+Inf"})"),
            stored_quotes);
  EXPECT_GT(value_of(samples, "crypto_metrics_quote_visible_latency_seconds_sum"), 0);
  // SQLite alone has no spool, so no series of one.
  for (const auto& [series, value] : samples) {
    EXPECT_FALSE(series.starts_with("crypto_metrics_spool_")) << series;
    EXPECT_EQ(series.find(R"(store="spool")"), std::string::npos) << series;
  }

  // Everything was read: each partition read from is at its end.
  int partitions = 0;
  for (const auto& [series, value] : samples) {
    if (!series.starts_with("crypto_metrics_consumer_lag{")) continue;
    ++partitions;
    EXPECT_EQ(value, 0) << series;
  }
  EXPECT_GE(partitions, 1);

  // The scrapes before the last one were counted, as were the /metrics polls.
  EXPECT_GE(
      value_of(samples, R"(crypto_metrics_http_requests_total{route="metrics",status="200"})"), 1);
  EXPECT_EQ(service.get("/metrics/NOPE-USD").status, 404u);
  const auto after = scrape(service);
  EXPECT_EQ(
      value_of(after, R"(crypto_metrics_http_requests_total{route="metrics_pair",status="404"})"),
      1);
  EXPECT_GE(
      value_of(after, R"(crypto_metrics_http_requests_total{route="prometheus",status="200"})"), 1);
  EXPECT_EQ(service.stop(), 0);
}

}  // namespace
}  // namespace cryptometrics
