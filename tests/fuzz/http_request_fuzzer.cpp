#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "routed_request.h"

// Reads the input as one raw request and routes it as the server does. A broken promise aborts;
// an exception escaping is a finding too, as libFuzzer counts an uncaught one as a crash.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Made once: a Router over a book is what every request of a running service meets.
  static cryptometrics::http::RoutedRequest routed;
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  if (const auto broken = routed.broken_promise(raw)) {
    std::fprintf(stderr, "the answer to a request broke a promise: %s\n", broken->c_str());
    std::abort();
  }
  return 0;
}
