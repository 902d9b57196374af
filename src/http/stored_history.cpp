#include "http/stored_history.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <exception>
#include <utility>

namespace cryptometrics::http {

HistoryReader stored_history(storage::StorageThread& storage_thread, boost::asio::io_context& io) {
  return [&storage_thread, &io](const HistoryQuery& query,
                                std::function<void(HistoryResult)> done) {
    boost::asio::co_spawn(
        io,
        [&storage_thread, query, done = std::move(done)]() -> boost::asio::awaitable<void> {
          auto read = [query](storage::Storage& store) {
            return store.history(query.pair, query.limit, query.since);
          };
          HistoryResult result;
          try {
            result = co_await storage_thread.run(std::move(read));
          } catch (const std::exception& error) {
            result = std::string{error.what()};
          }
          done(std::move(result));
        },
        boost::asio::detached);
  };
}

}  // namespace cryptometrics::http
