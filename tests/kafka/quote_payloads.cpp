#include "kafka/quote_payloads.h"

#include <chrono>

#include "market/timestamp.h"
#include "simulator/random_walk.h"
#include "simulator/simulator.h"

namespace cryptometrics::testing {

std::vector<std::string> make_quote_payloads(const std::vector<std::string>& pairs,
                                             std::int64_t count) {
  std::vector<simulator::RandomWalk> walks;
  for (std::size_t i = 0; i < pairs.size(); ++i) walks.emplace_back(pairs[i], 42 + i);
  std::vector<std::string> payloads;
  payloads.reserve(static_cast<std::size_t>(count));
  const auto start =
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  for (std::int64_t i = 0; i < count; ++i) {
    const market::Timestamp stamp = start + std::chrono::microseconds{i};
    payloads.push_back(
        simulator::encode_quote(walks[static_cast<std::size_t>(i) % walks.size()].next(stamp)));
  }
  return payloads;
}

}  // namespace cryptometrics::testing
