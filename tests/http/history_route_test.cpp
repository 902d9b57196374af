#include "http/history_route.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/running_server.h"
#include "http/stored_history.h"
#include "metrics/book.h"
#include "metrics/latency_histogram.h"
#include "storage/sqlite/sqlite_store.h"
#include "storage/sqlite_test_rows.h"
#include "storage/storage_thread.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

namespace cryptometrics::http {
namespace {

using cryptometrics::testing::http_request;
using cryptometrics::testing::HttpConnection;
using cryptometrics::testing::HttpResponse;
using storage::quote_row;
using storage::test_time;

HistoryQuery query_of(std::string_view target) {
  const auto request = read_history_request(target);
  EXPECT_TRUE(request.has_value()) << target;
  if (!request) return {};
  const auto* query = std::get_if<HistoryQuery>(&*request);
  EXPECT_NE(query, nullptr) << target << ": " << std::get<std::string>(*request);
  return query == nullptr ? HistoryQuery{} : *query;
}

std::string problem_of(std::string_view target) {
  const auto request = read_history_request(target);
  EXPECT_TRUE(request.has_value()) << target;
  if (!request) return {};
  const auto* problem = std::get_if<std::string>(&*request);
  EXPECT_NE(problem, nullptr) << target;
  return problem == nullptr ? std::string{} : *problem;
}

TEST(ReadHistoryRequest, DefaultsToTheLatestHundredRowsOfTheCanonicalPair) {
  EXPECT_EQ(query_of("/metrics/btc-usd/history"), (HistoryQuery{"BTC-USD", 100, std::nullopt}));
  EXPECT_EQ(query_of("/metrics/BTC-USD/history/"), (HistoryQuery{"BTC-USD", 100, std::nullopt}));
  EXPECT_EQ(query_of("/metrics/BTC-USD/history?"), (HistoryQuery{"BTC-USD", 100, std::nullopt}));
}

TEST(ReadHistoryRequest, ReadsLimitAndSince) {
  EXPECT_EQ(query_of("/metrics/BTC-USD/history?limit=7&since=2026-01-01T00:00:04.123456Z"),
            (HistoryQuery{"BTC-USD", 7, test_time(4)}));
  EXPECT_EQ(query_of("/metrics/BTC-USD/history?since=2026-01-01T01:00:04.123456%2B01:00&limit=007"),
            (HistoryQuery{"BTC-USD", 7, test_time(4)}));
}

TEST(ReadHistoryRequest, CapsALargeLimitInsteadOfRefusingIt) {
  EXPECT_EQ(query_of("/metrics/BTC-USD/history?limit=1000").limit, 1000u);
  EXPECT_EQ(query_of("/metrics/BTC-USD/history?limit=1001").limit, 1000u);
  EXPECT_EQ(query_of("/metrics/BTC-USD/history?limit=99999999999999999999999").limit, 1000u);
}

TEST(ReadHistoryRequest, RefusesLimitsThatAreNotPositiveWholeNumbers) {
  for (const std::string_view limit : {"0", "000", "-1", "+5", "abc", "", "1.5", "5%20", "1e3"}) {
    EXPECT_NE(problem_of("/metrics/BTC-USD/history?limit=" + std::string{limit}).find("limit"),
              std::string::npos)
        << limit;
  }
}

TEST(ReadHistoryRequest, RefusesMalformedSinceUnknownAndRepeatedParameters) {
  EXPECT_NE(problem_of("/metrics/BTC-USD/history?since=yesterday").find("RFC 3339"),
            std::string::npos);
  EXPECT_NE(problem_of("/metrics/BTC-USD/history?since=1795484378").find("RFC 3339"),
            std::string::npos);
  EXPECT_EQ(problem_of("/metrics/BTC-USD/history?until=2026-01-01T00:00:00Z"),
            "unknown parameter 'until': expected limit or since");
  EXPECT_EQ(problem_of("/metrics/BTC-USD/history?limit=1&limit=2"), "parameter limit given twice");
  EXPECT_EQ(problem_of("/metrics/BTC-USD/history?limit"), "parameter limit has no value");
  EXPECT_EQ(problem_of("/metrics/BTC-USD/history?limit=%zz"),
            "malformed percent-encoding in the query");
  EXPECT_EQ(problem_of("/metrics/BTC_USD/history"),
            "malformed pair: expected BASE-QUOTE, 2 to 12 letters or digits each");
}

// What a client sent is echoed as printable UTF-8 of a few dozen characters at most, whatever its
// bytes, so that the answer can be JSON.
TEST(ReadHistoryRequest, EchoesTheQueryAsPrintableUtf8) {
  EXPECT_EQ(problem_of("/metrics/BTC-USD/history?since=%FF"),
            "since must be an RFC 3339 time (2026-11-24T10:54:05Z): '?'");
  EXPECT_EQ(problem_of("/metrics/BTC-USD/history?limit=1%C3%28"),
            "limit must be a whole number from 1 (at most 1000 rows are answered): '1?('");
  EXPECT_EQ(problem_of("/metrics/BTC-USD/history?%FE%0Ax=1"),
            "unknown parameter '??x': expected limit or since");
  EXPECT_EQ(
      problem_of("/metrics/BTC-USD/history?since=" + std::string(100, 'x')),
      "since must be an RFC 3339 time (2026-11-24T10:54:05Z): '" + std::string(40, 'x') + "...'");
}

TEST(ReadHistoryRequest, LeavesOtherPathsToTheOtherRoutes) {
  for (const std::string_view target :
       {"/metrics", "/metrics/BTC-USD", "/metrics/BTC-USD/other", "/metrics/BTC-USD/history/x",
        "/latency/BTC-USD/history", "metrics/BTC-USD/history"}) {
    EXPECT_FALSE(read_history_request(target).has_value()) << target;
  }
}

// What a router answers from when only its history matters.
Sources history_sources(const metrics::Book& book, const metrics::LatencyHistogram& latency,
                        HistoryReader history) {
  return {.book = book,
          .latency = latency,
          .readiness = [] { return Readiness{}; },
          .figures = {},
          .history = std::move(history)};
}

// The router over real HTTP, its history read from an SQLite store on a storage thread.
class HistoryRouteTest : public ::testing::Test {
 protected:
  HistoryRouteTest() {
    for (std::int64_t offset = 0; offset < 6; ++offset) {
      written_.push_back(quote_row(offset % 2 == 0 ? "BTC-USD" : "ETH-USD", offset, 1));
    }
    store_.write(storage::Batch{written_, {}, {}});
    server_.emplace(router_);
  }

