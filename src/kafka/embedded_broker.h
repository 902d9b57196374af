#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace cryptometrics::kafka {

// Kafka protocol API keys of the requests a fault can target (librdkafka's rdkafka_protocol.h,
// which Debian does not install, names them RD_KAFKAP_*).
enum class KafkaApi : std::int16_t {
  fetch = 1,
  list_offsets = 2,
  metadata = 3,
  offset_commit = 8,
  offset_fetch = 9,
  find_coordinator = 10,
  join_group = 11,
  heartbeat = 12,
  sync_group = 14,
};

// librdkafka's mock cluster: a real Kafka protocol server on 127.0.0.1 (random port), in memory.
// It keeps about 5 MiB (and at most 100,000 message sets) per partition, dropping the oldest
// beyond that. Supports consumer groups and offset commits.
class EmbeddedBroker {
 public:
  // Starts a one-broker cluster with `topic` created with `partitions` partitions; throws
  // std::runtime_error when librdkafka cannot.
  EmbeddedBroker(const std::string& topic, int partitions);
  ~EmbeddedBroker();

  EmbeddedBroker(const EmbeddedBroker&) = delete;
  EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

  // "127.0.0.1:PORT", for bootstrap.servers.
  const std::string& bootstrap_servers() const;

  // Fault injection, for tests; each throws std::runtime_error when librdkafka refuses it.

  // The broker closes its connections and refuses new ones (clients see it as down) / accepts
  // them again. What it stores is kept.
  void set_down();
  void set_up();

  // Delays every response by `round_trip` (zero: no delay), as a distant broker would.
  void set_round_trip(std::chrono::milliseconds round_trip);

  // The next `count` requests of `api`, from any client, are answered with `error` instead of
  // being served (librdkafka's mock applies it to the request's every partition).
  void push_request_errors(KafkaApi api, std::size_t count, rd_kafka_resp_err_t error);
  // Drops the errors pushed for `api` that requests have not used up yet.
  void clear_request_errors(KafkaApi api);

 private:
  struct Cluster;
  std::unique_ptr<Cluster> cluster_;
};

}  // namespace cryptometrics::kafka
