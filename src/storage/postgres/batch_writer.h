#pragma once

#include <pqxx/dbtransaction>
#include <pqxx/transaction_base>
#include <string>
#include <vector>

#include "storage/batch.h"

namespace cryptometrics::storage::postgres {

// Creates this session's staging tables, which batches are copied into; every commit empties
// them. Once per connection.
void create_staging_tables(pqxx::transaction_base& transaction);

// Adds `batch` to `transaction` once its claims are found to stand (else throws Fenced): its
// rows through COPY into crypto_metrics and rejected_quotes in batch order, skipping sources
// already stored; its offsets advanced, never moved back.
void write_batch(pqxx::dbtransaction& transaction, const Batch& batch);

// A quote that PostgreSQL refused for its data, with PostgreSQL's reason.
struct RefusedQuote {
  QuoteRow row;
  std::string reason;
};

// As write_batch, for a batch that PostgreSQL refused for the data of some of its quotes: the
// quotes go in in savepoints, halved until each refused one stands alone, and each refused one
// is stored as a rejection instead (its payload the row as JSON, its reason PostgreSQL's).
// Returns the refused quotes.
std::vector<RefusedQuote> write_batch_setting_aside_refused(pqxx::dbtransaction& transaction,
                                                            const Batch& batch);

}  // namespace cryptometrics::storage::postgres
