#include "app/storage_factory.h"

#include <spdlog/spdlog.h>

#include "storage/spool/spooling_store.h"
#include "storage/sqlite/sqlite_store.h"

namespace cryptometrics::app {

std::unique_ptr<storage::Storage> open_storage(const config::Settings& settings) {
  if (const auto& postgres = settings.postgres) {
    spdlog::info("storing quotes in PostgreSQL at {}, spooling to SQLite at {} while it is down",
                 postgres->describe(), settings.spool_path);
    return std::make_unique<storage::spool::SpoolingStore>(
        postgres->connection_string(), postgres->describe(), settings.spool_path);
  }
  spdlog::info("storing quotes in SQLite at {}", settings.sqlite_path);
  return std::make_unique<storage::sqlite::SqliteStore>(settings.sqlite_path);
}

}  // namespace cryptometrics::app
