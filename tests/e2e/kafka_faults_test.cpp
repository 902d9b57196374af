// The built binary, storing in SQLite, consuming from an embedded broker in this process whose
// faults the test injects while a producer in this process writes quotes of three pairs: the
// broker down for 10 s, errors answering OffsetCommit and Fetch requests, 500 ms round trips.
// The service must recover by itself, say on /readyz what is wrong while it is wrong, and store
// every quote exactly once with the metrics an independent recomputation from the rows gives.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "kafka/embedded_broker.h"
#include "kafka/producer.h"
#include "kafka/quote_payloads.h"
#include "support/expected_metrics.h"
#include "support/service.h"
#include "support/temp_dir.h"

namespace cryptometrics {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ExpectedPair;
using testing::ExpectedRow;
using testing::Service;
using Clock = std::chrono::steady_clock;

const std::string kTopic = "crypto_prices";
const std::vector<std::string> kPairs = {"BTC-USD", "ETH-USD", "LTC-USD"};
constexpr int kPartitions = 3;
constexpr std::size_t kWindow = 7;
// Quotes produced per step of a scenario: before, during and after a fault.
constexpr std::int64_t kStep = 1000;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// What /readyz answered while a test watched it: each distinct answer once, in order, with when
// it was first seen.
struct ReadinessLog {
  struct Entry {
    double seconds = 0;  // since the watch began
    unsigned status = 0;
    json kafka;
  };
  std::vector<Entry> entries;

  bool saw_not_ready() const {
    for (const auto& entry : entries) {
      if (entry.status == 503 && !entry.kafka.value("ready", true)) return true;
    }
    return false;
  }

  // Whether it said ready again after having said not ready.
  bool flapped() const {
    bool not_ready = false;
    for (const auto& entry : entries) {
      if (entry.status != 200) not_ready = true;
      if (entry.status == 200 && not_ready) return true;
    }
    return false;
  }

  std::string describe() const {
    std::string text;
    for (const auto& entry : entries) {
      text += "  +" + std::to_string(entry.seconds).substr(0, 5) +
              " s: " + std::to_string(entry.status) + " kafka " + entry.kafka.dump() + "\n";
    }
    return text;
  }
};

class KafkaFaults : public ::testing::Test {
 protected:
  std::map<std::string, std::string> environment() const {
    return {{"KAFKA_BOOTSTRAP_SERVERS", broker_.bootstrap_servers()},
            {"SMA_WINDOW", std::to_string(kWindow)}};
  }

  // Queues the next `count` quotes, keyed by pair as the simulator does; the producer delivers
  // them whenever the broker lets it.
  void produce(std::int64_t count) {
    for (std::int64_t i = 0; i < count; ++i, ++produced_) {
      const auto index = static_cast<std::size_t>(produced_);
      while (!producer_->produce(kTopic, kPairs[index % kPairs.size()], payloads_[index])) {
        producer_->poll();
      }
    }
    producer_->poll();
  }

  // Waits until the broker acknowledged every quote produced.
  void expect_delivered() {
    EXPECT_EQ(producer_->flush(60s), 0) << "quotes not delivered to the broker";
    EXPECT_EQ(delivered_earlier_ + producer_->delivered(), static_cast<std::uint64_t>(produced_));
    EXPECT_EQ(producer_->failed(), 0u);
  }

  // Goes on with a new producer, once the current one delivered everything.
  void replace_producer() {
    expect_delivered();
    delivered_earlier_ += producer_->delivered();
    producer_.reset();
    producer_.emplace(broker_.bootstrap_servers());
  }

  // Polls /readyz every 100 ms until `done` holds or `timeout` passes, keeping every distinct
  // answer; `done` sees each answer's status and body.
  static ReadinessLog watch_readiness(Service& service, Clock::duration timeout,
                                      const std::function<bool(unsigned, const json&)>& done) {
    ReadinessLog log;
    const auto start = Clock::now();
    while (Clock::now() - start < timeout) {
      const auto response = service.get("/readyz");
      const json body = json::parse(response.body, nullptr, false);
      const json kafka = body.is_object() ? body.value("kafka", json{}) : json{response.body};
      if (log.entries.empty() || log.entries.back().status != response.status ||
          log.entries.back().kafka != kafka) {
        log.entries.push_back({seconds_since(start), response.status, kafka});
      }
      if (done(response.status, body)) break;
      std::this_thread::sleep_for(100ms);
    }
    return log;
  }

