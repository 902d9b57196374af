#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include <boost/beast/http.hpp>

#include "metrics/book.h"
#include "storage/storage.h"

namespace cryptometrics::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

// What /readyz reports; ready when Kafka has partitions assigned and storage is ready.
struct Readiness {
  bool kafka_ready = false;
  std::string kafka_state;  // "assigned", "waiting for assignment", "error: ..."
  std::size_t assigned_partitions = 0;
  storage::Status storage;
};

// Maps a request to its response: /metrics/{pair}, /metrics, /healthz, /readyz. GET and HEAD
// only (405 otherwise), errors as {"error": "..."}. Runs on the event loop, reads the book there.
class Router {
 public:
  Router(const metrics::Book& book, std::function<Readiness()> readiness);

  Response handle(const Request& request) const;

 private:
  const metrics::Book& book_;
  std::function<Readiness()> readiness_;
};

}  // namespace cryptometrics::http
