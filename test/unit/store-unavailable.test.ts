import { describe, expect, it } from "vitest";
import { ModelbusError } from "../../src/core/modelbus-error.ts";
import { storeUnavailable } from "../../src/store/store-unavailable.ts";

describe("storeUnavailable", () => {
  it("keeps the server's message of a driver error and drops the statement and its values", () => {
    // The shape of mariadb's SqlError: the message goes on with the SQL and the bound values.
    const error = Object.assign(
      new Error(
        "(conn:12, no: 1114, SQLState: HY000) The table 'inference_claims' is full\nsql: INSERT IGNORE INTO inference_claims … - parameters:['secret prompt text']",
      ),
      { sqlMessage: "The table 'inference_claims' is full", errno: 1114 },
    );
    const failure = storeUnavailable(error, "begin");
    expect(failure).toMatchObject({ code: "E_STORE_UNAVAILABLE", message: "store begin failed: The table 'inference_claims' is full" });
    expect(failure.message).not.toContain("secret");
    expect(failure.cause).toBe(error);
  });

  it("keeps the last line of other errors, and passes a ModelbusError through", () => {
    expect(storeUnavailable(new Error("Invalid invocation:\n\nCan't reach database server"), "complete").message).toBe(
      "store complete failed: Can't reach database server",
    );
    const already = new ModelbusError({ code: "E_STORE_UNAVAILABLE", message: "migrations have not been applied yet" });
    expect(storeUnavailable(already, "begin")).toBe(already);
  });
});
