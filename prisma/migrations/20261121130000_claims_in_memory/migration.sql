-- Claims move out of `inferences` into a MEMORY table. A claim is a lease between live
-- processes: it keeps a second process from calling the model for a request one is already
-- working on. Its durability bought nothing (a claim lost is a redelivery, as a dead owner's
-- is) and cost a redo-log flush per request before the model was called; an `inferences`
-- row now exists only once a request is answered. See README, "Claims and idempotency".
-- The key is SHA-256 of the request_id (fixed 32 bytes: MEMORY rows are fixed-length, so a
-- VARCHAR(191) key would take 764 bytes a row).
CREATE TABLE `inference_claims` (
    `claim_key` BINARY(32) NOT NULL,
    `owner` VARCHAR(64) NOT NULL,
    `lease_until` DATETIME(3) NOT NULL,

    PRIMARY KEY (`claim_key`)
) ENGINE=MEMORY DEFAULT CHARACTER SET ascii COLLATE ascii_bin;

-- Rows still in flight are claims of deliveries JetStream has not seen acked: they come back
-- and are claimed afresh.
DELETE FROM `inferences` WHERE `state` <> 'completed';

-- AlterTable
ALTER TABLE `inferences` DROP COLUMN `state`, DROP COLUMN `lease_until`;
