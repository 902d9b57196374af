#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "broken_promise.h"
#include "market/quote_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cryptometrics::market;
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  // The Kafka message time stands in for a missing one; a fixed one keeps runs reproducible.
  const Timestamp broker_time{std::chrono::microseconds{1'795'484'378'014'566}};
  if (const auto broken = broken_promise(decode_quote(payload, broker_time))) {
    // libFuzzer counts an abort as a finding and keeps the input that caused it.
    std::fprintf(stderr, "quote decoder broke a promise: %s\n", broken->c_str());
    std::abort();
  }
  return 0;
}
