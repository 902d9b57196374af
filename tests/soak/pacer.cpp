#include "soak/pacer.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "soak/client_config.h"

namespace cryptometrics::soak {
namespace {

using namespace std::chrono_literals;

constexpr char kGroup[] = "crypto_price_consumer_group";  // the service's default
constexpr auto kInterval = 250ms;
constexpr auto kCommittedTimeout = 2s;
constexpr double kFullRate = std::numeric_limits<double>::max();
constexpr double kSlowRate = 1'500;
constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr std::uint64_t kSlowFromBytes = 2 * kMiB;
constexpr std::uint64_t kFullAgainBelowBytes = 1 * kMiB;
constexpr std::uint64_t kPauseFromBytes = 7 * kMiB / 2;
// A message over 1 MiB goes only where it cannot push the backlog near the broker's 5 MiB.
constexpr std::uint64_t kLargeBelowBytes = 1 * kMiB;

enum class Limit { full, broker_silent, service_not_ready, backlog, paused };

Limit decide(bool ready, std::optional<std::uint64_t> backlog, std::optional<Limit> previous) {
  if (backlog && *backlog >= kPauseFromBytes) return Limit::paused;
  if (!backlog) return Limit::broker_silent;
  if (!ready) return Limit::service_not_ready;
  // Once slowed for its backlog, full rate again only well below where it slowed: no flapping.
  const std::uint64_t slow_from = previous == Limit::backlog || previous == Limit::paused
                                      ? kFullAgainBelowBytes
                                      : kSlowFromBytes;
  return *backlog >= slow_from ? Limit::backlog : Limit::full;
}

std::string_view description(Limit limit) {
  switch (limit) {
    case Limit::full:
      return "at full rate";
    case Limit::broker_silent:
      return "at 1500/s: the broker does not answer";
    case Limit::service_not_ready:
      return "at 1500/s: the service is not ready";
    case Limit::backlog:
      return "at 1500/s: over 2 MiB waits uncommitted in a partition";
    case Limit::paused:
      return "paused: over 3.5 MiB waits uncommitted in a partition";
  }
  return "";
}

}  // namespace

Pacer::Pacer(const std::string& bootstrap_servers, const Fleet& fleet, const SentLog& log,
             Producer& producer, Journal& journal, const testing::PostgresServer& postgres)
    : fleet_{fleet}, log_{log}, producer_{producer}, journal_{journal}, postgres_{postgres} {
  // A member of the service's group only to read its committed offsets: it never subscribes,
  // so it never joins, and never commits.
  rd_kafka_conf_t* conf = quiet_client_config({{"bootstrap.servers", bootstrap_servers},
                                               {"group.id", kGroup},
                                               {"enable.auto.commit", "false"}});
  std::array<char, 512> error{};
  group_.reset(rd_kafka_new(RD_KAFKA_CONSUMER, conf, error.data(), error.size()));
  if (!group_) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string{"cannot create the pacer's client: "} + error.data());
  }
  thread_ = std::thread{[this] { run(); }};
}

Pacer::~Pacer() {
  {
    std::lock_guard lock{mutex_};
    stopping_ = true;
  }
  stop_.notify_all();
  thread_.join();
  rd_kafka_consumer_close(group_.get());
}

std::uint64_t Pacer::largest_backlog_bytes() const {
  std::lock_guard lock{mutex_};
  return largest_backlog_bytes_;
}

std::optional<std::uint64_t> Pacer::backlog_bytes() {
  const int partitions = log_.partitions();
  std::unique_ptr<rd_kafka_topic_partition_list_t, decltype(&rd_kafka_topic_partition_list_destroy)>
      list{rd_kafka_topic_partition_list_new(partitions), rd_kafka_topic_partition_list_destroy};
  for (int partition = 0; partition < partitions; ++partition) {
    rd_kafka_topic_partition_list_add(list.get(), kTopic, partition);
  }
  if (rd_kafka_committed(group_.get(), list.get(),
                         static_cast<int>(std::chrono::milliseconds{kCommittedTimeout}.count())) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::nullopt;
  }
  // What is queued may go to any partition: counted against each.
  const std::uint64_t in_flight = producer_.bytes_in_flight();
  const std::map<std::int32_t, std::int64_t>* held =
      fleet_.size() > 1 ? &held_in_postgres() : nullptr;
  std::uint64_t largest = 0;
  for (int at = 0; at < list->cnt; ++at) {
    const rd_kafka_topic_partition_t& committed = list->elems[at];
    if (committed.err != RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
    // No commit yet, or no row in PostgreSQL: everything waits.
    std::int64_t from = std::max<std::int64_t>(committed.offset, 0);
    if (held) {
      const auto stored = held->find(committed.partition);
      from = std::min(from, stored == held->end() ? 0 : stored->second);
    }
    largest = std::max(largest, log_.bytes_from(committed.partition, from) + in_flight);
  }
  return largest;
}

const std::map<std::int32_t, std::int64_t>& Pacer::held_in_postgres() {
  try {
    std::map<std::int32_t, std::int64_t> held;
    for (const auto& row : postgres_.query(std::string{"SELECT kafka_partition, next_offset "
                                                       "FROM kafka_offsets WHERE kafka_topic = '"} +
                                           kTopic + "'")) {
      held[std::stoi(row.at(0))] = std::stoll(row.at(1));
    }
    held_in_postgres_ = std::move(held);
  } catch (const std::exception&) {
    // Down, or stopping: the offsets only move forward, so the last answer is the safe side.
  }
  return held_in_postgres_;
}

void Pacer::run() {
  std::optional<Limit> previous;
  std::unique_lock lock{mutex_};
  while (!stopping_) {
    lock.unlock();
    const bool ready = fleet_.ready();
    const std::optional<std::uint64_t> backlog = backlog_bytes();
    const Limit limit = decide(ready, backlog, previous);
    producer_.limit(limit == Limit::full     ? kFullRate
                    : limit == Limit::paused ? 0
                                             : kSlowRate,
                    ready && backlog && *backlog < kLargeBelowBytes);
    if (limit != previous) journal_.say("producer " + std::string{description(limit)});
    previous = limit;
    lock.lock();
    if (backlog) largest_backlog_bytes_ = std::max(largest_backlog_bytes_, *backlog);
    stop_.wait_for(lock, kInterval, [this] { return stopping_; });
  }
}

}  // namespace cryptometrics::soak
