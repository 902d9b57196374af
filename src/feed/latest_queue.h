#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

namespace cryptometrics::feed {

struct Outgoing {
  std::string product_id;
  std::string payload;
};

// The tickers waiting for Kafka, bounded. Quotes are state, not events: when Kafka is slow or down
// and the queue is full, only each product's latest is worth keeping, so the older ones of every
// product are dropped (and counted) to make room; the order of one product's tickers is kept.
class LatestQueue {
 public:
  // `capacity` is raised to at least 1.
  explicit LatestQueue(std::size_t capacity);

  void push(Outgoing outgoing);

  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  const Outgoing& front() const { return entries_.front(); }
  void pop() { entries_.pop_front(); }

  // Tickers dropped for a later one of their product, since the start.
  std::uint64_t dropped() const { return dropped_; }

 private:
  // Keeps the latest entry of each product, in the order of those entries.
  void keep_latest_per_product();

  std::size_t capacity_;
  std::deque<Outgoing> entries_;
  std::uint64_t dropped_ = 0;
};

}  // namespace cryptometrics::feed
