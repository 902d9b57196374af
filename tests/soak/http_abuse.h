#pragma once

#include <memory>
#include <string>
#include <vector>

#include "support/event_stream_client.h"

namespace cryptometrics::soak {

struct AbuseOutcome {
  int sent = 0;
  int answered = 0;
  std::vector<std::string> server_errors;  // requests answered 500: an exception in the service
};

// Requests no client should send, each on a connection of its own, `count` in all: malformed
// request lines, escapes that decode to invalid UTF-8 in a pair or in `since`, headers over the
// limit, bodies on GET, bytes that are not HTTP.
AbuseOutcome send_abusive_requests(unsigned short port, int count);

// Clients of /stream that never read, with small receive buffers, for as long as this lives.
class StalledStreams {
 public:
  StalledStreams(unsigned short port, int count);

 private:
  std::vector<std::unique_ptr<testing::EventStreamClient>> clients_;
};

}  // namespace cryptometrics::soak
