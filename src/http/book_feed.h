#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "metrics/snapshot.h"

namespace cryptometrics::http {

// The book's changes as the event streams read them: the recent updates one by one, and a
// wake-up for the streams that wait for the next one. Lives on the event loop, like the book.
//
// Updates are kept only while a stream is open, and only the last kRecentUpdates: a stream that
// falls further behind catches up from the book itself, with each pair's latest metrics. So
// memory is bounded however many streams there are and however slow they are.
class BookFeed {
 public:
  static constexpr std::size_t kRecentUpdates = 4096;

  // One pair's metrics after one quote, or as read from the store, at a version of the book.
  struct Update {
    std::uint64_t version;
    metrics::Snapshot snapshot;
    metrics::Origin origin;
    std::string json;  // empty until json() made it
  };

  // Held by each open stream: while one is held, updates are kept.
  class Subscription {
   public:
    explicit Subscription(std::shared_ptr<std::size_t> streams);
    ~Subscription();
    Subscription(Subscription&& other) noexcept = default;
    Subscription& operator=(Subscription&& other) = delete;

   private:
    std::shared_ptr<std::size_t> streams_;
  };

  explicit BookFeed(boost::asio::io_context& io) : io_{io} {}

  BookFeed(const BookFeed&) = delete;
  BookFeed& operator=(const BookFeed&) = delete;

  // The book changed to `version`: `snapshot` is one pair's metrics after its quote, from
  // `origin`, or nullptr when several pairs changed at once (restored from storage, let go),
  // which no update describes. Every waiting `wake` is posted to run once, after this turn of
  // the event loop.
  void changed(std::uint64_t version, const metrics::Snapshot* snapshot,
               const metrics::Origin* origin);

  // Runs `wake` on the event loop after the next change, unless `owner` has ended by then.
  void wait(std::weak_ptr<void> owner, std::function<void()> wake);

  Subscription subscribe() { return Subscription{streams_}; }

  // Calls `visit` with each update after book version `after`, oldest first, until it returns
  // false. Returns false, visiting none, when some of them are no longer kept (or never were: a
  // restore, or no stream open when they came).
  bool visit_updates_after(std::uint64_t after, const std::function<bool(Update&)>& visit);

  // The /metrics/{pair} body of `update` on instance `instance`, made once.
  static const std::string& json(Update& update, std::string_view instance);

  std::size_t kept() const { return recent_.size(); }

 private:
  struct Waiter {
    std::weak_ptr<void> owner;
    std::function<void()> wake;
  };

  void wake_all();

  boost::asio::io_context& io_;
  std::shared_ptr<std::size_t> streams_ = std::make_shared<std::size_t>(0);
  std::uint64_t version_ = 0;  // of the last change
  std::deque<Update> recent_;  // consecutive versions, ending at version_ when not empty
  std::vector<Waiter> waiting_;
  bool wake_posted_ = false;
  // Posted wake-ups check it, so that none runs after the feed is gone.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cryptometrics::http
