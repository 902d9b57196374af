#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "fuzz/fuzz_inputs.h"
#include "fuzz/routed_request.h"

namespace cryptometrics::http {
namespace {

// The fuzz target's seed corpus and past findings (tests/fuzz/regressions/http_request/, each
// explained in its README) in the normal build: every raw request is read and routed as the
// server does it, and its answer keeps the promises the fuzz target checks.
TEST(HttpRequestCorpus, EveryFuzzInputIsAnsweredWithinPromises) {
  const auto inputs = fuzz::fuzz_inputs("http_request");
  ASSERT_FALSE(inputs.empty()) << "no seed corpus under tests/fuzz/corpus/http_request";
  RoutedRequest routed;
  for (const auto& path : inputs) {
    SCOPED_TRACE(path.string());
    std::optional<std::string> broken;
    ASSERT_NO_THROW(broken = routed.broken_promise(fuzz::read_bytes(path)));
    EXPECT_EQ(broken, std::nullopt);
  }
}

}  // namespace
}  // namespace cryptometrics::http
