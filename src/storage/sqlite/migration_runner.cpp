#include "storage/sqlite/migration_runner.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <stdexcept>
#include <string>

#include "storage/sqlite/database.h"

namespace cryptometrics::storage::sqlite {
namespace {

std::string create_record_table(std::string_view table) {
  return "CREATE TABLE IF NOT EXISTS " + std::string{table} +
         " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT";
}

bool is_applied(SQLite::Database& database, std::string_view record_table, int version) {
  SQLite::Statement query{database,
                          "SELECT 1 FROM " + std::string{record_table} + " WHERE version = ?1"};
  query.bind(1, version);
  return query.executeStep();
}

void record(SQLite::Database& database, std::string_view record_table, const Migration& migration) {
  SQLite::Statement insert{database, "INSERT INTO " + std::string{record_table} +
                                         " (version, name, applied_at) VALUES (?1, ?2, ?3)"};
  insert.bind(1, migration.version);
  insert.bind(2, std::string{migration.name});
  insert.bind(3, now_as_text());
  insert.exec();
}

// The check is repeated inside the write transaction so that two processes migrating the same
// file at once apply each migration once.
bool apply(SQLite::Database& database, std::string_view record_table, const Migration& migration) {
  SQLite::Transaction transaction{database, SQLite::TransactionBehavior::IMMEDIATE};
  if (is_applied(database, record_table, migration.version)) {
    return false;
  }
  database.exec(std::string{migration.sql});
  record(database, record_table, migration);
  transaction.commit();
  return true;
}

}  // namespace

std::size_t apply_migrations(SQLite::Database& database, std::span<const Migration> migrations,
                             std::string_view record_table) {
  database.exec(create_record_table(record_table));
  std::size_t applied = 0;
  for (const Migration& migration : migrations) {
    try {
      applied += apply(database, record_table, migration) ? 1 : 0;
    } catch (const std::exception& error) {
      throw std::runtime_error("applying migration " + std::string{migration.name} + ": " +
                               error.what());
    }
  }
  return applied;
}

}  // namespace cryptometrics::storage::sqlite
