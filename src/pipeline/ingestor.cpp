#include "pipeline/ingestor.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <utility>
#include <variant>

#include "market/quote_decoder.h"

namespace cryptometrics::pipeline {
namespace {

// Waits between attempts at a write or a take-over that failed.
constexpr std::chrono::seconds kFirstRetry{1};
constexpr std::chrono::seconds kLongestRetry{30};
// Often enough to follow a catch-up or an outage; a quiet service logs nothing.
constexpr std::chrono::seconds kProgressPeriod{5};
// What other instances computed is shown this much later at most, once they stored it.
constexpr std::chrono::milliseconds kShowOthersPeriod{500};

market::Timestamp now() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now());
}

// What a write stores of each partition: where its reading stands.
template <typename Position>
std::vector<storage::PartitionOffset> to_rows(
    const std::map<kafka::TopicPartition, Position>& offsets) {
  std::vector<storage::PartitionOffset> rows;
  rows.reserve(offsets.size());
  for (const auto& [partition, position] : offsets) {
    rows.push_back({partition.topic, partition.partition, position.next_offset, position.life});
  }
  return rows;
}

// What Kafka is told to commit: the next offset of each partition, whatever its life.
template <typename Position>
std::map<kafka::TopicPartition, std::int64_t> to_commit(
    const std::map<kafka::TopicPartition, Position>& offsets) {
  std::map<kafka::TopicPartition, std::int64_t> next_offsets;
  for (const auto& [partition, position] : offsets) {
    next_offsets[partition] = position.next_offset;
  }
  return next_offsets;
}

// What a pending message costs in memory beyond its payload and reason, roughly: the decoded
// row, its strings' buffers and the vector's slack.
constexpr std::size_t kRowBytes = 400;

using kafka::describe;

std::string describe(const std::set<kafka::TopicPartition>& partitions) {
  std::string text;
  for (const auto& partition : partitions) {
    if (!text.empty()) text += ", ";
    text += describe(partition);
  }
  return text;
}

}  // namespace

Ingestor::Ingestor(boost::asio::io_context& io, const IngestorSettings& settings,
                   metrics::Book& book, storage::StorageThread& storage)
    : io_{io},
      settings_{settings},
      book_{book},
      storage_{storage},
      rejection_log_{io},
      linger_timer_{io},
      retry_timer_{io},
      retry_backoff_{kFirstRetry, kLongestRetry},
      progress_timer_{io},
      show_others_timer_{io},
      consumer_{io, settings.kafka, *this} {}

Ingestor::~Ingestor() = default;

void Ingestor::start() {
  boost::asio::co_spawn(io_, restore_then_join(), boost::asio::detached);
  boost::asio::co_spawn(io_, report_progress(), boost::asio::detached);
  boost::asio::co_spawn(io_, show_others(), boost::asio::detached);
}

boost::asio::awaitable<void> Ingestor::restore_then_join() {
  auto load = [window = book_.sma_window()](storage::Storage& storage) {
    return storage.load_histories(window);
  };
  std::vector<metrics::History> histories;
  try {
    histories = co_await storage_.run(std::move(load));
  } catch (const std::exception& error) {
    spdlog::error("reading the metrics back from storage: {}", error.what());
  }
  if (stopping_) co_return;
  book_.restore(histories);
  spdlog::info("metrics of {} pairs read back from storage", histories.size());
  consumer_.start();
}

void Ingestor::stop(std::function<void()> done) {
  stopped_ = std::move(done);
  stopping_ = true;
  consumer_.pause_reading();
  retry_timer_.cancel();
  progress_timer_.cancel();
  show_others_timer_.cancel();
  if (!writing_ && pending_messages() > 0) flush();
  if (!writing_) finish_stop();
}

void Ingestor::finish_stop() {
  consumer_.close();
  rejection_log_.flush();
  spdlog::info("stopped: {} quotes accepted, {} rejected, {} messages stored", counters_.accepted,
               counters_.rejected, counters_.stored);
  if (stopped_) std::exchange(stopped_, nullptr)();
}

void Ingestor::on_assigned(std::vector<kafka::TopicPartition> partitions) {
  for (auto& partition : partitions) {
    fenced_.erase(partition);
    to_load_.insert(std::move(partition));
  }
  flush_when_due();
  load_state_when_idle();
}

