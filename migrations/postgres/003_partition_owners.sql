-- Which instance writes each partition. An instance claims its partitions whenever the group
-- assigns them (the epoch goes up by one), and every batch it writes checks, in its own
-- transaction, that its claims still stand: an instance that lost a partition without knowing it
-- yet (paused past the group's session timeout) writes nothing over its new owner's rows.
CREATE TABLE partition_owners (
  kafka_topic TEXT NOT NULL,
  kafka_partition INTEGER NOT NULL,
  owner TEXT NOT NULL,
  epoch BIGINT NOT NULL,
  claimed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (kafka_topic, kafka_partition)
);
