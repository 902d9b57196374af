// librdkafka's statistics as its stats callback gives them (trimmed to the fields read; the
// layout is librdkafka's STATISTICS.md).
#include "kafka/statistics.h"

#include <gtest/gtest.h>

#include <string>

namespace cryptometrics::kafka {
namespace {

// Broker 1 leads the assigned partition 0 and hosts the group; broker 2 leads partition 1,
// which is assigned elsewhere; a bootstrap address stands apart with node id -1.
std::string statistics(const std::string& broker_1, const std::string& broker_2,
                       const std::string& bootstrap, const std::string& group = "up") {
  return R"({"name":"crypto-metrics#consumer-1","type":"consumer","brokers":{)"
         R"("127.0.0.1:9092/1":{"name":"127.0.0.1:9092/1","nodeid":1,"state":")" + broker_1 +
         R"("},"127.0.0.1:9093/2":{"name":"127.0.0.1:9093/2","nodeid":2,"state":")" + broker_2 +
         R"("},"10.0.0.9:9092/bootstrap":{"name":"10.0.0.9:9092/bootstrap","nodeid":-1,)"
         R"("state":")" + bootstrap + R"("}},"topics":{"crypto_prices":{"topic":"crypto_prices",)"
         R"("partitions":{"0":{"partition":0,"leader":1,"desired":true},)"
         R"("1":{"partition":1,"leader":2,"desired":false},)"
         R"("-1":{"partition":-1,"leader":-1,"desired":false}}}},)"
         R"("cgrp":{"state":")" + group + R"(","join_state":"steady"}})";
}

TEST(BrokersNeededAreUp, WhenTheLeaderOfEveryAssignedPartitionAndTheGroupAreUp) {
  EXPECT_TRUE(brokers_needed_are_up(statistics("UP", "UP", "INIT"), "crypto_prices"));
}

// The substring scan this replaced saw "DOWN" here and held the error for ever.
TEST(BrokersNeededAreUp, WhateverTheStateOfBrokersThisConsumerDoesNotNeed) {
  EXPECT_TRUE(brokers_needed_are_up(statistics("UP", "DOWN", "DOWN"), "crypto_prices"));
  EXPECT_TRUE(brokers_needed_are_up(statistics("UP", "TRY_CONNECT", "CONNECT"), "crypto_prices"));
}

TEST(BrokersNeededAreUp, NotWhileTheLeaderOfAnAssignedPartitionIsDown) {
  EXPECT_FALSE(brokers_needed_are_up(statistics("DOWN", "UP", "UP"), "crypto_prices"));
  EXPECT_FALSE(brokers_needed_are_up(statistics("CONNECT", "UP", "UP"), "crypto_prices"));
}

TEST(BrokersNeededAreUp, NotWhileTheGroupIsNotUp) {
  EXPECT_FALSE(brokers_needed_are_up(statistics("UP", "UP", "UP", "wait-coord"), "crypto_prices"));
}

TEST(BrokersNeededAreUp, NotForTextThatIsNotStatistics) {
  EXPECT_FALSE(brokers_needed_are_up("", "crypto_prices"));
  EXPECT_FALSE(brokers_needed_are_up("{\"brokers\":", "crypto_prices"));
  EXPECT_FALSE(brokers_needed_are_up("[1,2]", "crypto_prices"));
  EXPECT_FALSE(brokers_needed_are_up(R"({"brokers":[1,2],"cgrp":{"state":7}})", "crypto_prices"));
}

}  // namespace
}  // namespace cryptometrics::kafka