  // The broker down for 4 s and back, with nothing produced meanwhile or after: /readyz must say
  // so, then be ready again; every quote stored once.
  void short_outage_on_a_quiet_topic(const std::map<std::string, std::string>& settings) {
    Service service{directory_, settings};
    produce(kStep);
    service.wait_for_total(produced_, 60s);

    broker_.set_down();
    ReadinessLog log = watch_readiness(service, 4s, [](unsigned, const json&) { return false; });
    broker_.set_up();
    const double ready_after = wait_until_ready(service, log);
    EXPECT_TRUE(log.saw_not_ready()) << "/readyz never said Kafka was down:\n" << log.describe();
    report("readyz", "\n" + log.describe());
    report("ready_seconds_after_up", std::to_string(ready_after));

    EXPECT_EQ(service.stop(), 0);
    report("produced", std::to_string(produced_));
    report("stored", std::to_string(stored_rows()));
    expect_rows_exact();
  }

  // Waits for the service to be ready again; returns the seconds that took.
  static double wait_until_ready(Service& service, ReadinessLog& log) {
    const auto start = Clock::now();
    auto more =
        watch_readiness(service, 60s, [](unsigned status, const json&) { return status == 200; });
    const double seconds = seconds_since(start);
    for (auto& entry : more.entries) log.entries.push_back(std::move(entry));
    EXPECT_EQ(log.entries.back().status, 200u) << "/readyz did not return to ready within 60 s:\n"
                                               << log.describe();
    return seconds;
  }

  // The rows of crypto_metrics are the quotes produced, each once at its own offset, in order
  // per partition, with the metrics that ExpectedPair recomputes from them.
  void expect_rows_exact() const {
    SQLite::Database database{(directory_ / "metrics.db").string(), SQLite::OPEN_READONLY};
    SQLite::Statement query{
        database,
        "SELECT kafka_partition, kafka_offset, pair, bid, ask, mid_price, spread, highest_bid, "
        "lowest_ask, max_spread, moving_avg, quote_count FROM crypto_metrics "
        "WHERE kafka_topic = ? ORDER BY kafka_partition, kafka_offset"};
    query.bind(1, kTopic);

    // Quote k of a pair, in the order produced; the producer is idempotent, so each partition
    // holds its pairs' quotes once and in that order.
    std::map<std::string, std::vector<const std::string*>> produced_by_pair;
    for (std::int64_t i = 0; i < produced_; ++i) {
      const auto index = static_cast<std::size_t>(i);
      produced_by_pair[kPairs[index % kPairs.size()]].push_back(&payloads_[index]);
    }

    std::map<std::int32_t, std::int64_t> next_offset;
    std::map<std::string, ExpectedPair> recomputed;
    std::map<std::string, std::size_t> seen_by_pair;
    std::int64_t rows = 0;
    int mismatches = 0;
    const auto mismatch = [&mismatches](const std::string& what) {
      ADD_FAILURE() << what;
      return ++mismatches > 10;
    };
    while (query.executeStep()) {
      ++rows;
      const std::int32_t partition = query.getColumn(0).getInt();
      const std::int64_t offset = query.getColumn(1).getInt64();
      const std::string pair = query.getColumn(2).getString();
      const std::string where =
          "partition " + std::to_string(partition) + " offset " + std::to_string(offset);
      auto& expected_offset = next_offset[partition];
      if (offset != expected_offset &&
          mismatch(where + ": expected offset " + std::to_string(expected_offset) +
                   " (a quote missing or stored twice)")) {
        return;
      }
      expected_offset = offset + 1;

      const std::string bid = testing::canonical(query.getColumn(3).getString());
      const std::string ask = testing::canonical(query.getColumn(4).getString());
      const auto& produced = produced_by_pair[pair];
      const std::size_t index = seen_by_pair[pair]++;
      const std::string prices = "\"bid\":" + bid + ",\"ask\":" + ask + ",";
      if ((index >= produced.size() || produced[index]->find(prices) == std::string::npos) &&
          mismatch(where + ": " + pair + " " + prices + " is not quote " + std::to_string(index) +
                   " produced for the pair")) {
        return;
      }

      const ExpectedRow expected =
          recomputed.try_emplace(pair, kWindow)
              .first->second.add(pair, testing::parse_units(bid), testing::parse_units(ask));
      const ExpectedRow stored{pair,
                               bid,
                               ask,
                               testing::canonical(query.getColumn(5).getString()),
                               testing::canonical(query.getColumn(6).getString()),
                               testing::canonical(query.getColumn(7).getString()),
                               testing::canonical(query.getColumn(8).getString()),
                               testing::canonical(query.getColumn(9).getString()),
                               testing::canonical(query.getColumn(10).getString()),
                               query.getColumn(11).getInt64()};
      const auto fields = [](const ExpectedRow& r) {
        return std::tie(r.mid_price, r.spread, r.highest_bid, r.lowest_ask, r.max_spread,
                        r.moving_avg, r.count);
      };
      if (fields(stored) != fields(expected) &&
          mismatch(
              where + " (" + pair + "): stored metrics " +
              json({stored.mid_price, stored.spread, stored.highest_bid, stored.lowest_ask,
                    stored.max_spread, stored.moving_avg, stored.count})
                  .dump() +
              ", recomputed " +
              json({expected.mid_price, expected.spread, expected.highest_bid, expected.lowest_ask,
                    expected.max_spread, expected.moving_avg, expected.count})
                  .dump())) {
        return;
      }
    }
    EXPECT_EQ(rows, produced_) << "rows in crypto_metrics against quotes produced";
    for (const auto& pair : kPairs) {
      EXPECT_EQ(seen_by_pair[pair], produced_by_pair[pair].size()) << "rows of " << pair;
    }
  }

