#include "http/routes.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "http/dashboard_page.h"
#include "http/running_server.h"
#include "market/decimal.h"
#include "market/quote.h"
#include "market/timestamp.h"
#include "metrics/book.h"
#include "metrics/latency_histogram.h"
#include "support/http_client.h"

namespace cryptometrics::http {
namespace {

using namespace std::chrono_literals;
using cryptometrics::testing::http_request;
using cryptometrics::testing::HttpConnection;
using cryptometrics::testing::HttpResponse;

const market::Timestamp kFirstQuoteTime =
    std::chrono::sys_days{std::chrono::year{2026} / 11 / 24} + 10h + 54min + 5s + 14566us;

market::Quote quote(std::string pair, std::string_view bid, std::string_view ask,
                    market::Timestamp timestamp) {
  return {std::move(pair), std::get<market::Decimal>(market::Decimal::parse(bid)),
          std::get<market::Decimal>(market::Decimal::parse(ask)), timestamp};
}

Readiness ready() {
  return {
      .kafka_ready = true,
      .kafka_state = "assigned",
      .instance_id = "host-8080",
      .partitions = {"crypto_prices[0]", "crypto_prices[1]", "crypto_prices[2]"},
      .storage = {.backend = "sqlite",
                  .ready = true,
                  .state = "ok",
                  .spool_depth = 0,
                  .last_error = "",
                  .has_spool = false,
                  .rows = {}}};
}

class RoutesTest : public ::testing::Test {
 protected:
  RoutesTest() {
    book_.apply(quote("BTC-USD", "46396.27", "46535.3", kFirstQuoteTime));
    book_.apply(quote("BTC-USD", "46400.5", "46410.1", kFirstQuoteTime + 1s),
                {.partition = 2, .offset = 1041});
    book_.apply(quote("ETH-USD", "3000", "3001.5", kFirstQuoteTime));
    book_.apply(quote("ADA-USD", "0.5", "0.51", kFirstQuoteTime));
    for (const auto latency : {150us, 1000us, 1000us, 2500us}) latency_.record(latency);
    server_.emplace(router_);
  }

  HttpResponse request(std::string_view method, std::string_view target) {
    return http_request(method, "127.0.0.1", server_->port(), target);
  }
  HttpResponse get(std::string_view target) { return request("GET", target); }

  void set_readiness(Readiness readiness) {
    const std::lock_guard lock{readiness_mutex_};
    readiness_ = std::move(readiness);
  }

  metrics::Book book_{5};
  metrics::LatencyHistogram latency_;
  std::mutex readiness_mutex_;
  Readiness readiness_ = ready();
  Router router_{{.book = book_,
                  .latency = latency_,
                  .readiness =
                      [this] {
                        const std::lock_guard lock{readiness_mutex_};
                        return readiness_;
                      },
                  .instance_id = "host-8080"}};
  std::optional<RunningServer> server_;
};

constexpr std::string_view kBtcUsdJson =
    R"({"pair":"BTC-USD","bid":"46400.5","ask":"46410.1","mid_price":"46405.3","spread":"9.6",)"
    R"("highest_bid":"46400.5","lowest_ask":"46410.1","max_spread":"139.03",)"
    R"("moving_avg":"46435.5425","count":2,"timestamp":"2026-11-24T10:54:06.014566Z",)"
    R"("source":{"read_from":"memory","instance":"host-8080","partition":2,"offset":1041}})";

TEST_F(RoutesTest, PairMetricsAreExactJson) {
  const HttpResponse response = get("/metrics/BTC-USD");

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, kBtcUsdJson);
}

TEST_F(RoutesTest, AnswersCarryJsonNoStoreAndServerHeaders) {
  const HttpResponse response = get("/metrics/BTC-USD");

  EXPECT_EQ(response.headers.at("content-type"), "application/json");
  EXPECT_EQ(response.headers.at("cache-control"), "no-store");
  EXPECT_EQ(response.headers.at("server"), "crypto-metrics");
  EXPECT_EQ(response.headers.at("content-length"), std::to_string(response.body.size()));
}

TEST_F(RoutesTest, PairIsMatchedCaseInsensitively) {
  const HttpResponse response = get("/metrics/btc-Usd");

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, kBtcUsdJson);
}

TEST_F(RoutesTest, MalformedPairIs400) {
  for (const std::string_view target :
       {"/metrics/BTCUSD", "/metrics/B-USD", "/metrics/BTC-USD-EUR", "/metrics/BTC_USD",
        "/metrics/ABCDEFGHIJKLM-USD", "/metrics/BTC%2FUSD"}) {
    const HttpResponse response = get(target);

    EXPECT_EQ(response.status, 400) << target;
    EXPECT_EQ(nlohmann::json::parse(response.body).at("error"),
              "malformed pair: expected BASE-QUOTE, 2 to 12 letters or digits each")
        << target;
  }
}

