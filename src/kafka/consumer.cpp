#include "kafka/consumer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <iterator>
#include <spdlog/spdlog.h>
#include <stdexcept>
#include <system_error>

#include "kafka/client_config.h"
#include "kafka/statistics.h"

namespace cryptometrics::kafka {
namespace {

static_assert(kFromBeginning == RD_KAFKA_OFFSET_BEGINNING);

// Messages handed over per turn of the event loop before HTTP and timers get theirs.
constexpr int kBurst = 1000;

// What librdkafka fetches ahead of the application. Its defaults (100,000 messages, fetched up to
// 1 MiB per partition) cost over 100 MiB during a catch-up; these keep it near 15 MiB.
constexpr int kQueuedMessages = 10'000;
constexpr int kQueuedKibibytes = 4096;
constexpr int kPartitionFetchBytes = 64 * 1024;
constexpr int kFetchBytes = 2 * 1024 * 1024;
// librdkafka stops fetching a partition while its queue is over those limits, and looks again
// after this long (its default, a second, starved a consumer that drains the small queue in a
// fraction of it: a catch-up read 20,000 quotes/s instead of 50,000).
constexpr int kFetchQueueBackoffMs = 10;

std::vector<TopicPartition> to_vector(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> partitions;
  partitions.reserve(static_cast<std::size_t>(list->cnt));
  for (int i = 0; i < list->cnt; ++i) {
    partitions.push_back({list->elems[i].topic, list->elems[i].partition});
  }
  return partitions;
}

// The partitions assigned, for pausing or resuming all of them. Built from what this consumer
// assigned, not read back with rd_kafka_assignment(), which can lag behind an assignment just
// made and so leave partitions paused for good.
using PartitionList =
    std::unique_ptr<rd_kafka_topic_partition_list_t, decltype(&rd_kafka_topic_partition_list_destroy)>;

PartitionList list_of(const std::vector<TopicPartition>& partitions) {
  PartitionList list{rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())),
                     &rd_kafka_topic_partition_list_destroy};
  for (const auto& partition : partitions) {
    rd_kafka_topic_partition_list_add(list.get(), partition.topic.c_str(), partition.partition);
  }
  return list;
}

std::string describe(const std::vector<TopicPartition>& partitions) {
  std::string text;
  for (const auto& partition : partitions) {
    if (!text.empty()) text += ", ";
    text += describe(partition);
  }
  return text.empty() ? "none" : text;
}

}  // namespace

struct Consumer::Client {
  Client(boost::asio::io_context& io, ConsumerHandler& handler, std::string topic)
      : io{io}, handler{handler}, topic{std::move(topic)}, wake_reader{io} {}

  void schedule_drain();
  void drain();
  void arm_wake_reader();
  void hand_over(const rd_kafka_message_t& message);
  void rebalance(rd_kafka_resp_err_t error, rd_kafka_topic_partition_list_t* partitions);
  void report_error(rd_kafka_resp_err_t error, const char* reason);
  void committed(rd_kafka_resp_err_t error, const rd_kafka_topic_partition_list_t* offsets);
  void statistics(std::string_view json);
  void set_paused(rd_kafka_topic_partition_list_t* partitions);
  // Reports what an incremental (un)assign refused, and frees it.
  void apply(rd_kafka_error_t* failure, const char* action);
  // Takes note of the partitions now assigned.
  void assignment_changed(std::vector<TopicPartition> current);

  boost::asio::io_context& io;
  ConsumerHandler& handler;
  std::string topic;
  rd_kafka_t* handle = nullptr;
  rd_kafka_queue_t* queue = nullptr;
  boost::asio::posix::stream_descriptor wake_reader;
  int wake_writer = -1;
  std::array<char, 256> wake_buffer{};
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);
  bool paused = false;
  bool closed = false;
  bool drain_scheduled = false;
  std::vector<TopicPartition> assigned;  // the partitions being read, in order
  bool awaiting_assignment = true;
  // The latest client-level error, cleared when messages flow again; when it is about reaching
  // the brokers, also once they answer again: the group assigns partitions, or the statistics
  // show them connected.
  std::string error;
  bool error_is_connection = false;
  // Why the latest offset commit failed; cleared by the next one that succeeds or a new
  // assignment.
  std::string commit_error;
};

void Consumer::Client::schedule_drain() {
  if (drain_scheduled) return;
  drain_scheduled = true;
  boost::asio::post(io, [this, alive = std::weak_ptr<bool>{alive}] {
    if (alive.expired()) return;
    drain_scheduled = false;
    drain();
  });
}

