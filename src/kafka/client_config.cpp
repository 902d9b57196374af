#include "kafka/client_config.h"

#include <spdlog/spdlog.h>

#include <array>
#include <stdexcept>

namespace cryptometrics::kafka {
namespace {

// librdkafka logs with syslog levels (0 emergency .. 7 debug).
spdlog::level::level_enum to_spdlog_level(int syslog_level) {
  if (syslog_level <= 3) return spdlog::level::err;
  if (syslog_level == 4) return spdlog::level::warn;
  if (syslog_level <= 6) return spdlog::level::info;
  return spdlog::level::debug;
}

void log_to_spdlog(const rd_kafka_t* handle, int level, const char* facility, const char* text) {
  spdlog::log(to_spdlog_level(level), "librdkafka {} {}: {}", rd_kafka_name(handle), facility,
              text);
}

}  // namespace

rd_kafka_conf_t* make_client_config(const Properties& properties) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::array<char, 512> error{};
  for (const auto& [name, value] : properties) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error.data(), error.size()) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      throw std::runtime_error("Kafka setting " + name + ": " + error.data());
    }
  }
  rd_kafka_conf_set_log_cb(conf, log_to_spdlog);
  return conf;
}

std::string error_text(rd_kafka_resp_err_t error) { return rd_kafka_err2str(error); }

}  // namespace cryptometrics::kafka
