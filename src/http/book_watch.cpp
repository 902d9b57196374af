#include "http/book_watch.h"

#include <boost/asio/post.hpp>

namespace cryptometrics::http {

void BookWatch::changed() {
  if (waiting_.empty() || wake_posted_) return;
  wake_posted_ = true;
  boost::asio::post(io_, [this, alive = std::weak_ptr<bool>{alive_}] {
    if (alive.lock()) wake_all();
  });
}

void BookWatch::wait(std::weak_ptr<void> owner, std::function<void()> wake) {
  std::erase_if(waiting_, [](const Waiter& waiter) { return waiter.owner.expired(); });
  waiting_.push_back({std::move(owner), std::move(wake)});
}

// A woken stream may wait again at once, for the change after this one.
void BookWatch::wake_all() {
  wake_posted_ = false;
  std::vector<Waiter> woken = std::exchange(waiting_, {});
  for (const Waiter& waiter : woken) {
    if (const auto owner = waiter.owner.lock()) waiter.wake();
  }
}

}  // namespace cryptometrics::http
