#include <gtest/gtest.h>

#include <optional>

#include "fuzz/broken_promise.h"
#include "fuzz/fuzz_inputs.h"
#include "market/quote_decoder.h"

namespace cryptometrics::market {
namespace {

// The fuzz target's seed corpus and past findings (tests/fuzz/regressions/quote_decoder/, each
// explained in its README) in the normal build: every one decodes to a Quote or a Rejection that
// keeps the decoder's promises, with or without a broker timestamp.
TEST(QuoteDecoderCorpus, EveryFuzzInputDecodesWithinPromises) {
  const auto inputs = fuzz::fuzz_inputs("quote_decoder");
  ASSERT_FALSE(inputs.empty()) << "no seed corpus under tests/fuzz/corpus/quote_decoder";
  const Timestamp broker_time{std::chrono::microseconds{1'795'484'378'014'566}};
  for (const auto& path : inputs) {
    SCOPED_TRACE(path.string());
    const std::string payload = fuzz::read_bytes(path);
    for (const auto broker_timestamp : {std::optional<Timestamp>{}, std::optional{broker_time}}) {
      Decoded decoded;
      ASSERT_NO_THROW(decoded = decode_quote(payload, broker_timestamp));
      EXPECT_EQ(broken_promise(decoded), std::nullopt);
    }
  }
}

}  // namespace
}  // namespace cryptometrics::market
