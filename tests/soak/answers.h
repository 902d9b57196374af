#pragma once

#include <string>
#include <vector>

#include "soak/fleet.h"
#include "support/postgres_server.h"

namespace cryptometrics::soak {

// Once every row is stored: how each instance's /metrics differs from each pair's last row in
// PostgreSQL ("instance-2: ETH-USD count 1200, stored 1201"), empty when every instance answers
// every pair as it is stored, whichever instance owns the pair. The moving average is left out:
// an instance restarted with another SMA_WINDOW recomputes it for pairs no quote reached since.
std::vector<std::string> answers_unlike_store(const Fleet& fleet,
                                              const testing::PostgresServer& postgres);

}  // namespace cryptometrics::soak