void Ingestor::on_revoked(std::vector<kafka::TopicPartition> partitions) {
  for (const auto& partition : partitions) {
    to_load_.erase(partition);
    loading_.erase(partition);
    positions_.erase(partition);
  }
  let_go({partitions.begin(), partitions.end()});
  // Pending messages of these partitions are stored all the same, under their claims: if their
  // new owner claimed them first, the store refuses them, and the new owner reads them again.
  if (!writing_ && pending_messages() > 0) flush();
}

// The state read on assignment must include every row taken in before, so it waits for pending
// and in-flight writes (no messages arrive meanwhile: the eager rebalance took every partition
// away before it assigned these).
void Ingestor::load_state_when_idle() {
  if (to_load_.empty() || !loading_.empty() || writing_ || pending_messages() > 0 || stopping_) {
    return;
  }
  loading_ = std::exchange(to_load_, {});
  boost::asio::co_spawn(io_, take_over(), boost::asio::detached);
}

boost::asio::awaitable<void> Ingestor::take_over() {
  for (;;) {
    std::vector<std::int32_t> numbers;
    for (const auto& partition : loading_) numbers.push_back(partition.partition);
    auto work = [numbers, topic = settings_.kafka.topic, owner = settings_.instance_id,
                 window = book_.sma_window()](storage::Storage& storage) {
      return storage.take_over(topic, numbers, owner, window);
    };
    std::optional<storage::Takeover> takeover;
    std::string failure;
    try {
      takeover = co_await storage_.run(std::move(work));
    } catch (const std::exception& error) {
      failure = error.what();
    }
    if (stopping_) co_return;
    if (takeover) {
      retry_backoff_.reset();
      taken_over(*takeover);
      co_return;
    }
    const auto wait = retry_backoff_.next();
    spdlog::error("taking over {}: {}; retrying in {} ms", describe(loading_), failure,
                  wait.count());
    if (!co_await wait_on(retry_timer_, wait) || stopping_) co_return;
  }
}

void Ingestor::taken_over(const storage::Takeover& takeover) {
  // Partitions revoked meanwhile were taken out of loading_; their claims are let go.
  const std::vector<kafka::TopicPartition> partitions(loading_.begin(), loading_.end());
  loading_.clear();
  for (const storage::Claim& claim : takeover.claims) {
    claims_[{claim.topic, claim.partition}] = claim.epoch;
  }
  book_.restore(takeover.histories);
  assign(partitions, takeover.offsets);
  if (!to_load_.empty()) {
    load_state_when_idle();
  } else if (!pending_full()) {
    consumer_.resume_reading();
  }
}

boost::asio::awaitable<bool> Ingestor::wait_on(boost::asio::steady_timer& timer,
                                               std::chrono::milliseconds wait) {
  timer.expires_after(wait);
  try {
    co_await timer.async_wait(boost::asio::use_awaitable);
  } catch (const boost::system::system_error&) {
    co_return false;  // cancelled: a stop
  }
  co_return true;
}

void Ingestor::assign(const std::vector<kafka::TopicPartition>& partitions,
                      const std::vector<storage::PartitionOffset>& stored) {
  const auto stored_offset = [&stored](const kafka::TopicPartition& partition) {
    const auto found = std::find_if(stored.begin(), stored.end(), [&partition](const auto& offset) {
      return offset.topic == partition.topic && offset.partition == partition.partition;
    });
    return found != stored.end() ? &*found : nullptr;
  };
  // Decided once, from what earlier runs stored: later assignments in this run find the lives
  // begun here, once rows of them are stored.
  if (settings_.topic_starts_empty && !lives_begun_) {
    lives_begun_.emplace();
    for (const auto& offset : stored) {
      (*lives_begun_)[{offset.topic, offset.partition}] = offset.life + 1;
    }
  }
  std::map<kafka::TopicPartition, std::int64_t> start_offsets;
  for (const auto& partition : partitions) {
    Position& position = positions_[partition];
    const storage::PartitionOffset* offset = stored_offset(partition);
    std::optional<storage::Life> begun;
    if (lives_begun_) {
      if (const auto found = lives_begun_->find(partition); found != lives_begun_->end()) {
        begun = found->second;
      }
    }
    position = {};
    if (begun && (offset == nullptr || offset->life < *begun)) {
      spdlog::warn(
          "Kafka {} starts over: the embedded broker is new in this run, so its stored offset "
          "{} (life {}) lies beyond the partition's end (log end 0 at start); consuming it from "
          "its beginning as life {}, the rows of earlier lives stay stored",
          describe(partition), offset != nullptr ? offset->next_offset : 0,
          offset != nullptr ? offset->life : 0, *begun);
      position.life = *begun;
      start_offsets[partition] = kafka::kFromBeginning;
      ++counters_.partitions_started_over;
    } else if (offset != nullptr) {
      position = {offset->life, offset->next_offset};
      start_offsets[partition] = offset->next_offset;
    }
  }
  consumer_.assign(partitions, start_offsets);
}

