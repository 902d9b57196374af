#include "pipeline/ingestor.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>
#include <utility>
#include <variant>

#include "market/quote_decoder.h"

namespace cryptometrics::pipeline {
namespace {

constexpr std::chrono::seconds kMaxRetryDelay{30};
// Often enough to follow a catch-up or an outage; a quiet service logs nothing.
constexpr std::chrono::seconds kProgressPeriod{5};

market::Timestamp now() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now());
}

std::vector<storage::PartitionOffset> to_rows(const std::map<kafka::TopicPartition,
                                                             std::int64_t>& offsets) {
  std::vector<storage::PartitionOffset> rows;
  rows.reserve(offsets.size());
  for (const auto& [partition, next_offset] : offsets) {
    rows.push_back({partition.topic, partition.partition, next_offset});
  }
  return rows;
}

}  // namespace

Ingestor::Ingestor(boost::asio::io_context& io, const IngestorSettings& settings,
                   metrics::Book& book, storage::StorageThread& storage)
    : io_{io},
      settings_{settings},
      book_{book},
      storage_{storage},
      consumer_{io, settings.kafka, *this},
      linger_timer_{io},
      retry_timer_{io},
      progress_timer_{io} {}

Ingestor::~Ingestor() = default;

void Ingestor::start() {
  storage_.post([&io = io_, alive = std::weak_ptr<bool>{alive_}, this,
                 window = book_.sma_window()](storage::Storage& storage) {
    std::vector<metrics::History> histories;
    try {
      histories = storage.load_histories(window);
    } catch (const std::exception& error) {
      spdlog::error("reading the metrics back from storage: {}", error.what());
    }
    boost::asio::post(io, [alive, this, histories = std::move(histories)] {
      if (alive.expired() || stopping_) return;
      book_.restore(histories);
      spdlog::info("metrics of {} pairs read back from storage", histories.size());
      consumer_.start();
    });
  });
  log_progress();
}

void Ingestor::stop(std::function<void()> done) {
  stopped_ = std::move(done);
  stopping_ = true;
  consumer_.pause_reading();
  retry_timer_.cancel();
  progress_timer_.cancel();
  if (!writing_ && pending_messages() > 0) flush();
  if (!writing_) finish_stop();
}

void Ingestor::finish_stop() {
  consumer_.close();
  spdlog::info("stopped: {} quotes accepted, {} rejected, {} messages stored", counters_.accepted,
               counters_.rejected, counters_.stored);
  if (stopped_) std::exchange(stopped_, nullptr)();
}

void Ingestor::on_assigned(std::vector<kafka::TopicPartition> partitions) {
  ++generation_;
  assignment_to_load_ = std::move(partitions);
  load_state_when_idle();
}

void Ingestor::on_revoked() {
  ++generation_;
  assignment_to_load_.reset();
  next_offsets_.clear();
  if (!writing_ && pending_messages() > 0) flush();
}

// The state read on assignment must include every row taken in before, so it waits for pending
// and in-flight writes (no messages arrive meanwhile: nothing is assigned).
void Ingestor::load_state_when_idle() {
  if (!assignment_to_load_ || writing_ || pending_messages() > 0 || stopping_) return;
  load_state(generation_, *std::exchange(assignment_to_load_, std::nullopt));
}

