#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include <boost/beast/http.hpp>

#include "http/history_route.h"
#include "http/metrics_bodies.h"
#include "http/prometheus_text.h"
#include "http/request_counts.h"
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
  // What /prometheus reports besides the latency and the requests; all zero when not set.
  std::function<ServiceFigures()> figures{};
  // The stored rows of /metrics/{pair}/history; that route answers 503 when not set.
  HistoryReader history = {};
};

// Where a request's answer goes: called once, on the event loop.
using Answer = std::function<void(Response)>;

// Maps a request to its response: /metrics/{pair}, /metrics, /latency, /healthz, /readyz,
// /prometheus. GET and HEAD only (405 otherwise), with no body (400 otherwise: the request's
// header is enough), errors as {"error": "..."}. Percent-escapes in the path are decoded once,
// per segment (a malformed one is 400); "." and ".." are not resolved, so a path that climbs is
// simply not found. Runs on the event loop, reads the sources there; the metrics bodies it keeps
// between requests make handle() non-const.
class Router {
 public:
  explicit Router(Sources sources);

  // Also counts the request by route and status, for /prometheus.
  Response handle(const Request& request);
  // The same, through `answer`: at once, or for /metrics/{pair}/history once storage has read
  // the rows (the handle() above answers only what needs no storage: that route is 404 there).
  void handle(const Request& request, Answer answer);

 private:
  Response respond(const Request& request);

  Sources sources_;
  MetricsBodies metrics_bodies_;
  RequestCounts request_counts_;
};

}  // namespace cryptometrics::http
