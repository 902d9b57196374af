#include "kafka/topic_reader.h"

#include <librdkafka/rdkafka.h>

#include <array>
#include <stdexcept>

namespace cryptometrics::testing {
namespace {

struct HandleDeleter {
  void operator()(rd_kafka_t* handle) const {
    rd_kafka_consumer_close(handle);
    rd_kafka_destroy(handle);
  }
};

struct MessageDeleter {
  void operator()(rd_kafka_message_t* message) const { rd_kafka_message_destroy(message); }
};

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};

void set(rd_kafka_conf_t* conf, const char* name, const std::string& value) {
  std::array<char, 512> error{};
  if (rd_kafka_conf_set(conf, name, value.c_str(), error.data(), error.size()) !=
      RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string{"test consumer setting "} + name + ": " + error.data());
  }
}

std::string text_of(const void* data, std::size_t size) {
  return data == nullptr ? std::string{} : std::string{static_cast<const char*>(data), size};
}

}  // namespace

struct TopicReader::Consumer {
  std::unique_ptr<rd_kafka_t, HandleDeleter> handle;
};

TopicReader::TopicReader(const std::string& bootstrap_servers, const std::string& topic,
                         int partitions)
    : consumer_{std::make_unique<Consumer>()} {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap_servers);
  // assign() needs a group, though nothing is committed to it.
  set(conf, "group.id", "topic-reader");
  set(conf, "enable.auto.commit", "false");
  set(conf, "fetch.wait.max.ms", "10");
  std::array<char, 512> error{};
  consumer_->handle.reset(rd_kafka_new(RD_KAFKA_CONSUMER, conf, error.data(), error.size()));
  if (!consumer_->handle) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string{"test consumer: "} + error.data());
  }

  const std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter> assignment{
      rd_kafka_topic_partition_list_new(partitions)};
  for (int partition = 0; partition < partitions; ++partition) {
    rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), partition)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  if (const rd_kafka_resp_err_t result = rd_kafka_assign(consumer_->handle.get(), assignment.get());
      result != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error("test consumer: cannot assign " + topic + ": " +
                             rd_kafka_err2str(result));
  }
}

TopicReader::~TopicReader() = default;

std::vector<ReadMessage> TopicReader::read(std::size_t count, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<ReadMessage> messages;
  while (messages.size() < count) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    const std::unique_ptr<rd_kafka_message_t, MessageDeleter> message{
        rd_kafka_consumer_poll(consumer_->handle.get(), static_cast<int>(left.count()))};
    // Errors here are the consumer's own events (a connection retried): not messages.
    if (!message || message->err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    messages.push_back({text_of(message->key, message->key_len),
                        text_of(message->payload, message->len), message->partition,
                        message->offset});
  }
  return messages;
}

}  // namespace cryptometrics::testing
