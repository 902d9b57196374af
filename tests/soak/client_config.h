#pragma once

#include <librdkafka/rdkafka.h>

#include <string>
#include <utility>
#include <vector>

namespace cryptometrics::soak {

// The service's default topic, which the soak produces to, paces and checks.
inline constexpr char kTopic[] = "crypto_prices";

// A librdkafka configuration for the soak's own clients, with `properties` applied and
// librdkafka's log and error lines dropped: the broker is taken down on purpose, and what the
// soak needs from its clients it reads from their results. Throws std::runtime_error naming the
// property librdkafka refuses. The caller owns the result until rd_kafka_new takes it.
rd_kafka_conf_t* quiet_client_config(
    const std::vector<std::pair<std::string, std::string>>& properties);

}  // namespace cryptometrics::soak
