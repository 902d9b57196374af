#include "http/book_feed.h"

#include <boost/asio/post.hpp>

#include "http/metrics_bodies.h"

namespace cryptometrics::http {

BookFeed::Subscription::Subscription(std::shared_ptr<std::size_t> streams)
    : streams_{std::move(streams)} {
  ++*streams_;
}

BookFeed::Subscription::~Subscription() {
  if (streams_) --*streams_;
}

void BookFeed::changed(std::uint64_t version, const metrics::Snapshot* snapshot,
                       const metrics::Origin* origin) {
  version_ = version;
  if (*streams_ == 0 || snapshot == nullptr) {
    recent_.clear();
  } else {
    if (recent_.size() == kRecentUpdates) recent_.pop_front();
    recent_.push_back({version, *snapshot, *origin, {}});
  }
  if (waiting_.empty() || wake_posted_) return;
  wake_posted_ = true;
  boost::asio::post(io_, [this, alive = std::weak_ptr<bool>{alive_}] {
    if (alive.lock()) wake_all();
  });
}

void BookFeed::wait(std::weak_ptr<void> owner, std::function<void()> wake) {
  std::erase_if(waiting_, [](const Waiter& waiter) { return waiter.owner.expired(); });
  waiting_.push_back({std::move(owner), std::move(wake)});
}

bool BookFeed::visit_updates_after(std::uint64_t after,
                                   const std::function<bool(Update&)>& visit) {
  if (after >= version_) return true;
  if (recent_.empty() || recent_.front().version > after + 1) return false;
  for (std::size_t i = after + 1 - recent_.front().version; i < recent_.size(); ++i) {
    if (!visit(recent_[i])) break;
  }
  return true;
}

const std::string& BookFeed::json(Update& update, std::string_view instance) {
  if (update.json.empty()) update.json = pair_json(update.snapshot, update.origin, instance);
  return update.json;
}

// A woken stream may wait again at once, for the change after this one.
void BookFeed::wake_all() {
  wake_posted_ = false;
  std::vector<Waiter> woken = std::exchange(waiting_, {});
  for (const Waiter& waiter : woken) {
    if (const auto owner = waiter.owner.lock()) waiter.wake();
  }
}

}  // namespace cryptometrics::http
