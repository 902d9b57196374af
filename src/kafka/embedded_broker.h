#pragma once

#include <memory>
#include <string>

namespace cryptometrics::kafka {

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

  // Fault injection for tests: the broker stops answering / answers again.
  void set_down();
  void set_up();

 private:
  struct Cluster;
  std::unique_ptr<Cluster> cluster_;
};

}  // namespace cryptometrics::kafka
