#include "pipeline/ingestor.h"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <map>
#include <utility>

#include "pipeline/waits.h"

namespace cryptometrics::pipeline {
namespace {

// Often enough to follow a catch-up or an outage; a quiet service logs nothing.
constexpr std::chrono::seconds kProgressPeriod{5};

// What Kafka is told to commit: the next offset of each partition, whatever its life.
std::map<kafka::TopicPartition, std::int64_t> to_commit(
    const std::vector<storage::PartitionOffset>& offsets) {
  std::map<kafka::TopicPartition, std::int64_t> next_offsets;
  for (const auto& offset : offsets) {
    next_offsets[offset] = offset.next_offset;
  }
  return next_offsets;
}

}  // namespace

Ingestor::Ingestor(boost::asio::io_context& io, const IngestorSettings& settings,
                   metrics::Book& book, storage::StorageThread& storage)
    : io_{io},
      settings_{settings},
      book_{book},
      storage_{storage},
      batcher_{io,
               {.max_batch = settings.max_batch,
                .max_pending = settings.max_pending,
                .max_pending_bytes = settings.max_pending_bytes,
                .batch_linger = settings.batch_linger},
               book,
               [this](const kafka::TopicPartition& partition) {
                 return consumer_.watermarks(partition);
               },
               [this] { flush_when_due(); }},
      writer_{
          io,
          storage,
          settings.max_pending,
          {.fenced = [this](const std::set<kafka::TopicPartition>& lost, const std::string& reason,
                            std::size_t dropped) { fenced(lost, reason, dropped); },
           .written = [this](const storage::Batch& batch) { written(batch); },
           .given_up = [this](std::size_t messages,
                              const std::string& error) { given_up(messages, error); }}},
      restorer_{io,
                storage,
                book,
                {.topic = settings.kafka.topic,
                 .instance_id = settings.instance_id,
                 .topic_starts_empty = settings.topic_starts_empty},
                [this](Assignment assignment) { taken_over(std::move(assignment)); }},
      others_{io, storage, book, settings.kafka.topic,
              [this](const kafka::TopicPartition& partition) { return owns(partition); }},
      progress_timer_{io},
      consumer_{io, settings.kafka, *this} {}

Ingestor::~Ingestor() = default;

void Ingestor::start() {
  // Standing by without partitions, an instance still answers for every pair.
  if (storage_.status().shared) others_.start();
  boost::asio::co_spawn(io_, restore_then_join(), boost::asio::detached);
  boost::asio::co_spawn(io_, report_progress(), boost::asio::detached);
}

IngestCounters Ingestor::counters() const {
  IngestCounters counters = batcher_.counters();
  counters.partitions_started_over += restorer_.started_over();
  counters.stored = writer_.stored();
  counters.fenced = writer_.fenced();
  return counters;
}

boost::asio::awaitable<void> Ingestor::restore_then_join() {
  co_await restorer_.read_back_book();
  if (stopping_) co_return;
  consumer_.start();
}

void Ingestor::stop(std::function<void()> done) {
  stopped_ = std::move(done);
  stopping_ = true;
  consumer_.pause_reading();
  writer_.stop();
  restorer_.stop();
  others_.stop();
  progress_timer_.cancel();
  if (!writer_.busy() && !batcher_.empty()) flush();
  if (!writer_.busy()) finish_stop();
}

void Ingestor::finish_stop() {
  consumer_.close();
  batcher_.finish();
  const IngestCounters counted = counters();
  spdlog::info("stopped: {} quotes accepted, {} rejected, {} messages stored", counted.accepted,
               counted.rejected, counted.stored);
  if (stopped_) std::exchange(stopped_, nullptr)();
}

void Ingestor::on_assigned(std::vector<kafka::TopicPartition> partitions) {
  restorer_.assigned(partitions);
  flush_when_due();
  take_over_when_idle();
}

void Ingestor::on_revoked(std::vector<kafka::TopicPartition> partitions) {
  restorer_.revoked(partitions);
  others_.let_go(batcher_.stop_reading({partitions.begin(), partitions.end()}));
  // Pending messages of these partitions are stored all the same, under their claims: if their
  // new owner claimed them first, the store refuses them, and the new owner reads them again.
  if (!writer_.busy() && !batcher_.empty()) flush();
}

void Ingestor::take_over_when_idle() {
  if (writer_.busy() || !batcher_.empty() || stopping_) return;
  restorer_.take_over_assigned();
}

void Ingestor::taken_over(Assignment assignment) {
  for (const auto& [partition, position] : assignment.positions) {
    batcher_.start(partition, position);
  }
  consumer_.assign(assignment.start_offsets);
  if (restorer_.waiting()) {
    take_over_when_idle();
  } else if (!batcher_.full(writer_.busy())) {
    consumer_.resume_reading();
  }
}

void Ingestor::on_message(const kafka::Message& message) {
  if (!batcher_.add(message) || !batcher_.full(writer_.busy())) return;
  if (writer_.busy()) {
    consumer_.pause_reading();
  } else {
    flush();
  }
}

void Ingestor::on_idle() { flush_when_due(); }

void Ingestor::flush_when_due() {
  if (writer_.busy() || batcher_.empty()) return;
  if (stopping_ || restorer_.waiting() || batcher_.lingered()) {
    flush();
  } else {
    batcher_.linger();
  }
}

void Ingestor::flush() {
  storage::Batch batch = batcher_.cut();
  batch.claims = restorer_.claims_on(batch.offsets);
  writer_.write(std::move(batch));
}

void Ingestor::written(const storage::Batch& batch) {
  consumer_.store_offsets(to_commit(batch.offsets));
  if (!batcher_.empty()) {
    flush_when_due();
  } else if (stopping_) {
    finish_stop();
    return;
  }
  if (!stopping_ && !batcher_.full(writer_.busy()) && !restorer_.waiting() &&
      !restorer_.loading()) {
    consumer_.resume_reading();
  }
  take_over_when_idle();
}

void Ingestor::fenced(const std::set<kafka::TopicPartition>& lost, const std::string& reason,
                      std::size_t dropped) {
  restorer_.lose(lost);
  const std::vector<std::string> pairs = batcher_.drop(lost);
  others_.let_go(pairs);
  spdlog::error(
      "{}: instance {} no longer owns {}: {} messages of the batch are dropped, unstored and "
      "uncommitted, for the new owner to store; {} pairs are shown as it stores them ({})",
      reason, settings_.instance_id, kafka::describe(lost), dropped, pairs.size(),
      fmt::join(pairs, ", "));
}

void Ingestor::given_up(std::size_t messages, const std::string& error) {
  spdlog::error(
      "stopping with {} messages that storage refused ({}) and {} read after them: none of them "
      "is stored or committed, they will be consumed again at the next start",
      messages, error, batcher_.messages());
  batcher_.discard();
  finish_stop();
}

boost::asio::awaitable<void> Ingestor::report_progress() {
  while (co_await wait_on(progress_timer_, kProgressPeriod)) {
    std::int64_t lag = 0;
    for (const auto& partition : consumer_.lag()) lag += partition.messages;
    const std::size_t spool_depth = storage_.status().spool_depth;
    const IngestCounters counted = counters();
    if (counted.accepted == logged_counters_.accepted &&
        counted.rejected == logged_counters_.rejected &&
        counted.stored == logged_counters_.stored && lag == 0 && spool_depth == 0) {
      continue;
    }
    const auto accepted = counted.accepted - logged_counters_.accepted;
    spdlog::info(
        "last {} s: {} quotes accepted ({}/s), {} rejected, {} messages stored; Kafka lag {}, "
        "spool depth {}; {} pairs, {} pending ({} KiB)",
        kProgressPeriod.count(), accepted, accepted / kProgressPeriod.count(),
        counted.rejected - logged_counters_.rejected, counted.stored - logged_counters_.stored, lag,
        spool_depth, book_.all().size(), batcher_.messages(), batcher_.bytes() / 1024);
    logged_counters_ = counted;
  }
}

bool Ingestor::owns(const kafka::TopicPartition& partition) const {
  return batcher_.reads(partition) || restorer_.owns(partition);
}

}  // namespace cryptometrics::pipeline
