#pragma once

#include <span>
#include <string_view>

namespace cryptometrics::storage {

// One numbered SQL file of migrations/, compiled into the binary.
struct Migration {
  int version;              // from the file name: 001_init.sql -> 1
  std::string_view name;    // "001_init.sql"
  std::string_view sql;
};

// In version order: the SQLite store's, PostgreSQL's, and the spool's (spool/queue.h).
std::span<const Migration> sqlite_migrations();
std::span<const Migration> postgres_migrations();
std::span<const Migration> spool_migrations();

}  // namespace cryptometrics::storage
