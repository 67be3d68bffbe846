-- A claim names the delivery that made it: the JetStream message (`<stream>:<sequence>`) and
-- its delivery count. When the same message comes back (a nak after a write whose reply was
-- lost, an ack wait that passed, a replica that died), the redelivery sees the claim is its
-- message's, made by an earlier delivery JetStream has given up on, and takes it over at once
-- instead of waiting out the lease. Requests from the HTTP door leave both empty.
-- AlterTable
ALTER TABLE `inference_claims` ADD COLUMN `source` VARCHAR(96) NULL, ADD COLUMN `attempt` INT UNSIGNED NOT NULL DEFAULT 0;
