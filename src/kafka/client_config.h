#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cryptometrics::kafka {

using Properties = std::vector<std::pair<std::string, std::string>>;

// Internal to kafka/: a librdkafka configuration with `properties` applied and librdkafka's own
// log lines routed to spdlog (debug and up by their syslog level). Throws std::runtime_error
// naming the property librdkafka refused. The caller owns the result until rd_kafka_new takes it.
rd_kafka_conf_t* make_client_config(const Properties& properties);

// A librdkafka client, destroyed with its handle.
struct HandleDeleter {
  void operator()(rd_kafka_t* handle) const { rd_kafka_destroy(handle); }
};
using ClientHandle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

// librdkafka's text for an error code, for messages with context.
std::string error_text(rd_kafka_resp_err_t error);

}  // namespace cryptometrics::kafka
