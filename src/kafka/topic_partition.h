#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace cryptometrics::kafka {

struct TopicPartition {
  std::string topic;
  std::int32_t partition = 0;

  auto operator<=>(const TopicPartition&) const = default;
};

}  // namespace cryptometrics::kafka
