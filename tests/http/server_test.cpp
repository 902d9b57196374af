#include "http/server.h"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/system_error.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "http/routes.h"
#include "http/running_server.h"
#include "http/session.h"
#include "metrics/book.h"
#include "metrics/latency_histogram.h"
#include "support/http_client.h"

namespace cryptometrics::http {
namespace {

using namespace std::chrono_literals;
using cryptometrics::testing::http_request;
using cryptometrics::testing::HttpConnection;
using cryptometrics::testing::HttpResponse;

constexpr std::string_view kHost = "127.0.0.1";

class ServerTest : public ::testing::Test {
 protected:
  void start(Limits limits = {}) { server_.emplace(router_, limits); }
  unsigned short port() const { return server_->port(); }
  HttpConnection connect() const { return HttpConnection{kHost, port()}; }

  metrics::Book book_{5};
  metrics::LatencyHistogram latency_;
  Router router_{{.book = book_, .latency = latency_, .readiness = [] { return Readiness{}; }}};
  std::optional<RunningServer> server_;
};

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  HttpConnection connection = connect();

  const std::pair<std::string_view, unsigned> exchanges[] = {
      {"/healthz", 200}, {"/nope", 404}, {"/readyz", 503}, {"/metrics", 200}};
  for (const auto& [target, status] : exchanges) {
    const HttpResponse response = connection.request("GET", target);

    EXPECT_EQ(response.status, status) << target;
    EXPECT_FALSE(response.headers.contains("connection")) << target;
  }
  EXPECT_FALSE(connection.closed_within(100ms));
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  HttpConnection connection = connect();

  connection.send(
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");

  EXPECT_EQ(connection.read_response().status, 200);
  EXPECT_EQ(connection.read_response().status, 404);
  EXPECT_EQ(connection.read_response().body, R"({"pairs":[]})");
}

TEST_F(ServerTest, Http10KeepAliveIsHonoured) {
  start();
  HttpConnection connection = connect();

  for (int i = 0; i < 2; ++i) {
    connection.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    const HttpResponse response = connection.read_response();

    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.headers.at("connection"), "keep-alive");
  }
}

TEST_F(ServerTest, Http10WithoutKeepAliveIsClosedAfterTheAnswer) {
  start();
  HttpConnection connection = connect();

  connection.send("GET /healthz HTTP/1.0\r\n\r\n");

  EXPECT_EQ(connection.read_response().status, 200);
  EXPECT_TRUE(connection.closed_within(5s));
}

TEST_F(ServerTest, ConnectionCloseIsHonoured) {
  start();
  HttpConnection connection = connect();

  connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const HttpResponse response = connection.read_response();

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.headers.at("connection"), "close");
  EXPECT_TRUE(connection.closed_within(5s));
}

TEST_F(ServerTest, HeaderTooLargeIs431ThenClosed) {
  start({.header_limit = 1024});
  HttpConnection connection = connect();

  connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'a') +
                  "\r\n\r\n");
  const HttpResponse response = connection.read_response();

  EXPECT_EQ(response.status, 431);
  EXPECT_EQ(response.body, R"({"error":"header limit exceeded"})");
  EXPECT_EQ(response.headers.at("connection"), "close");
  EXPECT_TRUE(connection.closed_within(5s));
}

TEST_F(ServerTest, RequestsRefusedUnreadAreCountedUnderOther) {
  start({.max_connections = 2, .header_limit = 1024});
  HttpConnection first = connect();
  HttpConnection second = connect();
  first.send("GET /healthz HTTP/1.1\r\n");
  second.send("GET /healthz HTTP/1.1\r\n");
  // Both places are taken by requests under way.
  ASSERT_EQ(http_request("GET", kHost, port(), "/healthz").status, 503);
  second.send("X-Big: " + std::string(4096, 'a') + "\r\n\r\n");
  ASSERT_EQ(second.read_response().status, 431);
  first.send("\r\n");
  ASSERT_EQ(first.read_response().status, 200);

  const std::string figures = first.request("GET", "/prometheus").body;

  EXPECT_NE(figures.find(R"(crypto_metrics_http_requests_total{route="other",status="431"} 1)"),
            std::string::npos)
      << figures;
  EXPECT_NE(figures.find(R"(crypto_metrics_http_requests_total{route="other",status="503"} 1)"),
            std::string::npos)
      << figures;
}

TEST_F(ServerTest, BodyTooLargeIs413ThenClosed) {
  start({.body_limit = 16});
  HttpConnection connection = connect();

  connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" +
                  std::string(1000, 'b'));
  const HttpResponse response = connection.read_response();

  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(response.body, R"({"error":"body limit exceeded"})");
  EXPECT_EQ(response.headers.at("connection"), "close");
  EXPECT_TRUE(connection.closed_within(5s));
}

