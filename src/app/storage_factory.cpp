#include "app/storage_factory.h"

#include <spdlog/spdlog.h>

#include "storage/sqlite/sqlite_store.h"

namespace cryptometrics::app {

std::unique_ptr<storage::Storage> open_storage(const config::Settings& settings) {
  spdlog::info("storing quotes in SQLite at {}", settings.sqlite_path);
  return std::make_unique<storage::sqlite::SqliteStore>(settings.sqlite_path);
}

}  // namespace cryptometrics::app
