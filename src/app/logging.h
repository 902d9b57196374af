#pragma once

#include <string>

namespace cryptometrics::app {

// Logs go to stderr, one line each with time and level, from `level` up (a LOG_LEVEL value).
void configure_logging(const std::string& level);

}  // namespace cryptometrics::app
