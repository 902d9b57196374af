#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "storage/migrations.h"

namespace SQLite {
class Database;
}

namespace cryptometrics::storage::sqlite {

// Applies, in order, the migrations not yet recorded in `record_table` (created if missing),
// each in its own transaction together with its record; returns how many it applied. Throws
// naming the migration that failed, which leaves it and every later one unapplied. A file that
// holds two sets of migrations (the spool, see spool/queue.cpp) records each in its own table.
std::size_t apply_migrations(SQLite::Database& database, std::span<const Migration> migrations,
                             std::string_view record_table = "schema_migrations");

}  // namespace cryptometrics::storage::sqlite
