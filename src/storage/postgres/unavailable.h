#pragma once

#include <exception>
#include <stdexcept>
#include <string>

namespace cryptometrics::storage::postgres {

// PostgreSQL cannot take the work now: it cannot be reached, the connection broke or timed out,
// the server is shutting down or out of resources, or a commit's outcome is unknown. What failed
// can be retried later, and rows can wait in a spool meanwhile. Any other error is about the data
// or the schema, and retrying it would fail the same way.
class Unavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The SQLSTATE of `error`, thrown by libpqxx; empty when it has none. libpqxx 6.4 leaves it empty
// in some of its own exception classes (insufficient_privilege, ...): their class tells it.
std::string sqlstate_of(const std::exception& error);

// Whether `error`, thrown by libpqxx, says PostgreSQL is unavailable in the sense above.
// `connection_open` is whether the connection still works after the error: any failure that
// left it broken counts, whatever the error says.
bool means_unavailable(const std::exception& error, bool connection_open);

}  // namespace cryptometrics::storage::postgres