// Polls even while reading is paused: the paused partitions hand over nothing, but rebalances,
// errors and statistics are served, and librdkafka sees the application poll, so it neither
// leaves the group after max.poll.interval.ms nor lets events pile up.
void Consumer::Client::drain() {
  for (int handed_over = 0; handed_over < kBurst && !closed; ++handed_over) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(handle, 0);
    if (message == nullptr) {
      // The queue is empty: librdkafka writes to the pipe when the next element arrives.
      handler.on_idle();
      return;
    }
    hand_over(*message);
    rd_kafka_message_destroy(message);
  }
  if (closed) return;
  handler.on_idle();
  schedule_drain();
}

// librdkafka stops fetching a paused partition and drops what it had fetched of it; on resume it
// fetches again from the message after the last one handed over.
void Consumer::Client::set_paused(rd_kafka_topic_partition_list_t* partitions) {
  if (partitions == nullptr || partitions->cnt == 0) return;
  const rd_kafka_resp_err_t result = paused ? rd_kafka_pause_partitions(handle, partitions)
                                            : rd_kafka_resume_partitions(handle, partitions);
  if (result != RD_KAFKA_RESP_ERR_NO_ERROR) {
    report_error(result, paused ? "pausing partitions" : "resuming partitions");
  }
}

void Consumer::Client::arm_wake_reader() {
  wake_reader.async_read_some(
      boost::asio::buffer(wake_buffer),
      [this, alive = std::weak_ptr<bool>{alive}](const boost::system::error_code& failure,
                                                 std::size_t) {
        if (alive.expired() || failure == boost::asio::error::operation_aborted || closed) {
          return;
        }
        if (failure) {
          spdlog::error("Kafka consumer wake-up pipe failed: {}", failure.message());
          return;
        }
        drain();
        arm_wake_reader();
      });
}

void Consumer::Client::hand_over(const rd_kafka_message_t& message) {
  const char* message_topic =
      message.rkt != nullptr ? rd_kafka_topic_name(message.rkt) : topic.c_str();
  if (message.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    report_error(message.err, message.payload != nullptr
                                  ? static_cast<const char*>(message.payload)
                                  : rd_kafka_err2str(message.err));
    return;
  }
  error.clear();
  rd_kafka_timestamp_type_t timestamp_type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  const std::int64_t milliseconds = rd_kafka_message_timestamp(&message, &timestamp_type);
  Message handed{
      .topic = message_topic,
      .partition = message.partition,
      .offset = message.offset,
      .payload = message.payload != nullptr
                     ? std::string_view{static_cast<const char*>(message.payload), message.len}
                     : std::string_view{},
      .timestamp = std::nullopt,
  };
  if (timestamp_type != RD_KAFKA_TIMESTAMP_NOT_AVAILABLE && milliseconds >= 0) {
    // A producer may stamp anything: beyond what microseconds hold, the time is the latest there
    // is, which the decoder refuses as out of range rather than wrapping into a valid one.
    constexpr auto kLatest = std::chrono::duration_cast<std::chrono::milliseconds>(
        market::Timestamp::duration::max());
    handed.timestamp = milliseconds >= kLatest.count()
                           ? market::Timestamp::max()
                           : market::Timestamp{std::chrono::milliseconds{milliseconds}};
  }
  handler.on_message(handed);
}

// The cooperative-sticky assignor: a rebalance takes away only the partitions that change hands,
// and then assigns only those that come to this member; the others stay assigned, with their
// read positions (librdkafka holds them back from the assignment until assign() ends the
// rebalance). An assignment is taken up only once the handler called assign().
void Consumer::Client::rebalance(rd_kafka_resp_err_t reason,
                                 rd_kafka_topic_partition_list_t* partitions) {
  if (reason == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    // A new generation of the group: the coordinator answers, and commits that failed for the
    // previous one (UNKNOWN_MEMBER_ID after a session timeout) no longer matter, their offsets
    // being stored with the rows.
    if (error_is_connection) error.clear();
    commit_error.clear();
    if (partitions->cnt == 0) {
      // Nothing new for this member; the rebalance still waits to be acknowledged.
      apply(rd_kafka_incremental_assign(handle, partitions), "acknowledging an assignment");
      awaiting_assignment = assigned.empty();
      return;
    }
    auto added = to_vector(partitions);
    spdlog::info("Kafka assigned partitions {} (keeping {}); claiming them and reading their "
                 "stored state",
                 describe(added), describe(assigned));
    awaiting_assignment = true;
    handler.on_assigned(std::move(added));
    return;
  }
  auto taken = to_vector(partitions);
  if (reason != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    spdlog::error("Kafka rebalance failed: {}", rd_kafka_err2str(reason));
  } else if (rd_kafka_assignment_lost(handle) != 0) {
    spdlog::warn("Kafka partitions lost (this member was taken out of the group): {}",
                 describe(taken));
  } else {
    spdlog::info("Kafka partitions revoked: {}", describe(taken));
  }
  handler.on_revoked(taken);
  apply(rd_kafka_incremental_unassign(handle, partitions), "giving up revoked partitions");
  std::vector<TopicPartition> kept;
  std::copy_if(assigned.begin(), assigned.end(), std::back_inserter(kept),
               [&taken](const TopicPartition& partition) {
                 return std::find(taken.begin(), taken.end(), partition) == taken.end();
               });
  assignment_changed(std::move(kept));
}

