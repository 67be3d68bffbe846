/**
 * Prisma's own DDL for its bookkeeping table on MySQL, character for character
 * (prisma-engines `sql-schema-connector/src/flavour/mysql.rs`, `create_migrations_table`), so a
 * database migrated by modelbus is indistinguishable from one migrated by `prisma migrate deploy`.
 */
export const prismaMigrationsTableDdl = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             DATETIME(3),
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          DATETIME(3),
    started_at              DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    applied_steps_count     INTEGER UNSIGNED NOT NULL DEFAULT 0
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
`;
