#include "http/stored_history.h"

#include <boost/asio/post.hpp>
#include <exception>
#include <utility>

namespace cryptometrics::http {

HistoryReader stored_history(storage::StorageThread& storage_thread, boost::asio::io_context& io) {
  return
      [&storage_thread, &io](const HistoryQuery& query, std::function<void(HistoryResult)> done) {
        storage_thread.post([&io, query, done = std::move(done)](storage::Storage& store) {
          HistoryResult result;
          try {
            result = store.history(query.pair, query.limit, query.since);
          } catch (const std::exception& error) {
            result = std::string{error.what()};
          }
          boost::asio::post(
              io, [done, result = std::move(result)]() mutable { done(std::move(result)); });
        });
      };
}

}  // namespace cryptometrics::http
