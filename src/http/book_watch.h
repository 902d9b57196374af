#pragma once

#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

namespace cryptometrics::http {

// Wakes the event streams that wait for the book to change. However many quotes one turn of
// the event loop folds into the book, each waiting stream is woken once, after that turn: a
// stream reads the book's latest state when it wakes, so quotes that came meanwhile coalesce.
// Lives on the event loop, like the book.
class BookWatch {
 public:
  explicit BookWatch(boost::asio::io_context& io) : io_{io} {}

  BookWatch(const BookWatch&) = delete;
  BookWatch& operator=(const BookWatch&) = delete;

  // The book changed: every waiting `wake` is posted to run once.
  void changed();

  // Runs `wake` on the event loop after the next change, unless `owner` has ended by then.
  void wait(std::weak_ptr<void> owner, std::function<void()> wake);

  // Waits registered and not yet woken (those of ended owners included until the next change
  // or wait drops them).
  std::size_t waiting() const { return waiting_.size(); }

 private:
  struct Waiter {
    std::weak_ptr<void> owner;
    std::function<void()> wake;
  };

  void wake_all();

  boost::asio::io_context& io_;
  std::vector<Waiter> waiting_;
  bool wake_posted_ = false;
  // Posted wake-ups check it, so that none runs after the watch is gone.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cryptometrics::http
