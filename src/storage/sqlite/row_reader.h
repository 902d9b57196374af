#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "market/decimal.h"
#include "market/timestamp.h"

namespace SQLite {
class Statement;
}

namespace cryptometrics::storage::sqlite {

// Reads the values of the current row of a query whose first column is the row's id. A value
// that does not read back as what was written is a broken invariant: it throws
// std::runtime_error naming the table, the id and the column.
class RowReader {
 public:
  RowReader(const SQLite::Statement& query, std::string_view table);

  std::int64_t id() const { return id_; }

  std::string text(int column) const;
  std::string blob(int column) const;
  std::int64_t integer(int column) const;
  std::int32_t int32(int column) const;
  market::Decimal decimal(int column) const;
  market::Timestamp timestamp(int column) const;

 private:
  [[noreturn]] void fail(int column, std::string_view problem) const;
  void expect_type(int column, int type, std::string_view type_name) const;

  const SQLite::Statement& query_;
  std::string_view table_;
  std::int64_t id_;
};

}  // namespace cryptometrics::storage::sqlite
