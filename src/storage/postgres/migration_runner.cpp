#include "storage/postgres/migration_runner.h"

#include <pqxx/pqxx>
#include <set>
#include <string>

#include "storage/postgres/proof_of_concept_takeover.h"

namespace cryptometrics::storage::postgres {
namespace {

// 001_init.sql, which creates crypto_metrics unless a table of that name is there already.
constexpr int kInitVersion = 1;

constexpr const char* kTakeMigrationLock =
    "SELECT pg_advisory_xact_lock(hashtext('crypto-metrics migrations'))";

constexpr const char* kCreateSchemaMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())";

}  // namespace

std::vector<std::string> apply_migrations(pqxx::connection& connection,
                                          std::span<const Migration> migrations) {
  pqxx::work transaction{connection, "migrate"};
  transaction.exec(kTakeMigrationLock);
  // After the lock, so that it sees what a process that held the lock before committed.
  transaction.exec0(kCreateSchemaMigrations);
  std::set<int> applied;
  for (const auto& row : transaction.exec("SELECT version FROM schema_migrations")) {
    applied.insert(row[0].as<int>());
  }
  std::vector<std::string> names;
  for (const Migration& migration : migrations) {
    if (applied.contains(migration.version)) {
      continue;
    }
    if (migration.version == kInitVersion) {
      take_over_existing_table(transaction);
    }
    transaction.exec0(std::string{migration.sql}, std::string{migration.name});
    transaction.exec_params0("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                             migration.version, std::string{migration.name});
    names.emplace_back(migration.name);
  }
  transaction.commit();
  return names;
}

}  // namespace cryptometrics::storage::postgres
