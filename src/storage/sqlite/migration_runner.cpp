#include "storage/sqlite/migration_runner.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <stdexcept>
#include <string>

#include "storage/sqlite/database.h"

namespace cryptometrics::storage::sqlite {
namespace {

constexpr const char* kCreateSchemaMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at TEXT NOT NULL"
    ") STRICT";

bool is_applied(SQLite::Database& database, int version) {
  SQLite::Statement query{database, "SELECT 1 FROM schema_migrations WHERE version = ?1"};
  query.bind(1, version);
  return query.executeStep();
}

void record(SQLite::Database& database, const Migration& migration) {
  SQLite::Statement insert{
      database, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)"};
  insert.bind(1, migration.version);
  insert.bind(2, std::string{migration.name});
  insert.bind(3, now_as_text());
  insert.exec();
}

// The check is repeated inside the write transaction so that two processes migrating the same
// file at once apply each migration once.
bool apply(SQLite::Database& database, const Migration& migration) {
  SQLite::Transaction transaction{database, SQLite::TransactionBehavior::IMMEDIATE};
  if (is_applied(database, migration.version)) {
    return false;
  }
  database.exec(std::string{migration.sql});
  record(database, migration);
  transaction.commit();
  return true;
}

}  // namespace

std::size_t apply_migrations(SQLite::Database& database, std::span<const Migration> migrations) {
  database.exec(kCreateSchemaMigrations);
  std::size_t applied = 0;
  for (const Migration& migration : migrations) {
    try {
      applied += apply(database, migration) ? 1 : 0;
    } catch (const std::exception& error) {
      throw std::runtime_error("applying migration " + std::string{migration.name} + ": " +
                               error.what());
    }
  }
  return applied;
}

}  // namespace cryptometrics::storage::sqlite
