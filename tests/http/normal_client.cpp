#include "http/normal_client.h"

#include <algorithm>
#include <boost/system/system_error.hpp>

#include "support/http_client.h"

namespace cryptometrics::testing {

void NormalClient::get(unsigned short port, std::string_view target) {
  const auto started = std::chrono::steady_clock::now();
  bool ok = false;
  try {
    ok = http_request("GET", "127.0.0.1", port, target).status == 200;
  } catch (const boost::system::system_error&) {
    // A refused or dropped connection is a failure to count, not the end of the test.
  }
  slowest = std::max(slowest, std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now() - started));
  ++(ok ? answered : failed);
}

}  // namespace cryptometrics::testing
