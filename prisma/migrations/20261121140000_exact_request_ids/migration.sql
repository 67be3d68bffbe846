-- request_id compares byte for byte. Under the table's utf8mb4_unicode_ci, `ABC` and `abc`
-- (and `a` and `a `) were one request to the unique index while the claim key, SHA-256 of the
-- exact bytes, and every lookup in modelbus treat them as two: the second was never answered.
-- A binary string compares its bytes, trailing spaces included, on MariaDB and MySQL 8 alike
-- (no collation does so on both). 764 bytes hold the 191 characters of utf8mb4 the request
-- schema allows. This file first used MariaDB's utf8mb4_nopad_bin; databases that ran that
-- text reach the same column in 20261203090000_request_ids_as_bytes.
-- AlterTable
ALTER TABLE `inferences` MODIFY `request_id` VARBINARY(764) NOT NULL;
