#include "storage/sqlite/row_reader.h"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

#include <limits>
#include <stdexcept>
#include <variant>

namespace cryptometrics::storage::sqlite {

RowReader::RowReader(const SQLite::Statement& query, std::string_view table)
    : query_{query}, table_{table}, id_{0} {
  expect_type(0, SQLite::INTEGER, "an integer");
  id_ = query_.getColumn(0).getInt64();
}

std::string RowReader::text(int column) const {
  expect_type(column, SQLite::TEXT, "text");
  return query_.getColumn(column).getString();
}

std::string RowReader::blob(int column) const {
  expect_type(column, SQLite::BLOB, "a blob");
  const SQLite::Column value = query_.getColumn(column);
  const int size = value.getBytes();
  if (size == 0) {
    return {};
  }
  return std::string{static_cast<const char*>(value.getBlob()), static_cast<std::size_t>(size)};
}

std::int64_t RowReader::integer(int column) const {
  expect_type(column, SQLite::INTEGER, "an integer");
  return query_.getColumn(column).getInt64();
}

std::int32_t RowReader::int32(int column) const {
  const std::int64_t value = integer(column);
  if (value < std::numeric_limits<std::int32_t>::min() ||
      value > std::numeric_limits<std::int32_t>::max()) {
    fail(column, std::to_string(value) + " is beyond 32 bits");
  }
  return static_cast<std::int32_t>(value);
}

market::Decimal RowReader::decimal(int column) const {
  const std::string value = text(column);
  const auto parsed = market::Decimal::parse(value);
  if (const auto* decimal = std::get_if<market::Decimal>(&parsed)) {
    return *decimal;
  }
  fail(column, "'" + value + "' is not a decimal");
}

market::Timestamp RowReader::timestamp(int column) const {
  const std::string value = text(column);
  if (const auto parsed = market::parse_rfc3339(value)) {
    return *parsed;
  }
  fail(column, "'" + value + "' is not an RFC 3339 time");
}

void RowReader::fail(int column, std::string_view problem) const {
  throw std::runtime_error(std::string{table_} + " row " + std::to_string(id_) + ", column " +
                           query_.getColumnName(column) + ": " + std::string{problem});
}

void RowReader::expect_type(int column, int type, std::string_view type_name) const {
  if (query_.getColumn(column).getType() != type) {
    fail(column, "holds a value that is not " + std::string{type_name});
  }
}

}  // namespace cryptometrics::storage::sqlite
