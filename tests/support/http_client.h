#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace cryptometrics::testing {

// One HTTP response as a test sees it.
struct HttpResponse {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

// Sends one HTTP/1.1 request on a fresh connection and returns its response. Throws
// boost::system::system_error when the connection fails or no whole response comes within 10 s.
HttpResponse http_request(std::string_view method, std::string_view host, unsigned short port,
                          std::string_view target);

// A client connection the test drives by hand, for keep-alive, limits and timeouts: raw bytes
// out, responses or the server's close in. Every wait gives up after 10 s at most.
class HttpConnection {
 public:
  HttpConnection(std::string_view host, unsigned short port);
  ~HttpConnection();

  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Sends an HTTP/1.1 request (keep-alive, no body) and reads its response.
  HttpResponse request(std::string_view method, std::string_view target);
  // Sends `bytes` as they are.
  void send(std::string_view bytes);
  // Reads one response; `to_head` when it answers a HEAD request, so no body follows.
  HttpResponse read_response(bool to_head = false);
  // True when the server closes the connection within `timeout`; what it sends before is
  // discarded. False leaves the connection usable.
  bool closed_within(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cryptometrics::testing
