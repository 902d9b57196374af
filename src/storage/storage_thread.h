#pragma once

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>

#include "storage/storage.h"

namespace cryptometrics::storage {

// How StorageThread::run completes: with the work's exception, if any, and its result.
template <typename Result>
struct Completion {
  using Signature = void(std::exception_ptr, Result);
};
template <>
struct Completion<void> {
  using Signature = void(std::exception_ptr);
};

// The one thread that touches a Storage. Jobs run in the order they were posted; between jobs
// the store's background work runs when it is due. Coroutines on the event loop await their
// work's result (run); a posted job hands its results on itself.
class StorageThread {
 public:
  using Job = std::function<void(Storage&)>;

  explicit StorageThread(Storage& storage);
  // Runs every job already posted, then stops.
  ~StorageThread();

  StorageThread(const StorageThread&) = delete;
  StorageThread& operator=(const StorageThread&) = delete;

  void post(Job job);

  // Runs `work(storage)` on the storage thread and resumes the awaiting coroutine on its own
  // executor with the result, or with the exception `work` threw, rethrown there as it was.
  // The executor's io_context must outlive the storage thread (declared before it). Pass a
  // named `work`: g++ 12 destroys a lambda with captures made inside the co_await expression
  // twice (a double free).
  template <typename Work>
  boost::asio::awaitable<std::invoke_result_t<Work&, Storage&>> run(Work work);

  // The store's status as of the last job or background work; safe from any thread.
  Status status() const;

 private:
  void run();
  // Resumes the coroutine behind `handler` on its executor with `outcome`.
  template <typename Handler, typename... Outcome>
  static void resume(std::shared_ptr<Handler> handler, Outcome... outcome);

  Storage& storage_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  Status status_;
  std::thread thread_;
};

template <typename Work>
boost::asio::awaitable<std::invoke_result_t<Work&, Storage&>> StorageThread::run(Work work) {
  using Result = std::invoke_result_t<Work&, Storage&>;
  return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                     typename Completion<Result>::Signature>(
      [this](auto handler, Work work) {
        // Jobs are copyable; the coroutine's handler is not. It must also end on the event
        // loop's thread, which owns the coroutine's memory: the job hands its only reference on.
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        post([shared, work = std::move(work)](Storage& storage) mutable {
          std::exception_ptr failure;
          if constexpr (std::is_void_v<Result>) {
            try {
              work(storage);
            } catch (...) {
              failure = std::current_exception();
            }
            resume(std::move(shared), failure);
          } else {
            Result result{};
            try {
              result = work(storage);
            } catch (...) {
              failure = std::current_exception();
            }
            resume(std::move(shared), failure, std::move(result));
          }
        });
      },
      boost::asio::use_awaitable, std::move(work));
}

template <typename Handler, typename... Outcome>
void StorageThread::resume(std::shared_ptr<Handler> handler, Outcome... outcome) {
  const auto executor = boost::asio::get_associated_executor(*handler);
  boost::asio::post(executor, [handler = std::move(handler), outcome...]() mutable {
    std::move(*handler)(std::move(outcome)...);
  });
}

}  // namespace cryptometrics::storage
