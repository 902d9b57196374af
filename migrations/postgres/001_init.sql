-- The original proof of concept's columns keep their names and meaning, so its queries and plots
-- still work; prices are exact NUMERIC and every row records the Kafka message it came from.
-- schema_migrations is created by the migration runner, which needs it before any file runs.

CREATE TABLE IF NOT EXISTS crypto_metrics (
    id              BIGSERIAL PRIMARY KEY,
    pair            TEXT NOT NULL,
    bid             NUMERIC NOT NULL,
    ask             NUMERIC NOT NULL,
    mid_price       NUMERIC NOT NULL,
    spread          NUMERIC NOT NULL,
    highest_bid     NUMERIC NOT NULL,
    lowest_ask      NUMERIC NOT NULL,
    max_spread      NUMERIC NOT NULL,
    moving_avg      NUMERIC NOT NULL,
    quote_count     BIGINT NOT NULL,
    "timestamp"     TIMESTAMPTZ NOT NULL,
    kafka_topic     TEXT,
    kafka_partition INTEGER,
    kafka_offset    BIGINT,
    UNIQUE (kafka_topic, kafka_partition, kafka_offset)
);

-- A pair's latest rows, read back on start-up, are found without scanning the table.
CREATE INDEX IF NOT EXISTS crypto_metrics_pair_id ON crypto_metrics (pair, id);

-- The next offset to consume per partition, written in the same transaction as the rows.
CREATE TABLE IF NOT EXISTS kafka_offsets (
    kafka_topic     TEXT NOT NULL,
    kafka_partition INTEGER NOT NULL,
    next_offset     BIGINT NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (kafka_topic, kafka_partition)
);

CREATE TABLE IF NOT EXISTS rejected_quotes (
    id              BIGSERIAL PRIMARY KEY,
    payload         BYTEA NOT NULL,
    reason          TEXT NOT NULL,
    kafka_topic     TEXT,
    kafka_partition INTEGER,
    kafka_offset    BIGINT,
    received_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (kafka_topic, kafka_partition, kafka_offset)
);
