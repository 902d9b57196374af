-- Used by the spool in front of PostgreSQL; the SQLite store leaves it empty. What PostgreSQL
-- held when last seen (each pair's latest metrics and recent mid prices, each partition's next
-- offset) as one JSON document, so that a start while PostgreSQL is down continues every pair's
-- metrics.
CREATE TABLE postgres_checkpoint (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  state TEXT NOT NULL,
  saved_at TEXT NOT NULL
) STRICT;