TEST_F(ServerTest, BodyOnGetOrHeadIs400ThenClosed) {
  start({.body_limit = 16});
  for (const std::string_view with_body :
       {"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n0\r\n\r\n",
        "HEAD /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"}) {
    HttpConnection connection = connect();

    connection.send(with_body);
    const HttpResponse response = connection.read_response(with_body.starts_with("HEAD"));

    EXPECT_EQ(response.status, 400) << with_body;
    if (!with_body.starts_with("HEAD")) {
      EXPECT_EQ(response.body, R"({"error":"a GET or HEAD request carries no body"})");
    }
    EXPECT_EQ(response.headers.at("connection"), "close") << with_body;
    EXPECT_TRUE(connection.closed_within(5s)) << with_body;
  }
}

TEST_F(ServerTest, ZeroContentLengthIsNoBody) {
  start();
  HttpConnection connection = connect();

  connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  const HttpResponse response = connection.read_response();

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(connection.request("GET", "/healthz").status, 200);
}

TEST_F(ServerTest, PostWithABodyIs405ThenClosedUnread) {
  start();
  HttpConnection connection = connect();

  connection.send("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n");
  const HttpResponse response = connection.read_response();

  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.headers.at("allow"), "GET, HEAD");
  EXPECT_EQ(response.headers.at("connection"), "close");
  EXPECT_TRUE(connection.closed_within(5s));
}

TEST_F(ServerTest, MalformedRequestIs400ThenClosed) {
  start();
  for (const std::string_view malformed :
       {"NOT A REQUEST\r\n\r\n", "GET /healthz HTTP/1.1\r\nBad Header\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nContent-Length: ten\r\n\r\n", "\x01\x02\r\n\r\n"}) {
    HttpConnection connection = connect();

    connection.send(malformed);
    const HttpResponse response = connection.read_response();

    EXPECT_EQ(response.status, 400) << malformed;
    EXPECT_TRUE(response.body.starts_with(R"({"error":)")) << malformed;
    EXPECT_EQ(response.headers.at("connection"), "close") << malformed;
    EXPECT_TRUE(connection.closed_within(5s)) << malformed;
  }
}

TEST_F(ServerTest, SlowClientIsDroppedAfterRequestTimeout) {
  start({.request_timeout = 1s, .idle_timeout = 30s});
  HttpConnection slow = connect();
  const auto started = std::chrono::steady_clock::now();

  // A header line every 100 ms: always sending, never done.
  slow.send("GET /healthz HTTP/1.1\r\n");
  bool dropped = false;
  for (int line = 0; line < 50 && !dropped; ++line) {
    slow.send("X-Slow: " + std::to_string(line) + "\r\n");
    dropped = slow.closed_within(100ms);
  }

  EXPECT_TRUE(dropped);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 900ms);
}

TEST_F(ServerTest, OthersAreServedWhileASlowClientTrickles) {
  start({.request_timeout = 5s});
  HttpConnection slow = connect();
  slow.send("GET /healthz HTTP/1.1\r\nX-Slow: 1\r\n");

  const HttpResponse response = http_request("GET", kHost, port(), "/healthz");

  EXPECT_EQ(response.status, 200);
}

TEST_F(ServerTest, FirstRequestIsDueWithinRequestTimeoutOfConnecting) {
  start({.request_timeout = 2s, .idle_timeout = 30s});
  HttpConnection connection = connect();
  ASSERT_FALSE(connection.closed_within(1500ms));

  // The first byte does not start the clock again: 0.5 s are left, not 2.
  connection.send("G");

  EXPECT_TRUE(connection.closed_within(1s));
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
  start({.request_timeout = 30s, .idle_timeout = 1s});
  HttpConnection connection = connect();

  EXPECT_EQ(connection.request("GET", "/healthz").status, 200);

  EXPECT_TRUE(connection.closed_within(5s));
}

TEST_F(ServerTest, IdleConnectionIsClosedToMakeRoomAtTheCap) {
  start({.max_connections = 2});
  HttpConnection first = connect();
  HttpConnection second = connect();
  ASSERT_EQ(first.request("GET", "/healthz").status, 200);
  ASSERT_EQ(second.request("GET", "/healthz").status, 200);

  const HttpResponse third = http_request("GET", kHost, port(), "/healthz");

  EXPECT_EQ(third.status, 200);
  EXPECT_TRUE(first.closed_within(5s));
  EXPECT_EQ(second.request("GET", "/healthz").status, 200);
}

TEST_F(ServerTest, ConnectionBeyondTheCapIs503WhenEveryConnectionIsMidRequest) {
  start({.max_connections = 2});
  HttpConnection first = connect();
  HttpConnection second = connect();
  ASSERT_EQ(first.request("GET", "/healthz").status, 200);
  first.send("GET /healthz HTTP/1.1\r\n");
  // Mid-request from their first byte on, even one the server has not read yet.
  second.send("GET /metrics HTTP/1.1\r\n");

  HttpConnection third = connect();
  const HttpResponse refused = third.read_response();

  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.body, R"({"error":"too many connections"})");
  EXPECT_EQ(refused.headers.at("connection"), "close");
  EXPECT_TRUE(third.closed_within(5s));
  first.send("Host: x\r\n\r\n");
  second.send("Host: x\r\n\r\n");
  EXPECT_EQ(first.read_response().status, 200);
  EXPECT_EQ(second.read_response().status, 200);
}

