#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace cryptometrics::kafka {

// An idempotent Kafka producer (acks=all, in-order per partition). Messages with the same key go
// to the same partition.
class Producer {
 public:
  struct Options {
    // How long a message may wait for others to share its request: throughput against latency,
    // since the message's timestamp is taken when it is queued.
    std::chrono::milliseconds linger{5};
  };

  // Throws std::runtime_error naming the setting when librdkafka refuses the configuration.
  explicit Producer(const std::string& bootstrap_servers) : Producer{bootstrap_servers, Options{}} {}
  Producer(const std::string& bootstrap_servers, const Options& options);
  // Flushes for up to 10 seconds, logging what could not be delivered.
  ~Producer();

  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Queues one message. Returns false when the local queue is full: poll() and try again.
  // Throws std::runtime_error for any other refusal (unknown topic, message too large).
  bool produce(std::string_view topic, std::string_view key, std::string_view payload);
  // The same into `partition` rather than the key's: for load that must spread over more
  // partitions than it has keys.
  bool produce(std::string_view topic, std::int32_t partition, std::string_view key,
               std::string_view payload);

  // Serves delivery reports without blocking.
  void poll();

  // Waits until everything queued is delivered or `timeout` passes; returns how many remain.
  int flush(std::chrono::milliseconds timeout);

  // Messages queued or in flight, not yet delivered nor failed: what a source that must stay
  // bounded while Kafka is slow or down waits on.
  int queued() const;

  std::uint64_t delivered() const;
  std::uint64_t failed() const;

 private:
  struct Handle;
  std::unique_ptr<Handle> handle_;
};

}  // namespace cryptometrics::kafka
