#include "app/storage_factory.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>
#include <utility>

#include "storage/postgres/refusal.h"
#include "storage/spool/spooling_store.h"
#include "storage/sqlite/sqlite_store.h"

namespace cryptometrics::app {
namespace {

// A process of this instance's name killed just before this one started may hold the name for a
// moment: its PostgreSQL session ends once the server notices, at once when the session idles,
// within a second (client_connection_check_interval) when it waits inside a statement.
constexpr std::chrono::seconds kNameWait{10};
constexpr std::chrono::milliseconds kNameRetry{250};

// The settings an operator fixes when PostgreSQL refuses them: DATABASE_URL holds all but the
// instance's name when it is set.
std::string setting_refused(storage::postgres::Refusal refusal,
                            const config::PostgresSettings& postgres) {
  const bool url = !postgres.database_url.empty();
  switch (refusal) {
    case storage::postgres::Refusal::authentication:
      return url ? "DATABASE_URL" : "DB_USER/DB_PASSWORD";
    case storage::postgres::Refusal::database:
      return url ? "DATABASE_URL" : "DB_NAME";
    case storage::postgres::Refusal::permission:
      return url ? "DATABASE_URL" : "DB_USER";
    case storage::postgres::Refusal::instance_in_use:
      return "INSTANCE_ID";
  }
  return url ? "DATABASE_URL" : "DB_USER";
}

}  // namespace

config::ConfigError refused_by_postgres(const storage::postgres::Refused& refused,
                                        const config::PostgresSettings& postgres) {
  std::string advice;
  switch (refused.refusal()) {
    case storage::postgres::Refusal::authentication:
      advice = "PostgreSQL refuses the user or password";
      break;
    case storage::postgres::Refusal::database:
      advice = "the database does not exist: create it, or name another";
      break;
    case storage::postgres::Refusal::permission:
      advice = "the user lacks a privilege on the database or its tables: grant it, or name "
               "another user";
      break;
    case storage::postgres::Refusal::instance_in_use:
      advice = "each instance needs a name of its own, and another running instance has this "
               "one";
      break;
  }
  return config::ConfigError{setting_refused(refused.refusal(), postgres),
                             advice + " (" + refused.what() + ")"};
}

std::unique_ptr<storage::Storage> open_storage(const config::Settings& settings) {
  if (const auto& postgres = settings.postgres) {
    spdlog::info("storing quotes in PostgreSQL at {}, spooling to SQLite at {} while it is down",
                 postgres->describe(), settings.spool_path);
    const auto deadline = std::chrono::steady_clock::now() + kNameWait;
    bool told = false;
    for (;;) {
      try {
        return std::make_unique<storage::spool::SpoolingStore>(
            postgres->connection_string(), postgres->describe(), settings.spool_path,
            storage::spool::Pacing{}, settings.instance());
      } catch (const storage::postgres::Refused& refused) {
        if (refused.refusal() != storage::postgres::Refusal::instance_in_use ||
            std::chrono::steady_clock::now() >= deadline) {
          throw refused_by_postgres(refused, *postgres);
        }
        if (!std::exchange(told, true)) {
          spdlog::warn("{}; waiting up to {} s for it to end, as it does once a process of this "
                       "name that was just killed is gone",
                       refused.what(), kNameWait.count());
        }
      }
      std::this_thread::sleep_for(kNameRetry);
    }
  }
  spdlog::info("storing quotes in SQLite at {}", settings.sqlite_path);
  return std::make_unique<storage::sqlite::SqliteStore>(settings.sqlite_path);
}

}  // namespace cryptometrics::app
