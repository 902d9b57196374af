#include "storage/postgres/postgres_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <pqxx/pqxx>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "market/decimal.h"
#include "market/timestamp.h"
#include "storage/migrations.h"
#include "storage/postgres/batch_writer.h"
#include "storage/postgres/connection_defaults.h"
#include "storage/postgres/migration_runner.h"
#include "storage/postgres/one_line.h"
#include "storage/postgres/refusal.h"

namespace cryptometrics::storage::postgres {
namespace {

// Bounds every statement, so a server that accepts a statement and never answers cannot hold
// the storage thread forever; a batch of rows takes well under a second. A process stalled in the
// middle of a batch (SIGSTOP, a frozen VM) holds its claims' row locks, and the partitions' new
// owner cannot claim them until the server ends that session: after 10 s idle in its
// transaction, or the statement's 60 s.
// From PostgreSQL 14 on, a session whose client is gone ends within a second even while it waits
// inside a statement (for a lock), which releases the instance's name (see PostgresStore).
constexpr const char* kConfigureSession =
    "SET statement_timeout = '60s'; SET idle_in_transaction_session_timeout = '10s';"
    " SELECT set_config('client_connection_check_interval', '1s', false)"
    " WHERE current_setting('server_version_num')::integer >= 140000";

// Hops from one pair to the next through the (pair, id) index instead of scanning every row,
// then reads each pair's latest rows backwards through the same index. The pair is bounded by a
// range rather than "=" on purpose: with "=", the planner may walk the primary key backwards
// instead and filter, reading every newer row of other pairs (seconds for a pair last seen
// millions of rows ago); ordered by (pair, id), only this index serves the query. Each pair's
// latest row comes with its Kafka source, its partition's owner and the pair's last $1 mid
// prices.
constexpr const char* kSelectLatestRows =
    "WITH RECURSIVE pairs(pair) AS ("
    " SELECT min(pair) FROM crypto_metrics"
    " UNION ALL"
    " SELECT (SELECT min(c.pair) FROM crypto_metrics c WHERE c.pair > pairs.pair)"
    " FROM pairs WHERE pairs.pair IS NOT NULL)"
    " SELECT latest.pair, latest.bid, latest.ask, latest.mid_price, latest.spread,"
    " latest.highest_bid, latest.lowest_ask, latest.max_spread, latest.moving_avg,"
    " latest.quote_count,"
    " to_char(latest.\"timestamp\" AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
    " latest.kafka_topic, latest.kafka_partition, latest.kafka_offset, latest.kafka_life,"
    " owners.owner, recent.mid_prices"
    " FROM pairs"
    " CROSS JOIN LATERAL (SELECT * FROM crypto_metrics c"
    "  WHERE c.pair >= pairs.pair AND c.pair <= pairs.pair"
    "  ORDER BY c.pair DESC, c.id DESC LIMIT 1) latest"
    " CROSS JOIN LATERAL (SELECT string_agg(w.mid_price::text, ' ' ORDER BY w.id) AS mid_prices"
    "  FROM (SELECT c.id, c.mid_price FROM crypto_metrics c"
    "   WHERE c.pair >= pairs.pair AND c.pair <= pairs.pair"
    "   ORDER BY c.pair DESC, c.id DESC LIMIT $1) w) recent"
    " LEFT JOIN partition_owners owners ON owners.kafka_topic = latest.kafka_topic"
    "  AND owners.kafka_partition = latest.kafka_partition"
    " WHERE pairs.pair IS NOT NULL"
    " ORDER BY latest.pair";

// A pair's rows backwards through the (pair, id) index, bounded by a range for the reason told
// above; the time is a filter on the rows it yields ('-infinity' when none was asked for).
constexpr const char* kSelectHistory =
    "SELECT c.pair, c.bid, c.ask, c.mid_price, c.spread, c.highest_bid, c.lowest_ask,"
    " c.max_spread, c.moving_avg, c.quote_count,"
    " to_char(c.\"timestamp\" AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
    " c.kafka_topic, c.kafka_partition, c.kafka_offset, c.kafka_life"
    " FROM crypto_metrics c"
    " WHERE c.pair >= $1 AND c.pair <= $1 AND c.\"timestamp\" >= $2::timestamptz"
    " ORDER BY c.pair DESC, c.id DESC LIMIT $3";

constexpr const char* kSelectOffsets =
    "SELECT kafka_partition, next_offset, kafka_life FROM kafka_offsets WHERE kafka_topic = $1"
    " ORDER BY kafka_partition";

constexpr const char* kSelectAllOffsets =
    "SELECT kafka_topic, kafka_partition, next_offset, kafka_life FROM kafka_offsets"
    " ORDER BY kafka_topic, kafka_partition";

// A new epoch for each partition, whoever held it; the partitions in order, as batches lock them.
constexpr const char* kClaim =
    "INSERT INTO partition_owners (kafka_topic, kafka_partition, owner, epoch)"
    " SELECT $1, p, $3, 1 FROM unnest($2::integer[]) AS p ORDER BY p"
    " ON CONFLICT (kafka_topic, kafka_partition) DO UPDATE"
    " SET owner = EXCLUDED.owner, epoch = partition_owners.epoch + 1, claimed_at = now()"
    " RETURNING kafka_partition, epoch";

// The advisory lock that stands for an instance's name: a key of the service's own, and the name's
// hash (two names with one hash only share a lock, refusing the second one's start).
constexpr const char* kLockInstanceName =
    "SELECT pg_try_advisory_lock(hashtext('crypto-metrics INSTANCE_ID'), hashtext($1))";
constexpr const char* kInstanceNameHolder =
    "SELECT activity.pid, coalesce(host(activity.client_addr), 'a local socket'),"
    " to_char(activity.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    " FROM pg_locks locks JOIN pg_stat_activity activity ON activity.pid = locks.pid"
    " WHERE locks.locktype = 'advisory' AND locks.granted AND locks.objsubid = 2"
    " AND locks.classid = hashtext('crypto-metrics INSTANCE_ID')::oid"
    " AND locks.objid = hashtext($1)::oid";

// Holds `instance` for as long as the session lasts, or throws Refused naming the session that
// holds it.
void hold_instance_name(pqxx::transaction_base& session, const std::string& instance) {
  if (session.exec_params1(kLockInstanceName, instance)[0].as<bool>()) return;
  std::string holder = "another session";
  for (const auto& row : session.exec_params(kInstanceNameHolder, instance)) {
    holder = std::string{"the session of PostgreSQL process "} + row[0].c_str() + ", from " +
             row[1].c_str() + " since " + row[2].c_str();
  }
  throw Refused{Refusal::instance_in_use,
                "instance name " + instance + " is held by " + holder +
                    ": another running instance writes to this database under the same name"};
}

market::Decimal decimal_of(std::string_view text, std::string_view column, std::string_view pair) {
  const auto parsed = market::Decimal::parse(text);
  if (const auto* decimal = std::get_if<market::Decimal>(&parsed)) {
    return *decimal;
  }
  throw std::runtime_error("crypto_metrics." + std::string{column} + " of pair " +
                           std::string{pair} + " holds '" + std::string{text} + "', not a decimal");
}

market::Timestamp timestamp_of(std::string_view text, std::string_view pair) {
  if (const auto timestamp = market::parse_rfc3339(text)) {
    return *timestamp;
  }
  throw std::runtime_error("crypto_metrics.timestamp of pair " + std::string{pair} + " reads '" +
                           std::string{text} + "', not an RFC 3339 time");
}

// The metrics columns as kSelectLatestRows and kSelectHistory select them, first.
metrics::Snapshot snapshot_of(const pqxx::row& row) {
  metrics::Snapshot latest;
  latest.pair = row[0].c_str();
  const auto decimal = [&row, &latest](int column, std::string_view name) {
    return decimal_of(row[column].c_str(), name, latest.pair);
  };
  latest.bid = decimal(1, "bid");
  latest.ask = decimal(2, "ask");
  latest.mid_price = decimal(3, "mid_price");
  latest.spread = decimal(4, "spread");
  latest.highest_bid = decimal(5, "highest_bid");
  latest.lowest_ask = decimal(6, "lowest_ask");
  latest.max_spread = decimal(7, "max_spread");
  latest.moving_avg = decimal(8, "moving_avg");
  latest.count = row[9].as<std::int64_t>();
  latest.timestamp = timestamp_of(row[10].c_str(), latest.pair);
  return latest;
}

// Columns as kSelectLatestRows selects them.
metrics::History history_of(const pqxx::row& row) {
  metrics::History history;
  history.latest = snapshot_of(row);
  const std::string& pair = history.latest.pair;
  std::string_view mid_prices = row[16].is_null() ? std::string_view{} : row[16].c_str();
  while (!mid_prices.empty()) {
    const auto end = mid_prices.find(' ');
    history.recent_mid_prices.push_back(decimal_of(mid_prices.substr(0, end), "mid_price", pair));
    mid_prices = end == std::string_view::npos ? std::string_view{} : mid_prices.substr(end + 1);
  }
  return history;
}

// Columns as kSelectHistory and kSelectLatestRows select them. Rows from before Kafka provenance
// was recorded (the proof of concept's) have none: an empty topic, partition and offset -1.
QuoteRow quote_row_of(const pqxx::row& row) {
  QuoteRow quote{snapshot_of(row), Source{"", -1, -1}};
  if (!row[11].is_null()) quote.source.topic = row[11].c_str();
  if (!row[12].is_null()) quote.source.partition = row[12].as<std::int32_t>();
  if (!row[13].is_null()) quote.source.offset = row[13].as<std::int64_t>();
  quote.source.life = row[14].as<Life>();
  return quote;
}

// Every pair's history and every topic's offsets, as PostgresStore::State holds them.
void read_state(pqxx::transaction_base& transaction, std::size_t window,
                PostgresStore::State& state) {
  for (const auto& row : transaction.exec_params(kSelectLatestRows, window)) {
    state.histories.push_back(history_of(row));
  }
  for (const auto& row : transaction.exec(kSelectAllOffsets)) {
    state.offsets.push_back(PartitionOffset{row[0].c_str(), row[1].as<std::int32_t>(),
                                            row[2].as<std::int64_t>(), row[3].as<Life>()});
  }
}

}  // namespace

struct PostgresStore::Session {
  Session(const std::string& connection_string, const std::string& instance)
      : connection{connection_string} {
    pqxx::nontransaction setup{connection, "set up session"};
    setup.exec(kConfigureSession);
    if (!instance.empty()) hold_instance_name(setup, instance);
    create_staging_tables(setup);
  }

