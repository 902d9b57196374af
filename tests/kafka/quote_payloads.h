#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cryptometrics::testing {

// `count` quotes as the simulator encodes them, {"pair":...,"bid":...,"ask":...,"timestamp":...},
// one random walk per pair (seeded 42, 43, ... in the order of `pairs`), interleaved: quote i is
// of pairs[i % pairs.size()]. Stamped a microsecond apart from now. The same every run but for
// the timestamps, so that a test or a benchmark can repeat its load.
std::vector<std::string> make_quote_payloads(const std::vector<std::string>& pairs,
                                             std::int64_t count);

}  // namespace cryptometrics::testing
