#pragma once

#include <chrono>
#include <string_view>

namespace cryptometrics::testing {

// A well-behaved client, kept going while others abuse the server: what it saw.
struct NormalClient {
  unsigned answered = 0;  // 200
  unsigned failed = 0;    // any other status, or no answer within 10 s
  std::chrono::milliseconds slowest{0};

  // One GET on a fresh connection, as a client that opens one per request makes it.
  void get(unsigned short port, std::string_view target);
};

}  // namespace cryptometrics::testing
