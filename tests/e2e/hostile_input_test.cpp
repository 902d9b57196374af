// The real binary reading a topic where hostile messages sit between good quotes: every good
// quote is stored, every bad message is kept with its reason, the log stays short, and the
// process stays up.
#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kafka/producer.h"
#include "support/hostile_messages.h"
#include "support/process.h"
#include "support/service.h"
#include "support/temp_dir.h"

namespace cryptometrics {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::KafkaDev;
using testing::Service;

constexpr std::string_view kTopic = "crypto_prices";
// librdkafka's and Kafka's default largest message is 1,000,000 bytes; this is as close to
// 1 MiB as a default broker lets a producer come.
constexpr std::size_t kLargeMessage = 999'000;

std::string good_quote(int index) {
  static const std::vector<std::string> pairs = {"BTC-USD", "ETH-USD", "LTC-USD"};
  const int whole = 100 + index % 50;
  return json{{"pair", pairs[static_cast<std::size_t>(index) % pairs.size()]},
              {"bid", std::to_string(whole) + ".25"},
              {"ask", std::to_string(whole) + ".75"},
              {"timestamp", "2026-11-25T12:00:00Z"}}
      .dump();
}

// The embedded broker keeps about 5 MiB per partition, so the large messages get one of their
// own and the rest are spread: good quotes on one partition, hostile ones on another.
enum Partition : std::int32_t { kGood = 0, kHostile = 1, kLarge = 2 };

void produce_all(kafka::Producer& producer, const std::vector<std::string>& messages,
                 Partition partition) {
  for (const auto& message : messages) {
    while (!producer.produce(kTopic, partition, "", message)) producer.poll();
  }
}

std::int64_t count_rows(const std::filesystem::path& database, const std::string& query) {
  SQLite::Database db{database.string()};
  return db.execAndGet(query).getInt64();
}

TEST(HostileInput, GoodQuotesAreStoredBadOnesRejectedWithReasonsAndTheLogStaysShort) {
  testing::TempDir directory;
  KafkaDev broker{directory};
  Service service{directory, {{"KAFKA_BOOTSTRAP_SERVERS", broker.bootstrap_servers()}}};

  const auto hostile = testing::hostile_messages();
  constexpr int kRounds = 10;
  constexpr int kGoodPerRound = 30;
  kafka::Producer producer{broker.bootstrap_servers()};
  int good = 0;
  // 18 fractional digits, the finest a price may have, are kept exactly (the design).
  produce_all(producer,
              {testing::with_fields(R"("pair":"XRP-USD","bid":0.)" + std::string(18, '1') +
                           R"(,"ask":"0.5","timestamp":"2026-11-25T12:00:00Z")")},
              kGood);
  ++good;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<std::string> quotes;
    for (int i = 0; i < kGoodPerRound; ++i) quotes.push_back(good_quote(good++));
    produce_all(producer, quotes, kGood);
    produce_all(producer, hostile, kHostile);
    if (round < 2) produce_all(producer, testing::large_messages(kLargeMessage), kLarge);
  }
  ASSERT_EQ(producer.flush(30s), 0);
  ASSERT_EQ(producer.failed(), 0u);
  const auto bad = static_cast<std::int64_t>(hostile.size()) * kRounds + 4;

  service.wait_for(
      "/readyz",
      [&](const json&) {
        return count_rows(directory / "metrics.db", "SELECT COUNT(*) FROM rejected_quotes") +
                   count_rows(directory / "metrics.db", "SELECT COUNT(*) FROM crypto_metrics") >=
               bad + good;
      },
      90s, true);

  // The process is up and serves only the good pairs.
  EXPECT_EQ(service.get("/healthz").status, 200u);
  const json all = json::parse(service.get("/metrics").body);
  std::set<std::string> pairs;
  std::int64_t counted = 0;
  for (const auto& entry : all["pairs"]) {
    pairs.insert(entry["pair"].get<std::string>());
    counted += entry["count"].get<std::int64_t>();
  }
  EXPECT_EQ(pairs, (std::set<std::string>{"BTC-USD", "ETH-USD", "LTC-USD", "XRP-USD"}))
      << all.dump();
  EXPECT_EQ(json::parse(service.get("/metrics/XRP-USD").body)["bid"], "0.111111111111111111");
  EXPECT_EQ(counted, good);
  EXPECT_EQ(service.stop(), 0);

  const auto database = directory / "metrics.db";
  EXPECT_EQ(count_rows(database, "SELECT COUNT(*) FROM crypto_metrics"), good);
  EXPECT_EQ(count_rows(database, "SELECT COUNT(*) FROM rejected_quotes"), bad);
  EXPECT_EQ(count_rows(database, "SELECT COUNT(*) FROM rejected_quotes WHERE reason = ''"), 0);
  // Each rejection kept its message, a large one its first 64 KiB with its whole length and hash.
  EXPECT_EQ(count_rows(database,
                       "SELECT COUNT(*) FROM rejected_quotes WHERE payload_length > 900000"
                       " AND length(payload) = 65536 AND length(payload_sha256) = 64"),
            4);
  EXPECT_EQ(count_rows(database, "SELECT COUNT(*) FROM rejected_quotes"
                                 " WHERE payload_length = length(payload)"),
            bad - 4);
  // Distinct messages give distinct reasons an operator can act on, not one catch-all.
  EXPECT_GE(count_rows(database, "SELECT COUNT(DISTINCT reason) FROM rejected_quotes"), 20);

  // A few lines, not one per bad message.
  const std::string log = service.process().stdout_text() + service.process().stderr_text();
  const auto lines = std::count(log.begin(), log.end(), '\n');
  EXPECT_LT(lines, 60) << log;
  std::cout << "figures: " << good << " good quotes stored, " << bad << " bad messages rejected, "
            << lines << " log lines\n";
}

}  // namespace
}  // namespace cryptometrics
