-- An agent's own budget (tokens and cost per rolling window), set through the agent catalog;
-- it wins over `budgets.agents.<key>` of the config. NULL: the config's, if any.
-- AlterTable
ALTER TABLE `agents` ADD COLUMN `budget` JSON NULL;
