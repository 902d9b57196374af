#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <boost/beast/http.hpp>

#include "http/book_feed.h"
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

// The request's target as a std::string_view (Beast's own string_view is Boost's).
std::string_view target_of(const Request& request);

// The live feed's part of /readyz (FEED=coinbase). It does not decide readiness: the service
// serves and stores what reaches the topic whether or not its own source is connected.
struct FeedReadiness {
  std::string source;  // "coinbase"
  std::string url;
  std::string state;  // connecting, subscribed, stale, backing_off, stopped
  std::string last_disconnect;  // empty before the first
  // Per product, when its last ticker arrived (RFC 3339), or empty before the first.
  std::vector<std::pair<std::string, std::string>> last_ticker;
};

// What /readyz reports; ready when Kafka has partitions assigned and storage is ready.
struct Readiness {
  bool kafka_ready = false;
  std::string kafka_state;  // "assigned", "waiting for assignment", "error: ..."
  std::string instance_id = {};  // the name this instance has in the group and in PostgreSQL
  std::vector<std::string> partitions = {};  // those this instance reads, "crypto_prices[0]"
  storage::Status storage;
  std::optional<FeedReadiness> feed = {};
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
  // The book's changes for /stream, on the same event loop; that route answers 503 when not
  // set.
  BookFeed* book_feed = nullptr;
  // This instance's name, which /metrics/{pair} gives as the source of the metrics it computes.
  std::string instance_id = {};
};

// The answer to GET /stream and /stream/{pair}: a header, then events for as long as the
// connection lasts.
struct EventStream {
  // 200, text/event-stream, Connection: close and no length, since the body ends only with the
  // connection; its body holds the stream's first bytes (the client's reconnection delay).
  Response header;
  std::string pair;  // canonical; empty for every pair
  // Held for as long as the stream lasts, so that the feed keeps the updates it reads.
  BookFeed::Subscription subscription;
};

// Where an event stream is in the book's changes.
struct StreamPosition {
  std::uint64_t after = 0;  // the book version its events have reached
  // Reading each pair's latest metrics from the book rather than the updates one by one: on
  // connecting, and after it fell further behind than the feed keeps updates.
  bool catching_up = true;
};

// What a request gets: one response, or an event stream; or, from a route that answers later
// (the history, once storage has read), what was thrown while it made its answer, for the
// session's barrier to handle as it handles what routing throws at once.
using Reply = std::variant<Response, EventStream, std::exception_ptr>;

// Where a request's answer goes: called once, on the event loop.
using Answer = std::function<void(Reply)>;

// Server-Sent Events carry at most this many bytes per events_after(), beyond one event.
inline constexpr std::size_t kMostEventBytes = 16 * 1024;

// Maps a request to its answer: / (the dashboard page), /metrics/{pair},
// /metrics/{pair}/history, /metrics, /stream, /stream/{pair}, /latency, /healthz, /readyz,
// /prometheus. GET and HEAD only (405 otherwise), with no body (400 otherwise: the request's
// header is enough), errors as {"error": "..."}. Percent-escapes in the path are decoded once,
// per segment (a malformed one is 400); "." and ".." are not resolved, so a path that climbs is
// simply not found. Runs on the event loop, reads the sources there; the metrics bodies it
// keeps between requests make it non-const.
class Router {
 public:
  explicit Router(Sources sources);

  // Answers through `answer`: at once, or for /metrics/{pair}/history once storage has read the
  // rows. Also counts the request by route and status, for /prometheus. It may throw; what fails
  // after it returned comes to `answer` as an exception_ptr. Either way the session that called
  // decides what becomes of the request.
  void handle(const Request& request, Answer answer);

  // The answer to `request` when handling it threw: 500 {"error":"internal error"}, counted
  // under its route.
  Response internal_error(const Request& request);

  // The next events of an EventStream for `pair` (every pair when empty), in version order,
  // each "id: <version>\nevent: metrics\ndata: <the body of /metrics/{pair}>\n\n", moving
  // `position` past them: one per update the feed keeps, or while catching up one per pair
  // whose metrics changed, with its latest. Stops once kMostEventBytes are reached; the rest
  // come next call. Empty when nothing changed.
  std::string events_after(std::string_view pair, StreamPosition& position);

  // Counts a request the server answered `status` without reading it whole (too large,
  // malformed, or beyond the connection cap), under route "other": its path is not known.
  void count_refused(unsigned status);

  // Runs `wake` after the book's next change unless `owner` has ended (see BookFeed). Only for
  // an EventStream this router answered, so with a BookFeed.
  void wait_for_change(std::weak_ptr<void> owner, std::function<void()> wake);

 private:
  // HEAD loses the body (Content-Length stays that of the GET body, as HEAD requires), and the
  // response is counted under `route`.
  void conclude(RouteLabel route, bool head, Response& response);

  Sources sources_;
  MetricsBodies metrics_bodies_;
  RequestCounts request_counts_;
};

}  // namespace cryptometrics::http
