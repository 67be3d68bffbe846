/**
 * The migration runner against a real MariaDB: Prisma's `_prisma_migrations` bookkeeping,
 * idempotence, refusal of edited and failed migrations, and the named lock shared with Prisma.
 * Every test works in its own database, dropped afterwards.
 */
import { createHash, randomBytes } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDatabaseUrl } from "../../src/store/database-url.ts";
import { applyMigrations, migrationLockName } from "../../src/store/migrations/apply-migrations.ts";
import { MigrationError } from "../../src/store/migrations/migration-error.ts";
import { defaultMigrationsDir } from "../../src/store/migrations/migration-files.ts";
import { openMigrationConnection, type MigrationRow } from "../../src/store/migrations/migration-history.ts";
import { migrationStatus } from "../../src/store/migrations/migration-status.ts";
import { baseDatabaseUrl, createTestDatabase, queryTestDatabase, testDatabaseUrl, type TestDatabase } from "../support/test-database.ts";
import { localMigrationNames } from "../support/local-migration-names.ts";

/** The engine every applyMigrations result names: the test server is MariaDB. */
const engine = { name: "MariaDB", version: expect.stringMatching(/^\d+\.\d+\.\d+$/) };

const modelTables = ["agents", "conversations", "inference_claims", "inferences", "messages", "sessions"];

async function withDatabase(test: (database: TestDatabase) => Promise<void>): Promise<void> {
  const database = await createTestDatabase();
  try {
    await test(database);
  } finally {
    await database.drop();
  }
}

