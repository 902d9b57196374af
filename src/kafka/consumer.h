#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "kafka/topic_partition.h"
#include "market/timestamp.h"

namespace cryptometrics::kafka {

// One consumed message. The views live only as long as the on_message call.
struct Message {
  std::string_view topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string_view payload;
  std::optional<market::Timestamp> timestamp;  // the broker's, when the message has one
};

// What the consumer reports. Every call happens on the event loop.
class ConsumerHandler {
 public:
  virtual ~ConsumerHandler() = default;

  // The group gave this consumer `partitions`, in addition to those it reads (the
  // cooperative-sticky assignor moves only the partitions that change hands); reading them waits
  // until Consumer::assign is called (which may be later, once stored offsets are known), and
  // librdkafka holds back the partitions kept until then too.
  virtual void on_assigned(std::vector<TopicPartition> partitions) = 0;
  // `partitions` were taken away (a rebalance, this member lost from the group, or close()); the
  // others stay assigned.
  virtual void on_revoked(std::vector<TopicPartition> partitions) = 0;
  virtual void on_message(const Message& message) = 0;
  // Everything that had arrived has been handed over: a good moment to store a batch.
  virtual void on_idle() = 0;
};

struct ConsumerSettings {
  std::string bootstrap_servers;
  std::string group_id;
  std::string topic;
  // group.instance.id: static membership, so that a member restarted within the session
  // timeout takes its partitions back without a rebalance. Empty: a dynamic member.
  std::string instance_id = {};
  std::chrono::milliseconds fetch_wait{100};  // fetch.wait.max.ms
  // A restarted process rejoins within seconds instead of waiting out librdkafka's 45 s.
  std::chrono::milliseconds session_timeout{10'000};  // session.timeout.ms
  // librdkafka's default; a consumer that does not poll for this long leaves its group. Tests
  // shorten both.
  std::chrono::milliseconds max_poll_interval{300'000};  // max.poll.interval.ms
};

// For assign(): read a partition from its first message.
inline constexpr std::int64_t kFromBeginning = -2;  // RD_KAFKA_OFFSET_BEGINNING

// A partition's first offset and the offset its next message will get.
struct Watermarks {
  std::int64_t low = 0;
  std::int64_t high = 0;
};

// A Kafka group consumer driven by the event loop: librdkafka wakes the loop through a pipe when
// messages arrive, and the loop hands them over in bursts. Offsets are committed only as far as
// store_offsets() says, so what is committed is what the application made durable.
class Consumer {
 public:
  struct Status {
    bool ready = false;
    std::string state;
    std::vector<TopicPartition> assigned;  // the partitions this member reads
  };

  // Throws std::runtime_error naming the setting when librdkafka refuses the configuration.
  Consumer(boost::asio::io_context& io, const ConsumerSettings& settings,
           ConsumerHandler& handler);
  ~Consumer();

  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Subscribes to the topic and starts reading.
  void start();

  // Back-pressure: stops fetching and handing over messages until resumed. Rebalances, errors
  // and statistics are still served, so that the consumer stays in its group however long the
  // pause lasts.
  void pause_reading();
  void resume_reading();

  // Adds the partitions that on_assigned announced: each partition starts at its offset in
  // `start_offsets` (kFromBeginning: at its first message). The group's committed offsets are
  // never read back: they only tell how far the group got (lag, and the soak's pacer).
  void assign(const std::map<TopicPartition, std::int64_t>& start_offsets);

  // Marks every message before these offsets as durable, to be committed. Partitions no longer
  // assigned are ignored: their new owner reads the offsets stored with the rows.
  void store_offsets(const std::map<TopicPartition, std::int64_t>& next_offsets);

  // Commits what is stored and leaves the group. Blocks for the round trip to the broker.
  void close();

  Status status() const;

  // Per assigned partition that has been read from, the distance from the read position to the
  // end of the partition as the latest fetch saw it: librdkafka's cached figures, no request.
  std::vector<PartitionLag> lag() const;

  // A partition's watermarks as the latest fetch saw them (cached, no request); nullopt before
  // one did.
  std::optional<Watermarks> watermarks(const TopicPartition& partition) const;

 private:
  struct Client;
  std::unique_ptr<Client> client_;
};

}  // namespace cryptometrics::kafka
