#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <librdkafka/rdkafka.h>

namespace cryptometrics::kafka {

// librdkafka 2.0 stops fetching a partition while its consumer queue holds queued.min.messages,
// and looks again only when the broker thread wakes up: on a response, an operation, or once a
// second. With a queue small enough to bound memory the consumer would drain it in a fraction of
// that second and then wait out the rest (librdkafka 2.4 made the pause configurable as
// fetch.queue.backoff.ms; Debian bookworm has 2.0.2). Any request to the partition's leader wakes
// that thread. So when the queue has held `every` messages or more (it may have reached the
// limit) and `every` messages have been handed over since, a thread of this class asks the
// leader of the next assigned partition for its watermark offsets; the answer is not needed.
// A stream the consumer keeps up with never fills the queue and never causes a request: on the
// embedded broker, which leaves Nagle's algorithm on, a request beside the fetches can hold a
// fetch response back for the 40 ms of a delayed ACK.
class FetchNudger {
 public:
  FetchNudger(rd_kafka_t* handle, rd_kafka_queue_t* queue, std::string topic, std::size_t every);
  ~FetchNudger();

  FetchNudger(const FetchNudger&) = delete;
  FetchNudger& operator=(const FetchNudger&) = delete;

  void assigned(std::vector<std::int32_t> partitions);
  // Called by the consumer for each burst it hands over; cheap, never blocks on the broker.
  void handed_over(std::size_t messages);
  // Ends the thread; waits at most for one watermark request. Called before the handle closes.
  void stop();

 private:
  void run(std::stop_token stop);

  rd_kafka_t* handle_;
  rd_kafka_queue_t* queue_;
  std::string topic_;
  std::size_t every_;
  // On the consumer's thread: whether the queue was found long, and what was handed over since.
  bool armed_ = false;
  std::size_t handed_over_ = 0;
  std::mutex mutex_;
  std::condition_variable_any wanted_;
  bool requested_ = false;
  std::vector<std::int32_t> partitions_;
  std::jthread thread_;
};

}  // namespace cryptometrics::kafka
