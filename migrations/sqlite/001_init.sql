-- Prices are TEXT holding the exact decimal text ("46396.27"): SQLite has no exact NUMERIC, and
-- REAL would turn 46396.27 into 46396.269999... STRICT makes a value of another type an error.

-- One row per accepted quote, in processing order (id), with the Kafka message it came from.
CREATE TABLE crypto_metrics (
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
  kafka_offset INTEGER NOT NULL,
  UNIQUE (kafka_topic, kafka_partition, kafka_offset)
) STRICT;

-- The latest rows of a pair, read back on start-up.
CREATE INDEX crypto_metrics_pair_id ON crypto_metrics (pair, id);

-- The next offset to consume per partition, written in the same transaction as the rows.
CREATE TABLE kafka_offsets (
  kafka_topic TEXT NOT NULL,
  kafka_partition INTEGER NOT NULL,
  next_offset INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (kafka_topic, kafka_partition)
) STRICT, WITHOUT ROWID;

-- Messages that were not accepted: the raw bytes as they arrived, and why.
CREATE TABLE rejected_quotes (
  id INTEGER PRIMARY KEY,
  payload BLOB NOT NULL,
  reason TEXT NOT NULL,
  kafka_topic TEXT NOT NULL,
  kafka_partition INTEGER NOT NULL,
  kafka_offset INTEGER NOT NULL,
  received_at TEXT NOT NULL,
  UNIQUE (kafka_topic, kafka_partition, kafka_offset)
) STRICT;
