#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "support/http_client.h"

namespace cryptometrics::testing {

// One Server-Sent Event as a browser's EventSource would dispatch it.
struct ServerSentEvent {
  std::string id;
  std::string type;  // the "event:" field; "message" when absent
  std::string data;
};

// A client of a Server-Sent Events stream, read as the test chooses: the request is sent and the
// response header read on construction, events one at a time after that. Every wait gives up
// after its timeout (throwing std::runtime_error), so no test can hang on a silent server.
class EventStreamClient {
 public:
  // `receive_buffer`: the socket's receive buffer in bytes (SO_RCVBUF), 0 for the system's; a
  // small one makes a client that stops reading hold the server back sooner.
  EventStreamClient(unsigned short port, std::string_view target, int receive_buffer = 0);
  ~EventStreamClient();

  EventStreamClient(const EventStreamClient&) = delete;
  EventStreamClient& operator=(const EventStreamClient&) = delete;

  // The response's status and headers; its body is what followed the header and is not yet an
  // event.
  const HttpResponse& response() const { return response_; }

  // The next event, skipping comments and field-only blocks (counted and kept below); nullopt
  // when the server ended the stream. An unfinished event before the end is dropped, as
  // EventSource does.
  std::optional<ServerSentEvent> next(std::chrono::milliseconds timeout = std::chrono::seconds{10});

  // The comment lines and the last "retry:" value seen so far.
  std::size_t comments() const { return comments_; }
  const std::string& retry() const { return retry_; }
  // Whether the stream ended with the server's orderly close (end of file) rather than a reset;
  // only meaningful once next() returned nullopt.
  bool ended_cleanly() const { return ended_cleanly_; }
  // The bytes read so far, header included.
  std::size_t bytes_read() const { return bytes_read_; }

 private:
  // Reads more into buffer_; false when the server closed the connection.
  bool read_more(std::chrono::steady_clock::time_point deadline);

  int socket_ = -1;
  HttpResponse response_;
  std::string buffer_;
  std::size_t comments_ = 0;
  std::string retry_;
  bool ended_ = false;
  bool ended_cleanly_ = false;
  std::size_t bytes_read_ = 0;
};

}  // namespace cryptometrics::testing
