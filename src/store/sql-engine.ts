import type { Connection } from "mariadb";
import { MigrationError } from "./migrations/migration-error.ts";

/**
 * The database servers modelbus supports, told apart by what `SELECT VERSION()` answers
 * (MariaDB says so in its version string: `10.11.19-MariaDB-0+deb12u1`; MySQL does not:
 * `8.4.3`). Every migration and statement is written for both (docs/persistence.md, "Engines");
 * this is the one place that knows which one it is talking to.
 */
export interface SqlEngine {
  readonly name: "MariaDB" | "MySQL";
  /** `major.minor.patch` as the server reports it. */
  readonly version: string;
}

/** The oldest supported version of each engine: MariaDB's oldest LTS still maintained, MySQL's first with the 8.0 SQL. */
export const minimumEngineVersions: Readonly<Record<SqlEngine["name"], readonly [number, number]>> = { MariaDB: [10, 6], MySQL: [8, 0] };

/** The engine behind a `SELECT VERSION()` answer. */
export function sqlEngineOf(versionText: string): SqlEngine {
  const version = /^\d+\.\d+\.\d+/.exec(versionText)?.[0] ?? versionText;
  return { name: /mariadb/i.test(versionText) ? "MariaDB" : "MySQL", version };
}

/** Why modelbus will not use this engine, or undefined when it is supported. */
export function unsupportedEngine(engine: SqlEngine): string | undefined {
  const [major = Number.NaN, minor = Number.NaN] = engine.version.split(".").map(Number);
  const [minimumMajor, minimumMinor] = minimumEngineVersions[engine.name];
  if (major > minimumMajor || (major === minimumMajor && minor >= minimumMinor)) return undefined;
  const supported = Object.entries(minimumEngineVersions)
    .map(([name, [atLeastMajor, atLeastMinor]]) => `${name} ${atLeastMajor}.${atLeastMinor} or newer`)
    .join(", ");
  return `${engine.name} ${engine.version} is not supported (modelbus runs on ${supported})`;
}

/** The server's engine, read on `connection`; refuses (E_MIGRATION_ENGINE_UNSUPPORTED) one modelbus does not support. */
export async function checkEngine(connection: Connection): Promise<SqlEngine> {
  const [row] = await connection.query<Array<{ version: string }>>("SELECT VERSION() AS version");
  const engine = sqlEngineOf(row?.version ?? "");
  const problem = unsupportedEngine(engine);
  if (problem !== undefined) throw new MigrationError({ code: "E_MIGRATION_ENGINE_UNSUPPORTED", message: problem });
  return engine;
}
