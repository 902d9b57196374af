#include "pipeline/batcher.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <optional>
#include <string>

namespace cryptometrics::pipeline {
namespace {

constexpr char kTopic[] = "crypto_prices";

const kafka::TopicPartition kFirst{kTopic, 0};
const kafka::TopicPartition kSecond{kTopic, 1};

class BatcherTest : public ::testing::Test {
 protected:
  BatcherTest() {
    batcher_.start(kFirst, {});
    batcher_.start(kSecond, {});
  }

  bool add(const kafka::TopicPartition& partition, std::int64_t offset,
           const std::string& payload) {
    return batcher_.add({.topic = partition.topic,
                         .partition = partition.partition,
                         .offset = offset,
                         .payload = payload,
                         .timestamp = std::nullopt});
  }

  static std::string quote(const std::string& pair) {
    return R"({"pair":")" + pair + R"(","bid":"100","ask":"101","timestamp":1795484378})";
  }

  boost::asio::io_context io_;
  metrics::Book book_{5};
  Batcher batcher_{io_,
                   {.max_batch = 100,
                    .max_pending = 200,
                    .max_pending_bytes = 1024 * 1024,
                    .batch_linger = std::chrono::milliseconds{10}},
                   book_,
                   [](const kafka::TopicPartition&) { return std::nullopt; },
                   [] {}};
};

TEST_F(BatcherTest, CutHandsOverThePendingRowsWithTheOffsetsTheyReach) {
  ASSERT_TRUE(add(kFirst, 0, quote("BTC-USD")));
  ASSERT_TRUE(add(kFirst, 1, "not json"));
  ASSERT_TRUE(add(kSecond, 7, quote("ETH-USD")));

  const storage::Batch batch = batcher_.cut();

  EXPECT_EQ(batch.quotes.size(), 2u);
  EXPECT_EQ(batch.rejections.size(), 1u);
  ASSERT_EQ(batch.offsets.size(), 2u);
  EXPECT_EQ(batch.offsets[0], (storage::PartitionOffset{kTopic, 0, 2, 0}));
  EXPECT_EQ(batch.offsets[1], (storage::PartitionOffset{kTopic, 1, 8, 0}));
  EXPECT_TRUE(batcher_.empty());
  EXPECT_EQ(batcher_.bytes(), 0u);
}

// Back-pressure pauses reading on bytes() once storage is busy: what a fence dropped must not
// count any more, or reading pauses for messages that are gone.
TEST_F(BatcherTest, DroppingAPartitionLowersThePendingBytesByItsMessages) {
  ASSERT_TRUE(add(kSecond, 0, quote("ETH-USD")));
  const std::size_t kept_bytes = batcher_.bytes();
  ASSERT_TRUE(add(kFirst, 0, quote("BTC-USD")));
  ASSERT_TRUE(add(kFirst, 1, std::string(10'000, 'x')));

  batcher_.drop({kFirst});

  EXPECT_EQ(batcher_.messages(), 1u);
  EXPECT_EQ(batcher_.bytes(), kept_bytes);
}

TEST_F(BatcherTest, MessagesOfADroppedPartitionAreIgnoredUntilItStartsAgain) {
  batcher_.drop({kFirst});

  EXPECT_FALSE(add(kFirst, 0, quote("BTC-USD")));
  EXPECT_TRUE(batcher_.empty());
  batcher_.start(kFirst, {.life = 0, .next_offset = 1});
  EXPECT_TRUE(add(kFirst, 1, quote("BTC-USD")));
  EXPECT_EQ(batcher_.messages(), 1u);
}

TEST_F(BatcherTest, DroppingAPartitionReturnsThePairsFirstReadFromIt) {
  ASSERT_TRUE(add(kFirst, 0, quote("BTC-USD")));
  ASSERT_TRUE(add(kSecond, 0, quote("ETH-USD")));

  EXPECT_EQ(batcher_.drop({kFirst}), std::vector<std::string>{"BTC-USD"});
  EXPECT_FALSE(batcher_.reads(kFirst));
  EXPECT_TRUE(batcher_.reads(kSecond));
}

}  // namespace
}  // namespace cryptometrics::pipeline
