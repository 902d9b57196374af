#include "soak/client_config.h"

#include "kafka/client_config.h"

namespace cryptometrics::soak {

rd_kafka_conf_t* quiet_client_config(
    const std::vector<std::pair<std::string, std::string>>& properties) {
  rd_kafka_conf_t* conf = kafka::make_client_config(properties);
  rd_kafka_conf_set_log_cb(conf, nullptr);
  rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t*, int, const char*, void*) {});
  return conf;
}

}  // namespace cryptometrics::soak
