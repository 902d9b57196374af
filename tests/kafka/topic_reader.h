#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cryptometrics::testing {

struct ReadMessage {
  std::string key;
  std::string payload;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
};

// A plain librdkafka consumer, independent of the code under test, reading every partition of a
// topic from the beginning: what producers wrote, as the broker keeps it.
class TopicReader {
 public:
  TopicReader(const std::string& bootstrap_servers, const std::string& topic, int partitions);
  ~TopicReader();

  TopicReader(const TopicReader&) = delete;
  TopicReader& operator=(const TopicReader&) = delete;

  // The next `count` messages, or those that arrived before `timeout` passed.
  std::vector<ReadMessage> read(std::size_t count, std::chrono::milliseconds timeout);

 private:
  struct Consumer;
  std::unique_ptr<Consumer> consumer_;
};

}  // namespace cryptometrics::testing
