-- A partition can start over (the embedded broker is new each run; a topic is deleted and made
-- again): its offsets then name new messages, so the provenance key gains the partition's life,
-- which counts those new starts. Rows stored before were all of life 0.
-- Rejected messages keep only their first 64 KiB, with the whole payload's length and SHA-256;
-- rows stored before kept everything, so their own length and hash describe them.
-- SQLite changes a table's constraints only by building it anew.

CREATE TABLE crypto_metrics_with_lives (
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
INSERT INTO crypto_metrics_with_lives
  SELECT id, pair, bid, ask, mid_price, spread, highest_bid, lowest_ask, max_spread, moving_avg,
         quote_count, timestamp, kafka_topic, kafka_partition, 0, kafka_offset
  FROM crypto_metrics;
DROP TABLE crypto_metrics;
ALTER TABLE crypto_metrics_with_lives RENAME TO crypto_metrics;
CREATE INDEX crypto_metrics_pair_id ON crypto_metrics (pair, id);

CREATE TABLE rejected_quotes_with_lives (
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
-- SQLite has no SHA-256 of its own: rows kept whole before this migration are marked by an
-- empty hash; their payload is all there is to know of them.
INSERT INTO rejected_quotes_with_lives
  SELECT id, payload, length(CAST(payload AS BLOB)), '', reason, kafka_topic, kafka_partition, 0,
         kafka_offset, received_at
  FROM rejected_quotes;
DROP TABLE rejected_quotes;
ALTER TABLE rejected_quotes_with_lives RENAME TO rejected_quotes;

ALTER TABLE kafka_offsets ADD COLUMN kafka_life INTEGER NOT NULL DEFAULT 0;
