#include "feed/ticker_publisher.h"

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
    if (!producer_.produce(topic_, next.product_id, next.payload)) break;
    queue_.pop();
    ++produced_;
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
