import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.ts";
import { natsConnectionOptions } from "../../src/transports/nats/connect-nats.ts";

const config = (nats: Record<string, unknown> = {}) => parseConfig({ nats, model_registry: { endpoints: { e: { provider: "mock", model: "m" } } } }).nats;

const creds = `-----BEGIN NATS USER JWT-----
eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJURVNUIn0.c2ln
------END NATS USER JWT------

-----BEGIN USER NKEY SEED-----
SUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4
------END USER NKEY SEED------
`;

describe("NATS connection options", () => {
  it("takes servers from the URL list and reconnects forever", () => {
    const options = natsConnectionOptions("nats://a:4222,nats://b:4222", config(), {});
    expect(options.servers).toEqual(["nats://a:4222", "nats://b:4222"]);
    expect(options.maxReconnectAttempts).toBe(-1);
    expect(options.token).toBeUndefined();
    expect(options.authenticator).toBeUndefined();
    expect(options.noAsyncTraces).toBe(true); // no Error objects built per request in case it fails
  });

  it("reads a token from the env var the config names", () => {
    expect(natsConnectionOptions("nats://x", config(), { NATS_TOKEN: "s3cret" }).token).toBe("s3cret");
    expect(natsConnectionOptions("nats://x", config({ token_env: "MY_TOKEN" }), { MY_TOKEN: "other" }).token).toBe("other");
  });

  it("uses a creds file named by env, and TLS files from the config", () => {
    const path = join(mkdtempSync(join(tmpdir(), "creds-")), "user.creds");
    writeFileSync(path, creds);
    const options = natsConnectionOptions("nats://x", config({ tls: { ca_file: "/ca.pem", cert_file: "/c.pem", key_file: "/k.pem" } }), {
      NATS_CREDS_FILE: path,
    });
    expect(typeof options.authenticator).toBe("function");
    expect(options.tls).toEqual({ caFile: "/ca.pem", certFile: "/c.pem", keyFile: "/k.pem" });
  });
});
