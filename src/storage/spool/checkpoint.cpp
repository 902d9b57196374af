#include "storage/spool/checkpoint.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <variant>

namespace cryptometrics::storage::spool {
namespace {

using nlohmann::json;

market::Decimal decimal_of(const json& value) {
  const auto parsed = market::Decimal::parse(value.get<std::string>());
  if (const auto* decimal = std::get_if<market::Decimal>(&parsed)) {
    return *decimal;
  }
  throw std::runtime_error("not a decimal: " + value.dump());
}

json snapshot_json(const metrics::Snapshot& snapshot) {
  return {{"pair", snapshot.pair},
          {"bid", snapshot.bid.to_string()},
          {"ask", snapshot.ask.to_string()},
          {"mid_price", snapshot.mid_price.to_string()},
          {"spread", snapshot.spread.to_string()},
          {"highest_bid", snapshot.highest_bid.to_string()},
          {"lowest_ask", snapshot.lowest_ask.to_string()},
          {"max_spread", snapshot.max_spread.to_string()},
          {"moving_avg", snapshot.moving_avg.to_string()},
          {"count", snapshot.count},
          {"timestamp", market::format_rfc3339(snapshot.timestamp)}};
}

metrics::Snapshot snapshot_of(const json& object) {
  metrics::Snapshot snapshot;
  snapshot.pair = object.at("pair").get<std::string>();
  snapshot.bid = decimal_of(object.at("bid"));
  snapshot.ask = decimal_of(object.at("ask"));
  snapshot.mid_price = decimal_of(object.at("mid_price"));
  snapshot.spread = decimal_of(object.at("spread"));
  snapshot.highest_bid = decimal_of(object.at("highest_bid"));
  snapshot.lowest_ask = decimal_of(object.at("lowest_ask"));
  snapshot.max_spread = decimal_of(object.at("max_spread"));
  snapshot.moving_avg = decimal_of(object.at("moving_avg"));
  snapshot.count = object.at("count").get<std::int64_t>();
  const auto timestamp = market::parse_rfc3339(object.at("timestamp").get<std::string>());
  if (!timestamp) {
    throw std::runtime_error("not a timestamp: " + object.at("timestamp").dump());
  }
  snapshot.timestamp = *timestamp;
  return snapshot;
}

}  // namespace

Checkpoint Checkpoint::decode(std::string_view text) {
  try {
    const json document = json::parse(text);
    Checkpoint checkpoint;
    checkpoint.window_ = document.at("window").get<std::size_t>();
    for (const json& entry : document.at("histories")) {
      metrics::History history{.latest = snapshot_of(entry.at("latest")), .recent_mid_prices = {}};
      for (const json& mid : entry.at("recent_mid_prices")) {
        history.recent_mid_prices.push_back(decimal_of(mid));
      }
      const std::string pair = history.latest.pair;
      checkpoint.histories_[pair] = std::move(history);
    }
    for (const json& entry : document.at("offsets")) {
      checkpoint.offsets_[{entry.at("topic").get<std::string>(),
                           entry.at("partition").get<std::int32_t>()}] =
          entry.at("next_offset").get<std::int64_t>();
    }
    return checkpoint;
  } catch (const json::exception& error) {
    throw std::runtime_error(std::string{"not a PostgreSQL checkpoint: "} + error.what());
  }
}

std::string Checkpoint::encode() const {
  json histories = json::array();
  for (const auto& [pair, history] : histories_) {
    json mids = json::array();
    for (const market::Decimal& mid : history.recent_mid_prices) {
      mids.push_back(mid.to_string());
    }
    histories.push_back({{"latest", snapshot_json(history.latest)}, {"recent_mid_prices", mids}});
  }
  json offsets = json::array();
  for (const auto& [partition, next_offset] : offsets_) {
    offsets.push_back(
        {{"topic", partition.first}, {"partition", partition.second}, {"next_offset", next_offset}});
  }
  return json{{"window", window_}, {"histories", histories}, {"offsets", offsets}}.dump();
}

void Checkpoint::reset_histories(const std::vector<metrics::History>& histories) {
  histories_.clear();
  for (const metrics::History& history : histories) {
    histories_[history.latest.pair] = history;
  }
}

void Checkpoint::reset_offsets(std::string_view topic,
                               const std::vector<PartitionOffset>& offsets) {
  std::erase_if(offsets_, [topic](const auto& entry) { return entry.first.first == topic; });
  for (const PartitionOffset& offset : offsets) {
    offsets_[{offset.topic, offset.partition}] = offset.next_offset;
  }
}

void Checkpoint::apply(const Batch& batch) {
  for (const QuoteRow& row : batch.quotes) {
    metrics::History& history = histories_[row.metrics.pair];
    history.latest = row.metrics;
    auto& mids = history.recent_mid_prices;
    mids.push_back(row.metrics.mid_price);
    if (mids.size() > window_) {
      mids.erase(mids.begin(), mids.end() - static_cast<std::ptrdiff_t>(window_));
    }
  }
  for (const PartitionOffset& offset : batch.offsets) {
    auto [entry, inserted] = offsets_.try_emplace({offset.topic, offset.partition},
                                                  offset.next_offset);
    if (!inserted) {
      entry->second = std::max(entry->second, offset.next_offset);
    }
  }
}

std::vector<metrics::History> Checkpoint::histories() const {
  std::vector<metrics::History> histories;
  histories.reserve(histories_.size());
  for (const auto& [pair, history] : histories_) {
    histories.push_back(history);
  }
  return histories;
}

std::vector<PartitionOffset> Checkpoint::offsets(std::string_view topic) const {
  std::vector<PartitionOffset> offsets;
  for (const auto& [partition, next_offset] : offsets_) {
    if (partition.first == topic) {
      offsets.push_back({partition.first, partition.second, next_offset});
    }
  }
  return offsets;
}

}  // namespace cryptometrics::storage::spool
