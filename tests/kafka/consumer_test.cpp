// The consumer on the embedded broker over TCP, driven by an event loop as the service drives it.
#include "kafka/consumer.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "kafka/embedded_broker.h"
#include "kafka/producer.h"

namespace cryptometrics::kafka {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr char kTopic[] = "quotes";

// Takes every assignment as it comes, and can pause reading after a given message.
class RecordingHandler final : public ConsumerHandler {
 public:
  void on_assigned(std::vector<TopicPartition> partitions) override {
    ++assignments;
    std::map<TopicPartition, std::int64_t> from_beginning;
    for (const auto& partition : partitions) from_beginning[partition] = kFromBeginning;
    consumer->assign(from_beginning);
  }
  void on_revoked(std::vector<kafka::TopicPartition>) override { ++revocations; }
  void on_message(const Message& message) override {
    offsets[message.partition].push_back(message.offset);
    if (++received == pause_after) consumer->pause_reading();
  }
  void on_idle() override {}

  Consumer* consumer = nullptr;
  int assignments = 0;
  int revocations = 0;
  std::size_t received = 0;
  std::size_t pause_after = 0;
  std::map<std::int32_t, std::vector<std::int64_t>> offsets;
};

void produce(const EmbeddedBroker& broker, int count) {
  Producer producer{broker.bootstrap_servers()};
  for (int i = 0; i < count; ++i) {
    while (!producer.produce(kTopic, 0, "key", "message " + std::to_string(i))) producer.poll();
  }
  ASSERT_EQ(producer.flush(30s), 0);
}

void run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!done() && Clock::now() < deadline) io.run_one_for(50ms);
}

// A store that refuses for a long time pauses reading for as long: librdkafka must still see the
// application poll, or it leaves the group after max.poll.interval.ms, and the partitions are
// taken away and read again from the last commit.
TEST(Consumer, StaysInItsGroupWhileReadingIsPausedPastTheMaximumPollInterval) {
  EmbeddedBroker broker{kTopic, 1};
  produce(broker, 1000);
  boost::asio::io_context io;
  RecordingHandler handler;
  handler.pause_after = 100;
  Consumer consumer{io,
                    {.bootstrap_servers = broker.bootstrap_servers(),
                     .group_id = "pausing",
                     .topic = kTopic,
                     .session_timeout = 3s,
                     .max_poll_interval = 3s},
                    handler};
  handler.consumer = &consumer;
  consumer.start();
  run_until(io, [&] { return handler.received >= 100; }, 60s);
  ASSERT_EQ(handler.received, 100u);

  run_until(io, [] { return false; }, 8s);
  EXPECT_EQ(handler.received, 100u) << "messages handed over while paused";
  consumer.resume_reading();
  run_until(io, [&] { return handler.received >= 1000; }, 60s);

  EXPECT_EQ(handler.revocations, 0) << "the partition was taken away while paused";
  EXPECT_EQ(handler.assignments, 1);
  EXPECT_TRUE(consumer.status().ready) << consumer.status().state;
  std::vector<std::int64_t> expected(1000);
  for (std::int64_t i = 0; i < 1000; ++i) expected[static_cast<std::size_t>(i)] = i;
  EXPECT_EQ(handler.offsets[0], expected) << "every message once, in order";
}

TEST(Consumer, PartitionsAssignedWhilePausedStartPaused) {
  EmbeddedBroker broker{kTopic, 1};
  produce(broker, 50);
  boost::asio::io_context io;
  RecordingHandler handler;
  Consumer consumer{io,
                    {.bootstrap_servers = broker.bootstrap_servers(),
                     .group_id = "paused-from-the-start",
                     .topic = kTopic},
                    handler};
  handler.consumer = &consumer;
  consumer.pause_reading();
  consumer.start();

  run_until(io, [&] { return handler.assignments > 0; }, 60s);
  run_until(io, [] { return false; }, 2s);
  EXPECT_EQ(handler.received, 0u);
  consumer.resume_reading();
  run_until(io, [&] { return handler.received >= 50; }, 60s);

  EXPECT_EQ(handler.received, 50u);
}

}  // namespace
}  // namespace cryptometrics::kafka
