#include "kafka/producer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <set>
#include <stdexcept>
#include <string>

#include "kafka/embedded_broker.h"
#include "kafka/topic_reader.h"

namespace cryptometrics::kafka {
namespace {

using namespace std::chrono_literals;

constexpr int kPartitions = 3;
constexpr std::chrono::milliseconds kPatience = 30s;

class ProducerTest : public ::testing::Test {
 protected:
  const std::string topic_ = "quotes";
  EmbeddedBroker broker_{topic_, kPartitions};
  Producer producer_{broker_.bootstrap_servers()};

  std::vector<testing::ReadMessage> read_back(std::size_t count) {
    testing::TopicReader reader{broker_.bootstrap_servers(), topic_, kPartitions};
    return reader.read(count, kPatience);
  }

  // Message `number` is keyed by one of ten keys and says its number.
  void produce_numbered(int first, int count) {
    for (int number = first; number < first + count; ++number) {
      ASSERT_TRUE(
          producer_.produce(topic_, "key-" + std::to_string(number % 10), std::to_string(number)));
    }
  }
};

TEST_F(ProducerTest, DeliversEveryMessageWithItsKeyAndPayload) {
  produce_numbered(0, 300);

  ASSERT_EQ(producer_.flush(kPatience), 0);
  const auto messages = read_back(300);

  EXPECT_EQ(producer_.delivered(), 300u);
  EXPECT_EQ(producer_.failed(), 0u);
  ASSERT_EQ(messages.size(), 300u);
  std::set<int> numbers;
  for (const auto& message : messages) {
    const int number = std::stoi(message.payload);
    EXPECT_EQ(message.key, "key-" + std::to_string(number % 10));
    numbers.insert(number);
  }
  EXPECT_EQ(numbers.size(), 300u);
  EXPECT_EQ(*numbers.begin(), 0);
  EXPECT_EQ(*numbers.rbegin(), 299);
}

TEST_F(ProducerTest, PutsAMessageIntoTheNamedPartitionWhateverItsKey) {
  for (int number = 0; number < 30; ++number) {
    ASSERT_TRUE(producer_.produce(topic_, number % kPartitions, "one-key", std::to_string(number)));
  }

  ASSERT_EQ(producer_.flush(kPatience), 0);
  const auto messages = read_back(30);

  ASSERT_EQ(messages.size(), 30u);
  for (const auto& message : messages) {
    EXPECT_EQ(message.partition, std::stoi(message.payload) % kPartitions) << message.payload;
    EXPECT_EQ(message.key, "one-key");
  }
}

TEST_F(ProducerTest, KeepsEachKeyOnOnePartitionInOrder) {
  produce_numbered(0, 300);

  ASSERT_EQ(producer_.flush(kPatience), 0);
  const auto messages = read_back(300);

  ASSERT_EQ(messages.size(), 300u);
  std::map<std::string, std::set<std::int32_t>> partitions_of_key;
  std::map<std::string, int> last_number_of_key;
  std::set<std::int32_t> partitions_used;
  for (const auto& message : messages) {
    partitions_of_key[message.key].insert(message.partition);
    partitions_used.insert(message.partition);
    const int number = std::stoi(message.payload);
    if (const auto last = last_number_of_key.find(message.key); last != last_number_of_key.end()) {
      EXPECT_LT(last->second, number) << "key " << message.key;
    }
    last_number_of_key[message.key] = number;
  }
  for (const auto& [key, partitions] : partitions_of_key) {
    EXPECT_EQ(partitions.size(), 1u) << "key " << key;
  }
  EXPECT_GT(partitions_used.size(), 1u);
}

TEST_F(ProducerTest, DeliversMessagesQueuedWhileTheBrokerIsDown) {
  produce_numbered(0, 10);
  ASSERT_EQ(producer_.flush(kPatience), 0);

  broker_.set_down();
  produce_numbered(10, 50);
  const int waiting_while_down = producer_.flush(200ms);
  const std::uint64_t delivered_while_down = producer_.delivered();
  broker_.set_up();

  EXPECT_GE(waiting_while_down, 50);
  EXPECT_EQ(delivered_while_down, 10u);
  ASSERT_EQ(producer_.flush(kPatience), 0);
  EXPECT_EQ(producer_.delivered(), 60u);
  EXPECT_EQ(producer_.failed(), 0u);
  EXPECT_EQ(read_back(60).size(), 60u);
}

TEST_F(ProducerTest, ReturnsFalseWhenItsQueueIsFull) {
  broker_.set_down();
  std::uint64_t accepted = 0;
  bool refused = false;
  // librdkafka queues at most 100,000 messages by default.
  while (!refused && accepted < 1'000'000) {
    if (producer_.produce(topic_, "key", "payload")) {
      ++accepted;
    } else {
      refused = true;
    }
  }
  broker_.set_up();

  EXPECT_TRUE(refused);
  ASSERT_EQ(producer_.flush(kPatience), 0);
  EXPECT_EQ(producer_.delivered(), accepted);
}

TEST_F(ProducerTest, ThrowsWithTheTopicWhenAMessageIsTooLarge) {
  const std::string payload(2'000'000, 'x');

  try {
    producer_.produce(topic_, "key", payload);
    FAIL() << "a 2 MB message was accepted";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string{error.what()}.find(topic_), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace cryptometrics::kafka
