#pragma once

#include <memory>

#include "config/settings.h"
#include "storage/storage.h"

namespace cryptometrics::app {

// The store the settings ask for, migrated: PostgreSQL with its SQLite spool when DB_HOST or
// DATABASE_URL is set, else SQLite alone at SQLITE_PATH.
std::unique_ptr<storage::Storage> open_storage(const config::Settings& settings);

}  // namespace cryptometrics::app
