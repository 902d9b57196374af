-- The claim (epoch in PostgreSQL's partition_owners) under which each row was spooled, NULL
-- where its batch held none (PostgreSQL was down when its partition was assigned). A replay
-- holds each row to its claim: rows of a partition claimed since by another instance are
-- dropped, for the new owner to store, instead of written over its rows.
ALTER TABLE crypto_metrics ADD COLUMN claim_epoch INTEGER;
ALTER TABLE rejected_quotes ADD COLUMN claim_epoch INTEGER;