void Ingestor::on_message(const kafka::Message& message) {
  const kafka::TopicPartition partition{std::string{message.topic}, message.partition};
  // Its new owner stores it; the group takes the partition from this instance soon.
  if (fenced_.contains(partition)) return;
  const Position& position = advance(partition, message.offset);
  pending_offsets_[partition] = position;

  if (pending_messages() == 0) pending_since_ = std::chrono::steady_clock::now();
  storage::Source source{partition.topic, message.partition, message.offset, position.life};
  auto decoded = market::decode_quote(message.payload, message.timestamp);
  if (auto* quote = std::get_if<market::Quote>(&decoded)) {
    check_keyed_by_pair(quote->pair, partition);
    pending_.quotes.push_back(
        {book_.apply(*quote, {.partition = message.partition, .offset = message.offset}),
         std::move(source)});
    pending_bytes_ += kRowBytes;
    if (message.timestamp) latency_.record(now() - *message.timestamp);
    ++counters_.accepted;
  } else {
    auto& rejection = std::get<market::Rejection>(decoded);
    rejection_log_.record(source, rejection.reason);
    pending_.rejections.push_back(storage::RejectedRow::of(
        message.payload, std::move(rejection.reason), std::move(source), now()));
    const storage::RejectedRow& row = pending_.rejections.back();
    pending_bytes_ += kRowBytes + row.payload.size() + row.reason.size();
    ++counters_.rejected;
    ++counters_.rejected_by_kind[static_cast<std::size_t>(rejection.kind)];
  }

  if (pending_full()) {
    if (writing_) {
      consumer_.pause_reading();
    } else {
      flush();
    }
  }
}

