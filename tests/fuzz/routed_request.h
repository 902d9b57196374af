#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <cstddef>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "http/book_feed.h"
#include "http/request_parser.h"
#include "http/routes.h"
#include "http/server.h"
#include "market/decimal.h"
#include "market/excerpt.h"
#include "market/quote.h"
#include "metrics/book.h"
#include "metrics/latency_histogram.h"
#include "storage/batch.h"

namespace cryptometrics::http {

// One raw request (request line, headers, query) read as a session reads it, with Beast's parser
// and the server's default limits, then answered by the real Router over a small real book, the
// other sources simple real values; and the promises its answer keeps. The fuzz target and the
// corpus test both use it. Anything routing throws escapes: in the service it would be a 500,
// and no request should cause one.
class RoutedRequest {
 public:
  RoutedRequest() {
    const auto price = [](std::string_view text) {
      return std::get<market::Decimal>(market::Decimal::parse(text));
    };
    const market::Timestamp time{std::chrono::microseconds{1'795'484'378'014'566}};
    book_.apply({"BTC-USD", price("46396.27"), price("46535.3"), time});
    book_.apply({"BTC-USD", price("46400.5"), price("46410.1"), time + std::chrono::seconds{1}});
    book_.apply({"ETH-USD", price("3000"), price("3001.5"), time});
    latency_.record(std::chrono::microseconds{1500});
  }

  RoutedRequest(const RoutedRequest&) = delete;
  RoutedRequest& operator=(const RoutedRequest&) = delete;

  // The first promise the answer to `raw` breaks, or nullopt. A request the parser has not seen
  // the whole header of is left unanswered, as the session leaves it to its timeout.
  std::optional<std::string> broken_promise(std::string_view raw) {
    RequestParser parser;
    apply_limits(Limits{}, parser);
    boost::beast::error_code error;
    parser.put(boost::asio::buffer(raw.data(), raw.size()), error);
    if (error == boost::beast::http::error::need_more) return std::nullopt;
    if (error) {
      const auto refused = refusal(error);
      return refused ? broken_response(*refused, false) : std::nullopt;
    }

    std::vector<Reply> replies;
    router_.handle(parser.get(), [&](Reply reply) { replies.push_back(std::move(reply)); });
    if (replies.size() != 1) {
      return "answered " + std::to_string(replies.size()) + " times, not once";
    }
    if (const auto* failure = std::get_if<std::exception_ptr>(&replies.front())) {
      std::rethrow_exception(*failure);
    }
    if (auto* stream = std::get_if<EventStream>(&replies.front())) return broken_stream(*stream);
    return broken_response(std::get<Response>(replies.front()),
                           parser.get().method() == boost::beast::http::verb::head);
  }

 private:
  // An error text is a sentence, not what the client sent: short printable UTF-8.
  static constexpr std::size_t kLongestError = 300;

  static std::optional<std::string> broken_response(const Response& response, bool head) {
    const unsigned status = response.result_int();
    if (status < 200 || status > 599) return "status " + std::to_string(status);
    const auto length = response[boost::beast::http::field::content_length];
    if (head) {
      return response.body().empty() ? std::nullopt
                                     : std::optional<std::string>{"a body in a HEAD answer"};
    }
    if (length != std::to_string(response.body().size())) {
      return "Content-Length " + std::string{length} + " for a body of " +
             std::to_string(response.body().size()) + " bytes";
    }
    if (response[boost::beast::http::field::content_type] != "application/json") {
      return std::nullopt;
    }
    nlohmann::json body;
    try {
      body = nlohmann::json::parse(response.body());
    } catch (const nlohmann::json::exception& not_json) {
      return "a body that is not JSON (" + std::string{not_json.what()} +
             "): " + market::excerpt(response.body(), kLongestError);
    }
    if (status < 400) return std::nullopt;
    if (!body.is_object() || body.size() != 1 || !body.contains("error") ||
        !body.at("error").is_string()) {
      return "an error that is not {\"error\": text}: " + body.dump();
    }
    const std::string text = body.at("error");
    if (market::excerpt(text, kLongestError) != text) {
      return "an error text that is not short printable UTF-8: " + body.dump();
    }
    return std::nullopt;
  }

  // Its first events are the book's pairs (one, or every one), as JSON.
  std::optional<std::string> broken_stream(EventStream& stream) {
    StreamPosition position;
    const std::string events = router_.events_after(stream.pair, position);
    constexpr std::string_view kData = "data: ";
    for (std::size_t at = events.find(kData); at != std::string::npos;
         at = events.find(kData, at)) {
      at += kData.size();
      const std::string_view data{events.data() + at, events.find('\n', at) - at};
      if (!nlohmann::json::accept(data)) return "an event that is not JSON: " + std::string{data};
    }
    if (events.empty() && (stream.pair.empty() || book_.find(stream.pair) != nullptr)) {
      return "no first events for stream '" + stream.pair + "'";
    }
    return std::nullopt;
  }

  // Answers at once with the pair's latest metrics as its one stored row, as a store would.
  HistoryReader history() {
    return [this](const HistoryQuery& query, std::function<void(HistoryResult)> done) {
      std::vector<storage::QuoteRow> rows;
      if (const metrics::Snapshot* latest = book_.find(query.pair)) {
        storage::QuoteRow& row = rows.emplace_back();
        row.metrics = *latest;
        row.source.topic = "crypto_prices";
        row.source.offset = latest->count;
      }
      done(std::move(rows));
    };
  }

  boost::asio::io_context io_;
  metrics::Book book_{5};
  metrics::LatencyHistogram latency_;
  BookFeed book_feed_{io_};
  Router router_{{.book = book_,
                  .latency = latency_,
                  .readiness =
                      [] {
                        return Readiness{.kafka_ready = true,
                                         .kafka_state = "assigned",
                                         .partitions = {"crypto_prices[0]"},
                                         .storage = {}};
                      },
                  .figures = {},
                  .history = history(),
                  .book_feed = &book_feed_}};
};

}  // namespace cryptometrics::http
