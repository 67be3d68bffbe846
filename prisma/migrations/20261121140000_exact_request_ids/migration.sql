-- request_id compares byte for byte. Under the table's utf8mb4_unicode_ci, `ABC` and `abc`
-- (and `a` and `a `) were one request to the unique index while the claim key, SHA-256 of the
-- exact bytes, and every lookup in modelbus treat them as two: the second was never answered.
-- nopad: trailing spaces count too. Narrowing the comparison cannot create duplicates.
-- AlterTable
ALTER TABLE `inferences` MODIFY `request_id` VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL;
