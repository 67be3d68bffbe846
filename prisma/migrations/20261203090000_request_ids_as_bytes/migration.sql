-- Databases migrated before 20261121140000_exact_request_ids was rewritten hold request_id as
-- VARCHAR(191) with utf8mb4_nopad_bin (MariaDB only). The same byte-for-byte comparison as a
-- binary string, which MySQL 8 has too. No value changes (the bytes are the same utf8mb4);
-- on a database created since, the column already has this type.
-- AlterTable
ALTER TABLE `inferences` MODIFY `request_id` VARBINARY(764) NOT NULL;
