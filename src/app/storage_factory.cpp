#include "app/storage_factory.h"

#include <spdlog/spdlog.h>

#include "storage/postgres/refusal.h"
#include "storage/spool/spooling_store.h"
#include "storage/sqlite/sqlite_store.h"

namespace cryptometrics::app {
namespace {

// The settings an operator fixes when PostgreSQL refuses them: DATABASE_URL holds them all
// when it is set.
std::string setting_refused(storage::postgres::Refusal refusal,
                            const config::PostgresSettings& postgres) {
  if (!postgres.database_url.empty()) return "DATABASE_URL";
  switch (refusal) {
    case storage::postgres::Refusal::authentication:
      return "DB_USER/DB_PASSWORD";
    case storage::postgres::Refusal::database:
      return "DB_NAME";
    case storage::postgres::Refusal::permission:
      return "DB_USER";
  }
  return "DB_USER";
}

}  // namespace

config::ConfigError refused_by_postgres(const storage::postgres::Refused& refused,
                                        const config::PostgresSettings& postgres) {
  std::string advice;
  switch (refused.refusal()) {
    case storage::postgres::Refusal::authentication:
      advice = "PostgreSQL refuses the user or password";
      break;
    case storage::postgres::Refusal::database:
      advice = "the database does not exist: create it, or name another";
      break;
    case storage::postgres::Refusal::permission:
      advice = "the user lacks a privilege on the database or its tables: grant it, or name "
               "another user";
      break;
  }
  return config::ConfigError{setting_refused(refused.refusal(), postgres),
                             advice + " (" + refused.what() + ")"};
}

std::unique_ptr<storage::Storage> open_storage(const config::Settings& settings) {
  if (const auto& postgres = settings.postgres) {
    spdlog::info("storing quotes in PostgreSQL at {}, spooling to SQLite at {} while it is down",
                 postgres->describe(), settings.spool_path);
    try {
      return std::make_unique<storage::spool::SpoolingStore>(
          postgres->connection_string(), postgres->describe(), settings.spool_path);
    } catch (const storage::postgres::Refused& refused) {
      throw refused_by_postgres(refused, *postgres);
    }
  }
  spdlog::info("storing quotes in SQLite at {}", settings.sqlite_path);
  return std::make_unique<storage::sqlite::SqliteStore>(settings.sqlite_path);
}

}  // namespace cryptometrics::app
