#pragma once

#include <memory>

#include "config/settings.h"
#include "storage/postgres/refusal.h"
#include "storage/storage.h"

namespace cryptometrics::app {

// The store the settings ask for, migrated: PostgreSQL with its SQLite spool when DB_HOST or
// DATABASE_URL is set, else SQLite alone at SQLITE_PATH. Throws config::ConfigError naming the
// settings to fix when PostgreSQL refuses them (waiting would not help).
std::unique_ptr<storage::Storage> open_storage(const config::Settings& settings);

// PostgreSQL's refusal of this service, as the settings an operator has to fix.
config::ConfigError refused_by_postgres(const storage::postgres::Refused& refused,
                                        const config::PostgresSettings& postgres);

}  // namespace cryptometrics::app