TEST_F(RoutesTest, PairNeverSeenIs404) {
  const HttpResponse response = get("/metrics/xrp-usd");

  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body, R"({"error":"no metrics for XRP-USD"})");
}

TEST_F(RoutesTest, AllMetricsAreListedByPair) {
  const HttpResponse response = get("/metrics");

  ASSERT_EQ(response.status, 200);
  const auto pairs = nlohmann::json::parse(response.body).at("pairs");
  ASSERT_EQ(pairs.size(), 3u);
  EXPECT_EQ(pairs[0].at("pair"), "ADA-USD");
  EXPECT_EQ(pairs[1], nlohmann::json::parse(kBtcUsdJson));
  EXPECT_EQ(pairs[2].at("pair"), "ETH-USD");
  EXPECT_EQ(pairs[2].at("mid_price"), "3000.75");
  EXPECT_EQ(pairs[0].at("spread"), "0.01");
}

// 150 µs, 1 ms, 1 ms and 2.5 ms fall in the buckets up to 0.168, 1.131 and 2.691 ms. The p50
// lies halfway into the bucket of 1.131 ms (from 0.951); p90 and p99 stop at the maximum.
TEST_F(RoutesTest, LatencyIsACumulativeHistogramInMilliseconds) {
  const HttpResponse response = get("/latency");

  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.headers.at("content-type"), "application/json");
  EXPECT_TRUE(response.body.starts_with(
      R"({"unit":"ms","count":4,"sum_ms":4.65,"p50_ms":1.041,"p90_ms":2.5,"p99_ms":2.5,)"
      R"("max_ms":2.5,"buckets":[{"le_ms":0.05,"count":0},{"le_ms":0.059,"count":0},)"))
      << response.body;
  const auto buckets = nlohmann::json::parse(response.body).at("buckets");
  ASSERT_EQ(buckets.size(), metrics::LatencyHistogram::kFiniteBuckets + 1);
  std::map<double, std::uint64_t> cumulative;
  for (std::size_t i = 0; i + 1 < buckets.size(); ++i) {
    cumulative[buckets[i].at("le_ms").get<double>()] = buckets[i].at("count");
  }
  EXPECT_EQ(cumulative.at(0.141), 0u);
  EXPECT_EQ(cumulative.at(0.168), 1u);
  EXPECT_EQ(cumulative.at(1.131), 3u);
  EXPECT_EQ(cumulative.at(2.263), 3u);
  EXPECT_EQ(cumulative.at(2.691), 4u);
  EXPECT_EQ(buckets.back(), nlohmann::json::parse(R"({"le_ms":"+Inf","count":4})"));
}

TEST(LatencyRoute, StatisticsAreNullBeforeTheFirstQuote) {
  const metrics::Book book{5};
  const metrics::LatencyHistogram latency;
  Router router{{.book = book, .latency = latency, .readiness = ready}};

  Response response;
  // Answered at once: /latency reads no storage.
  router.handle(Request{boost::beast::http::verb::get, "/latency", 11},
                [&](Reply reply) { response = std::get<Response>(std::move(reply)); });

  ASSERT_EQ(response.result_int(), 200u);
  const auto body = nlohmann::json::parse(response.body());
  EXPECT_EQ(body.at("count"), 0);
  EXPECT_EQ(body.at("sum_ms"), 0);
  for (const char* statistic : {"p50_ms", "p90_ms", "p99_ms", "max_ms"}) {
    EXPECT_TRUE(body.at(statistic).is_null()) << statistic;
  }
  EXPECT_EQ(body.at("buckets").back().at("count"), 0);
}

TEST_F(RoutesTest, HealthzIsOk) {
  const HttpResponse response = get("/healthz");

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"status":"ok"})");
}

TEST_F(RoutesTest, ReadyzIs200WhenKafkaAndStorageAreReady) {
  const HttpResponse response = get("/readyz");

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(
      response.body,
      R"({"status":"ready","kafka":{"ready":true,"state":"assigned","instance":"host-8080",)"
      R"("assigned_partitions":3,)"
      R"("partitions":["crypto_prices[0]","crypto_prices[1]","crypto_prices[2]"]},)"
      R"("storage":{"backend":"sqlite","ready":true,"state":"ok","spool_depth":0,)"
      R"("last_error":null}})");
}

