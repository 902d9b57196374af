#pragma once

#include <exception>
#include <optional>
#include <stdexcept>
#include <string>

namespace cryptometrics::storage::postgres {

// What PostgreSQL refuses this service, which waiting will not change: an operator must fix a
// setting or a grant.
enum class Refusal {
  authentication,  // SQLSTATE class 28: wrong password, unknown role, no pg_hba.conf entry
  database,        // class 3D: no such database
  permission,      // 42501: the role lacks a privilege (connecting, creating or writing tables)
  instance_in_use,  // another running instance writes to this database under the same name
};

// PostgreSQL answers, and refuses in the sense above.
class Refused : public std::runtime_error {
 public:
  Refused(Refusal refusal, const std::string& message)
      : std::runtime_error{message}, refusal_{refusal} {}
  Refusal refusal() const { return refusal_; }

 private:
  Refusal refusal_;
};

// PostgreSQL refuses a row for its data (SQLSTATE classes 22 and 23: a value out of its range,
// a constraint): the other rows of its batch can be stored, and retrying it never helps.
class RowRefused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Whether `error`, thrown by libpqxx, is a refusal in the sense above. A failed connection has
// no SQLSTATE in libpq: the server's message says it then.
std::optional<Refusal> refusal_of(const std::exception& error);

// Whether `error`, thrown by libpqxx, is PostgreSQL refusing a row for its data.
bool refuses_row(const std::exception& error);

}  // namespace cryptometrics::storage::postgres
