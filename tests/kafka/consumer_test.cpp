// The consumer on the embedded broker over TCP, driven by an event loop as the service drives it.
#include "kafka/consumer.h"

#include <gtest/gtest.h>

#include <algorithm>
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
  void on_revoked(std::vector<kafka::TopicPartition> partitions) override {
    ++revocations;
    revoked.insert(revoked.end(), partitions.begin(), partitions.end());
  }
  void on_message(const Message& message) override {
    offsets[message.partition].push_back(message.offset);
    if (++received == pause_after) consumer->pause_reading();
  }
  void on_idle() override {}

  Consumer* consumer = nullptr;
  int assignments = 0;
  int revocations = 0;
  std::vector<TopicPartition> revoked;
  std::size_t received = 0;
  std::size_t pause_after = 0;
  std::map<std::int32_t, std::vector<std::int64_t>> offsets;
};

void produce(const EmbeddedBroker& broker, int count, std::int32_t partitions = 1) {
  Producer producer{broker.bootstrap_servers()};
  for (int i = 0; i < count; ++i) {
    while (!producer.produce(kTopic, i % partitions, "key", "message " + std::to_string(i))) {
      producer.poll();
    }
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

std::vector<std::int32_t> numbers(const std::vector<TopicPartition>& partitions) {
  std::vector<std::int32_t> numbers;
  for (const auto& partition : partitions) numbers.push_back(partition.partition);
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

// A member joining takes half the partitions; the first member gives up only those, and reads
// the ones it keeps on from where it was, never assigned them again nor reading one twice.
TEST(Consumer, AMemberJoiningTakesAwayOnlyThePartitionsThatMove) {
  constexpr std::int32_t kPartitions = 4;
  EmbeddedBroker broker{kTopic, kPartitions};
  produce(broker, 400, kPartitions);
  boost::asio::io_context io;
  const ConsumerSettings settings{.bootstrap_servers = broker.bootstrap_servers(),
                                  .group_id = "sticky",
                                  .topic = kTopic,
                                  .session_timeout = 6s};
  RecordingHandler first_handler;
  Consumer first{io, settings, first_handler};
  first_handler.consumer = &first;
  first.start();
  run_until(io, [&] { return first_handler.received >= 400; }, 60s);
  ASSERT_EQ(first_handler.received, 400u);

  RecordingHandler second_handler;
  Consumer second{io, settings, second_handler};
  second_handler.consumer = &second;
  second.start();
  run_until(io,
            [&] {
              return first.status().assigned.size() == 2 && second.status().assigned.size() == 2;
            },
            60s);
  produce(broker, 400, kPartitions);
  run_until(io, [&] { return first_handler.received >= 600 && second_handler.received >= 400; },
            60s);

  const auto kept = numbers(first.status().assigned);
  const auto moved = numbers(second.status().assigned);
  ASSERT_EQ(kept.size(), 2u);
  ASSERT_EQ(moved.size(), 2u);
  EXPECT_EQ(numbers(first_handler.revoked), moved) << "partitions kept were revoked too";
  EXPECT_EQ(first_handler.assignments, 1) << "partitions kept were assigned again";
  for (const std::int32_t partition : kept) {
    std::vector<std::int64_t> expected(200);
    for (std::int64_t i = 0; i < 200; ++i) expected[static_cast<std::size_t>(i)] = i;
    EXPECT_EQ(first_handler.offsets[partition], expected) << "partition " << partition;
  }
  for (const std::int32_t partition : moved) {
    EXPECT_EQ(second_handler.offsets[partition].size(), 200u)
        << "partition " << partition << ", read from its beginning by the member that joined";
  }
  first.close();
  second.close();
}

}  // namespace
}  // namespace cryptometrics::kafka