  HttpResponse get(std::string_view target) {
    return http_request("GET", "127.0.0.1", server_->port(), target);
  }

  cryptometrics::testing::TempDir directory_;
  storage::sqlite::SqliteStore store_{directory_ / "store.db"};
  storage::StorageThread storage_thread_{store_};
  std::vector<storage::QuoteRow> written_;
  metrics::Book book_{5};
  metrics::LatencyHistogram latency_;
  Router router_{history_sources(
      book_, latency_, [this](const HistoryQuery& query, std::function<void(HistoryResult)> done) {
        stored_history(storage_thread_, server_->io())(query, std::move(done));
      })};
  std::optional<RunningServer> server_;
};

TEST_F(HistoryRouteTest, AnswersAPairsStoredRowsNewestFirstWithExactDecimals) {
  const HttpResponse response = get("/metrics/btc-usd/history?limit=1");

  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.headers.at("content-type"), "application/json");
  EXPECT_EQ(response.body,
            R"({"pair":"BTC-USD","rows":[{"pair":"BTC-USD","bid":"1004.000000000001",)"
            R"("ask":"1004.5","mid_price":"1004.25","spread":"0.499999999999",)"
            R"("highest_bid":"1004.1","lowest_ask":"1004.4","max_spread":"0.75",)"
            R"("moving_avg":"1004.123456789012","count":5,)"
            R"("timestamp":"2026-01-01T00:00:04.123456Z","kafka_topic":"crypto_prices",)"
            R"("kafka_partition":1,"kafka_offset":4}]})");
}

TEST_F(HistoryRouteTest, RespectsLimitAndSince) {
  const auto offsets = [this](std::string_view target) {
    std::vector<std::int64_t> found;
    const nlohmann::json body = nlohmann::json::parse(get(target).body);
    for (const auto& row : body.at("rows")) {
      found.push_back(row.at("kafka_offset").get<std::int64_t>());
    }
    return found;
  };

  EXPECT_EQ(offsets("/metrics/BTC-USD/history"), (std::vector<std::int64_t>{4, 2, 0}));
  EXPECT_EQ(offsets("/metrics/BTC-USD/history?limit=2"), (std::vector<std::int64_t>{4, 2}));
  EXPECT_EQ(offsets("/metrics/ETH-USD/history?since=2026-01-01T00:00:03.123456Z"),
            (std::vector<std::int64_t>{5, 3}));
}

TEST_F(HistoryRouteTest, APairWithNoRowsIsAnEmptyList) {
  const HttpResponse response = get("/metrics/XRP-EUR/history");

  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.body, R"({"pair":"XRP-EUR","rows":[]})");
}

TEST_F(HistoryRouteTest, BadParametersAre400WithAJsonError) {
  for (const std::string_view target :
       {"/metrics/BTC-USD/history?limit=0", "/metrics/BTC-USD/history?limit=x",
        "/metrics/BTC-USD/history?since=now", "/metrics/BTC-USD/history?page=2",
        "/metrics/BTC_USD/history"}) {
    const HttpResponse response = get(target);

    EXPECT_EQ(response.status, 400u) << target;
    EXPECT_TRUE(nlohmann::json::parse(response.body).contains("error")) << target;
  }
}

