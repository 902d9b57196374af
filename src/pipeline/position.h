#pragma once

#include <cstdint>
#include <map>

#include "kafka/topic_partition.h"
#include "storage/batch.h"

namespace cryptometrics::pipeline {

// Where reading a partition stands: its life, and the offset of the next message expected
// (-1 until the first message shows where the partition starts).
struct Position {
  storage::Life life = 0;
  std::int64_t next_offset = -1;
};
using Positions = std::map<kafka::TopicPartition, Position>;

}  // namespace cryptometrics::pipeline
