#pragma once

#include <vector>

#include "metrics/snapshot.h"

namespace cryptometrics::storage::spool {

// One history per pair, ordered by pair, from a pair's older rows in PostgreSQL (`stored`) and
// its newer ones in the spool (`spooled`): the latest row from the spool when it holds the pair,
// the mid prices PostgreSQL's followed by the spool's.
std::vector<metrics::History> merge_histories(const std::vector<metrics::History>& stored,
                                              const std::vector<metrics::History>& spooled);

}  // namespace cryptometrics::storage::spool
