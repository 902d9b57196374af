#include "kafka/statistics.h"

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace cryptometrics::kafka {

namespace {

using nlohmann::json;

bool needed_are_up(const json& stats, std::string_view topic) {
  std::map<std::int64_t, bool> up_by_node;
  bool any_up = false;
  for (const json& broker : stats.value("brokers", json::object())) {
    // Bootstrap entries have node id -1: they stand for an address, not a broker of the cluster.
    const auto node = broker.value("nodeid", std::int64_t{-1});
    if (node < 0) continue;
    const bool up = broker.value("state", "") == "UP";
    up_by_node[node] = up;
    any_up = any_up || up;
  }
  if (!any_up || stats.value("/cgrp/state"_json_pointer, "") != "up") return false;
  const json partitions = stats.value("/topics"_json_pointer, json::object())
                              .value(std::string{topic}, json::object())
                              .value("partitions", json::object());
  for (const json& partition : partitions) {
    // librdkafka lists the internal partition -1 too, and partitions not assigned here.
    if (partition.value("partition", -1) < 0 || !partition.value("desired", false)) continue;
    const auto leader = up_by_node.find(partition.value("leader", std::int64_t{-1}));
    if (leader == up_by_node.end() || !leader->second) return false;
  }
  return true;
}

}  // namespace

bool brokers_needed_are_up(std::string_view statistics, std::string_view topic) {
  const json stats = json::parse(statistics, nullptr, /*allow_exceptions=*/false);
  try {
    return stats.is_object() && needed_are_up(stats, topic);
  } catch (const json::exception&) {
    return false;  // a field of another type than librdkafka writes
  }
}

}  // namespace cryptometrics::kafka
