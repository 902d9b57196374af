#include "storage/sqlite/database.h"

#include <SQLiteCpp/Database.h>

#include <chrono>
#include <stdexcept>

#include "market/timestamp.h"

namespace cryptometrics::storage::sqlite {
namespace {

// Long enough to outwait another connection's short transaction (an operator's sqlite3 shell,
// a second instance starting), short enough that a stuck lock surfaces as an error.
constexpr int kBusyTimeoutMs = 5000;

void configure(SQLite::Database& database) {
  const std::string journal_mode = database.execAndGet("PRAGMA journal_mode = WAL").getString();
  if (journal_mode != "wal") {
    throw std::runtime_error("journal_mode stays '" + journal_mode + "', not 'wal'");
  }
  // FULL: Kafka offsets are committed once rows are here, so a commit must survive power loss.
  database.exec("PRAGMA synchronous = FULL");
  database.exec("PRAGMA foreign_keys = OFF");
  database.setBusyTimeout(kBusyTimeoutMs);
}

}  // namespace

std::unique_ptr<SQLite::Database> open_database(const std::filesystem::path& path) {
  auto database =
      std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  configure(*database);
  return database;
}

std::string now_as_text() {
  return market::format_rfc3339(
      std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now()));
}

std::string failure(const std::filesystem::path& path, std::string_view doing,
                    const std::exception& cause) {
  return "SQLite database " + path.string() + ": " + std::string{doing} + ": " + cause.what();
}

}  // namespace cryptometrics::storage::sqlite
