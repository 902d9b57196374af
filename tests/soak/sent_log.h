#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "soak/message_maker.h"

namespace cryptometrics::soak {

// One message the broker acknowledged, as the checker needs it.
struct Sent {
  bool delivered = false;  // false: no message of the producer's at this offset
  bool valid = false;
  std::uint8_t pair = 0;  // valid: index in MessageMaker::pairs()
  std::uint32_t bytes = 0;
  testing::Units bid = 0, ask = 0;  // valid
  std::uint32_t digest = 0;         // invalid: index of its payload's SHA-256 in digests()
};

// The producer's own account of what it sent and where the broker put it (partition and
// offset, from the delivery reports), kept in memory for the checker and written to a file,
// one line per message, for a person reproducing a failure. Safe to use from several threads.
class SentLog {
 public:
  SentLog(int partitions, const std::filesystem::path& file);

  void delivered(const Message& message, std::int32_t partition, std::int64_t offset);
  void failed(const Message& message, std::string_view error);

  // Bytes of the messages at `offset` and after in `partition`: how much the broker holds
  // that the service has not committed yet, when `offset` is its committed one.
  std::uint64_t bytes_from(std::int32_t partition, std::int64_t offset) const;

  struct Counts {
    std::uint64_t valid = 0, invalid = 0, failed = 0;
  };
  Counts counts() const;

  // Read these only once the producer stopped.
  int partitions() const { return static_cast<int>(partitions_.size()); }
  // Indexed by offset.
  const std::vector<Sent>& partition(std::int32_t partition) const;
  const std::string& digest(const Sent& sent) const { return digests_[sent.digest]; }

 private:
  struct Partition {
    std::vector<Sent> messages;
    std::vector<std::uint64_t> bytes_through;  // by offset: bytes up to and with that message
  };

  mutable std::mutex mutex_;
  std::vector<Partition> partitions_;
  std::vector<std::string> digests_;  // hex SHA-256 of invalid payloads
  Counts counts_;
  std::ofstream file_;
};

}  // namespace cryptometrics::soak
