-- The spool: rows waiting for PostgreSQL, oldest (lowest id) first, with the Kafka offsets they
-- reach, and a checkpoint of what PostgreSQL held when last seen. Prices are exact decimal TEXT
-- and tables STRICT, as in the SQLite store (migrations/sqlite/001_init.sql says why).
--
-- Until this migration the spool was an SQLite store's file, made by migrations/sqlite/ 001 to
-- 003 and recorded in schema_migrations; the spool opens such a file only after bringing it to
-- 003. Its tables are then exactly these, so IF NOT EXISTS adopts them with their rows, and its
-- record of the store's migrations goes: the spool's own are recorded in spool_migrations.

CREATE TABLE IF NOT EXISTS crypto_metrics (
  id INTEGER PRIMARY KEY,
  pair TEXT NOT NULL,
  bid TEXT NOT NULL,
  ask TEXT NOT NULL,
  mid_price TEXT NOT NULL,
  spread TEXT NOT NULL,
  highest_bid TEXT NOT NULL,
  lowest_ask TEXT NOT NULL,
  max_spread TEXT NOT NULL,
  moving_avg TEXT NOT NULL,
  quote_count INTEGER NOT NULL,
  timestamp TEXT NOT NULL,
  kafka_topic TEXT NOT NULL,
  kafka_partition INTEGER NOT NULL,
  kafka_life INTEGER NOT NULL,
  kafka_offset INTEGER NOT NULL,
  UNIQUE (kafka_topic, kafka_partition, kafka_life, kafka_offset)
) STRICT;

-- A pair's latest rows, for the metrics of a start while PostgreSQL is down.
CREATE INDEX IF NOT EXISTS crypto_metrics_pair_id ON crypto_metrics (pair, id);

-- Rejected messages: their first 64 KiB, with the whole payload's length and SHA-256.
CREATE TABLE IF NOT EXISTS rejected_quotes (
  id INTEGER PRIMARY KEY,
  payload BLOB NOT NULL,
  payload_length INTEGER NOT NULL,
  payload_sha256 TEXT NOT NULL,
  reason TEXT NOT NULL,
  kafka_topic TEXT NOT NULL,
  kafka_partition INTEGER NOT NULL,
  kafka_life INTEGER NOT NULL,
  kafka_offset INTEGER NOT NULL,
  received_at TEXT NOT NULL,
  UNIQUE (kafka_topic, kafka_partition, kafka_life, kafka_offset)
) STRICT;

-- The next offset per partition that the spooled rows reach, written with them.
CREATE TABLE IF NOT EXISTS kafka_offsets (
  kafka_topic TEXT NOT NULL,
  kafka_partition INTEGER NOT NULL,
  next_offset INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  kafka_life INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (kafka_topic, kafka_partition)
) STRICT, WITHOUT ROWID;

-- What PostgreSQL held when last seen (each pair's latest metrics and recent mid prices, each
-- partition's next offset) as one JSON document, so that a start while PostgreSQL is down
-- continues every pair's metrics.
CREATE TABLE IF NOT EXISTS postgres_checkpoint (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  state TEXT NOT NULL,
  saved_at TEXT NOT NULL
) STRICT;

DROP TABLE IF EXISTS schema_migrations;
