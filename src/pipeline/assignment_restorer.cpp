#include "pipeline/assignment_restorer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <utility>

#include "kafka/consumer.h"
#include "pipeline/waits.h"

namespace cryptometrics::pipeline {

AssignmentRestorer::AssignmentRestorer(boost::asio::io_context& io, storage::StorageThread& storage,
                                       metrics::Book& book, Settings settings,
                                       std::function<void(Assignment)> taken_over)
    : io_{io},
      storage_{storage},
      book_{book},
      settings_{std::move(settings)},
      taken_over_{std::move(taken_over)},
      retry_timer_{io},
      backoff_{kFirstRetry, kLongestRetry} {}

boost::asio::awaitable<void> AssignmentRestorer::read_back_book() {
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
}

void AssignmentRestorer::assigned(const std::vector<kafka::TopicPartition>& partitions) {
  to_load_.insert(partitions.begin(), partitions.end());
}

void AssignmentRestorer::revoked(const std::vector<kafka::TopicPartition>& partitions) {
  // One revoked while it is taken over is left out of the assignment; its claim is let go.
  for (const auto& partition : partitions) {
    to_load_.erase(partition);
    loading_.erase(partition);
  }
}

void AssignmentRestorer::lose(const std::set<kafka::TopicPartition>& partitions) {
  for (const auto& partition : partitions) claims_.erase(partition);
}

void AssignmentRestorer::take_over_assigned() {
  if (to_load_.empty() || !loading_.empty()) return;
  loading_ = std::exchange(to_load_, {});
  boost::asio::co_spawn(io_, take_over(), boost::asio::detached);
}

bool AssignmentRestorer::owns(const kafka::TopicPartition& partition) const {
  return loading_.contains(partition) || to_load_.contains(partition);
}

std::vector<storage::Claim> AssignmentRestorer::claims_on(
    const std::vector<storage::PartitionOffset>& offsets) const {
  std::vector<storage::Claim> claims;
  for (const auto& offset : offsets) {
    if (const auto claim = claims_.find(offset); claim != claims_.end()) {
      claims.push_back({offset, claim->second});
    }
  }
  return claims;
}

void AssignmentRestorer::stop() {
  stopping_ = true;
  retry_timer_.cancel();
}

boost::asio::awaitable<void> AssignmentRestorer::take_over() {
  for (;;) {
    std::vector<std::int32_t> numbers;
    for (const auto& partition : loading_) numbers.push_back(partition.partition);
    auto work = [numbers, topic = settings_.topic, owner = settings_.instance_id,
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
      backoff_.reset();
      for (const storage::Claim& claim : takeover->claims) {
        claims_[claim] = claim.epoch;
      }
      book_.restore(takeover->histories);
      taken_over_(assign(takeover->offsets));
      co_return;
    }
    const auto wait = backoff_.next();
    spdlog::error("taking over {}: {}; retrying in {} ms", kafka::describe(loading_), failure,
                  wait.count());
    if (!co_await wait_on(retry_timer_, wait) || stopping_) co_return;
  }
}

Assignment AssignmentRestorer::assign(const std::vector<storage::PartitionOffset>& stored) {
  const auto stored_offset = [&stored](const kafka::TopicPartition& partition) {
    const auto found = std::find_if(stored.begin(), stored.end(), [&partition](const auto& offset) {
      const kafka::TopicPartition& of = offset;
      return of == partition;
    });
    return found != stored.end() ? &*found : nullptr;
  };
  // Decided once, from what earlier runs stored: later assignments in this run find the lives
  // begun here, once rows of them are stored.
  if (settings_.topic_starts_empty && !lives_begun_) {
    lives_begun_.emplace();
    for (const auto& offset : stored) {
      (*lives_begun_)[offset] = offset.life + 1;
    }
  }
  Assignment assignment;
  for (const auto& partition : std::exchange(loading_, {})) {
    Position& position = assignment.positions[partition];
    std::int64_t& start = assignment.start_offsets[partition];
    const storage::PartitionOffset* offset = stored_offset(partition);
    std::optional<storage::Life> begun;
    if (lives_begun_) {
      if (const auto found = lives_begun_->find(partition); found != lives_begun_->end()) {
        begun = found->second;
      }
    }
    if (begun && (offset == nullptr || offset->life < *begun)) {
      spdlog::warn(
          "Kafka {} starts over: the embedded broker is new in this run, so its stored offset "
          "{} (life {}) lies beyond the partition's end (log end 0 at start); consuming it from "
          "its beginning as life {}, the rows of earlier lives stay stored",
          kafka::describe(partition), offset != nullptr ? offset->next_offset : 0,
          offset != nullptr ? offset->life : 0, *begun);
      position.life = *begun;
      start = kafka::kFromBeginning;
      ++started_over_;
    } else if (offset != nullptr) {
      position = {offset->life, offset->next_offset};
      start = offset->next_offset;
    } else {
      // The store holds nothing of it, so its pairs' state starts with its first message, even
      // where the group committed offsets: those say how far some member got, not that the
      // rows before them are in this answer (another instance's spool holds them, or this
      // answer is the checkpoint of a PostgreSQL that is down).
      start = kafka::kFromBeginning;
    }
  }
  return assignment;
}

}  // namespace cryptometrics::pipeline
