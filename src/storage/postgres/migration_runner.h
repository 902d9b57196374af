#pragma once

#include <pqxx/connection>
#include <span>
#include <string>
#include <vector>

#include "storage/migrations.h"

namespace cryptometrics::storage::postgres {

// Applies, in one transaction, the migrations that schema_migrations does not record yet, and
// records them. A transaction-scoped advisory lock makes processes that start together take
// turns: the second finds everything applied. Before 001, a crypto_metrics table already there
// is taken over or refused (see proof_of_concept_takeover.h). Returns the names of those it
// applied.
std::vector<std::string> apply_migrations(pqxx::connection& connection,
                                          std::span<const Migration> migrations);

}  // namespace cryptometrics::storage::postgres
