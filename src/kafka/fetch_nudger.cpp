#include "kafka/fetch_nudger.h"

#include <utility>

namespace cryptometrics::kafka {
namespace {

// A request that times out is as good as answered: the broker thread woke up to send it.
constexpr int kRequestTimeoutMs = 500;

}  // namespace

FetchNudger::FetchNudger(rd_kafka_t* handle, rd_kafka_queue_t* queue, std::string topic,
                         std::size_t every)
    : handle_{handle},
      queue_{queue},
      topic_{std::move(topic)},
      every_{every},
      thread_{[this](std::stop_token stop) { run(std::move(stop)); }} {}

FetchNudger::~FetchNudger() { stop(); }

void FetchNudger::assigned(std::vector<std::int32_t> partitions) {
  std::lock_guard lock{mutex_};
  partitions_ = std::move(partitions);
}

void FetchNudger::handed_over(std::size_t messages) {
  if (!armed_) {
    armed_ = rd_kafka_queue_length(queue_) >= every_;
    handed_over_ = 0;
    return;
  }
  handed_over_ += messages;
  if (handed_over_ < every_) return;
  armed_ = false;
  {
    std::lock_guard lock{mutex_};
    requested_ = true;
  }
  wanted_.notify_one();
}

void FetchNudger::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

void FetchNudger::run(std::stop_token stop) {
  std::size_t next = 0;
  while (true) {
    std::int32_t partition = 0;
    {
      std::unique_lock lock{mutex_};
      if (!wanted_.wait(lock, stop, [this] { return requested_; })) return;
      requested_ = false;
      if (partitions_.empty()) continue;
      partition = partitions_[next++ % partitions_.size()];
    }
    std::int64_t low = 0;
    std::int64_t high = 0;
    rd_kafka_query_watermark_offsets(handle_, topic_.c_str(), partition, &low, &high,
                                     kRequestTimeoutMs);
  }
}

}  // namespace cryptometrics::kafka
