#include "kafka/embedded_broker.h"

#include <librdkafka/rdkafka.h>
// rdkafka_mock.h uses rdkafka.h's types without including it.
#include <librdkafka/rdkafka_mock.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "kafka/client_config.h"

namespace cryptometrics::kafka {
namespace {

// The mock cluster numbers its brokers from 1.
constexpr std::int32_t kBrokerId = 1;

// The mock cluster talks through the handle that hosts it; what it says is of interest only
// when debugging librdkafka itself.
void log_at_debug(const rd_kafka_t* handle, int, const char* facility, const char* text) {
  spdlog::debug("librdkafka {} {}: {}", rd_kafka_name(handle), facility, text);
}

void throw_if_failed(rd_kafka_resp_err_t result, const std::string& what) {
  if (result != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error("embedded Kafka broker: cannot " + what + ": " + error_text(result));
  }
}

struct ClusterDeleter {
  void operator()(rd_kafka_mock_cluster_t* cluster) const {
    rd_kafka_mock_cluster_destroy(cluster);
  }
};

}  // namespace

struct EmbeddedBroker::Cluster {
  // Declared first so that it is destroyed last: the cluster lives on this handle.
  ClientHandle host;
  std::unique_ptr<rd_kafka_mock_cluster_t, ClusterDeleter> mock;
  std::string bootstrap_servers;
};

EmbeddedBroker::EmbeddedBroker(const std::string& topic, int partitions)
    : cluster_{std::make_unique<Cluster>()} {
  rd_kafka_conf_t* conf = make_client_config({});
  rd_kafka_conf_set_log_cb(conf, log_at_debug);
  std::array<char, 512> error{};
  cluster_->host.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf, error.data(), error.size()));
  if (!cluster_->host) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string{"embedded Kafka broker: cannot create its host handle: "} +
                             error.data());
  }

  cluster_->mock.reset(rd_kafka_mock_cluster_new(cluster_->host.get(), 1));
  if (!cluster_->mock) {
    throw std::runtime_error("embedded Kafka broker: librdkafka cannot start a mock cluster");
  }
  throw_if_failed(rd_kafka_mock_topic_create(cluster_->mock.get(), topic.c_str(), partitions, 1),
                  "create topic " + topic + " with " + std::to_string(partitions) + " partitions");
  cluster_->bootstrap_servers = rd_kafka_mock_cluster_bootstraps(cluster_->mock.get());

  spdlog::info(
      "embedded Kafka broker on {}, topic {} with {} partitions; it keeps messages in memory, "
      "about 5 MiB per partition, dropping the oldest beyond that",
      cluster_->bootstrap_servers, topic, partitions);
}

EmbeddedBroker::~EmbeddedBroker() = default;

const std::string& EmbeddedBroker::bootstrap_servers() const { return cluster_->bootstrap_servers; }

void EmbeddedBroker::set_down() {
  throw_if_failed(rd_kafka_mock_broker_set_down(cluster_->mock.get(), kBrokerId),
                  "take the broker down");
}

void EmbeddedBroker::set_up() {
  throw_if_failed(rd_kafka_mock_broker_set_up(cluster_->mock.get(), kBrokerId),
                  "bring the broker up");
}

void EmbeddedBroker::set_round_trip(std::chrono::milliseconds round_trip) {
  throw_if_failed(rd_kafka_mock_broker_set_rtt(cluster_->mock.get(), kBrokerId,
                                               static_cast<int>(round_trip.count())),
                  "set the round trip to " + std::to_string(round_trip.count()) + " ms");
}

void EmbeddedBroker::push_request_errors(KafkaApi api, std::size_t count,
                                         rd_kafka_resp_err_t error) {
  const std::vector<rd_kafka_resp_err_t> errors(count, error);
  // Returns nothing: it only appends to the cluster's error stack for that API.
  rd_kafka_mock_push_request_errors_array(cluster_->mock.get(), static_cast<std::int16_t>(api),
                                          errors.size(), errors.data());
  spdlog::info("embedded Kafka broker: the next {} requests of API key {} fail with {}", count,
               static_cast<int>(api), rd_kafka_err2name(error));
}

void EmbeddedBroker::clear_request_errors(KafkaApi api) {
  rd_kafka_mock_clear_request_errors(cluster_->mock.get(), static_cast<std::int16_t>(api));
}

}  // namespace cryptometrics::kafka