void Consumer::Client::apply(rd_kafka_error_t* failure, const char* action) {
  if (failure == nullptr) return;
  report_error(rd_kafka_error_code(failure),
               (std::string{action} + ": " + rd_kafka_error_string(failure)).c_str());
  rd_kafka_error_destroy(failure);
}

void Consumer::Client::assignment_changed(std::vector<TopicPartition> current) {
  assigned = std::move(current);
  awaiting_assignment = assigned.empty();
}

void Consumer::Client::report_error(rd_kafka_resp_err_t code, const char* reason) {
  const std::string text = std::string{rd_kafka_err2name(code)} + ": " + reason;
  if (text != error) {
    spdlog::warn("Kafka consumer on topic {}: {}", topic, text);
  }
  error = text;
  error_is_connection = code == RD_KAFKA_RESP_ERR__TRANSPORT ||
                        code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
                        code == RD_KAFKA_RESP_ERR__RESOLVE;
}

void Consumer::Client::committed(rd_kafka_resp_err_t code,
                                 const rd_kafka_topic_partition_list_t* offsets) {
  // Nothing new to commit: no request was made, so it says nothing about the broker.
  if (code == RD_KAFKA_RESP_ERR__NO_OFFSET) return;
  std::string failure;
  if (code != RD_KAFKA_RESP_ERR_NO_ERROR) {
    failure = std::string{rd_kafka_err2name(code)} + ": " + error_text(code);
  } else if (offsets != nullptr) {
    for (int i = 0; i < offsets->cnt && failure.empty(); ++i) {
      const auto& entry = offsets->elems[i];
      if (entry.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        failure = std::string{entry.topic} + "[" + std::to_string(entry.partition) + "] at " +
                  std::to_string(entry.offset) + ": " + rd_kafka_err2name(entry.err) + ": " +
                  error_text(entry.err);
      }
    }
  }
  if (failure.empty()) {
    if (!commit_error.empty()) spdlog::info("Kafka offset commits succeed again");
  } else if (commit_error.empty()) {
    // librdkafka logs each failure itself (COMMITFAIL); this marks the start of a run of them.
    spdlog::warn(
        "Kafka offset commit failed: {}; the rows keep their offsets, so nothing is lost or "
        "stored twice meanwhile",
        failure);
  }
  commit_error = std::move(failure);
}

// librdkafka reports a broker it cannot reach through the error callback, but not its return;
// on a quiet topic no message would come to clear the error. Its statistics tell (statistics.h).
void Consumer::Client::statistics(std::string_view json) {
  if (error.empty() || !error_is_connection) return;
  if (brokers_needed_are_up(json, topic)) {
    spdlog::info("Kafka consumer on topic {}: the brokers answer again", topic);
    error.clear();
  }
}

