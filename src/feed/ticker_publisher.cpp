#include "feed/ticker_publisher.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace cryptometrics::feed {
namespace {

// How often delivery reports are served and the queue retried: short against a ticker's pace.
constexpr std::chrono::milliseconds kPollInterval{20};

}  // namespace

TickerPublisher::TickerPublisher(boost::asio::io_context& io, kafka::Producer& producer,
                                 std::string topic, Limits limits)
    : producer_{producer},
      topic_{std::move(topic)},
      limits_{limits},
      queue_{limits.queue_capacity},
      timer_{io} {}

void TickerPublisher::publish(Outgoing outgoing) {
  queue_.push(std::move(outgoing));
  drain();
}

void TickerPublisher::start() { schedule(); }

void TickerPublisher::stop() {
  stopped_ = true;
  timer_.cancel();
}

void TickerPublisher::drain() {
  while (!queue_.empty() && producer_.queued() < limits_.in_flight) {
    const Outgoing& next = queue_.front();
    try {
      if (!producer_.produce(topic_, next.product_id, next.payload)) break;
      ++produced_;
    } catch (const std::runtime_error& refused) {
      // Kafka refuses this message for good (too large for the topic, say): retrying cannot
      // help, and the feed must go on with the next ticker.
      ++refused_;
      spdlog::warn("Coinbase feed: a ticker of {} is not produced: {} ({} refused so far)",
                   next.product_id, refused.what(), refused_);
    }
    queue_.pop();
  }
}

void TickerPublisher::schedule() {
  if (stopped_) return;
  timer_.expires_after(kPollInterval);
  timer_.async_wait([this](const boost::system::error_code& cancelled) {
    if (cancelled) return;
    producer_.poll();
    drain();
    schedule();
  });
}

}  // namespace cryptometrics::feed
