-- The checkpoint of what PostgreSQL holds belongs to the spool, which keeps it in a file of its
-- own now (migrations/spool/); this store never used it. Files made before carry the table,
-- empty; new ones get it from 002 and lose it here.
DROP TABLE IF EXISTS postgres_checkpoint;