const Ingestor::Position& Ingestor::advance(const kafka::TopicPartition& partition,
                                            std::int64_t offset) {
  Position& position = positions_[partition];
  const std::int64_t expected = position.next_offset;
  if (expected >= 0 && offset < expected) {
    // Kafka answered the expected offset with "out of range" and librdkafka reset the reading
    // to the partition's beginning: the partition holds fewer messages than were read from it
    // before, so it is a new one under the same name.
    const auto marks = consumer_.watermarks(partition);
    spdlog::warn(
        "Kafka {} started over: the offset to read next, {} (life {}), lies beyond the "
        "partition's end (log end {}); consuming it from its beginning, offset {}, as life {}, "
        "the rows of earlier lives stay stored",
        describe(partition), expected, position.life,
        marks ? std::to_string(marks->high) : std::string{"unknown"}, offset, position.life + 1);
    ++position.life;
    ++counters_.partitions_started_over;
  } else if (expected >= 0 && offset > expected) {
    const auto marks = consumer_.watermarks(partition);
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

void Ingestor::check_keyed_by_pair(const std::string& pair,
                                   const kafka::TopicPartition& partition) {
  const auto& first = pair_partitions_.try_emplace(pair, partition).first->second;
  if (first == partition) return;
  ++counters_.quotes_off_their_pairs_partition;
  if (!pairs_off_partition_.emplace(pair, partition).second) return;
  spdlog::warn(
      "pair {} arrives on Kafka {} as well as on {}: its quotes are stored, but their order "
      "across partitions is not kept, so its metrics can be computed out of order; producers "
      "must key messages by pair (counted in crypto_metrics_quotes_off_their_pairs_partition_total)",
      pair, describe(partition), describe(first));
}

void Ingestor::on_idle() { flush_when_due(); }

void Ingestor::flush_when_due() {
  if (writing_ || pending_messages() == 0) return;
  const auto due = pending_since_ + settings_.batch_linger;
  if (stopping_ || !to_load_.empty() || std::chrono::steady_clock::now() >= due) {
    flush();
    return;
  }
  if (linger_armed_) return;
  linger_armed_ = true;
  linger_timer_.expires_at(due);
  linger_timer_.async_wait([this](const boost::system::error_code& cancelled) {
    linger_armed_ = false;
    if (!cancelled) flush_when_due();
  });
}

std::size_t Ingestor::pending_messages() const { return pending_.messages(); }

bool Ingestor::pending_full() const {
  return writing_ ? pending_messages() >= settings_.max_pending ||
                        pending_bytes_ >= settings_.max_pending_bytes
                  : pending_messages() >= settings_.max_batch ||
                        pending_bytes_ >= settings_.max_pending_bytes;
}

void Ingestor::flush() {
  pending_.offsets = to_rows(pending_offsets_);
  for (const auto& [partition, position] : pending_offsets_) {
    if (const auto claim = claims_.find(partition); claim != claims_.end()) {
      pending_.claims.push_back({partition.topic, partition.partition, claim->second});
    }
  }
  pending_bytes_ = 0;
  auto batch = std::make_shared<const storage::Batch>(std::exchange(pending_, {}));
  write(std::move(batch), std::exchange(pending_offsets_, {}));
}

void Ingestor::write(std::shared_ptr<const storage::Batch> batch, Positions offsets) {
  writing_ = true;
  boost::asio::co_spawn(io_, store(std::move(batch), std::move(offsets)), boost::asio::detached);
}

boost::asio::awaitable<void> Ingestor::store(std::shared_ptr<const storage::Batch> batch,
                                             Positions offsets) {
  bool failed_before = false;
  for (;;) {
    auto work = [batch](storage::Storage& storage) { storage.write(*batch); };
    std::string failure;
    try {
      co_await storage_.run(std::move(work));
      if (failed_before) spdlog::info("storage accepts writes again");
      retry_backoff_.reset();
      written(*batch, offsets);
      co_return;
    } catch (const storage::Fenced& refused) {
      fenced(*batch, std::move(offsets), refused.lost(), refused.what());
      co_return;
    } catch (const std::exception& error) {
      failure = error.what();
    }
    if (stopping_) {
      give_up(batch->messages(), failure);
      co_return;
    }
    failed_before = true;
    const auto wait = retry_backoff_.next();
    spdlog::error("storing {} messages failed: {}; retrying in {} ms, reading pauses once {} wait",
                  batch->messages(), failure, wait.count(), settings_.max_pending);
    if (!co_await wait_on(retry_timer_, wait)) {
      give_up(batch->messages(), failure);
      co_return;
    }
  }
}

void Ingestor::written(const storage::Batch& batch, const Positions& offsets) {
  writing_ = false;
  counters_.stored += batch.messages();
  consumer_.store_offsets(to_commit(offsets));

  if (pending_messages() > 0) {
    flush_when_due();
  } else if (stopping_) {
    finish_stop();
    return;
  }
  if (!stopping_ && !pending_full() && to_load_.empty() && loading_.empty()) {
    consumer_.resume_reading();
  }
  load_state_when_idle();
}

void Ingestor::fenced(const storage::Batch& batch, Positions offsets,
                      const std::vector<storage::Claim>& lost, const std::string& reason) {
  std::set<kafka::TopicPartition> partitions;
  for (const storage::Claim& claim : lost) partitions.insert({claim.topic, claim.partition});
  const auto of_lost = [&partitions](const storage::Source& source) {
    return partitions.contains({source.topic, source.partition});
  };
  storage::Batch kept;
  for (const auto& row : batch.quotes) {
    if (!of_lost(row.source)) kept.quotes.push_back(row);
  }
  for (const auto& row : batch.rejections) {
    if (!of_lost(row.source)) kept.rejections.push_back(row);
  }
  std::erase_if(pending_.quotes, [&](const auto& row) { return of_lost(row.source); });
  std::erase_if(pending_.rejections, [&](const auto& row) { return of_lost(row.source); });
  for (const auto& partition : partitions) {
    fenced_.insert(partition);
    positions_.erase(partition);
    claims_.erase(partition);
    offsets.erase(partition);
    pending_offsets_.erase(partition);
  }
  const std::vector<std::string> pairs = let_go(partitions);
  const std::size_t dropped = batch.messages() - kept.messages();
  counters_.fenced += dropped;
  spdlog::error(
      "{}: instance {} no longer owns {}: {} messages of the batch are dropped, unstored and "
      "uncommitted, for the new owner to store; {} pairs are shown as it stores them ({})",
      reason, settings_.instance_id, describe(partitions), dropped, pairs.size(),
      fmt::join(pairs, ", "));
  kept.offsets = to_rows(offsets);
  for (const storage::Claim& claim : batch.claims) {
    if (!partitions.contains({claim.topic, claim.partition})) kept.claims.push_back(claim);
  }
  if (kept.empty()) {
    written(kept, offsets);
  } else {
    write(std::make_shared<const storage::Batch>(std::move(kept)), std::move(offsets));
  }
}

void Ingestor::give_up(std::size_t messages, const std::string& error) {
  spdlog::error(
      "stopping with {} messages that storage refused ({}) and {} read after them: none of them "
      "is stored or committed, they will be consumed again at the next start",
      messages, error, pending_messages());
  pending_ = {};
  pending_offsets_.clear();
  pending_bytes_ = 0;
  writing_ = false;
  finish_stop();
}

boost::asio::awaitable<void> Ingestor::report_progress() {
  while (co_await wait_on(progress_timer_, kProgressPeriod)) {
    std::int64_t lag = 0;
    for (const auto& partition : consumer_.lag()) lag += partition.messages;
    const std::size_t spool_depth = storage_.status().spool_depth;
    if (counters_.accepted == logged_counters_.accepted &&
        counters_.rejected == logged_counters_.rejected &&
        counters_.stored == logged_counters_.stored && lag == 0 && spool_depth == 0) {
      continue;
    }
    const auto accepted = counters_.accepted - logged_counters_.accepted;
    spdlog::info(
        "last {} s: {} quotes accepted ({}/s), {} rejected, {} messages stored; Kafka lag {}, "
        "spool depth {}; {} pairs, {} pending ({} KiB)",
        kProgressPeriod.count(), accepted, accepted / kProgressPeriod.count(),
        counters_.rejected - logged_counters_.rejected,
        counters_.stored - logged_counters_.stored, lag, spool_depth, book_.all().size(),
        pending_messages(), pending_bytes_ / 1024);
    logged_counters_ = counters_;
  }
}

boost::asio::awaitable<void> Ingestor::show_others() {
  bool failing = false;
  while (co_await wait_on(show_others_timer_, kShowOthersPeriod)) {
    auto work = [topic = settings_.kafka.topic](storage::Storage& storage) {
      return storage.latest_rows(topic);
    };
    std::vector<storage::LatestRow> rows;
    try {
      rows = co_await storage_.run(std::move(work));
    } catch (const std::exception& error) {
      if (!std::exchange(failing, true)) {
        spdlog::warn("the pairs other instances read are not shown up to date until storage "
                     "answers again: {}",
                     error.what());
      }
      continue;
    }
    if (stopping_) co_return;
    if (std::exchange(failing, false)) {
      spdlog::info("the pairs other instances read are shown up to date again");
    }
    // Read while this instance may have taken some of their partitions since: those it
    // computes itself.
    for (const storage::LatestRow& latest : rows) {
      const storage::Source& source = latest.row.source;
      if (owns({source.topic, source.partition})) continue;
      book_.observe(latest.row.metrics, {.from_store = true,
                                         .owner = latest.owner,
                                         .partition = source.partition,
                                         .offset = source.offset});
    }
  }
}

std::vector<std::string> Ingestor::let_go(const std::set<kafka::TopicPartition>& partitions) {
  std::vector<std::string> pairs;
  for (const auto& [pair, partition] : pair_partitions_) {
    if (partitions.contains(partition)) pairs.push_back(pair);
  }
  for (const auto& pair : pairs) pair_partitions_.erase(pair);
  book_.let_go(pairs);
  return pairs;
}

bool Ingestor::owns(const kafka::TopicPartition& partition) const {
  return positions_.contains(partition) || loading_.contains(partition) ||
         to_load_.contains(partition);
}

}  // namespace cryptometrics::pipeline
