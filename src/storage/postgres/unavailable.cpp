#include "storage/postgres/unavailable.h"

#include <pqxx/except>
#include <string>
#include <string_view>

namespace cryptometrics::storage::postgres {
namespace {

// SQLSTATEs that say nothing about the statement, only about the server or the connection.
bool is_unavailable_state(std::string_view sqlstate) {
  return sqlstate.starts_with("08")     // connection exception
         || sqlstate.starts_with("53")  // insufficient resources: disk full, too many clients
         || sqlstate == "57014"         // canceled, by statement_timeout
         || sqlstate == "57P01"         // admin_shutdown, pg_terminate_backend
         || sqlstate == "57P02"         // crash_shutdown
         || sqlstate == "57P03"         // cannot_connect_now: starting up or shutting down
         || sqlstate == "40003";        // statement_completion_unknown
}

}  // namespace

std::string sqlstate_of(const std::exception& error) {
  const auto* sql_error = dynamic_cast<const pqxx::sql_error*>(&error);
  if (sql_error == nullptr) return {};
  if (!sql_error->sqlstate().empty()) return sql_error->sqlstate();
  if (dynamic_cast<const pqxx::insufficient_privilege*>(&error) != nullptr) return "42501";
  return {};
}

bool means_unavailable(const std::exception& error, bool connection_open) {
  if (!connection_open) {
    return dynamic_cast<const pqxx::failure*>(&error) != nullptr;
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&error) != nullptr ||
      dynamic_cast<const pqxx::in_doubt_error*>(&error) != nullptr) {
    return true;
  }
  return is_unavailable_state(sqlstate_of(error));
}

}  // namespace cryptometrics::storage::postgres
