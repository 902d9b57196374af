#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace cryptometrics::feed {

// When the connection is to be given up because a product has gone quiet: Coinbase sends a
// heartbeat per product every second, so a product without any message for `stale_after` means
// a stream that stalled, whether the connection itself still answers pings or not.
class Watchdog {
 public:
  using Clock = std::chrono::steady_clock;

  Watchdog(std::vector<std::string> products, std::chrono::milliseconds stale_after);

  // Every product counted from `now`: at each new subscription.
  void restart(Clock::time_point now);
  // A message (ticker or heartbeat) of `product`; other products than those watched are ignored.
  void heard(std::string_view product, Clock::time_point now);

  // When the product silent longest becomes stale.
  Clock::time_point deadline() const;
  // That product.
  const std::string& silent_longest() const;
  std::chrono::milliseconds stale_after() const { return stale_after_; }

 private:
  struct Watched {
    std::string product;
    Clock::time_point last_heard;
  };
  const Watched& oldest() const;

  std::vector<Watched> watched_;
  std::chrono::milliseconds stale_after_;
};

}  // namespace cryptometrics::feed
