#include "soak/http_abuse.h"

#include <array>
#include <chrono>
#include <string_view>

#include "support/http_client.h"

namespace cryptometrics::soak {
namespace {

using namespace std::chrono_literals;

// A receive buffer this small fills with the first events, so the service's writes stall.
constexpr int kStalledReceiveBuffer = 4096;
// Some requests are never whole (no blank line): the service waits for the rest, the soak
// does not.
constexpr auto kUnfinishedRequestHeld = 50ms;

struct Abuse {
  std::string bytes;
  bool whole;  // a request the service can answer at once
};

std::vector<Abuse> abuses() {
  const std::string host = "Host: soak\r\n";
  std::string many_headers;
  for (int header = 0; header < 1000; ++header)
    many_headers += "X-" + std::to_string(header) + ": 1\r\n";
  return {
      {"GARBAGE\r\n\r\n", true},
      {"GET\r\n\r\n", true},
      {"GET /metrics HTTP/9.9\r\n" + host + "\r\n", true},
      {"GET /metrics/%FF HTTP/1.1\r\n" + host + "\r\n", true},
      {"GET /metrics/%C3%28 HTTP/1.1\r\n" + host + "\r\n", true},
      {"GET /metrics/%00 HTTP/1.1\r\n" + host + "\r\n", true},
      {"GET /metrics/BTC-USD/history?since=%FF HTTP/1.1\r\n" + host + "\r\n", true},
      {"GET /metrics/BTC-USD/history?since=0000-01-01T00:00:00Z HTTP/1.1\r\n" + host + "\r\n",
       true},
      {"GET /metrics/BTC-USD/history?limit=%FF HTTP/1.1\r\n" + host + "\r\n", true},
      {"GET /metrics/BTC-USD/history?limit=99999999999999999999999 HTTP/1.1\r\n" + host + "\r\n",
       true},
      {"GET /metrics/BTC-USD/history?since=2026-11-25T10:54:05Z&since=x HTTP/1.1\r\n" + host +
           "\r\n",
       true},
      {"GET /metrics/BTC-USD?%FF=%FE HTTP/1.1\r\n" + host + "\r\n", true},
      {"GET /stream/%FF%FE HTTP/1.1\r\n" + host + "\r\n", true},
      {"GET /metrics/../../etc/passwd HTTP/1.1\r\n" + host + "\r\n", true},
      {"GET http://elsewhere/metrics HTTP/1.1\r\n" + host + "\r\n", true},
      {"GET /metrics/" + std::string(10'000, 'A') + " HTTP/1.1\r\n" + host + "\r\n", true},
      {"GET /metrics HTTP/1.1\r\n" + host + "X-Big: " + std::string(16'384, 'b') + "\r\n\r\n",
       true},
      {"GET /metrics HTTP/1.1\r\n" + host + many_headers + "\r\n", true},
      {"GET /metrics HTTP/1.1\r\n" + host + "Content-Length: 5\r\n\r\nhello", true},
      {"GET /metrics HTTP/1.1\r\n" + host + "Content-Length: 100000000\r\n\r\n", true},
      {"GET /metrics HTTP/1.1\r\n" + host +
           "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
       true},
      {"GET /metrics HTTP/1.1\r\n" + host +
           "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
       true},
      {"POST /metrics HTTP/1.1\r\n" + host + "Content-Length: 3\r\n\r\nabc", true},
      {std::string{"\x00\x01\x02\xff\xfe\r\n\r\n", 9}, true},
      {std::string(1024, '\x7f'), false},
      {"GET /metrics HTTP/1.1\r\n" + host, false},
  };
}

}  // namespace

AbuseOutcome send_abusive_requests(unsigned short port, int count) {
  const std::vector<Abuse> all = abuses();
  AbuseOutcome outcome;
  for (int at = 0; at < count; ++at) {
    const Abuse& abuse = all[static_cast<std::size_t>(at) % all.size()];
    ++outcome.sent;
    try {
      testing::HttpConnection connection{"127.0.0.1", port};
      connection.send(abuse.bytes);
      if (!abuse.whole) {
        connection.closed_within(kUnfinishedRequestHeld);
        continue;
      }
      const testing::HttpResponse response = connection.read_response();
      ++outcome.answered;
      if (response.status == 500) {
        outcome.server_errors.push_back(abuse.bytes.substr(0, 100) + " -> " + response.body);
      }
    } catch (const std::exception&) {
      // Closed without an answer, which a request this broken may get.
    }
  }
  return outcome;
}

StalledStreams::StalledStreams(unsigned short port, int count) {
  for (int client = 0; client < count; ++client) {
    clients_.push_back(
        std::make_unique<testing::EventStreamClient>(port, "/stream", kStalledReceiveBuffer));
  }
}

}  // namespace cryptometrics::soak