Consumer::Consumer(boost::asio::io_context& io, const ConsumerSettings& settings,
                   ConsumerHandler& handler)
    : client_{std::make_unique<Client>(io, handler, settings.topic)} {
  Properties options = {
      {"bootstrap.servers", settings.bootstrap_servers},
      {"group.id", settings.group_id},
      {"client.id", "crypto-metrics"},
      // Offsets are stored by hand once rows are durable, then committed in the background.
      {"enable.auto.offset.store", "false"},
      {"enable.auto.commit", "true"},
      {"auto.commit.interval.ms", "1000"},
      {"auto.offset.reset", "earliest"},
      {"enable.partition.eof", "false"},
      {"partition.assignment.strategy", "cooperative-sticky"},
      {"session.timeout.ms", std::to_string(settings.session_timeout.count())},
      {"max.poll.interval.ms", std::to_string(settings.max_poll_interval.count())},
      {"heartbeat.interval.ms", "1000"},
      // librdkafka doubles the pause between attempts to reach a broker up to this; its default
      // of 10 s made the service take up to 10 s more than the outage to notice the broker back.
      {"reconnect.backoff.max.ms", "1000"},
      // Only read while an error is reported, to see the brokers back (Client::statistics).
      {"statistics.interval.ms", "1000"},
      {"queued.min.messages", std::to_string(kQueuedMessages)},
      {"queued.max.messages.kbytes", std::to_string(kQueuedKibibytes)},
      {"max.partition.fetch.bytes", std::to_string(kPartitionFetchBytes)},
      {"fetch.max.bytes", std::to_string(kFetchBytes)},
      {"fetch.queue.backoff.ms", std::to_string(kFetchQueueBackoffMs)},
      {"fetch.wait.max.ms", std::to_string(settings.fetch_wait.count())},
  };
  if (!settings.instance_id.empty()) options.emplace_back("group.instance.id", settings.instance_id);
  rd_kafka_conf_t* conf = make_client_config(options);
  rd_kafka_conf_set_opaque(conf, client_.get());
  rd_kafka_conf_set_rebalance_cb(
      conf, [](rd_kafka_t*, rd_kafka_resp_err_t reason, rd_kafka_topic_partition_list_t* list,
               void* opaque) { static_cast<Client*>(opaque)->rebalance(reason, list); });
  rd_kafka_conf_set_offset_commit_cb(
      conf, [](rd_kafka_t*, rd_kafka_resp_err_t code, rd_kafka_topic_partition_list_t* offsets,
               void* opaque) { static_cast<Client*>(opaque)->committed(code, offsets); });
  rd_kafka_conf_set_stats_cb(conf, [](rd_kafka_t*, char* json, std::size_t length, void* opaque) {
    static_cast<Client*>(opaque)->statistics({json, length});
    return 0;  // librdkafka frees the text
  });
  rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t*, int code, const char* reason, void* opaque) {
    static_cast<Client*>(opaque)->report_error(static_cast<rd_kafka_resp_err_t>(code), reason);
  });

  std::array<char, 512> failure{};
  client_->handle = rd_kafka_new(RD_KAFKA_CONSUMER, conf, failure.data(), failure.size());
  if (client_->handle == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string{"Kafka consumer: "} + failure.data());
  }
  // Rebalances and errors are then served by the same poll as messages, on the event loop.
  rd_kafka_poll_set_consumer(client_->handle);
  client_->queue = rd_kafka_queue_get_consumer(client_->handle);

  std::array<int, 2> pipe_ends{};
  if (::pipe2(pipe_ends.data(), O_NONBLOCK | O_CLOEXEC) != 0) {
    throw std::system_error(errno, std::generic_category(), "Kafka consumer wake-up pipe");
  }
  client_->wake_reader.assign(pipe_ends[0]);
  client_->wake_writer = pipe_ends[1];
  static constexpr char kWake = 'w';
  rd_kafka_queue_io_event_enable(client_->queue, client_->wake_writer, &kWake, 1);
}

Consumer::~Consumer() {
  close();
  rd_kafka_queue_io_event_enable(client_->queue, -1, nullptr, 0);
  rd_kafka_queue_destroy(client_->queue);
  rd_kafka_destroy(client_->handle);
  boost::system::error_code ignored;
  client_->wake_reader.close(ignored);
  ::close(client_->wake_writer);
}

void Consumer::start() {
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, client_->topic.c_str(), RD_KAFKA_PARTITION_UA);
  const rd_kafka_resp_err_t result = rd_kafka_subscribe(client_->handle, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (result != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error("Kafka subscribe to topic " + client_->topic + ": " +
                             error_text(result));
  }
  client_->arm_wake_reader();
  client_->schedule_drain();
}

void Consumer::pause_reading() {
  if (client_->paused || client_->closed) return;
  client_->paused = true;
  client_->set_paused(list_of(client_->assigned).get());
}

void Consumer::resume_reading() {
  if (!client_->paused || client_->closed) return;
  client_->paused = false;
  client_->set_paused(list_of(client_->assigned).get());
  client_->schedule_drain();
}

