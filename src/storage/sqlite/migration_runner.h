#pragma once

#include <cstddef>
#include <span>

#include "storage/migrations.h"

namespace SQLite {
class Database;
}

namespace cryptometrics::storage::sqlite {

// Applies, in order, the migrations not yet recorded in schema_migrations (created if missing),
// each in its own transaction together with its record; returns how many it applied. Throws
// naming the migration that failed, which leaves it and every later one unapplied.
std::size_t apply_migrations(SQLite::Database& database, std::span<const Migration> migrations);

}  // namespace cryptometrics::storage::sqlite