async function withTemporaryDir(test: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "modelbus-migrations-"));
  try {
    await test(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** SHA-256 of the file's bytes, computed here independently of the runner's own function. */
async function fileChecksum(path: string): Promise<string> {
  return createHash("sha256")
    .update(await readFile(path))
    .digest("hex");
}

function migrationRows(url: string): Promise<MigrationRow[]> {
  return queryTestDatabase<MigrationRow>(url, "SELECT * FROM _prisma_migrations ORDER BY started_at, migration_name");
}

async function tableNames(url: string, database: string): Promise<string[]> {
  const rows = await queryTestDatabase<{ name: string }>(url, "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", [database]);
  return rows.map((row) => row.name).sort();
}

async function rejection(promise: Promise<unknown>): Promise<MigrationError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(MigrationError);
  return error as MigrationError;
}

async function writeMigration(dir: string, name: string, script: string): Promise<void> {
  await mkdir(join(dir, name), { recursive: true });
  await writeFile(join(dir, name, "migration.sql"), script);
}

describe("applyMigrations", () => {
  it("migrates an empty database and records one finished row whose checksum is the file's SHA-256", async () => {
    await withDatabase(async (database) => {
      const names = await localMigrationNames();
      expect(names.length).toBeGreaterThan(0);

      const result = await applyMigrations({ databaseUrl: database.url });

      expect(result).toEqual({ engine, applied: names, alreadyApplied: [] });
      expect(await tableNames(database.url, database.name)).toEqual(["_prisma_migrations", ...modelTables]);
      const rows = await migrationRows(database.url);
      expect(rows).toHaveLength(names.length);
      for (const [index, row] of rows.entries()) {
        const name = names[index] as string;
        expect(row.migration_name).toBe(name);
        expect(row.checksum).toBe(await fileChecksum(join(defaultMigrationsDir, name, "migration.sql")));
        expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(row.finished_at).not.toBeNull();
        expect(row.rolled_back_at).toBeNull();
        expect(row.logs).toBeNull();
        expect(Number(row.applied_steps_count)).toBe(1);
        expect((row.finished_at ?? new Date(0)) >= row.started_at).toBe(true);
      }
      const status = await migrationStatus({ databaseUrl: database.url });
      expect(status).toMatchObject({ hasMigrationsTable: true, applied: names, unapplied: [], failed: [], edited: [], upToDate: true });
    });
  });

  it("creates _prisma_migrations exactly as Prisma's MySQL DDL does", async () => {
    await withDatabase(async (database) => {
      await applyMigrations({ databaseUrl: database.url });
      const columns = await queryTestDatabase<Record<string, string | null>>(
        database.url,
        `SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, COLUMN_KEY, COLLATION_NAME
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = '_prisma_migrations' ORDER BY ORDINAL_POSITION`,
        [database.name],
      );
      expect(columns.map((column) => [column.COLUMN_NAME, column.COLUMN_TYPE, column.IS_NULLABLE, column.COLUMN_KEY])).toEqual([
        ["id", "varchar(36)", "NO", "PRI"],
        ["checksum", "varchar(64)", "NO", ""],
        ["finished_at", "datetime(3)", "YES", ""],
        ["migration_name", "varchar(255)", "NO", ""],
        ["logs", "text", "YES", ""],
        ["rolled_back_at", "datetime(3)", "YES", ""],
        ["started_at", "datetime(3)", "NO", ""],
        ["applied_steps_count", "int(10) unsigned", "NO", ""],
      ]);
      expect(columns.find((column) => column.COLUMN_NAME === "started_at")?.COLUMN_DEFAULT).toBe("current_timestamp(3)");
      expect(columns.find((column) => column.COLUMN_NAME === "applied_steps_count")?.COLUMN_DEFAULT).toBe("0");
      const textColumns = columns.filter((column) => column.COLLATION_NAME !== null);
      expect(new Set(textColumns.map((column) => column.COLLATION_NAME))).toEqual(new Set(["utf8mb4_unicode_ci"]));
    });
  });

  it("is a no-op the second time", async () => {
    await withDatabase(async (database) => {
      const names = await localMigrationNames();
      await applyMigrations({ databaseUrl: database.url });
      const before = await migrationRows(database.url);

      const second = await applyMigrations({ databaseUrl: database.url });

      expect(second).toEqual({ engine, applied: [], alreadyApplied: names });
      expect(await migrationRows(database.url)).toEqual(before);
    });
  });

  it("creates a missing database with utf8mb4_unicode_ci", async () => {
    const name = `modelbus_test_${randomBytes(6).toString("hex")}`;
    const url = testDatabaseUrl(name);
    try {
      expect((await migrationStatus({ databaseUrl: url })).databaseExists).toBe(false);
      await applyMigrations({ databaseUrl: url });
      const schemas = await queryTestDatabase<{ charset: string; collation: string }>(
        baseDatabaseUrl,
        "SELECT DEFAULT_CHARACTER_SET_NAME AS charset, DEFAULT_COLLATION_NAME AS collation FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
        [name],
      );
      expect(schemas).toEqual([{ charset: "utf8mb4", collation: "utf8mb4_unicode_ci" }]);
    } finally {
      await queryTestDatabase(baseDatabaseUrl, `DROP DATABASE IF EXISTS \`${name}\``);
    }
  });

  it("refuses an applied migration whose file changed, naming it and both checksums", async () => {
    await withDatabase(async (database) => {
      await withTemporaryDir(async (dir) => {
        await cp(defaultMigrationsDir, dir, { recursive: true });
        const [name] = await localMigrationNames(dir);
        const path = join(dir, name as string, "migration.sql");
        await applyMigrations({ databaseUrl: database.url, migrationsDir: dir });
        const recorded = await fileChecksum(path);

        await writeFile(path, `${await readFile(path, "utf8")}\n-- edited after it was applied\n`);
        const edited = await fileChecksum(path);
        const error = await rejection(applyMigrations({ databaseUrl: database.url, migrationsDir: dir }));

        expect(error.code).toBe("E_MIGRATION_CHECKSUM");
        expect(error.migrationName).toBe(name);
        expect(error.message).toContain(name as string);
        expect(error.message).toContain(recorded);
        expect(error.message).toContain(edited);
        expect((await migrationStatus({ databaseUrl: database.url, migrationsDir: dir })).edited).toEqual([name]);
        expect(await migrationRows(database.url)).toHaveLength((await localMigrationNames(dir)).length);
      });
    });
  });

  it("accepts an applied migration whose only change is CRLF line endings, as Prisma does", async () => {
    await withDatabase(async (database) => {
      await withTemporaryDir(async (dir) => {
        await cp(defaultMigrationsDir, dir, { recursive: true });
        const [name] = await localMigrationNames(dir);
        const path = join(dir, name as string, "migration.sql");
        await applyMigrations({ databaseUrl: database.url, migrationsDir: dir });

        await writeFile(path, (await readFile(path, "utf8")).replaceAll("\n", "\r\n"));

        expect(await applyMigrations({ databaseUrl: database.url, migrationsDir: dir })).toEqual({
          engine,
          applied: [],
          alreadyApplied: await localMigrationNames(dir),
        });
        expect((await migrationStatus({ databaseUrl: database.url, migrationsDir: dir })).edited).toEqual([]);
      });
    });
  });

  it("accepts a rewritten migration's first text, and the migration after it brings that database to the same schema", async () => {
    await withDatabase(async (database) => {
      await withTemporaryDir(async (dir) => {
        // A database migrated before 20261121140000_exact_request_ids was rewritten (MariaDB-only collation).
        const rewritten = "20261121140000_exact_request_ids";
        const converging = "20261203090000_request_ids_as_bytes";
        await cp(defaultMigrationsDir, dir, { recursive: true });
        await rm(join(dir, converging), { recursive: true });
        const firstText = await readFile(new URL("../fixtures/migrations/20261121140000_exact_request_ids.first-text.sql", import.meta.url), "utf8");
        await writeFile(join(dir, rewritten, "migration.sql"), firstText);
        await applyMigrations({ databaseUrl: database.url, migrationsDir: dir });
        const column = () =>
          queryTestDatabase<{ type: string }>(
            database.url,
            "SELECT COLUMN_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'inferences' AND COLUMN_NAME = 'request_id'",
          );
        expect(await column()).toEqual([{ type: "varchar(191)" }]);

        const result = await applyMigrations({ databaseUrl: database.url });
        expect(result.applied).toEqual([converging]);
        expect(await column()).toEqual([{ type: "varbinary(764)" }]);
        expect(await migrationStatus({ databaseUrl: database.url })).toMatchObject({ edited: [], upToDate: true });

        // The first text as a CRLF checkout applied it is recognised too.
        const crlf = await createTestDatabase();
        try {
          await writeFile(join(dir, rewritten, "migration.sql"), firstText.replaceAll("\n", "\r\n"));
          await applyMigrations({ databaseUrl: crlf.url, migrationsDir: dir });
          expect((await applyMigrations({ databaseUrl: crlf.url })).applied).toEqual([converging]);
        } finally {
          await crlf.drop();
        }

        // Only the recorded first text is accepted: any other edit is still refused.
        await writeFile(join(dir, rewritten, "migration.sql"), `${firstText}-- edited\n`);
        const other = await createTestDatabase();
        try {
          await applyMigrations({ databaseUrl: other.url, migrationsDir: dir });
          expect((await rejection(applyMigrations({ databaseUrl: other.url }))).code).toBe("E_MIGRATION_CHECKSUM");
        } finally {
          await other.drop();
        }
      });
    });
  });

  it("records a failed migration, refuses the next run, and applies it again once marked rolled back", async () => {
    await withDatabase(async (database) => {
      await withTemporaryDir(async (dir) => {
        await writeFile(join(dir, "migration_lock.toml"), 'provider = "mysql"\n');
        // The question mark checks that scripts are sent verbatim, not parsed for placeholders.
        await writeMigration(dir, "20260101000000_first", "-- Why? To have something before the failure.\nCREATE TABLE `first` (`id` INTEGER NOT NULL);\n");
        await writeMigration(dir, "20260102000000_broken", "CREATE TABLE `second` (`id` INTEGER NOT NULL);\nCREAT TABLE `third` (`id` INTEGER);\n");

        const failure = await rejection(applyMigrations({ databaseUrl: database.url, migrationsDir: dir }));

        expect(failure.code).toBe("E_MIGRATION_FAILED");
        expect(failure.migrationName).toBe("20260102000000_broken");
        const rows = await migrationRows(database.url);
        expect(rows.map((row) => [row.migration_name, row.finished_at !== null, Number(row.applied_steps_count)])).toEqual([
          ["20260101000000_first", true, 1],
          ["20260102000000_broken", false, 0],
        ]);
        const broken = rows[1] as MigrationRow;
        expect(broken.rolled_back_at).toBeNull();
        expect(broken.logs).toContain("Migration name: 20260102000000_broken");
        expect(broken.logs).toContain("Database error code: 1064");
        expect(broken.logs).toContain("CREAT TABLE");
        // MySQL commits DDL statement by statement: the statement before the error stays applied.
        expect(await tableNames(database.url, database.name)).toEqual(["_prisma_migrations", "first", "second"]);

        const refusal = await rejection(applyMigrations({ databaseUrl: database.url, migrationsDir: dir }));
        expect(refusal.code).toBe("E_MIGRATION_FAILED");
        expect(refusal.message).toContain("failed migrations");
        expect(refusal.message).toContain("20260102000000_broken");
        expect(refusal.message).toContain('prisma migrate resolve --rolled-back "20260102000000_broken"');
        expect((await migrationStatus({ databaseUrl: database.url, migrationsDir: dir })).failed).toEqual(["20260102000000_broken"]);
        expect(await migrationRows(database.url)).toHaveLength(2);

        // What an operator does: undo the partial change, fix the script, mark the row rolled back.
        await queryTestDatabase(database.url, "DROP TABLE `second`");
        await writeMigration(dir, "20260102000000_broken", "CREATE TABLE `second` (`id` INTEGER NOT NULL);\nCREATE TABLE `third` (`id` INTEGER);\n");
        await queryTestDatabase(database.url, "UPDATE _prisma_migrations SET rolled_back_at = CURRENT_TIMESTAMP(3) WHERE id = ?", [broken.id]);

        const retried = await applyMigrations({ databaseUrl: database.url, migrationsDir: dir });

        expect(retried).toEqual({ engine, applied: ["20260102000000_broken"], alreadyApplied: ["20260101000000_first"] });
        const after = await migrationRows(database.url);
        expect(after).toHaveLength(3);
        expect(after.filter((row) => row.migration_name === "20260102000000_broken" && row.finished_at !== null)).toHaveLength(1);
        expect((await migrationStatus({ databaseUrl: database.url, migrationsDir: dir })).upToDate).toBe(true);
      });
    });
  });

  it("refuses a database that has tables but no migration history", async () => {
    await withDatabase(async (database) => {
      await queryTestDatabase(database.url, "CREATE TABLE `legacy` (`id` INTEGER NOT NULL)");

      const error = await rejection(applyMigrations({ databaseUrl: database.url }));

      expect(error.code).toBe("E_MIGRATION_INVALID");
      expect(error.message).toContain("legacy");
      expect(await tableNames(database.url, database.name)).toEqual(["legacy"]);
    });
  });

  it("refuses a migrations folder locked to another provider", async () => {
    await withDatabase(async (database) => {
      await withTemporaryDir(async (dir) => {
        await writeFile(join(dir, "migration_lock.toml"), '# Please do not edit this file manually\nprovider = "postgresql"\n');
        await writeMigration(dir, "20260101000000_first", "CREATE TABLE `first` (`id` INTEGER NOT NULL);\n");

        const error = await rejection(applyMigrations({ databaseUrl: database.url, migrationsDir: dir }));

        expect(error.code).toBe("E_MIGRATION_INVALID");
        expect(error.message).toContain("postgresql");
      });
    });
  });
});

describe("the migration lock", () => {
  it("lets two concurrent runners on one new database both succeed, with only one applying", async () => {
    const name = `modelbus_test_${randomBytes(6).toString("hex")}`;
    const url = testDatabaseUrl(name);
    try {
      const names = await localMigrationNames();

      const results = await Promise.all([applyMigrations({ databaseUrl: url }), applyMigrations({ databaseUrl: url })]);

      const appliers = results.filter((result) => result.applied.length > 0);
      expect(appliers).toEqual([{ engine, applied: names, alreadyApplied: [] }]);
      expect(results.filter((result) => result.applied.length === 0)).toEqual([{ engine, applied: [], alreadyApplied: names }]);
      expect(await migrationRows(url)).toHaveLength(names.length);
    } finally {
      await queryTestDatabase(baseDatabaseUrl, `DROP DATABASE IF EXISTS \`${name}\``);
    }
  });

  it("is Prisma's named lock: the runner waits while another session holds it, and gives up after its timeout", async () => {
    await withDatabase(async (database) => {
      const holder = await openMigrationConnection(parseDatabaseUrl(baseDatabaseUrl));
      try {
        expect(migrationLockName).toBe("prisma_migrate");
        // Another test file may be migrating right now; the lock is server-wide.
        const [held] = await holder.query<Array<{ got: number }>>("SELECT GET_LOCK(?, 30) AS got", [migrationLockName]);
        expect(Number(held?.got)).toBe(1);

        const timedOut = await rejection(applyMigrations({ databaseUrl: database.url, lockTimeoutSeconds: 1 }));
        expect(timedOut.code).toBe("E_MIGRATION_LOCK_TIMEOUT");
        expect(await tableNames(database.url, database.name)).toEqual([]);

        const waiting = applyMigrations({ databaseUrl: database.url });
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(await tableNames(database.url, database.name)).toEqual([]);

        await holder.query("SELECT RELEASE_LOCK(?)", [migrationLockName]);
        expect((await waiting).applied).toEqual(await localMigrationNames());
      } finally {
        await holder.end();
      }
    });
  });
});
