#include <spdlog/spdlog.h>

#include "app/commands.h"
#include "app/storage_factory.h"
#include "storage/postgres/postgres_store.h"
#include "storage/sqlite/sqlite_store.h"

namespace cryptometrics::app {

// Unlike the service, which spools while PostgreSQL is down, `migrate` must reach the store it
// migrates: PostgreSQL being unavailable is its failure, with exit code 1.
int run_migrate(const config::Settings& settings) {
  if (const auto& postgres = settings.postgres) {
    try {
      storage::postgres::PostgresStore{postgres->connection_string(), postgres->describe()}
          .migrate();
    } catch (const storage::postgres::Refused& refused) {
      throw refused_by_postgres(refused, *postgres);
    } catch (const storage::postgres::Unavailable& error) {
      spdlog::error("cannot migrate PostgreSQL at {}: {}", postgres->describe(), error.what());
      return 1;
    }
    spdlog::info("PostgreSQL at {} is migrated", postgres->describe());
    return 0;
  }
  storage::sqlite::SqliteStore{settings.sqlite_path};
  spdlog::info("SQLite at {} is migrated", settings.sqlite_path);
  return 0;
}

}  // namespace cryptometrics::app
