#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "feed/disconnect_log.h"
#include "feed/latest_queue.h"
#include "feed/sequence_filter.h"
#include "feed/watchdog.h"

namespace cryptometrics::feed {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> drained(LatestQueue& queue) {
  std::vector<std::string> payloads;
  for (; !queue.empty(); queue.pop()) payloads.push_back(queue.front().payload);
  return payloads;
}

TEST(SequenceFilter, KeepsJumpsDropsRepeatsAndStepsBack) {
  SequenceFilter filter;

  EXPECT_TRUE(filter.admit("BTC-USD", 100));
  EXPECT_TRUE(filter.admit("BTC-USD", 157)) << "a jump is the full feed's sequence, not a gap";
  EXPECT_FALSE(filter.admit("BTC-USD", 157));
  EXPECT_FALSE(filter.admit("BTC-USD", 120));
  EXPECT_TRUE(filter.admit("BTC-USD", 158));
}

TEST(SequenceFilter, EachProductHasItsOwnSequenceAndNoneIsKept) {
  SequenceFilter filter;
  filter.admit("BTC-USD", 1000);

  EXPECT_TRUE(filter.admit("ETH-USD", 5));
  EXPECT_TRUE(filter.admit("BTC-USD", std::nullopt));
  EXPECT_FALSE(filter.admit("BTC-USD", 999));
}

TEST(LatestQueue, KeepsEverythingInOrderWhileThereIsRoom) {
  LatestQueue queue{4};
  queue.push({"BTC-USD", "b1"});
  queue.push({"BTC-USD", "b2"});
  queue.push({"ETH-USD", "e1"});

  EXPECT_EQ(drained(queue), (std::vector<std::string>{"b1", "b2", "e1"}));
  EXPECT_EQ(queue.dropped(), 0U);
}

TEST(LatestQueue, WhenFullKeepsEachProductsLatestInOrder) {
  LatestQueue queue{4};
  for (const auto* payload : {"b1", "e1", "b2", "e2"}) {
    queue.push({std::string{payload[0] == 'b' ? "BTC-USD" : "ETH-USD"}, payload});
  }

  queue.push({"BTC-USD", "b3"});

  EXPECT_EQ(drained(queue), (std::vector<std::string>{"e2", "b3"}));
  EXPECT_EQ(queue.dropped(), 3U) << "b1, e1 and b2: each superseded by a later one";
}

TEST(LatestQueue, MoreProductsThanRoomDropsTheOldest) {
  LatestQueue queue{2};
  queue.push({"BTC-USD", "b1"});
  queue.push({"ETH-USD", "e1"});

  queue.push({"LTC-USD", "l1"});

  EXPECT_EQ(drained(queue), (std::vector<std::string>{"e1", "l1"}));
  EXPECT_EQ(queue.dropped(), 1U);
}

TEST(Watchdog, DeadlineIsTheQuietestProductsLastMessagePlusStaleAfter) {
  Watchdog watchdog{{"BTC-USD", "ETH-USD"}, 3s};
  const Watchdog::Clock::time_point start{};
  watchdog.restart(start);

  watchdog.heard("BTC-USD", start + 2s);
  watchdog.heard("SOL-USD", start + 2s);

  EXPECT_EQ(watchdog.deadline(), start + 3s);
  EXPECT_EQ(watchdog.silent_longest(), "ETH-USD");
  watchdog.heard("ETH-USD", start + 2500ms);
  EXPECT_EQ(watchdog.deadline(), start + 5s);
  EXPECT_EQ(watchdog.silent_longest(), "BTC-USD");
}

TEST(DisconnectLog, OneLinePerPeriodCountingTheOthers) {
  DisconnectLog log{10s};
  const DisconnectLog::Clock::time_point start{};

  const auto first = log.record("reset by peer", start);
  const auto second = log.record("reset by peer", start + 1s);
  const auto third = log.record("reset by peer", start + 2s);
  const auto later = log.record("timed out", start + 11s);

  EXPECT_EQ(first, "Coinbase feed disconnected: reset by peer");
  EXPECT_FALSE(second.has_value());
  EXPECT_FALSE(third.has_value());
  EXPECT_EQ(later,
            "Coinbase feed disconnected: timed out (2 more disconnects in the last 11 s, not "
            "logged)");
}

}  // namespace
}  // namespace cryptometrics::feed
