#include "storage/postgres/proof_of_concept_takeover.h"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "market/decimal.h"

namespace cryptometrics::storage::postgres {
namespace {

// A column as format_type() names its type, without modifiers (VARCHAR(20) is character varying).
struct Column {
  std::string_view name;
  std::string_view type;
};

// The seven prices the proof of concept recorded: NUMERIC in its table and in 001's.
constexpr std::array<std::string_view, 7> kPrices{
    "bid", "ask", "mid_price", "spread", "highest_bid", "lowest_ask", "max_spread"};

// The proof of concept's other columns. It created its table by hand, before its consumer ran.
constexpr std::array<Column, 2> kProofOfConcept{{
    {"pair", "character varying"},
    {"timestamp", "timestamp without time zone"},
}};

// The other columns of crypto_metrics as migrations/postgres/001_init.sql creates it.
constexpr std::array<Column, 8> kInit{{
    {"id", "bigint"},
    {"pair", "text"},
    {"moving_avg", "numeric"},
    {"quote_count", "bigint"},
    {"timestamp", "timestamp with time zone"},
    {"kafka_topic", "text"},
    {"kafka_partition", "integer"},
    {"kafka_offset", "bigint"},
}};

// The prices, then `others`.
std::vector<Column> columns_of(std::span<const Column> others) {
  std::vector<Column> columns;
  for (const std::string_view price : kPrices) {
    columns.push_back({price, "numeric"});
  }
  columns.insert(columns.end(), others.begin(), others.end());
  return columns;
}

// The old rows' moving averages are derived with the default SMA_WINDOW; a service run with
// another window averages its own from the stored mid prices anyway.
constexpr int kSmaWindow = 5;

// The relation that 001's CREATE TABLE IF NOT EXISTS would find, with its columns.
constexpr const char* kSelectColumns =
    "SELECT c.relkind, a.attname, format_type(a.atttypid, NULL)"
    " FROM pg_class c"
    " LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
    " WHERE c.oid = to_regclass('crypto_metrics')";

// The types 001 has; BIGSERIAL numbers the rows in their physical order. NUMERIC without
// modifiers, in case the proof of concept's columns were declared with a precision, which would
// round new prices silently. Its timestamps, without a zone, are read as UTC.
constexpr const char* kAddColumns =
    "ALTER TABLE crypto_metrics"
    " ALTER COLUMN pair TYPE TEXT,"
    " ALTER COLUMN bid TYPE NUMERIC, ALTER COLUMN ask TYPE NUMERIC,"
    " ALTER COLUMN mid_price TYPE NUMERIC, ALTER COLUMN spread TYPE NUMERIC,"
    " ALTER COLUMN highest_bid TYPE NUMERIC, ALTER COLUMN lowest_ask TYPE NUMERIC,"
    " ALTER COLUMN max_spread TYPE NUMERIC,"
    " ALTER COLUMN \"timestamp\" TYPE TIMESTAMPTZ USING \"timestamp\" AT TIME ZONE 'UTC',"
    " ADD COLUMN id BIGSERIAL,"
    " ADD COLUMN moving_avg NUMERIC,"
    " ADD COLUMN quote_count BIGINT,"
    " ADD COLUMN kafka_topic TEXT,"
    " ADD COLUMN kafka_partition INTEGER,"
    " ADD COLUMN kafka_offset BIGINT";

// Renumbers the rows by time, then physical order (the ids stay 1..n, so the sequence needs no
// change), and gives each row the count and moving average the service would have recorded:
// quote_count is the row's place among its pair's rows by time, moving_avg the mean of the pair's
// last $1 mid prices up to it, rounded half to even at fractional digit $2 as the service rounds.
// In whole units of that digit: `units` is the window's sum, and the quotient goes up by one when
// the remainder is over half the divisor, or exactly half with the quotient odd. The powers of ten
// are numeric literals such as 1e-19, exact at any scale (power() rounds 10^-19 to 0); round()
// only trims the product's scale to $2 digits. The proof of concept's highest_bid, lowest_ask and
// max_spread stay as recorded.
constexpr const char* kBackfill =
    "UPDATE crypto_metrics AS target"
    " SET id = backfill.id, quote_count = backfill.quote_count,"
    " moving_avg = round((backfill.quotient + CASE"
    "  WHEN 2 * backfill.remainder > backfill.mid_prices"
    "   OR (2 * backfill.remainder = backfill.mid_prices AND mod(backfill.quotient, 2) = 1)"
    "  THEN 1 ELSE 0 END) * ('1e-' || $2::integer)::numeric, $2::integer)"
    " FROM (SELECT physical_id, id, quote_count, mid_prices, div(units, mid_prices) AS quotient,"
    "  units - div(units, mid_prices) * mid_prices AS remainder"
    "  FROM (SELECT id AS physical_id,"
    "   row_number() OVER (ORDER BY \"timestamp\", id) AS id,"
    "   row_number() OVER by_pair AS quote_count,"
    "   count(*) OVER recent AS mid_prices,"
    "   sum(mid_price) OVER recent * ('1e' || $2::integer)::numeric AS units"
    "   FROM crypto_metrics"
    "   WINDOW by_pair AS (PARTITION BY pair ORDER BY \"timestamp\", id),"
    "    recent AS (by_pair ROWS $1::integer - 1 PRECEDING)) windows) backfill"
    " WHERE target.id = backfill.physical_id";

// The constraints 001 declares, under the names it would give them.
constexpr const char* kAddConstraints =
    "ALTER TABLE crypto_metrics"
    " ALTER COLUMN pair SET NOT NULL, ALTER COLUMN bid SET NOT NULL, ALTER COLUMN ask SET NOT NULL,"
    " ALTER COLUMN mid_price SET NOT NULL, ALTER COLUMN spread SET NOT NULL,"
    " ALTER COLUMN highest_bid SET NOT NULL, ALTER COLUMN lowest_ask SET NOT NULL,"
    " ALTER COLUMN max_spread SET NOT NULL, ALTER COLUMN moving_avg SET NOT NULL,"
    " ALTER COLUMN quote_count SET NOT NULL, ALTER COLUMN \"timestamp\" SET NOT NULL,"
    " ADD PRIMARY KEY (id),"
    " ADD UNIQUE (kafka_topic, kafka_partition, kafka_offset)";

constexpr std::string_view kWhatToDoInstead =
    " Nothing was changed. Rename the table (ALTER TABLE crypto_metrics RENAME TO "
    "crypto_metrics_old) and migrate again to start a new one beside it, or bring it to one of "
    "those shapes by hand (README: Taking over the proof of concept's database).";

struct ExistingTable {
  char kind;                                   // pg_class.relkind: 'r' for a table
  std::map<std::string, std::string> columns;  // name -> type
};

std::optional<ExistingTable> existing_table(pqxx::transaction_base& transaction) {
  const pqxx::result rows = transaction.exec(kSelectColumns);
  if (rows.empty()) {
    return std::nullopt;
  }
  ExistingTable table{rows[0][0].c_str()[0], {}};
  for (const auto& row : rows) {
    if (!row[1].is_null()) {
      table.columns.emplace(row[1].c_str(), row[2].c_str());
    }
  }
  return table;
}

void append(std::string& list, const std::string& item) {
  list += (list.empty() ? "" : ", ") + item;
}

// "it lacks bid, ask; has volume besides; has pair of type integer, not character varying"; empty
// when the table has exactly the columns of `shape`.
std::string differences(const ExistingTable& table, std::span<const Column> shape) {
  std::string missing;
  std::string retyped;
  std::map<std::string, std::string> extra = table.columns;
  for (const Column& column : shape) {
    const auto found = extra.find(std::string{column.name});
    if (found == extra.end()) {
      append(missing, std::string{column.name});
      continue;
    }
    if (found->second != column.type) {
      append(retyped,
             found->first + " of type " + found->second + ", not " + std::string{column.type});
    }
    extra.erase(found);
  }
  std::string besides;
  for (const auto& [name, type] : extra) {
    append(besides, name + " (" + type + ")");
  }
  std::string text;
  const auto add = [&text](std::string_view prefix, const std::string& list,
                           std::string_view suffix) {
    if (!list.empty()) {
      text += std::string{text.empty() ? "it " : "; "} + std::string{prefix} + list +
              std::string{suffix};
    }
  };
  add("lacks ", missing, "");
  add("has ", besides, " besides");
  add("has ", retyped, "");
  return text;
}

[[noreturn]] void refuse_shape(const ExistingTable& table) {
  if (table.kind != 'r') {
    throw std::runtime_error{"crypto_metrics exists but is not a table (pg_class.relkind '" +
                             std::string(1, table.kind) +
                             "'), so the service cannot store into it." +
                             std::string{kWhatToDoInstead}};
  }
  const bool looks_like_init = table.columns.contains("id");
  throw std::runtime_error{
      "crypto_metrics exists but has neither the proof of concept's columns nor those of "
      "migration 001; compared with " +
      std::string{looks_like_init ? "001's" : "the proof of concept's"} + ", " +
      differences(table, columns_of(looks_like_init ? std::span<const Column>{kInit}
                                                    : std::span<const Column>{kProofOfConcept})) +
      "." + std::string{kWhatToDoInstead}};
}

// 001 requires every one of the proof of concept's columns; its rows may lack some.
void refuse_missing_values(pqxx::transaction_base& transaction) {
  const std::vector<Column> columns = columns_of(kProofOfConcept);
  std::string counts;
  for (const Column& column : columns) {
    append(counts, "count(*) FILTER (WHERE " + transaction.quote_name(std::string{column.name}) +
                       " IS NULL)");
  }
  const pqxx::row row = transaction.exec1("SELECT " + counts + " FROM crypto_metrics");
  std::string missing;
  std::string condition;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const auto rows = row[static_cast<pqxx::row::size_type>(i)].as<std::int64_t>();
    if (rows > 0) {
      const std::string name{columns[i].name};
      append(missing, std::to_string(rows) + (rows == 1 ? " row" : " rows") + " without " + name);
      condition += (condition.empty() ? "" : " OR ") + transaction.quote_name(name) + " IS NULL";
    }
  }
  if (!missing.empty()) {
    throw std::runtime_error{
        "crypto_metrics, the proof of concept's table, has rows without a value the service "
        "requires: " +
        missing +
        ". Nothing was changed. Fill those values in, or delete the rows (DELETE FROM "
        "crypto_metrics WHERE " +
        condition + "), then migrate again."};
  }
}

}  // namespace

void take_over_existing_table(pqxx::transaction_base& transaction) {
  const auto table = existing_table(transaction);
  if (!table || (table->kind == 'r' && differences(*table, columns_of(kInit)).empty())) {
    return;
  }
  if (table->kind != 'r' || !differences(*table, columns_of(kProofOfConcept)).empty()) {
    refuse_shape(*table);
  }
  refuse_missing_values(transaction);
  transaction.exec0(kAddColumns);
  transaction.exec_params0(kBackfill, kSmaWindow, market::Decimal::kScale);
  transaction.exec0(kAddConstraints);
}

}  // namespace cryptometrics::storage::postgres
