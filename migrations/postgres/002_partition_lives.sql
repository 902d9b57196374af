-- A partition can start over (the embedded broker is new each run; a topic is deleted and made
-- again): its offsets then name new messages, so the provenance key gains the partition's life,
-- which counts those new starts. Rows stored before were all of life 0.
-- Rejected messages keep only their first 64 KiB, with the whole payload's length and SHA-256;
-- rows stored before kept everything, so their own length and hash describe them.

ALTER TABLE crypto_metrics ADD COLUMN kafka_life INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rejected_quotes ADD COLUMN kafka_life INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kafka_offsets ADD COLUMN kafka_life INTEGER NOT NULL DEFAULT 0;

-- The old keys, found by their columns rather than by the names PostgreSQL gave them.
DO $$
DECLARE
  old_key record;
BEGIN
  FOR old_key IN
    SELECT c.conrelid::regclass AS table_name, c.conname
    FROM pg_constraint c
    WHERE c.contype = 'u'
      AND c.conrelid IN ('crypto_metrics'::regclass, 'rejected_quotes'::regclass)
      AND (SELECT array_agg(a.attname::text ORDER BY a.attname)
           FROM pg_attribute a
           WHERE a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey))
          = ARRAY['kafka_offset', 'kafka_partition', 'kafka_topic']
  LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', old_key.table_name, old_key.conname);
  END LOOP;
END
$$;

ALTER TABLE crypto_metrics ADD CONSTRAINT crypto_metrics_provenance
  UNIQUE (kafka_topic, kafka_partition, kafka_life, kafka_offset);
ALTER TABLE rejected_quotes ADD CONSTRAINT rejected_quotes_provenance
  UNIQUE (kafka_topic, kafka_partition, kafka_life, kafka_offset);

ALTER TABLE rejected_quotes ADD COLUMN payload_length BIGINT;
ALTER TABLE rejected_quotes ADD COLUMN payload_sha256 TEXT;
UPDATE rejected_quotes
  SET payload_length = octet_length(payload), payload_sha256 = encode(sha256(payload), 'hex');
ALTER TABLE rejected_quotes ALTER COLUMN payload_length SET NOT NULL;
ALTER TABLE rejected_quotes ALTER COLUMN payload_sha256 SET NOT NULL;
