#pragma once

#include <cstddef>
#include <vector>

#include "metrics/snapshot.h"
#include "storage/batch.h"

namespace cryptometrics::storage::spool {

// One history per pair, ordered by pair, from a pair's older rows in PostgreSQL (`stored`) and
// its newer ones in the spool (`spooled`): the latest row from the spool when it holds the pair,
// the mid prices PostgreSQL's followed by the spool's.
std::vector<metrics::History> merge_histories(const std::vector<metrics::History>& stored,
                                              const std::vector<metrics::History>& spooled);

// A pair's stored rows, newest first, at most `limit`, from its rows in PostgreSQL (`stored`)
// and in the spool (`spooled`), each newest first: the spool's come first, since they are the
// newer ones, then PostgreSQL's, less those also still in the spool (a replay committed whose
// rows a crash kept spooled).
std::vector<QuoteRow> merge_rows(const std::vector<QuoteRow>& stored,
                                 const std::vector<QuoteRow>& spooled, std::size_t limit);

}  // namespace cryptometrics::storage::spool
