-- DropIndex
DROP INDEX `inferences_created_at_idx` ON `inferences`;

-- DropIndex
DROP INDEX `inferences_state_lease_until_idx` ON `inferences`;
