#include "simulator/simulator.h"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "kafka/embedded_broker.h"
#include "kafka/producer.h"
#include "kafka/topic_reader.h"
#include "market/quote_decoder.h"

namespace cryptometrics::simulator {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kPartitions = 3;
constexpr std::chrono::milliseconds kPatience = 30s;

// Quotes at or below this many per second, give or take the tick being computed.
std::uint64_t at_most(std::uint32_t rate, Clock::duration elapsed) {
  return static_cast<std::uint64_t>(std::chrono::duration<double>(elapsed).count() * rate) + 1;
}

class SimulatorTest : public ::testing::Test {
 protected:
  const std::string topic_ = "crypto_prices";
  kafka::EmbeddedBroker broker_{topic_, kPartitions};
  kafka::Producer producer_{broker_.bootstrap_servers()};
  boost::asio::io_context io_;

  // Every message the simulator produced, by key, each checked to decode into a quote of it.
  std::map<std::string, int> read_back_by_pair(std::uint64_t produced) {
    EXPECT_EQ(producer_.flush(kPatience), 0);
    EXPECT_EQ(producer_.delivered(), produced);
    testing::TopicReader reader{broker_.bootstrap_servers(), topic_, kPartitions};
    const auto messages = reader.read(produced, kPatience);
    EXPECT_EQ(messages.size(), produced);
    std::map<std::string, int> count_by_pair;
    for (const auto& message : messages) {
      const auto decoded = market::decode_quote(message.payload, std::nullopt);
      const auto* quote = std::get_if<market::Quote>(&decoded);
      EXPECT_TRUE(quote != nullptr && quote->pair == message.key) << message.payload;
      ++count_by_pair[message.key];
    }
    return count_by_pair;
  }
};

TEST_F(SimulatorTest, ProducesOneQuotePerPairEachInterval) {
  Simulator simulator{io_, producer_, topic_, {"BTC-USD", "ETH-USD", "SOL-USD"}, 10ms, 0};

  const auto before_start = Clock::now();
  simulator.start();
  while (simulator.produced() < 30) io_.run_one();
  const auto elapsed = Clock::now() - before_start;
  simulator.stop();
  io_.run();

  EXPECT_EQ(simulator.produced(), 30u);
  EXPECT_GE(elapsed, 100ms) << "ten ticks, each one interval after the last";
  const std::map<std::string, int> expected{{"BTC-USD", 10}, {"ETH-USD", 10}, {"SOL-USD", 10}};
  EXPECT_EQ(read_back_by_pair(30), expected);
}

TEST_F(SimulatorTest, ProducesAboutTheRatePerSecondSpreadOverThePairs) {
  constexpr std::uint32_t kRate = 2'000;
  Simulator simulator{io_, producer_, topic_, {"BTC-USD", "ETH-USD"}, 1'000ms, kRate};

  const auto before_start = Clock::now();
  simulator.start();
  io_.run_for(500ms);
  const auto elapsed = Clock::now() - before_start;
  simulator.stop();
  io_.run();

  const std::uint64_t produced = simulator.produced();
  EXPECT_LE(produced, at_most(kRate, elapsed));
  EXPECT_GE(produced, kRate / 2 / 2) << "half the rate over half a second";
  const auto count_by_pair = read_back_by_pair(produced);
  ASSERT_EQ(count_by_pair.size(), 2u);
  EXPECT_NEAR(count_by_pair.at("BTC-USD"), count_by_pair.at("ETH-USD"), 1);
}

TEST_F(SimulatorTest, CatchesUpWithTheRateWhenTicksAreLate) {
  constexpr std::uint32_t kRate = 1'000;
  Simulator simulator{io_, producer_, topic_, {"BTC-USD"}, 1'000ms, kRate};
  simulator.start();
  const auto after_start = Clock::now();
  bool stalled = false;
  // A handler that holds the loop, as a slow one would.
  boost::asio::post(io_, [&stalled] {
    std::this_thread::sleep_for(300ms);
    stalled = true;
  });
  while (!stalled) io_.run_one();
  const auto loop_free_again = Clock::now();
  const std::uint64_t produced_before = simulator.produced();

  while (simulator.produced() == produced_before) io_.run_one();
  simulator.stop();
  io_.run();

  const auto owed = static_cast<std::uint64_t>(
      std::chrono::duration<double>(loop_free_again - after_start).count() * kRate);
  EXPECT_GE(simulator.produced(), owed);
}

TEST_F(SimulatorTest, ProducesNothingOnceStopped) {
  Simulator simulator{io_, producer_, topic_, {"BTC-USD"}, 1ms, 0};
  simulator.start();
  while (simulator.produced() < 3) io_.run_one();

  simulator.stop();
  const std::uint64_t produced_at_stop = simulator.produced();
  io_.run();

  EXPECT_EQ(simulator.produced(), produced_at_stop);
}

TEST_F(SimulatorTest, RejectsAnEmptyListOfPairs) {
  EXPECT_THROW(Simulator(io_, producer_, topic_, {}, 10ms, 0), std::invalid_argument);
}

}  // namespace
}  // namespace cryptometrics::simulator
