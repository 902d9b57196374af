#include "http/metrics_bodies.h"

#include <cstdint>
#include <string>
#include <utility>

#include "metrics/snapshot_json.h"

namespace cryptometrics::http {

std::string pair_json(const metrics::Snapshot& snapshot, const metrics::Origin& origin,
                      std::string_view instance) {
  nlohmann::ordered_json json = metrics::snapshot_json(snapshot);
  const auto known = [](std::int64_t number) {
    return number < 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(number);
  };
  const std::string_view owner = origin.from_store ? std::string_view{origin.owner} : instance;
  json["source"] = {
      {"read_from", origin.from_store ? "store" : "memory"},
      {"instance", owner.empty() ? nlohmann::ordered_json(nullptr)
                                 : nlohmann::ordered_json(std::string{owner})},
      {"partition", known(origin.partition)},
      {"offset", known(origin.offset)},
  };
  return json.dump();
}

MetricsBodies::MetricsBodies(const metrics::Book& book, std::string instance)
    : book_{book}, instance_{std::move(instance)} {}

const std::string* MetricsBodies::pair(std::string_view pair) {
  const std::uint64_t version = book_.version(pair);
  if (version == 0) return nullptr;
  const auto cached = pairs_.find(pair);
  if (cached != pairs_.end() && cached->second.version == version) return &cached->second.json;
  Body fresh{version, pair_json(*book_.find(pair), *book_.origin(pair), instance_)};
  return &pairs_.insert_or_assign(std::string{pair}, std::move(fresh)).first->second.json;
}

// Made of the pairs' bodies, so that a change to one pair serializes only that pair again.
// The result is what dumping {"pairs": [each pair's JSON]} gives.
const std::string& MetricsBodies::all() {
  if (all_ && all_->version == book_.version()) return all_->json;
  std::string json = R"({"pairs":[)";
  std::string_view separator;
  for (const metrics::Snapshot& snapshot : book_.all()) {
    json += separator;
    json += *pair(snapshot.pair);
    separator = ",";
  }
  json += "]}";
  all_ = Body{book_.version(), std::move(json)};
  return all_->json;
}

}  // namespace cryptometrics::http
