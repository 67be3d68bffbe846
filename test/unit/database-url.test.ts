import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { connectionOptions, parseDatabaseUrl } from "../../src/store/database-url.ts";

const refusal = (url: string) => {
  try {
    parseDatabaseUrl(url);
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error(`${url} was accepted`);
};

describe("DATABASE_URL", () => {
  it("reads server, account, database and pool size, with MySQL's defaults", () => {
    expect(parseDatabaseUrl("mysql://db.internal/modelbus")).toEqual({
      host: "db.internal",
      port: 3306,
      user: "root",
      password: undefined,
      database: "modelbus",
      connectionLimit: undefined,
      tls: undefined,
      allowPublicKeyRetrieval: false,
    });
    expect(parseDatabaseUrl("mariadb://app:p%40ss@[::1]:3307/mb?connection_limit=4")).toMatchObject({
      host: "::1",
      port: 3307,
      user: "app",
      password: "p@ss",
      connectionLimit: 4,
    });
  });

  it("refuses what it would otherwise ignore, without showing the password", () => {
    const unknown = refusal("mysql://app:secret@db/mb?ssl=true");
    expect(unknown).toMatchObject({ code: "E_CONFIG_INVALID", message: expect.stringContaining("unsupported parameters: ssl") });
    expect(unknown.message).not.toContain("secret");
    expect(refusal("postgres://db/mb").message).toContain("protocol must be mysql: or mariadb:");
    expect(refusal("mysql://db/mb?connection_limit=0").message).toContain("connection_limit is not a positive integer");
    expect(refusal("mysql://db/mb?sslaccept=maybe").message).toContain("sslaccept must be strict or accept_invalid_certs");
    expect(refusal("mysql://db/mb?sslaccept=accept_invalid_certs&sslcert=/ca.pem").message).toContain("sslcert names a CA");
    expect(refusal("mysql://db/mb?allowPublicKeyRetrieval=yes").message).toContain("allowPublicKeyRetrieval must be true or false");
  });

  it("turns TLS and key retrieval into the driver's options, reading the CA file", () => {
    expect(connectionOptions(parseDatabaseUrl("mysql://app:pw@db:3306/mb"))).toEqual({ host: "db", port: 3306, user: "app", password: "pw", database: "mb" });
    expect(connectionOptions(parseDatabaseUrl("mysql://db/mb?sslaccept=strict")).ssl).toEqual({ rejectUnauthorized: true });
    expect(connectionOptions(parseDatabaseUrl("mysql://db/mb?sslaccept=accept_invalid_certs")).ssl).toEqual({ rejectUnauthorized: false });
    expect(connectionOptions(parseDatabaseUrl("mysql://db/mb?allowPublicKeyRetrieval=true")).allowPublicKeyRetrieval).toBe(true);
    const ca = join(mkdtempSync(join(tmpdir(), "modelbus-ca-")), "ca.pem");
    writeFileSync(ca, "-----BEGIN CERTIFICATE-----\nMII…\n-----END CERTIFICATE-----\n");
    expect(connectionOptions(parseDatabaseUrl(`mysql://db/mb?sslcert=${encodeURIComponent(ca)}`)).ssl).toEqual({
      rejectUnauthorized: true,
      ca: expect.stringContaining("BEGIN CERTIFICATE"),
    });
    expect(() => connectionOptions(parseDatabaseUrl("mysql://db/mb?sslcert=/no/such/ca.pem"))).toThrow(
      /cannot read the database CA certificate \/no\/such\/ca\.pem/,
    );
  });
});
