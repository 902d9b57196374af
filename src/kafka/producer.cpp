#include "kafka/producer.h"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <optional>
#include <stdexcept>

#include "kafka/client_config.h"

namespace cryptometrics::kafka {
namespace {

// During an outage every queued message fails the same way; one line per interval says as much.
constexpr std::chrono::seconds kFailureLogInterval{5};

constexpr std::chrono::seconds kCloseTimeout{10};

}  // namespace

struct Producer::Handle {
  ClientHandle producer;
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> failed{0};
  // Touched only by delivery reports, which run inside poll() and flush().
  std::optional<std::chrono::steady_clock::time_point> last_failure_logged;

  static void on_delivery_report(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
    static_cast<Handle*>(opaque)->count_delivery(*message);
  }

  void count_delivery(const rd_kafka_message_t& message) {
    if (message.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      delivered.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    const std::uint64_t failures = failed.fetch_add(1, std::memory_order_relaxed) + 1;
    const auto now = std::chrono::steady_clock::now();
    if (last_failure_logged && now - *last_failure_logged < kFailureLogInterval) return;
    last_failure_logged = now;
    spdlog::warn("Kafka delivery to topic {} partition {} failed: {} ({} failed deliveries so far)",
                 rd_kafka_topic_name(message.rkt), message.partition, error_text(message.err),
                 failures);
  }
};

Producer::Producer(const std::string& bootstrap_servers, const Options& options)
    : handle_{std::make_unique<Handle>()} {
  rd_kafka_conf_t* conf = make_client_config({
      {"bootstrap.servers", bootstrap_servers},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"linger.ms", std::to_string(options.linger.count())},
      // The Java client's partitioner, so that a key lands where other producers put it.
      {"partitioner", "murmur2_random"},
  });
  rd_kafka_conf_set_dr_msg_cb(conf, Handle::on_delivery_report);
  rd_kafka_conf_set_opaque(conf, handle_.get());
  std::array<char, 512> error{};
  handle_->producer.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf, error.data(), error.size()));
  if (!handle_->producer) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error("cannot create a Kafka producer for " + bootstrap_servers + ": " +
                             error.data());
  }
}

Producer::~Producer() {
  if (const int remaining = flush(kCloseTimeout); remaining > 0) {
    spdlog::warn("Kafka producer closing with {} messages undelivered after {} s: they are lost",
                 remaining, kCloseTimeout.count());
  }
}

bool Producer::produce(std::string_view topic, std::string_view key, std::string_view payload) {
  return produce(topic, RD_KAFKA_PARTITION_UA, key, payload);
}

bool Producer::produce(std::string_view topic, std::int32_t partition, std::string_view key,
                       std::string_view payload) {
  const std::string topic_name{topic};
  // The value pointer is declared mutable, yet with RD_KAFKA_MSG_F_COPY librdkafka only copies it.
  char* value = const_cast<char*>(payload.data());
  const rd_kafka_resp_err_t result = rd_kafka_producev(
      handle_->producer.get(), RD_KAFKA_V_TOPIC(topic_name.c_str()), RD_KAFKA_V_PARTITION(partition),
      RD_KAFKA_V_KEY(key.data(), key.size()), RD_KAFKA_V_VALUE(value, payload.size()),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  if (result == RD_KAFKA_RESP_ERR__QUEUE_FULL) return false;
  if (result != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error("Kafka producer: cannot queue a message for topic " + topic_name +
                             " (key " + std::string{key} + ", " + std::to_string(payload.size()) +
                             " bytes): " + error_text(result));
  }
  return true;
}

void Producer::poll() { rd_kafka_poll(handle_->producer.get(), 0); }

int Producer::flush(std::chrono::milliseconds timeout) {
  rd_kafka_flush(handle_->producer.get(), static_cast<int>(timeout.count()));
  return queued();
}

int Producer::queued() const { return rd_kafka_outq_len(handle_->producer.get()); }

std::uint64_t Producer::delivered() const {
  return handle_->delivered.load(std::memory_order_relaxed);
}

std::uint64_t Producer::failed() const { return handle_->failed.load(std::memory_order_relaxed); }

}  // namespace cryptometrics::kafka
