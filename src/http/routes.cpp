#include "http/routes.h"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "http/dashboard_page.h"
#include "http/json_response.h"
#include "http/latency_json.h"
#include "http/path_segment.h"
#include "market/pair.h"

namespace cryptometrics::http {

namespace {

namespace beast_http = boost::beast::http;
using beast_http::status;

Response malformed_escape(unsigned version) {
  return error_response(status::bad_request, version, "malformed percent-encoding in the path");
}

Response not_found(unsigned version) {
  return error_response(status::not_found, version, "not found");
}

Response malformed_pair(unsigned version) {
  return error_response(status::bad_request, version,
                        "malformed pair: expected BASE-QUOTE, 2 to 12 letters or digits each");
}

Response pair_metrics(MetricsBodies& bodies, std::string_view segment, unsigned version) {
  const auto decoded = decode_segment(segment);
  if (!decoded) return malformed_escape(version);
  const auto pair = market::normalize_pair(*decoded);
  if (!pair) return malformed_pair(version);
  const std::string* body = bodies.pair(*pair);
  if (body == nullptr) {
    return error_response(status::not_found, version, "no metrics for " + *pair);
  }
  return json_response(status::ok, version, *body);
}

Response latency(const metrics::LatencyHistogram& histogram, unsigned version) {
  return json_response(status::ok, version, latency_json(histogram).dump());
}

Response health(unsigned version) {
  return json_response(status::ok, version, R"({"status":"ok"})");
}

Response prometheus(const Sources& sources, const RequestCounts& requests, unsigned version) {
  Response response{status::ok, version};
  response.set(beast_http::field::server, "crypto-metrics");
  response.set(beast_http::field::content_type, kPrometheusContentType);
  response.set(beast_http::field::cache_control, "no-store");
  response.body() = prometheus_text(sources.figures ? sources.figures() : ServiceFigures{},
                                    sources.latency, requests);
  response.prepare_payload();
  return response;
}

Response dashboard(unsigned version) {
  Response response{status::ok, version};
  response.set(beast_http::field::server, "crypto-metrics");
  response.set(beast_http::field::content_type, "text/html; charset=utf-8");
  response.set(beast_http::field::cache_control, "no-store");
  response.set("X-Content-Type-Options", "nosniff");
  response.body() = dashboard_page();
  response.prepare_payload();
  return response;
}

Response readiness(const Readiness& state, unsigned version) {
  const bool ready = state.kafka_ready && state.storage.ready;
  const nlohmann::ordered_json body = {
      {"status", ready ? "ready" : "not ready"},
      {"kafka",
       {
           {"ready", state.kafka_ready},
           {"state", state.kafka_state},
           {"assigned_partitions", state.assigned_partitions},
       }},
      {"storage",
       {
           {"backend", state.storage.backend},
           {"ready", state.storage.ready},
           {"state", state.storage.state},
           {"spool_depth", state.storage.spool_depth},
           {"last_error", state.storage.last_error.empty()
                              ? nlohmann::ordered_json(nullptr)
                              : nlohmann::ordered_json(state.storage.last_error)},
       }},
  };
  return json_response(ready ? status::ok : status::service_unavailable, version, body.dump());
}

// Content-Length has been checked to be digits by the parser; "0" (or "00") means no body.
bool carries_body(const Request& request) {
  if (request.chunked()) return true;
  if (!request.has_content_length()) return false;
  const auto length = request[beast_http::field::content_length];
  return length.find_first_not_of('0') != std::string_view::npos;
}

// Until the client reconnects after the stream ended (the service restarting, say).
constexpr std::string_view kStreamPreamble = "retry: 2000\n\n";

Reply event_stream(const Sources& sources, std::optional<std::string_view> segment,
                   unsigned version) {
  if (sources.book_feed == nullptr) {
    return error_response(status::service_unavailable, version, "no event stream");
  }
  std::string pair;
  if (segment) {
    const auto decoded = decode_segment(*segment);
    if (!decoded) return malformed_escape(version);
    auto canonical = market::normalize_pair(*decoded);
    if (!canonical) return malformed_pair(version);
    pair = std::move(*canonical);
  }
  Response header{status::ok, version};
  header.set(beast_http::field::server, "crypto-metrics");
  header.set(beast_http::field::content_type, "text/event-stream");
  header.set(beast_http::field::cache_control, "no-store");
  // Asks a proxy in front (nginx) to pass events on as they come rather than buffer them.
  header.set("X-Accel-Buffering", "no");
  header.keep_alive(false);
  header.body() = kStreamPreamble;
  return EventStream{.header = std::move(header),
                     .pair = std::move(pair),
                     .subscription = sources.book_feed->subscribe()};
}

// The query string and one trailing slash are ignored: "/metrics/?x=1" is "/metrics".
Reply route(const Sources& sources, MetricsBodies& metrics_bodies, const RequestCounts& requests,
            std::string_view target, unsigned version) {
  std::string_view path = target.substr(0, target.find('?'));
  if (!path.starts_with('/')) {
    return error_response(status::bad_request, version, "the request target must be a path");
  }
  path.remove_prefix(1);
  if (path.ends_with('/')) path.remove_suffix(1);

  const std::size_t slash = path.find('/');
  const auto name = decode_segment(path.substr(0, slash));
  if (!name) return malformed_escape(version);
  if (slash != std::string_view::npos) {
    const std::string_view rest = path.substr(slash + 1);
    if (rest.find('/') != std::string_view::npos) return not_found(version);
    if (*name == "metrics") return pair_metrics(metrics_bodies, rest, version);
    if (*name == "stream") return event_stream(sources, rest, version);
    return not_found(version);
  }
  if (name->empty()) return dashboard(version);
  if (*name == "metrics") return json_response(status::ok, version, metrics_bodies.all());
  if (*name == "stream") return event_stream(sources, std::nullopt, version);
  if (*name == "latency") return latency(sources.latency, version);
  if (*name == "healthz") return health(version);
  if (*name == "readyz") return readiness(sources.readiness(), version);
  if (*name == "prometheus") return prometheus(sources, requests, version);
  return not_found(version);
}

}  // namespace

Router::Router(Sources sources) : sources_{std::move(sources)}, metrics_bodies_{sources_.book} {}

void Router::handle(const Request& request, Answer answer) {
  const auto target = request.target();
  const std::string_view target_text{target.data(), target.size()};
  const bool head = request.method() == beast_http::verb::head;
  Answer finish = [this, label = route_label(target_text), head,
                   answer = std::move(answer)](Reply reply) {
    if (auto* stream = std::get_if<EventStream>(&reply); stream != nullptr && head) {
      Response header = std::move(stream->header);
      reply = std::move(header);
    }
    if (auto* response = std::get_if<Response>(&reply)) {
      // Content-Length stays that of the GET body, as HEAD requires.
      if (head) response->body().clear();
      request_counts_.record(label, response->result_int());
    } else {
      request_counts_.record(label, static_cast<unsigned>(status::ok));
    }
    answer(std::move(reply));
  };

  const unsigned version = request.version();
  const beast_http::verb method = request.method();
  if (method != beast_http::verb::get && !head) {
    Response response = error_response(status::method_not_allowed, version, "method not allowed");
    response.set(beast_http::field::allow, "GET, HEAD");
    return finish(std::move(response));
  }
  // Refused rather than ignored: a body on a GET is either a client's mistake or an attempt to
  // smuggle a request past a proxy that reads the message differently.
  if (carries_body(request)) {
    return finish(
        error_response(status::bad_request, version, "a GET or HEAD request carries no body"));
  }
  const auto history = read_history_request(target_text);
  if (!history) {
    return finish(route(sources_, metrics_bodies_, request_counts_, target_text, version));
  }
  if (const auto* problem = std::get_if<std::string>(&*history)) {
    return finish(error_response(status::bad_request, version, *problem));
  }
  if (!sources_.history) {
    return finish(error_response(status::service_unavailable, version, "no stored history"));
  }
  const HistoryQuery& query = std::get<HistoryQuery>(*history);
  sources_.history(
      query, [finish = std::move(finish), pair = query.pair, version](HistoryResult result) {
        if (const auto* rows = std::get_if<std::vector<storage::QuoteRow>>(&result)) {
          return finish(json_response(status::ok, version, history_json(pair, *rows)));
        }
        finish(error_response(status::service_unavailable, version,
                              "storage cannot answer: " + std::get<std::string>(result)));
      });
}

// Event ids are book versions; a stream's ids only go up, whichever way it reads.
std::string Router::events_after(std::string_view pair, StreamPosition& position) {
  constexpr std::size_t kMostUpdatesRead = 1024;
  std::string events;
  const auto add = [&](std::uint64_t version, const std::string& body) {
    events += "id: ";
    events += std::to_string(version);
    events += "\nevent: metrics\ndata: ";
    events += body;
    events += "\n\n";
  };
  BookFeed& feed = *sources_.book_feed;
  if (!position.catching_up) {
    if (const auto updates = feed.updates_after(position.after, kMostUpdatesRead)) {
      for (const BookFeed::Update* update : *updates) {
        if (events.size() >= kMostEventBytes) break;
        if (pair.empty() || update->snapshot.pair == pair) add(update->version, feed.json(*update));
        position.after = update->version;
      }
      return events;
    }
    position.catching_up = true;
  }
  for (const metrics::Book::Change& change : sources_.book.changes_after(position.after)) {
    if (!pair.empty() && change.pair != pair) continue;
    if (events.size() >= kMostEventBytes) return events;
    add(change.version, *metrics_bodies_.pair(change.pair));
    position.after = change.version;
  }
  // Every change up to the book's version is told: the updates after it follow one by one.
  position.after = sources_.book.version();
  position.catching_up = false;
  return events;
}

void Router::count_refused(unsigned status) { request_counts_.record(RouteLabel::other, status); }

void Router::wait_for_change(std::weak_ptr<void> owner, std::function<void()> wake) {
  sources_.book_feed->wait(std::move(owner), std::move(wake));
}

}  // namespace cryptometrics::http