void Ingestor::load_state(std::uint64_t generation,
                          std::vector<kafka::TopicPartition> partitions) {
  storage_.post([&io = io_, alive = std::weak_ptr<bool>{alive_}, this, generation,
                 partitions = std::move(partitions), topic = settings_.kafka.topic,
                 window = book_.sma_window()](storage::Storage& storage) mutable {
    std::vector<metrics::History> histories;
    std::vector<storage::PartitionOffset> stored;
    std::string failure;
    try {
      histories = storage.load_histories(window);
      stored = storage.load_offsets(topic);
    } catch (const std::exception& error) {
      failure = error.what();
    }
    boost::asio::post(io, [alive, this, generation, partitions = std::move(partitions),
                           histories = std::move(histories), stored = std::move(stored),
                           failure = std::move(failure)]() mutable {
      if (alive.expired() || stopping_ || generation != generation_) return;
      if (!failure.empty()) {
        spdlog::error("reading stored offsets for the new assignment: {}; retrying in {} s",
                      failure, retry_delay_.count());
        retry_timer_.expires_after(retry_delay_);
        retry_delay_ = std::min(retry_delay_ * 2, kMaxRetryDelay);
        retry_timer_.async_wait([this, alive, generation, partitions = std::move(partitions)](
                                    const boost::system::error_code& cancelled) mutable {
          if (alive.expired() || cancelled || generation != generation_) return;
          load_state(generation, std::move(partitions));
        });
        return;
      }
      retry_delay_ = std::chrono::seconds{1};
      book_.restore(histories);
      Offsets start_offsets;
      for (const auto& offset : stored) {
        const kafka::TopicPartition partition{offset.topic, offset.partition};
        if (std::find(partitions.begin(), partitions.end(), partition) != partitions.end()) {
          start_offsets[partition] = offset.next_offset;
        }
      }
      next_offsets_ = start_offsets;
      consumer_.assign(partitions, start_offsets);
    });
  });
}

void Ingestor::on_message(const kafka::Message& message) {
  const kafka::TopicPartition partition{std::string{message.topic}, message.partition};
  auto [next, first_seen] = next_offsets_.try_emplace(partition, message.offset);
  if (!first_seen && message.offset < next->second) {
    ++counters_.skipped;
    return;
  }
  next->second = message.offset + 1;
  pending_offsets_[partition] = message.offset + 1;

  if (pending_messages() == 0) pending_since_ = std::chrono::steady_clock::now();
  storage::Source source{partition.topic, message.partition, message.offset};
  auto decoded = market::decode_quote(message.payload, message.timestamp);
  if (auto* quote = std::get_if<market::Quote>(&decoded)) {
    pending_.quotes.push_back({book_.apply(*quote), std::move(source)});
    if (message.timestamp) latency_.record(now() - *message.timestamp);
    ++counters_.accepted;
  } else {
    auto& rejection = std::get<market::Rejection>(decoded);
    rejection_log_.record(source, rejection.reason);
    pending_.rejections.push_back(
        {std::string{message.payload}, std::move(rejection.reason), std::move(source), now()});
    ++counters_.rejected;
    ++counters_.rejected_by_kind[static_cast<std::size_t>(rejection.kind)];
  }

  if (!writing_ && pending_messages() >= settings_.max_batch) {
    flush();
  } else if (writing_ && pending_messages() >= settings_.max_pending) {
    consumer_.pause_reading();
  }
}

void Ingestor::on_idle() { flush_when_due(); }

void Ingestor::flush_when_due() {
  if (writing_ || pending_messages() == 0) return;
  const auto due = pending_since_ + settings_.batch_linger;
  if (stopping_ || assignment_to_load_ || std::chrono::steady_clock::now() >= due) {
    flush();
    return;
  }
  if (linger_armed_) return;
  linger_armed_ = true;
  linger_timer_.expires_at(due);
  linger_timer_.async_wait(
      [this, alive = std::weak_ptr<bool>{alive_}](const boost::system::error_code& cancelled) {
        if (alive.expired()) return;
        linger_armed_ = false;
        if (!cancelled) flush_when_due();
      });
}

std::size_t Ingestor::pending_messages() const {
  return pending_.quotes.size() + pending_.rejections.size();
}

void Ingestor::flush() {
  pending_.offsets = to_rows(pending_offsets_);
  auto batch = std::make_shared<const storage::Batch>(std::exchange(pending_, {}));
  write(std::move(batch), std::exchange(pending_offsets_, {}));
}