// `curl '.../history?since=%FF'` once ended the process: the error text echoed the byte, and
// JSON refused it.
TEST_F(HistoryRouteTest, QueryBytesThatAreNotUtf8Are400WithAJsonError) {
  for (const std::string_view query : {"since=%FF", "limit=%FF", "%FF=1", "since=%C3%28",
                                       "since=%ED%A0%80", "limit=5&since=%F4%90"}) {
    const std::string target = "/metrics/BTC-USD/history?" + std::string{query};
    HttpResponse response;
    ASSERT_NO_THROW(response = get(target)) << target;

    EXPECT_EQ(response.status, 400u) << target;
    EXPECT_TRUE(nlohmann::json::parse(response.body).at("error").is_string()) << target;
  }
  EXPECT_EQ(get("/metrics/BTC-USD/history?limit=1").status, 200u);
}

TEST_F(HistoryRouteTest, HeadHasTheLengthOfTheGetBodyAndNoBody) {
  const std::string body = get("/metrics/BTC-USD/history").body;
  HttpConnection connection{"127.0.0.1", server_->port()};
  connection.send("HEAD /metrics/BTC-USD/history HTTP/1.1\r\nHost: x\r\n\r\n");
  const HttpResponse response = connection.read_response(true);

  EXPECT_EQ(response.status, 200u);
  EXPECT_TRUE(response.body.empty());
  EXPECT_EQ(response.headers.at("content-length"), std::to_string(body.size()));
}

TEST_F(HistoryRouteTest, KeepsTheConnectionAliveAcrossAnswersThatWaitForStorage) {
  HttpConnection connection{"127.0.0.1", server_->port()};

  const HttpResponse history = connection.request("GET", "/metrics/BTC-USD/history?limit=2");
  const HttpResponse health = connection.request("GET", "/healthz");
  const HttpResponse again = connection.request("GET", "/metrics/ETH-USD/history?limit=1");

  EXPECT_EQ(history.status, 200u);
  EXPECT_EQ(health.status, 200u);
  EXPECT_EQ(again.status, 200u);
  EXPECT_EQ(nlohmann::json::parse(again.body).at("rows").size(), 1u);
}

TEST_F(HistoryRouteTest, OtherMethodsAre405) {
  EXPECT_EQ(http_request("POST", "127.0.0.1", server_->port(), "/metrics/BTC-USD/history").status,
            405u);
}

TEST(HistoryRoute, AStoreThatCannotAnswerIs503) {
  metrics::Book book{5};
  metrics::LatencyHistogram latency;
  Router router{history_sources(book, latency,
                                [](const HistoryQuery&, std::function<void(HistoryResult)> done) {
                                  done(std::string{"PostgreSQL is down"});
                                })};
  RunningServer server{router};

  const HttpResponse response =
      http_request("GET", "127.0.0.1", server.port(), "/metrics/BTC-USD/history");

  EXPECT_EQ(response.status, 503u);
  EXPECT_EQ(nlohmann::json::parse(response.body).at("error"),
            "storage cannot answer: PostgreSQL is down");
}

// The history is answered later, from the storage thread: what fails then meets the same barrier
// as what fails while routing. Its body is strict JSON about the service's own data, so a stored
// topic that is not UTF-8 is a failure here, not a client's mistake.
TEST(HistoryRoute, ABodyThatFailsOnceStorageAnsweredIs500AndTheServerGoesOn) {
  boost::asio::io_context io;
  metrics::Book book{5};
  metrics::LatencyHistogram latency;
  Router router{history_sources(
      book, latency, [&io](const HistoryQuery& query, std::function<void(HistoryResult)> done) {
        const storage::QuoteRow row = quote_row(query.pair, 0, 1, "\xff");
        boost::asio::post(io, [row, done] { done(std::vector<storage::QuoteRow>{row}); });
      })};
  RunningServer server{io, router};
  HttpConnection connection{"127.0.0.1", server.port()};

  connection.send("GET /metrics/BTC-USD/history HTTP/1.1\r\nHost: x\r\n\r\n");
  const HttpResponse response = connection.read_response();

  EXPECT_EQ(response.status, 500u);
  EXPECT_EQ(response.body, R"({"error":"internal error"})");
  EXPECT_EQ(response.headers.at("connection"), "close");
  EXPECT_TRUE(connection.closed_within(std::chrono::seconds{5}));
  EXPECT_EQ(http_request("GET", "127.0.0.1", server.port(), "/healthz").status, 200u);
}

}  // namespace
}  // namespace cryptometrics::http
