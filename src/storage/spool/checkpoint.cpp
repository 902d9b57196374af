#include "storage/spool/checkpoint.h"

#include <algorithm>
#include <iterator>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "metrics/snapshot_json.h"

namespace cryptometrics::storage::spool {

using json = nlohmann::ordered_json;

Checkpoint Checkpoint::decode(std::string_view text) {
  try {
    const json document = json::parse(text);
    Checkpoint checkpoint;
    checkpoint.window_ = document.at("window").get<std::size_t>();
    for (const json& entry : document.at("histories")) {
      metrics::History history{.latest = metrics::snapshot_from_json(entry.at("latest")),
                               .recent_mid_prices = {}};
      for (const json& mid : entry.at("recent_mid_prices")) {
        history.recent_mid_prices.push_back(metrics::decimal_from_json(mid));
      }
      const std::string pair = history.latest.pair;
      checkpoint.histories_[pair] = std::move(history);
    }
    for (const json& entry : document.at("offsets")) {
      // Checkpoints saved before partitions had lives hold those of life 0.
      checkpoint.offsets_.push_back({entry.at("topic").get<std::string>(),
                                     entry.at("partition").get<std::int32_t>(),
                                     entry.at("next_offset").get<std::int64_t>(),
                                     entry.value("life", Life{0})});
    }
    checkpoint.offsets_ = furthest_per_partition(std::move(checkpoint.offsets_));
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
    histories.push_back(
        {{"latest", metrics::snapshot_json(history.latest)}, {"recent_mid_prices", mids}});
  }
  json offsets = json::array();
  for (const PartitionOffset& offset : offsets_) {
    offsets.push_back({{"topic", offset.topic},
                       {"partition", offset.partition},
                       {"next_offset", offset.next_offset},
                       {"life", offset.life}});
  }
  return json{{"window", window_}, {"histories", histories}, {"offsets", offsets}}.dump();
}

void Checkpoint::reset(const std::vector<metrics::History>& histories,
                       const std::vector<PartitionOffset>& offsets) {
  histories_.clear();
  for (const metrics::History& history : histories) {
    histories_[history.latest.pair] = history;
  }
  offsets_ = furthest_per_partition(offsets);
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
  if (!batch.offsets.empty()) {
    offsets_.insert(offsets_.end(), batch.offsets.begin(), batch.offsets.end());
    offsets_ = furthest_per_partition(std::move(offsets_));
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
  std::copy_if(offsets_.begin(), offsets_.end(), std::back_inserter(offsets),
               [topic](const auto& offset) { return offset.topic == topic; });
  return offsets;
}

}  // namespace cryptometrics::storage::spool