  std::int64_t stored_rows() const {
    SQLite::Database database{(directory_ / "metrics.db").string(), SQLite::OPEN_READONLY};
    return database.execAndGet("SELECT count(*) FROM crypto_metrics").getInt64();
  }

  // Figures for the report: printed, and kept in the test's XML output.
  void report(const std::string& name, const std::string& value) {
    RecordProperty(name, value);
    std::cout << "[figure] " << name << ": " << value << "\n";
  }

  testing::TempDir directory_;
  kafka::EmbeddedBroker broker_{kTopic, kPartitions};
  std::optional<kafka::Producer> producer_{std::in_place, broker_.bootstrap_servers()};
  std::uint64_t delivered_earlier_ = 0;  // by producers replaced
  std::vector<std::string> payloads_ = testing::make_quote_payloads(kPairs, 4 * kStep);
  std::int64_t produced_ = 0;
};

TEST_F(KafkaFaults, BrokerDownForTenSecondsIsReportedThenEveryQuoteStoredOnce) {
  Service service{directory_, environment()};
  produce(kStep);
  service.wait_for_total(produced_, 60s);

  broker_.set_down();
  const auto down_at = Clock::now();
  // A producer connected before set_down() sometimes (2 runs in 4, librdkafka 2.0.2) did not see
  // its connection closed and waited out its 60 s request timeout before sending again; the
  // service's consumer always saw it. One that connects during the outage keeps this test about
  // the service.
  replace_producer();
  produce(kStep);
  // The fault lasts 10 s whatever the service does; /readyz is watched all that time.
  ReadinessLog log = watch_readiness(service, 10s, [](unsigned, const json&) { return false; });
  broker_.set_up();
  const auto up_at = Clock::now();
  produce(kStep);

  const bool saw_not_ready = log.saw_not_ready();
  const bool outage_flapped = log.flapped();
  bool named_the_broker = false;
  for (const auto& entry : log.entries) {
    const std::string state = entry.kafka.value("state", "");
    named_the_broker =
        named_the_broker || (state.starts_with("error: ") &&
                             state.find(broker_.bootstrap_servers()) != std::string::npos);
  }
  const double ready_after = wait_until_ready(service, log);
  expect_delivered();
  const double delivered_after = seconds_since(up_at);
  service.wait_for_total(produced_, 60s);
  const double stored_after = seconds_since(up_at);
  EXPECT_TRUE(saw_not_ready) << "/readyz never said Kafka was down:\n" << log.describe();
  EXPECT_FALSE(outage_flapped) << "/readyz said ready while the broker was down:\n"
                               << log.describe();
  EXPECT_TRUE(named_the_broker) << "/readyz never named the broker it cannot reach:\n"
                                << log.describe();
  report("readyz", "\n" + log.describe());
  report("down_for_seconds",
         std::to_string(std::chrono::duration<double>(up_at - down_at).count()));
  report("ready_seconds_after_up", std::to_string(ready_after));
  report("delivered_by_test_producer_seconds_after_up", std::to_string(delivered_after));
  report("all_stored_seconds_after_up", std::to_string(stored_after));

  EXPECT_EQ(service.stop(), 0);
  report("produced", std::to_string(produced_));
  report("stored", std::to_string(stored_rows()));
  expect_rows_exact();
}

// Shorter than the session timeout, so the group does not rebalance, and no quote follows: only
// the consumer's view of its broker connections can tell that Kafka is back.
TEST_F(KafkaFaults, ShortOutageOnAQuietTopicReadyAgainWithoutNewQuotes) {
  short_outage_on_a_quiet_topic(environment());
}

// A cluster named with one more address than it has (a broker decommissioned, say): that one
// never answers, and must not hold the service unready once the brokers it reads from are back.
TEST_F(KafkaFaults, ABootstrapAddressThatNeverAnswersDoesNotHoldTheErrorAfterAnOutage) {
  auto settings = environment();
  settings["KAFKA_BOOTSTRAP_SERVERS"] = broker_.bootstrap_servers() + ",127.0.0.1:1";
  short_outage_on_a_quiet_topic(settings);
}

TEST_F(KafkaFaults, OffsetCommitAndFetchErrorsThenRestartResumeWithoutLossOrDuplicates) {
  {
    Service service{directory_, environment()};
    produce(kStep);
    service.wait_for_total(produced_, 60s);

    // Every offset commit fails from here until this service stops (it makes about one a
    // second), and the next fetches fail too: the coordinator and the partition leader
    // "moved", as they do while a real cluster restarts a broker.
    const auto faults_at = Clock::now();
    broker_.push_request_errors(kafka::KafkaApi::offset_commit, 1000,
                                RD_KAFKA_RESP_ERR_NOT_COORDINATOR);
    broker_.push_request_errors(kafka::KafkaApi::fetch, 10,
                                RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
    produce(kStep);
    expect_delivered();
    bool saw_commit_error = false;
    ReadinessLog log = watch_readiness(service, 60s, [&](unsigned status, const json& body) {
      saw_commit_error =
          saw_commit_error ||
          (status == 503 &&
           body["kafka"].value("state", "").find("committing offsets") != std::string::npos);
      return saw_commit_error && stored_rows() == produced_;
    });
    const double stored_after = seconds_since(faults_at);
    service.wait_for_total(produced_, 60s);
    EXPECT_TRUE(saw_commit_error) << "/readyz never said offset commits fail:\n" << log.describe();
    report("readyz", "\n" + log.describe());
    report("all_stored_seconds_after_faults", std::to_string(stored_after));

    // Kafka's committed offsets stay behind the rows (the final commit fails too), so the
    // restart must take its offsets from the store.
    EXPECT_EQ(service.stop(), 0);
    EXPECT_NE(service.process().stderr_text().find("Kafka final commit"), std::string::npos)
        << service.process().stderr_text();
  }
  broker_.clear_request_errors(kafka::KafkaApi::offset_commit);
  produce(kStep);
  expect_delivered();

  const auto restart_at = Clock::now();
  Service restarted{directory_, environment()};
  restarted.wait_for_total(produced_, 60s);
  report("all_stored_seconds_after_restart", std::to_string(seconds_since(restart_at)));
  ReadinessLog log;
  report("ready_seconds_after_restart_and_all_stored",
         std::to_string(wait_until_ready(restarted, log)));
  EXPECT_NE(restarted.process().stderr_text().find("from offset"), std::string::npos)
      << "the restart did not start from the offsets stored with the rows:\n"
      << restarted.process().stderr_text();
  EXPECT_EQ(restarted.stop(), 0);
  report("produced", std::to_string(produced_));
  report("stored", std::to_string(stored_rows()));
  expect_rows_exact();
}

TEST_F(KafkaFaults, HalfSecondRoundTripsStillStoreEveryQuoteOnce) {
  Service service{directory_, environment()};
  produce(kStep);
  service.wait_for_total(produced_, 60s);

  broker_.set_round_trip(500ms);
  const auto slow_at = Clock::now();
  produce(2 * kStep);
  expect_delivered();
  ReadinessLog log = watch_readiness(service, 60s, [&](unsigned status, const json&) {
    return status == 200 && stored_rows() == produced_;
  });
  service.wait_for_total(produced_, 60s);
  // Slow is not broken: heartbeats (every second) and requests still answer well within their
  // timeouts.
  EXPECT_FALSE(log.saw_not_ready()) << log.describe();
  report("readyz", "\n" + log.describe());
  report("all_stored_seconds_after_rtt_set", std::to_string(seconds_since(slow_at)));

  EXPECT_EQ(service.stop(), 0);
  broker_.set_round_trip(0ms);
  report("produced", std::to_string(produced_));
  report("stored", std::to_string(stored_rows()));
  expect_rows_exact();
}

}  // namespace
}  // namespace cryptometrics
