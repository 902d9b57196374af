#include "http/routes.h"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <exception>
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

namespace cryptometrics::http {

namespace {

namespace beast_http = boost::beast::http;
using beast_http::status;

Response not_found(unsigned version) {
  return error_response(status::not_found, version, "not found");
}

Response pair_metrics(MetricsBodies& bodies, std::string_view segment, unsigned version) {
  const auto pair = pair_from_segment(segment);
  if (const auto* refused = std::get_if<NotAPair>(&pair)) {
    return error_response(status::bad_request, version, refused->reason);
  }
  const std::string& name = std::get<std::string>(pair);
  const std::string* body = bodies.pair(name);
  if (body == nullptr) return error_response(status::not_found, version, "no metrics for " + name);
  return json_response(status::ok, version, *body);
}

Response latency(const metrics::LatencyHistogram& histogram, unsigned version) {
  return json_response(status::ok, version, latency_json(histogram).dump());
}

Response health(unsigned version) {
  return json_response(status::ok, version, R"({"status":"ok"})");
}

Response prometheus(const Sources& sources, const RequestCounts& requests, unsigned version) {
  return body_response(status::ok, version, kPrometheusContentType,
                       prometheus_text(sources.figures ? sources.figures() : ServiceFigures{},
                                       sources.latency, requests));
}

Response dashboard(unsigned version) {
  Response response =
      body_response(status::ok, version, "text/html; charset=utf-8", std::string{dashboard_page()});
  response.set("X-Content-Type-Options", "nosniff");
  return response;
}

nlohmann::ordered_json feed_json(const FeedReadiness& feed) {
  nlohmann::ordered_json last_ticker = nlohmann::ordered_json::object();
  for (const auto& [product, time] : feed.last_ticker) {
    last_ticker[product] =
        time.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(time);
  }
  return {{"source", feed.source},
          {"url", feed.url},
          {"state", feed.state},
          {"last_ticker", std::move(last_ticker)},
          {"last_disconnect", feed.last_disconnect.empty()
                                  ? nlohmann::ordered_json(nullptr)
                                  : nlohmann::ordered_json(feed.last_disconnect)}};
}

Response readiness(const Readiness& state, unsigned version) {
  const bool ready = state.kafka_ready && state.storage.ready;
  nlohmann::ordered_json body = {
      {"status", ready ? "ready" : "not ready"},
      {"kafka",
       {
           {"ready", state.kafka_ready},
           {"state", state.kafka_state},
           {"instance", state.instance_id},
           {"assigned_partitions", state.partitions.size()},
           {"partitions", state.partitions},
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
  if (state.feed) body["feed"] = feed_json(*state.feed);
  // The states quote librdkafka and the stores, in whatever encoding their messages came.
  return json_response(ready ? status::ok : status::service_unavailable, version,
                       json_replacing_invalid_utf8(body));
}

Response history_reply(const std::string& pair, const HistoryResult& result, unsigned version) {
  if (const auto* rows = std::get_if<std::vector<storage::QuoteRow>>(&result)) {
    return json_response(status::ok, version, history_json(pair, *rows));
  }
  return error_response(status::service_unavailable, version,
                        "storage cannot answer: " + std::get<std::string>(result));
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
    auto named = pair_from_segment(*segment);
    if (const auto* refused = std::get_if<NotAPair>(&named)) {
      return error_response(status::bad_request, version, refused->reason);
    }
    pair = std::move(std::get<std::string>(named));
  }
  Response header = answer_of_type(status::ok, version, "text/event-stream");
  // Asks a proxy in front (nginx) to pass events on as they come rather than buffer them.
  header.set("X-Accel-Buffering", "no");
  header.keep_alive(false);
  header.body() = kStreamPreamble;
  return EventStream{.header = std::move(header),
                     .pair = std::move(pair),
                     .subscription = sources.book_feed->subscribe()};
}

Reply route(const Sources& sources, MetricsBodies& metrics_bodies, const RequestCounts& requests,
            std::string_view target, unsigned version) {
  const auto path = split_path(target);
  if (!path) {
    return error_response(status::bad_request, version, "the request target must be a path");
  }
  const auto name = decode_segment(path->first[0]);
  if (!name) {
    return error_response(status::bad_request, version, "malformed percent-encoding in the path");
  }
  if (path->count == 2) {
    if (*name == "metrics") return pair_metrics(metrics_bodies, path->first[1], version);
    if (*name == "stream") return event_stream(sources, path->first[1], version);
  }
  if (path->count != 1) return not_found(version);
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

std::string_view target_of(const Request& request) {
  const auto target = request.target();
  return {target.data(), target.size()};
}

Router::Router(Sources sources)
    : sources_{std::move(sources)}, metrics_bodies_{sources_.book, sources_.instance_id} {}

void Router::handle(const Request& request, Answer answer) {
  const std::string_view target_text = target_of(request);
  const bool head = request.method() == beast_http::verb::head;
  Answer finish = [this, label = route_label(target_text), head,
                   answer = std::move(answer)](Reply reply) {
    if (auto* stream = std::get_if<EventStream>(&reply); stream != nullptr && head) {
      Response header = std::move(stream->header);
      reply = std::move(header);
    }
    if (auto* response = std::get_if<Response>(&reply)) {
      conclude(label, head, *response);
    } else if (std::holds_alternative<EventStream>(reply)) {
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
  sources_.history(query,
                   [finish = std::move(finish), pair = query.pair, version](HistoryResult result) {
                     // Called from the event loop, not from the session that asked: what is thrown
                     // here goes back to that session.
                     Reply reply;
                     try {
                       reply = history_reply(pair, result, version);
                     } catch (...) {
                       reply = std::current_exception();
                     }
                     finish(std::move(reply));
                   });
}

Response Router::internal_error(const Request& request) {
  Response response =
      error_response(status::internal_server_error, request.version(), "internal error");
  conclude(route_label(target_of(request)), request.method() == beast_http::verb::head, response);
  return response;
}

void Router::conclude(RouteLabel route, bool head, Response& response) {
  if (head) response.body().clear();
  request_counts_.record(route, response.result_int());
}

// Event ids are book versions; a stream's ids only go up, whichever way it reads.
std::string Router::events_after(std::string_view pair, StreamPosition& position) {
  std::string events;
  const auto add = [&](std::uint64_t version, const std::string& body) {
    events += "id: ";
    events += std::to_string(version);
    events += "\nevent: metrics\ndata: ";
    events += body;
    events += "\n\n";
  };
  if (!position.catching_up) {
    const bool kept =
        sources_.book_feed->visit_updates_after(position.after, [&](BookFeed::Update& update) {
          if (events.size() >= kMostEventBytes) return false;
          if (pair.empty() || update.snapshot.pair == pair) {
            add(update.version, BookFeed::json(update, sources_.instance_id));
          }
          position.after = update.version;
          return true;
        });
    if (kept) return events;
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
