#pragma once

#include <pqxx/transaction_base>

namespace cryptometrics::storage::postgres {

// Runs before migration 001, which creates crypto_metrics only where there is none, so a table
// already there has to be 001's before 001 is recorded. The proof of concept's table (its nine
// columns, created beforehand by hand) is upgraded in place, keeping every row; a table of 001's
// shape is left as it is; anything else is refused with a std::runtime_error that says what is
// wrong and what to do. In the caller's transaction: a refusal or a failure changes nothing.
void take_over_existing_table(pqxx::transaction_base& transaction);

}  // namespace cryptometrics::storage::postgres
