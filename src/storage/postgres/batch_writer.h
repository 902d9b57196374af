#pragma once

#include <pqxx/dbtransaction>
#include <pqxx/transaction_base>

#include "storage/batch.h"

namespace cryptometrics::storage::postgres {

// Creates this session's staging tables, which batches are copied into; every commit empties
// them. Once per connection.
void create_staging_tables(pqxx::transaction_base& transaction);

// Adds `batch` to `transaction`: its rows through COPY into crypto_metrics and rejected_quotes in
// batch order, skipping sources already stored; its offsets advanced, never moved back.
void write_batch(pqxx::dbtransaction& transaction, const Batch& batch);

}  // namespace cryptometrics::storage::postgres