TEST_F(RoutesTest, ReadyzIs503WhenKafkaHasNoPartitions) {
  Readiness waiting = ready();
  waiting.kafka_ready = false;
  waiting.kafka_state = "waiting for assignment";
  waiting.partitions = {};
  set_readiness(waiting);

  const HttpResponse response = get("/readyz");

  EXPECT_EQ(response.status, 503);
  const auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body.at("status"), "not ready");
  EXPECT_EQ(body.at("kafka"),
            nlohmann::json::parse(
                R"({"ready":false,"state":"waiting for assignment","instance":"host-8080",)"
                R"("assigned_partitions":0,"partitions":[]})"));
}

TEST_F(RoutesTest, ReadyzIs503WhenStorageIsNotReady) {
  Readiness failing = ready();
  failing.storage = {.backend = "postgres",
                     .ready = false,
                     .state = "failing",
                     .spool_depth = 12,
                     .last_error = "connection refused",
                     .has_spool = true,
                     .rows = {}};
  set_readiness(failing);

  const HttpResponse response = get("/readyz");

  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(nlohmann::json::parse(response.body).at("storage"),
            nlohmann::json::parse(R"({"backend":"postgres","ready":false,"state":"failing",)"
                                  R"("spool_depth":12,"last_error":"connection refused"})"));
}

// A PostgreSQL server whose messages are in LATIN1 says "état" in bytes that are not UTF-8.
TEST_F(RoutesTest, ReadyzQuotesAnErrorInAnotherEncodingAsJson) {
  Readiness failing = ready();
  failing.kafka_state = "error: broker \xff";
  failing.storage.ready = false;
  failing.storage.last_error = "\xe9tat de la connexion: refus\xe9";
  set_readiness(failing);

  HttpResponse response;
  ASSERT_NO_THROW(response = get("/readyz"));

  EXPECT_EQ(response.status, 503);
  const auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body.at("kafka").at("state"), "error: broker \xef\xbf\xbd");
  EXPECT_EQ(body.at("storage").at("last_error"),
            "\xef\xbf\xbdtat de la connexion: refus\xef\xbf\xbd");
}

TEST_F(RoutesTest, UnknownPathIs404Json) {
  for (const std::string_view target :
       {"/nope", "/METRICS", "/metrics/BTC-USD/bid", "/healthz/now", "//metrics"}) {
    const HttpResponse response = get(target);

    EXPECT_EQ(response.status, 404) << target;
    EXPECT_EQ(response.body, R"({"error":"not found"})") << target;
    EXPECT_EQ(response.headers.at("content-type"), "application/json") << target;
  }
}

TEST_F(RoutesTest, RootIsTheDashboardPage) {
  for (const std::string_view target : {"/", "/?pair=BTC-USD"}) {
    const HttpResponse response = get(target);

    EXPECT_EQ(response.status, 200) << target;
    EXPECT_EQ(response.headers.at("content-type"), "text/html; charset=utf-8") << target;
    EXPECT_EQ(response.headers.at("x-content-type-options"), "nosniff") << target;
    EXPECT_EQ(response.body, dashboard_page()) << target;
  }
}

TEST_F(RoutesTest, OtherMethodsAre405WithAllow) {
  for (const std::string_view method :
       {"POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT", "BREW"}) {
    const HttpResponse response = request(method, "/metrics/BTC-USD");

    EXPECT_EQ(response.status, 405) << method;
    EXPECT_EQ(response.headers.at("allow"), "GET, HEAD") << method;
    EXPECT_EQ(response.body, R"({"error":"method not allowed"})") << method;
  }
}

TEST_F(RoutesTest, HeadHasTheHeadersOfGetAndNoBody) {
  HttpConnection connection{"127.0.0.1", server_->port()};

  const HttpResponse head = connection.request("HEAD", "/metrics/BTC-USD");
  // Were a body sent after the HEAD answer, this response would not parse.
  const HttpResponse get = connection.request("GET", "/metrics/BTC-USD");

  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.headers, get.headers);
  EXPECT_EQ(head.headers.at("content-length"), std::to_string(kBtcUsdJson.size()));
  EXPECT_EQ(get.body, kBtcUsdJson);
}

TEST_F(RoutesTest, HeadOfAnErrorHasNoBody) {
  const HttpResponse response = request("HEAD", "/metrics/XRP-USD");

  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body, "");
  EXPECT_NE(response.headers.at("content-length"), "0");
}

TEST_F(RoutesTest, TrailingSlashIsIgnored) {
  EXPECT_EQ(get("/metrics/BTC-USD/").body, kBtcUsdJson);
  EXPECT_EQ(get("/metrics/").body, get("/metrics").body);
  EXPECT_EQ(get("/healthz/").status, 200);
  EXPECT_EQ(get("/readyz/").status, 200);
}

