#include "soak/client_config.h"

#include <array>
#include <stdexcept>

namespace cryptometrics::soak {

rd_kafka_conf_t* quiet_client_config(
    const std::vector<std::pair<std::string, std::string>>& properties) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::array<char, 512> error{};
  for (const auto& [name, value] : properties) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error.data(), error.size()) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      throw std::runtime_error("Kafka client setting " + name + ": " + error.data());
    }
  }
  rd_kafka_conf_set_log_cb(conf, nullptr);
  rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t*, int, const char*, void*) {});
  return conf;
}

}  // namespace cryptometrics::soak
