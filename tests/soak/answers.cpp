#include "soak/answers.h"

#include <array>
#include <map>
#include <nlohmann/json.hpp>

#include "support/expected_metrics.h"
#include "support/http_client.h"

namespace cryptometrics::soak {
namespace {

// Compared as numbers: PostgreSQL and the service may write one with other trailing zeros.
constexpr std::array<const char*, 5> kPrices = {"bid", "ask", "highest_bid", "lowest_ask",
                                                "max_spread"};

using Stored = std::map<std::string, std::vector<std::string>>;  // pair: count, then kPrices

Stored last_rows(const testing::PostgresServer& postgres) {
  Stored stored;
  for (const auto& row : postgres.query(
           "SELECT DISTINCT ON (pair) pair, quote_count, bid, ask, highest_bid, lowest_ask, "
           "max_spread FROM crypto_metrics ORDER BY pair, quote_count DESC")) {
    stored[row.at(0)] = {row.begin() + 1, row.end()};
  }
  return stored;
}

void compare(const std::string& instance, const nlohmann::json& answer, const Stored& stored,
             std::vector<std::string>& problems) {
  std::map<std::string, const nlohmann::json*> answered;
  for (const auto& pair : answer.at("pairs")) answered[pair.at("pair")] = &pair;
  for (const auto& [pair, row] : stored) {
    const auto found = answered.find(pair);
    if (found == answered.end()) {
      problems.push_back(instance + ": " + pair + " not answered");
      continue;
    }
    const nlohmann::json& metrics = *found->second;
    if (std::to_string(metrics.at("count").get<std::int64_t>()) != row[0]) {
      problems.push_back(instance + ": " + pair + " count " + metrics.at("count").dump() +
                         ", stored " + row[0]);
      continue;
    }
    for (std::size_t at = 0; at < kPrices.size(); ++at) {
      const std::string text = metrics.at(kPrices[at]).get<std::string>();
      if (testing::parse_units(text) != testing::parse_units(row[at + 1])) {
        problems.push_back(instance + ": " + pair + " " + kPrices[at] + " " + text + ", stored " +
                           row[at + 1]);
      }
    }
  }
}

}  // namespace

std::vector<std::string> answers_unlike_store(const Fleet& fleet,
                                              const testing::PostgresServer& postgres) {
  const Stored stored = last_rows(postgres);
  std::vector<std::string> problems;
  for (int at = 0; at < fleet.size(); ++at) {
    const ServiceRuns& instance = fleet.instance(at);
    try {
      const auto response = testing::http_request("GET", "127.0.0.1", instance.port(), "/metrics");
      compare(instance.name(), nlohmann::json::parse(response.body), stored, problems);
    } catch (const std::exception& error) {
      problems.push_back(instance.name() + ": /metrics: " + error.what());
    }
  }
  return problems;
}

}  // namespace cryptometrics::soak