void Consumer::assign(const std::map<TopicPartition, std::int64_t>& start_offsets) {
  if (client_->closed) return;
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(start_offsets.size()));
  std::vector<TopicPartition> partitions;
  std::string positions;
  for (const auto& [partition, start] : start_offsets) {
    rd_kafka_topic_partition_list_add(list, partition.topic.c_str(), partition.partition)
        ->offset = start;
    partitions.push_back(partition);
    if (!positions.empty()) positions += ", ";
    positions += describe(partition) + " from ";
    positions += start == kFromBeginning ? "its beginning" : "offset " + std::to_string(start);
  }
  rd_kafka_error_t* failure = rd_kafka_incremental_assign(client_->handle, list);
  // Partitions assigned while reading is paused start paused.
  if (failure == nullptr && client_->paused) client_->set_paused(list);
  rd_kafka_topic_partition_list_destroy(list);
  if (failure != nullptr) {
    client_->apply(failure, "assigning partitions");
    return;
  }
  std::vector<TopicPartition> now = client_->assigned;
  now.insert(now.end(), partitions.begin(), partitions.end());
  client_->assignment_changed(std::move(now));
  spdlog::info("Kafka consuming {}; this member reads {}",
               positions.empty() ? std::string{"no partitions"} : positions,
               describe(client_->assigned));
  client_->schedule_drain();
}

void Consumer::store_offsets(const std::map<TopicPartition, std::int64_t>& next_offsets) {
  if (next_offsets.empty() || client_->closed) return;
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(next_offsets.size()));
  for (const auto& [partition, offset] : next_offsets) {
    rd_kafka_topic_partition_list_add(list, partition.topic.c_str(), partition.partition)
        ->offset = offset;
  }
  // ERR__STATE for a partition no longer assigned is expected after a rebalance.
  const rd_kafka_resp_err_t result = rd_kafka_offsets_store(client_->handle, list);
  if (result != RD_KAFKA_RESP_ERR_NO_ERROR && result != RD_KAFKA_RESP_ERR__STATE) {
    spdlog::warn("Kafka storing offsets: {}", error_text(result));
  }
  rd_kafka_topic_partition_list_destroy(list);
}

void Consumer::close() {
  if (client_->closed) return;
  client_->closed = true;
  boost::system::error_code ignored;
  client_->wake_reader.cancel(ignored);
  const rd_kafka_resp_err_t committed = rd_kafka_commit(client_->handle, nullptr, 0);
  if (committed != RD_KAFKA_RESP_ERR_NO_ERROR && committed != RD_KAFKA_RESP_ERR__NO_OFFSET) {
    spdlog::warn("Kafka final commit: {}", error_text(committed));
  }
  const rd_kafka_resp_err_t closed = rd_kafka_consumer_close(client_->handle);
  if (closed != RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::warn("Kafka consumer close: {}", error_text(closed));
  }
  client_->assigned.clear();
}

Consumer::Status Consumer::status() const {
  Status status;
  status.assigned = client_->assigned;
  if (client_->closed) {
    status.state = "closed";
  } else if (!client_->error.empty()) {
    status.state = "error: " + client_->error;
  } else if (!client_->commit_error.empty()) {
    status.state = "error: committing offsets: " + client_->commit_error;
  } else if (client_->awaiting_assignment) {
    status.state = "waiting for assignment";
  } else {
    status.state = "assigned";
  }
  status.ready = !client_->closed && !client_->awaiting_assignment && client_->error.empty() &&
                 client_->commit_error.empty();
  return status;
}

std::optional<Watermarks> Consumer::watermarks(const TopicPartition& partition) const {
  Watermarks marks{.low = RD_KAFKA_OFFSET_INVALID, .high = RD_KAFKA_OFFSET_INVALID};
  if (client_->closed ||
      rd_kafka_get_watermark_offsets(client_->handle, partition.topic.c_str(), partition.partition,
                                     &marks.low, &marks.high) != RD_KAFKA_RESP_ERR_NO_ERROR ||
      marks.low < 0 || marks.high < 0) {
    return std::nullopt;
  }
  return marks;
}

std::vector<PartitionLag> Consumer::lag() const {
  std::vector<PartitionLag> lags;
  if (client_->closed) return lags;
  rd_kafka_topic_partition_list_t* assignment = nullptr;
  if (rd_kafka_assignment(client_->handle, &assignment) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return lags;
  }
  rd_kafka_position(client_->handle, assignment);
  for (int i = 0; i < assignment->cnt; ++i) {
    const auto& entry = assignment->elems[i];
    std::int64_t low = RD_KAFKA_OFFSET_INVALID;
    std::int64_t high = RD_KAFKA_OFFSET_INVALID;
    // Before the first message of a partition its position is not known yet.
    if (entry.offset < 0 ||
        rd_kafka_get_watermark_offsets(client_->handle, entry.topic, entry.partition, &low,
                                       &high) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        high < 0) {
      continue;
    }
    lags.push_back(
        {{entry.topic, entry.partition}, std::max<std::int64_t>(high - entry.offset, 0)});
  }
  rd_kafka_topic_partition_list_destroy(assignment);
  return lags;
}

}  // namespace cryptometrics::kafka
