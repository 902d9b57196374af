#pragma once

#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace cryptometrics::storage::sqlite {

// Leaves a reused statement ready for its next use however this one ends: a statement left
// mid-step keeps its read transaction open and refuses new bindings.
class Reset {
 public:
  explicit Reset(SQLite::Statement& statement) : statement_{statement} {}
  ~Reset() { statement_.tryReset(); }

  Reset(const Reset&) = delete;
  Reset& operator=(const Reset&) = delete;

  SQLite::Statement& operator*() const { return statement_; }
  SQLite::Statement* operator->() const { return &statement_; }

 private:
  SQLite::Statement& statement_;
};

// A count as a LIMIT binds it: SQLite's integers are signed 64 bits.
inline std::int64_t as_limit(std::size_t count) {
  return static_cast<std::int64_t>(
      std::min<std::size_t>(count, std::numeric_limits<std::int64_t>::max()));
}

}  // namespace cryptometrics::storage::sqlite
