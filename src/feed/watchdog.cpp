#include "feed/watchdog.h"

#include <algorithm>
#include <stdexcept>

namespace cryptometrics::feed {

Watchdog::Watchdog(std::vector<std::string> products, std::chrono::milliseconds stale_after)
    : stale_after_{stale_after} {
  if (products.empty()) throw std::invalid_argument("the feed's watchdog needs a product");
  for (auto& product : products) watched_.push_back({std::move(product), Clock::time_point{}});
}

void Watchdog::restart(Clock::time_point now) {
  for (auto& watched : watched_) watched.last_heard = now;
}

void Watchdog::heard(std::string_view product, Clock::time_point now) {
  const auto found = std::ranges::find(watched_, product, &Watched::product);
  if (found != watched_.end()) found->last_heard = now;
}

const Watchdog::Watched& Watchdog::oldest() const {
  return *std::ranges::min_element(watched_, {}, &Watched::last_heard);
}

Watchdog::Clock::time_point Watchdog::deadline() const {
  return oldest().last_heard + stale_after_;
}

const std::string& Watchdog::silent_longest() const { return oldest().product; }

}  // namespace cryptometrics::feed
