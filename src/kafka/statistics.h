#pragma once

#include <string_view>

namespace cryptometrics::kafka {

// Whether librdkafka's statistics (the JSON of its stats callback) show everything a consumer of
// `topic` needs answering: the group coordinator up, and the leader of every partition assigned
// to it connected (or, before any is assigned, some broker). Other brokers may stay down, a
// bootstrap address that never answers among them. False for text that is not such JSON.
bool brokers_needed_are_up(std::string_view statistics, std::string_view topic);

}  // namespace cryptometrics::kafka
