/** The unit project runs without services: a connection to NATS', MariaDB's or Redis' port throws here. */
import { connect } from "node:net";
import { describe, expect, it } from "vitest";

describe("unit tests use no services", () => {
  it.each([4222, 3306, 6379])("refuses a connection to port %i", (port) => {
    expect(() => connect({ host: "127.0.0.1", port })).toThrow(`a unit test connected to port ${port}`);
  });

  it("lets other connections through (a test's own local server)", async () => {
    const socket = connect({ host: "127.0.0.1", port: 1 });
    const failure = await new Promise<NodeJS.ErrnoException>((resolve) => socket.once("error", resolve));
    expect(failure.code).toBe("ECONNREFUSED");
  });
});