TEST_F(RoutesTest, QueryStringIsIgnored) {
  EXPECT_EQ(get("/metrics/BTC-USD?fields=bid&x=%zz").body, kBtcUsdJson);
  EXPECT_EQ(get("/metrics?").body, get("/metrics").body);
  EXPECT_EQ(get("/healthz?probe=1").status, 200);
}

TEST_F(RoutesTest, PercentEncodedPathIsDecoded) {
  EXPECT_EQ(get("/metrics/btc%2Dusd").body, kBtcUsdJson);
  EXPECT_EQ(get("/%6detrics/%42TC-USD").body, kBtcUsdJson);
  EXPECT_EQ(get("/%68ealthz").status, 200);
}

TEST_F(RoutesTest, MalformedPercentEncodingIs400) {
  for (const std::string_view target :
       {"/metrics/BTC-USD%", "/metrics/BTC%2", "/metrics/%G1", "/metr%ics"}) {
    const HttpResponse response = get(target);

    EXPECT_EQ(response.status, 400) << target;
    EXPECT_EQ(response.body, R"({"error":"malformed percent-encoding in the path"})") << target;
  }
}

TEST_F(RoutesTest, LongPathIsAnsweredAtOnce) {
  // 7 KiB: under the header limit, so it reaches the router.
  const std::string long_name(7 * 1024, 'a');
  const std::pair<std::string, unsigned> cases[] = {{"/" + long_name, 404},
                                                    {"/metrics/" + long_name, 400},
                                                    {"/metrics/" + long_name + "/x", 404}};
  for (const auto& [target, status] : cases) {
    const auto started = std::chrono::steady_clock::now();
    const HttpResponse response = get(target);

    EXPECT_EQ(response.status, status) << target.substr(0, 20);
    EXPECT_TRUE(nlohmann::json::parse(response.body).contains("error"));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  }
}

// Dot segments are not resolved, neither as sent nor once decoded: "." and ".." are not pairs.
TEST_F(RoutesTest, PathThatClimbsIsNotFoundOrMalformed) {
  const std::pair<std::string_view, unsigned> cases[] = {
      {"/metrics/../..", 404},          {"/metrics/../healthz", 404},
      {"/../metrics/BTC-USD", 404},     {"/metrics/./BTC-USD", 404},
      {"/metrics/%2E%2E/healthz", 404}, {"/metrics/..", 400},
      {"/metrics/..%2F..", 400},        {"/metrics/%2e%2e%2f%2e%2e%2fetc%2fpasswd", 400},
      {"/metrics/BTC-USD%00", 400}};
  for (const auto& [target, status] : cases) {
    const HttpResponse response = get(target);

    EXPECT_EQ(response.status, status) << target;
    EXPECT_EQ(response.headers.at("content-type"), "application/json") << target;
    EXPECT_TRUE(nlohmann::json::parse(response.body).contains("error")) << target;
  }
}

// A pair is letters and digits only, so markup or SQL never reaches an answer: the error is one
// fixed text.
TEST_F(RoutesTest, PairWithMarkupOrSqlIsRefusedWithoutEchoingIt) {
  for (const std::string_view target :
       {"/metrics/%3Cscript%3Ealert(1)%3C%2Fscript%3E-USD", "/metrics/BTC-USD'%20OR%20'1'='1",
        "/metrics/BTC-USD%22%7D", "/metrics/BTC-USD;DROP%20TABLE%20crypto_metrics"}) {
    const HttpResponse response = get(target);

    EXPECT_EQ(response.status, 400) << target;
    EXPECT_EQ(response.headers.at("content-type"), "application/json") << target;
    EXPECT_EQ(nlohmann::json::parse(response.body).at("error"),
              "malformed pair: expected BASE-QUOTE, 2 to 12 letters or digits each")
        << target;
  }
}

// No path echoes what it was sent, but every answer stays JSON whatever bytes the path decodes to.
TEST_F(RoutesTest, PathBytesThatAreNotUtf8AreAnsweredWithAJsonError) {
  const std::pair<std::string_view, unsigned> cases[] = {{"/metrics/%FF-USD", 400},
                                                         {"/metrics/BTC-%C3%28", 400},
                                                         {"/metrics/%FF", 400},
                                                         {"/metrics/%FF-USD/history", 400},
                                                         {"/metrics/BTC-USD/%FF", 404},
                                                         {"/metrics/%ED%A0%80-USD", 400},
                                                         {"/%FF", 404},
                                                         {"/%F4%90%80%80/x?since=%FF", 404}};
  for (const auto& [target, status] : cases) {
    HttpResponse response;
    ASSERT_NO_THROW(response = get(target)) << target;

    EXPECT_EQ(response.status, status) << target;
    EXPECT_TRUE(nlohmann::json::parse(response.body).at("error").is_string()) << target;
  }
}

}  // namespace
}  // namespace cryptometrics::http
