#pragma once

#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace SQLite {
class Database;
}

namespace cryptometrics::storage::sqlite {

// Opens (creating if needed) the SQLite file at `path` as both the SQLite store and the spool
// keep theirs: WAL with synchronous=FULL, and a busy timeout. Throws when it cannot.
std::unique_ptr<SQLite::Database> open_database(const std::filesystem::path& path);

// Now, as these files record times (updated_at, saved_at, applied_at): RFC 3339 in UTC to the
// microsecond, text that sorts in time order.
std::string now_as_text();

// "SQLite database PATH: DOING: CAUSE", the context every error of these files carries.
std::string failure(const std::filesystem::path& path, std::string_view doing,
                    const std::exception& cause);

}  // namespace cryptometrics::storage::sqlite
