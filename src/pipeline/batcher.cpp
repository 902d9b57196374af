#include "pipeline/batcher.h"

#include <spdlog/spdlog.h>

#include <variant>

#include "market/quote_decoder.h"

namespace cryptometrics::pipeline {
namespace {

using kafka::describe;

// What a pending message costs in memory beyond its payload and reason, roughly: the decoded
// row, its strings' buffers and the vector's slack.
constexpr std::size_t kRowBytes = 400;

std::size_t bytes_of(const storage::QuoteRow&) { return kRowBytes; }
std::size_t bytes_of(const storage::RejectedRow& row) {
  return kRowBytes + row.payload.size() + row.reason.size();
}

market::Timestamp now() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

// What a write stores of each partition: where its reading stands.
std::vector<storage::PartitionOffset> to_rows(const Positions& offsets) {
  std::vector<storage::PartitionOffset> rows;
  rows.reserve(offsets.size());
  for (const auto& [partition, position] : offsets) {
    rows.push_back({partition, position.next_offset, position.life});
  }
  return rows;
}

}  // namespace

Batcher::Batcher(boost::asio::io_context& io, const BatchLimits& limits, metrics::Book& book,
                 Watermarks watermarks, std::function<void()> lingered)
    : limits_{limits},
      book_{book},
      watermarks_{std::move(watermarks)},
      lingered_{std::move(lingered)},
      rejection_log_{io},
      linger_timer_{io} {}

void Batcher::start(const kafka::TopicPartition& partition, Position position) {
  dropped_.erase(partition);
  positions_[partition] = position;
}

std::vector<std::string> Batcher::stop_reading(const std::set<kafka::TopicPartition>& partitions) {
  for (const auto& partition : partitions) positions_.erase(partition);
  std::vector<std::string> pairs;
  for (const auto& [pair, partition] : pair_partitions_) {
    if (partitions.contains(partition)) pairs.push_back(pair);
  }
  for (const auto& pair : pairs) pair_partitions_.erase(pair);
  return pairs;
}

std::vector<std::string> Batcher::drop(const std::set<kafka::TopicPartition>& partitions) {
  // A row dropped no longer counts towards back-pressure.
  const auto drop_row = [&](const auto& row) {
    if (!partitions.contains(row.source)) return false;
    pending_bytes_ -= bytes_of(row);
    return true;
  };
  std::erase_if(pending_.quotes, drop_row);
  std::erase_if(pending_.rejections, drop_row);
  for (const auto& partition : partitions) {
    dropped_.insert(partition);
    pending_offsets_.erase(partition);
  }
  return stop_reading(partitions);
}

bool Batcher::reads(const kafka::TopicPartition& partition) const {
  return positions_.contains(partition);
}

bool Batcher::add(const kafka::Message& message) {
  const kafka::TopicPartition partition{std::string{message.topic}, message.partition};
  // Its new owner stores it; the group takes the partition from this instance soon.
  if (dropped_.contains(partition)) return false;
  const Position& position = advance(partition, message.offset);
  pending_offsets_[partition] = position;

  if (empty()) pending_since_ = std::chrono::steady_clock::now();
  storage::Source source{partition, message.offset, position.life};
  auto decoded = market::decode_quote(message.payload, message.timestamp);
  if (auto* quote = std::get_if<market::Quote>(&decoded)) {
    check_keyed_by_pair(quote->pair, partition);
    const metrics::Origin origin{
        .owner = {}, .partition = message.partition, .offset = message.offset};
    pending_.quotes.push_back({book_.apply(*quote, origin), std::move(source)});
    pending_bytes_ += bytes_of(pending_.quotes.back());
    if (message.timestamp) latency_.record(now() - *message.timestamp);
    ++counters_.accepted;
  } else {
    auto& rejection = std::get<market::Rejection>(decoded);
    rejection_log_.record(source, rejection.reason);
    pending_.rejections.push_back(storage::RejectedRow::of(
        message.payload, std::move(rejection.reason), std::move(source), now()));
    pending_bytes_ += bytes_of(pending_.rejections.back());
    ++counters_.rejected;
    ++counters_.rejected_by_kind[static_cast<std::size_t>(rejection.kind)];
  }
  return true;
}

const Position& Batcher::advance(const kafka::TopicPartition& partition, std::int64_t offset) {
  Position& position = positions_[partition];
  const std::int64_t expected = position.next_offset;
  if (expected >= 0 && offset < expected) {
    // Kafka answered the expected offset with "out of range" and librdkafka reset the reading
    // to the partition's beginning: the partition holds fewer messages than were read from it
    // before, so it is a new one under the same name.
    const auto marks = watermarks_(partition);
    spdlog::warn(
        "Kafka {} started over: the offset to read next, {} (life {}), lies beyond the "
        "partition's end (log end {}); consuming it from its beginning, offset {}, as life {}, "
        "the rows of earlier lives stay stored",
        describe(partition), expected, position.life,
        marks ? std::to_string(marks->high) : std::string{"unknown"}, offset, position.life + 1);
    ++position.life;
    ++counters_.partitions_started_over;
  } else if (expected >= 0 && offset > expected) {
    const auto marks = watermarks_(partition);
    if (marks && marks->low > expected) {
      counters_.lost_upstream += static_cast<std::uint64_t>(offset - expected);
      spdlog::error(
          "Kafka {}: {} messages, offsets {} to {}, were deleted from the partition (retention) "
          "before they were read; they are lost upstream",
          describe(partition), offset - expected, expected, offset - 1);
    } else {
      spdlog::warn(
          "Kafka {}: offsets {} to {} were not delivered (transaction markers and compaction "
          "leave such gaps)",
          describe(partition), expected, offset - 1);
    }
  }
  position.next_offset = offset + 1;
  return position;
}

void Batcher::check_keyed_by_pair(const std::string& pair, const kafka::TopicPartition& partition) {
  const auto& first = pair_partitions_.try_emplace(pair, partition).first->second;
  if (first == partition) return;
  ++counters_.quotes_off_their_pairs_partition;
  if (!pairs_off_partition_.emplace(pair, partition).second) return;
  spdlog::warn(
      "pair {} arrives on Kafka {} as well as on {}: its quotes are stored, but their order "
      "across partitions is not kept, so its metrics can be computed out of order; producers "
      "must key messages by pair (counted in "
      "crypto_metrics_quotes_off_their_pairs_partition_total)",
      pair, describe(partition), describe(first));
}

bool Batcher::full(bool writing) const {
  return writing ? messages() >= limits_.max_pending || pending_bytes_ >= limits_.max_pending_bytes
                 : messages() >= limits_.max_batch || pending_bytes_ >= limits_.max_pending_bytes;
}

bool Batcher::lingered() const {
  return std::chrono::steady_clock::now() >= pending_since_ + limits_.batch_linger;
}

void Batcher::linger() {
  if (linger_armed_) return;
  linger_armed_ = true;
  linger_timer_.expires_at(pending_since_ + limits_.batch_linger);
  linger_timer_.async_wait([this](const boost::system::error_code& cancelled) {
    linger_armed_ = false;
    if (!cancelled) lingered_();
  });
}

storage::Batch Batcher::cut() {
  pending_.offsets = to_rows(std::exchange(pending_offsets_, {}));
  pending_bytes_ = 0;
  return std::exchange(pending_, {});
}

void Batcher::discard() {
  pending_ = {};
  pending_offsets_.clear();
  pending_bytes_ = 0;
}

void Batcher::finish() { rejection_log_.flush(); }

}  // namespace cryptometrics::pipeline