void Ingestor::write(std::shared_ptr<const storage::Batch> batch, Offsets offsets) {
  writing_ = true;
  storage_.post([&io = io_, alive = std::weak_ptr<bool>{alive_}, this, batch = std::move(batch),
                 offsets = std::move(offsets)](storage::Storage& storage) mutable {
    std::string failure;
    try {
      storage.write(*batch);
    } catch (const std::exception& error) {
      failure = error.what();
    }
    boost::asio::post(io, [alive, this, batch = std::move(batch), offsets = std::move(offsets),
                           failure = std::move(failure)]() mutable {
      if (alive.expired()) return;
      if (failure.empty()) {
        written(batch, offsets);
      } else {
        write_failed(std::move(batch), std::move(offsets), failure);
      }
    });
  });
}

void Ingestor::written(std::shared_ptr<const storage::Batch> batch, const Offsets& offsets) {
  writing_ = false;
  if (retry_delay_ > std::chrono::seconds{1}) spdlog::info("storage accepts writes again");
  retry_delay_ = std::chrono::seconds{1};
  counters_.stored += batch->quotes.size() + batch->rejections.size();
  consumer_.store_offsets(offsets);

  if (pending_messages() > 0) {
    flush_when_due();
  } else if (stopping_) {
    finish_stop();
    return;
  }
  if (!stopping_ && pending_messages() < settings_.max_pending) consumer_.resume_reading();
  load_state_when_idle();
}

void Ingestor::write_failed(std::shared_ptr<const storage::Batch> batch, Offsets offsets,
                            const std::string& error) {
  const std::size_t messages = batch->quotes.size() + batch->rejections.size();
  if (stopping_) {
    spdlog::error(
        "storing {} messages failed while stopping: {}; they were not committed and will be "
        "consumed again at the next start",
        messages, error);
    writing_ = false;
    finish_stop();
    return;
  }
  spdlog::error("storing {} messages failed: {}; retrying in {} s, reading pauses once {} wait",
                messages, error, retry_delay_.count(), settings_.max_pending);
  retry_timer_.expires_after(retry_delay_);
  retry_delay_ = std::min(retry_delay_ * 2, kMaxRetryDelay);
  retry_timer_.async_wait([this, alive = std::weak_ptr<bool>{alive_}, batch = std::move(batch),
                           offsets = std::move(offsets)](
                              const boost::system::error_code& cancelled) mutable {
    if (alive.expired()) return;
    if (cancelled) {
      writing_ = false;
      if (stopping_) finish_stop();
      return;
    }
    write(std::move(batch), std::move(offsets));
  });
}

void Ingestor::log_progress() {
  progress_timer_.expires_after(kProgressPeriod);
  progress_timer_.async_wait([this, alive = std::weak_ptr<bool>{alive_}](
                                 const boost::system::error_code& cancelled) {
    if (alive.expired() || cancelled) return;
    std::int64_t lag = 0;
    for (const auto& partition : consumer_.lag()) lag += partition.messages;
    const std::size_t spool_depth = storage_.status().spool_depth;
    if (counters_.accepted != logged_counters_.accepted ||
        counters_.rejected != logged_counters_.rejected ||
        counters_.stored != logged_counters_.stored || lag > 0 || spool_depth > 0) {
      const auto accepted = counters_.accepted - logged_counters_.accepted;
      spdlog::info(
          "last {} s: {} quotes accepted ({}/s), {} rejected, {} messages stored; Kafka lag {}, "
          "spool depth {}; {} pairs, {} pending",
          kProgressPeriod.count(), accepted, accepted / kProgressPeriod.count(),
          counters_.rejected - logged_counters_.rejected,
          counters_.stored - logged_counters_.stored, lag, spool_depth, book_.all().size(),
          pending_messages());
      logged_counters_ = counters_;
    }
    log_progress();
  });
}

}  // namespace cryptometrics::pipeline
