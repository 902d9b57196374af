#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include <boost/beast/http.hpp>

#include "http/metrics_bodies.h"
#include "metrics/book.h"
#include "metrics/latency_histogram.h"
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

// What the routes answer from; the references must outlive the Router.
struct Sources {
  const metrics::Book& book;
  // From each quote's Kafka timestamp to its metrics being in the book.
  const metrics::LatencyHistogram& latency;
  std::function<Readiness()> readiness;
};

// Maps a request to its response: /metrics/{pair}, /metrics, /latency, /healthz, /readyz. GET
// and HEAD only (405 otherwise), with no body (400 otherwise: the request's header is enough),
// errors as {"error": "..."}. Percent-escapes in the path are decoded once, per segment (a
// malformed one is 400); "." and ".." are not resolved, so a path that climbs is simply not
// found. Runs on the event loop, reads the sources there; the metrics bodies it keeps between
// requests make handle() non-const.
class Router {
 public:
  explicit Router(Sources sources);

  Response handle(const Request& request);

 private:
  Sources sources_;
  MetricsBodies metrics_bodies_;
};

}  // namespace cryptometrics::http
