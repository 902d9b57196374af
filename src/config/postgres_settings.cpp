#include <string>
#include <utility>
#include <vector>

#include "config/settings.h"
#include "storage/postgres/connection_string.h"

namespace cryptometrics::config {
namespace {

using storage::postgres::ConnectionSettings;

// The DB_* parts as libpq settings; an empty password is left out, so that libpq may look in
// ~/.pgpass or PGPASSWORD as it would without one.
ConnectionSettings settings_of_parts(const PostgresSettings& postgres) {
  std::vector<storage::postgres::ConnectionOption> options = {
      {"host", postgres.host},
      {"port", std::to_string(postgres.port)},
      {"dbname", postgres.name},
      {"user", postgres.user},
  };
  if (!postgres.password.empty()) {
    options.push_back({"password", postgres.password});
  }
  return ConnectionSettings{std::move(options)};
}

}  // namespace

std::string PostgresSettings::connection_string() const {
  return database_url.empty() ? settings_of_parts(*this).text() : database_url;
}

std::string PostgresSettings::describe() const {
  if (database_url.empty()) {
    return settings_of_parts(*this).describe();
  }
  // load() refuses a DATABASE_URL that libpq cannot read; settings filled in by hand may not.
  const auto settings = ConnectionSettings::read(database_url);
  return settings ? settings->describe() : "a connection string that libpq cannot read";
}

}  // namespace cryptometrics::config
