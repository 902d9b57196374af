#pragma once

#include <compare>
#include <cstdint>
#include <set>
#include <string>

namespace cryptometrics::kafka {

struct TopicPartition {
  std::string topic;
  std::int32_t partition = 0;

  auto operator<=>(const TopicPartition&) const = default;
};

// "crypto_prices[2]", as the log and /readyz name a partition.
inline std::string describe(const TopicPartition& partition) {
  return partition.topic + "[" + std::to_string(partition.partition) + "]";
}

// "crypto_prices[0], crypto_prices[2]".
inline std::string describe(const std::set<TopicPartition>& partitions) {
  std::string text;
  for (const auto& partition : partitions) {
    if (!text.empty()) text += ", ";
    text += describe(partition);
  }
  return text;
}

// How many messages of a partition lie between what was read and its end.
struct PartitionLag {
  TopicPartition partition;
  std::int64_t messages = 0;

  bool operator==(const PartitionLag&) const = default;
};

}  // namespace cryptometrics::kafka
