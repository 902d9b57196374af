#include "http/metrics_bodies.h"

#include <utility>

#include "metrics/snapshot_json.h"

namespace cryptometrics::http {

MetricsBodies::MetricsBodies(const metrics::Book& book) : book_{book} {}

const std::string* MetricsBodies::pair(std::string_view pair) {
  const std::uint64_t version = book_.version(pair);
  if (version == 0) return nullptr;
  const auto cached = pairs_.find(pair);
  if (cached != pairs_.end() && cached->second.version == version) return &cached->second.json;
  Body fresh{version, metrics::snapshot_json(*book_.find(pair)).dump()};
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