  pqxx::connection connection;
};

PostgresStore::PostgresStore(std::string connection_string, std::string description,
                             std::string instance)
    : connection_string_{std::move(connection_string)},
      description_{std::move(description)},
      instance_{std::move(instance)} {}

PostgresStore::~PostgresStore() = default;

void PostgresStore::migrate() {
  migrated_ = false;
  connect();
}

void PostgresStore::connect() {
  attempt("connecting", [](Session&) {});
}

void PostgresStore::write(const Batch& batch) {
  if (batch.empty()) {
    return;
  }
  const std::string what = "writing " + std::to_string(batch.quotes.size()) + " quotes, " +
                           std::to_string(batch.rejections.size()) + " rejections";
  try {
    attempt(what, [&batch](Session& session) {
      pqxx::work transaction{session.connection, "write batch"};
      write_batch(transaction, batch);
      transaction.commit();
    });
  } catch (const RowRefused&) {
    // Retrying the batch would fail the same way for ever: the refused rows are set aside.
    std::vector<RefusedQuote> refused;
    attempt(what + ", setting aside the rows PostgreSQL refuses", [&](Session& session) {
      pqxx::work transaction{session.connection, "write batch, setting aside refused rows"};
      refused = write_batch_setting_aside_refused(transaction, batch);
      transaction.commit();
    });
    for (const RefusedQuote& quote : refused) {
      const Source& source = quote.row.source;
      spdlog::error(
          "PostgreSQL {} refused the row of {} from {} offset {} (life {}): {}; it is kept in "
          "rejected_quotes instead",
          description_, quote.row.metrics.pair, kafka::describe(source), source.offset,
          source.life, quote.reason);
    }
  }
  rows_stored_ += batch.messages();
}

std::vector<metrics::History> PostgresStore::load_histories(std::size_t window) {
  std::vector<metrics::History> histories;
  attempt("loading histories", [&histories, window](Session& session) {
    pqxx::read_transaction transaction{session.connection, "load histories"};
    for (const auto& row : transaction.exec_params(kSelectLatestRows, window)) {
      histories.push_back(history_of(row));
    }
  });
  return histories;
}

std::vector<QuoteRow> PostgresStore::history(const std::string& pair, std::size_t limit,
                                             std::optional<market::Timestamp> since) {
  std::vector<QuoteRow> rows;
  const std::string from = since ? market::format_rfc3339(*since) : "-infinity";
  const auto most = static_cast<std::int64_t>(
      std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
  attempt("reading the history of " + pair, [&](Session& session) {
    pqxx::read_transaction transaction{session.connection, "read history"};
    for (const auto& row : transaction.exec_params(kSelectHistory, pair, from, most)) {
      rows.push_back(quote_row_of(row));
    }
  });
  return rows;
}

std::vector<LatestRow> PostgresStore::latest_rows(std::string_view topic) {
  std::vector<LatestRow> rows;
  attempt("reading every pair's latest row", [&](Session& session) {
    pqxx::read_transaction transaction{session.connection, "read latest rows"};
    for (const auto& row : transaction.exec_params(kSelectLatestRows, 0)) {
      LatestRow latest{quote_row_of(row), row[15].is_null() ? "" : row[15].c_str()};
      if (latest.row.source.topic == topic) rows.push_back(std::move(latest));
    }
  });
  return rows;
}

std::vector<PartitionOffset> PostgresStore::load_offsets(std::string_view topic) {
  std::vector<PartitionOffset> offsets;
  attempt("loading offsets of topic " + std::string{topic}, [&](Session& session) {
    pqxx::read_transaction transaction{session.connection, "load offsets"};
    for (const auto& row : transaction.exec_params(kSelectOffsets, std::string{topic})) {
      offsets.push_back(PartitionOffset{std::string{topic}, row[0].as<std::int32_t>(),
                                        row[1].as<std::int64_t>(), row[2].as<Life>()});
    }
  });
  return offsets;
}

PostgresStore::State PostgresStore::load_state(std::size_t window) {
  State state;
  attempt("loading histories and offsets", [&state, window](Session& session) {
    state = {};
    // Repeatable read: both from one snapshot, whoever else writes meanwhile.
    pqxx::transaction<pqxx::isolation_level::repeatable_read, pqxx::readwrite_policy::read_only>
        transaction{session.connection, "load state"};
    read_state(transaction, window, state);
  });
  return state;
}

PostgresStore::Claimed PostgresStore::claim(std::string_view topic,
                                            const std::vector<std::int32_t>& partitions,
                                            std::string_view owner, std::size_t window) {
  Claimed claimed;
  std::string listed = "{";
  for (const std::int32_t partition : partitions) {
    if (listed.size() > 1) listed += ',';
    listed += std::to_string(partition);
  }
  listed += '}';
  attempt("claiming partitions " + listed + " of topic " + std::string{topic},
          [&](Session& session) {
            claimed = {};
            pqxx::work transaction{session.connection, "claim partitions"};
            for (const auto& row : transaction.exec_params(kClaim, std::string{topic}, listed,
                                                           std::string{owner})) {
              claimed.claims.push_back({std::string{topic}, row[0].as<std::int32_t>(),
                                         row[1].as<std::int64_t>()});
            }
            // The claims' row locks keep every earlier owner's batch of these partitions out
            // until this commits; batches that got in first are committed, and read here.
            read_state(transaction, window, claimed.state);
            transaction.commit();
          });
  return claimed;
}

Takeover PostgresStore::take_over(std::string_view topic,
                                  const std::vector<std::int32_t>& partitions,
                                  std::string_view owner, std::size_t window) {
  Claimed claimed = claim(topic, partitions, owner, window);
  std::erase_if(claimed.state.offsets,
                [topic](const PartitionOffset& offset) { return offset.topic != topic; });
  return {std::move(claimed.claims), std::move(claimed.state.histories),
          std::move(claimed.state.offsets)};
}

Status PostgresStore::status() const {
  Status status;
  status.backend = "postgres";
  status.shared = true;
  status.ready = last_error_.empty();
  status.state = last_error_.empty() ? "ok" : "failing";
  status.last_error = last_error_;
  status.rows.stored = rows_stored_;
  return status;
}

void PostgresStore::attempt(std::string_view what, const std::function<void(Session&)>& work) {
  std::string_view doing = "connecting";
  try {
    if (!session_) {
      // Read by libpq before connecting: what it cannot read is refused without being quoted.
      session_ =
          std::make_unique<Session>(with_connection_defaults(connection_string_), instance_);
    }
    if (!migrated_) {
      doing = "applying migrations";
      for (const std::string& name :
           apply_migrations(session_->connection, postgres_migrations())) {
        spdlog::info("PostgreSQL {}: applied migration {}", description_, name);
      }
      migrated_ = true;
    }
    doing = what;
    work(*session_);
    last_error_.clear();
  } catch (const Fenced&) {
    // PostgreSQL works: this instance lost partitions, which its caller sorts out.
    last_error_.clear();
    throw;
  } catch (const Refused& refused) {
    // The instance's name is held by another: this connection, without it, is not used.
    session_.reset();
    last_error_ = "PostgreSQL " + description_ + ": " + std::string{doing} + ": " + refused.what();
    throw Refused{refused.refusal(), last_error_};
  } catch (const std::exception& error) {
    // Without a session there is no connection to judge by: the error's type says it all.
    const bool connection_open = session_ == nullptr || session_->connection.is_open();
    last_error_ =
        "PostgreSQL " + description_ + ": " + std::string{doing} + ": " + one_line(error.what());
    // Before unavailability: a connection refused for its settings leaves no connection either.
    if (const auto refusal = refusal_of(error)) {
      if (!connection_open) session_.reset();
      throw Refused{*refusal, last_error_};
    }
    if (means_unavailable(error, connection_open)) {
      session_.reset();
      throw Unavailable{last_error_};
    }
    if (refuses_row(error)) throw RowRefused{last_error_};
    throw std::runtime_error{last_error_};
  }
}

}  // namespace cryptometrics::storage::postgres