// Each session has one barrier: whatever a route throws is answered 500, that connection closed,
// and every other connection is served as before. Here /readyz throws, as a route with a bug would.
class SessionBarrierTest : public ::testing::Test {
 protected:
  unsigned short port() const { return server_.port(); }

  metrics::Book book_{5};
  metrics::LatencyHistogram latency_;
  Router router_{{.book = book_, .latency = latency_, .readiness = []() -> Readiness {
                    throw std::runtime_error{"readiness cannot be read"};
                  }}};
  RunningServer server_{router_};
};

TEST_F(SessionBarrierTest, ARouteThatThrowsIs500AndOtherConnectionsAreStillServed) {
  HttpConnection before{kHost, port()};
  ASSERT_EQ(before.request("GET", "/healthz").status, 200);
  HttpConnection failing{kHost, port()};

  failing.send("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n");
  const HttpResponse response = failing.read_response();

  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body, R"({"error":"internal error"})");
  EXPECT_EQ(response.headers.at("connection"), "close");
  EXPECT_TRUE(failing.closed_within(5s));
  EXPECT_EQ(before.request("GET", "/healthz").status, 200);
  EXPECT_EQ(http_request("GET", kHost, port(), "/healthz").status, 200);
  const std::string figures = before.request("GET", "/prometheus").body;
  EXPECT_NE(figures.find(R"(crypto_metrics_http_requests_total{route="readyz",status="500"} 1)"),
            std::string::npos)
      << figures;
}

TEST_F(SessionBarrierTest, AHeadRequestThatThrowsIs500WithoutABody) {
  HttpConnection failing{kHost, port()};

  failing.send("HEAD /readyz HTTP/1.1\r\nHost: x\r\n\r\n");
  const HttpResponse response = failing.read_response(true);

  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.headers.at("content-length"),
            std::to_string(std::string_view{R"({"error":"internal error"})"}.size()));
  EXPECT_TRUE(failing.closed_within(5s));
}

// The loop does not run: what the client sends stays in the socket, unread by the session.
TEST(Session, WaitingWithBytesNotYetReadIsNotIdle) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor{io, {boost::asio::ip::address_v4::loopback(), 0}};
  boost::asio::ip::tcp::socket client{io};
  client.connect(acceptor.local_endpoint());
  metrics::Book book{5};
  metrics::LatencyHistogram latency;
  Router router{{.book = book, .latency = latency, .readiness = [] { return Readiness{}; }}};
  const auto session = std::make_shared<Session>(acceptor.accept(), router, Limits{});
  session->serve();
  ASSERT_TRUE(session->idle_since());

  boost::asio::write(client, boost::asio::buffer(std::string_view{"GET /healthz HTTP/1.1\r\n"}));
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (session->idle_since() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);  // loopback delivers at once; this only waits for that
  }

  EXPECT_FALSE(session->idle_since());
}

TEST_F(ServerTest, ClosedConnectionFreesItsPlaceUnderTheCap) {
  start({.max_connections = 1});
  std::optional<HttpConnection> first{std::in_place, kHost, port()};
  first->send("GET /healthz HTTP/1.1\r\n");
  ASSERT_EQ(http_request("GET", kHost, port(), "/healthz").status, 503);

  first.reset();

  // The server learns of the close on its own time; each try is a full exchange, no sleep.
  HttpResponse response;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  do {
    response = http_request("GET", kHost, port(), "/healthz");
  } while (response.status == 503 && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(response.status, 200);
}

TEST_F(ServerTest, StopEndsRunAndClosesEveryConnection) {
  start();
  HttpConnection idle = connect();
  ASSERT_EQ(idle.request("GET", "/healthz").status, 200);
  HttpConnection slow = connect();
  slow.send("GET /healthz HTTP/1.1\r\n");
  const unsigned short listening_port = port();

  EXPECT_TRUE(server_->stop_and_wait(5s));

  EXPECT_TRUE(idle.closed_within(1s));
  EXPECT_TRUE(slow.closed_within(1s));
  EXPECT_THROW(HttpConnection(kHost, listening_port), boost::system::system_error);
}

TEST_F(ServerTest, ConstructorNamesTheAddressItCannotBind) {
  start();
  boost::asio::io_context io;
  const std::string address = "127.0.0.1:" + std::to_string(port());

  try {
    Server second{io, {boost::asio::ip::address_v4::loopback(), port()}, router_};
    FAIL() << "a second server bound " << address;
  } catch (const boost::system::system_error& error) {
    EXPECT_NE(std::string{error.what()}.find(address), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace cryptometrics::http
