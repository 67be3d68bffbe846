import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/config-schema.ts";
import { environmentDefaults } from "../../src/config/load-config.ts";
import { errorCodeList } from "../../src/core/error-codes.ts";
import { createMetrics } from "../../src/observability/metrics.ts";
import { listConfigKeys } from "../support/list-config-keys.ts";
import { docTableKeys } from "../support/doc-table.ts";

const sorted = (values: Iterable<string>) => [...values].sort();

describe("docs stay in step with the code", () => {
  it("documents every config key, and no key that does not exist", () => {
    expect(sorted(docTableKeys("docs/configuration.md", "Config keys"))).toEqual(sorted(listConfigKeys(configSchema)));
  });

  it("documents every environment variable modelbus reads", () => {
    const documented = docTableKeys("docs/configuration.md", "Environment");
    for (const name of Object.keys(environmentDefaults)) expect(documented).toContain(name);
  });

  it("lists every metric, and no metric that does not exist", async () => {
    const metrics = createMetrics({ defaultMetrics: false, semstreams: true });
    const names = (await metrics.registry.getMetricsAsJSON()).map((metric) => metric.name);
    expect(sorted(docTableKeys("docs/operations.md", "Metrics"))).toEqual(sorted(names));
  });

  it("lists every error code, and no code that does not exist", () => {
    expect(sorted(docTableKeys("docs/operations.md", "Error codes"))).toEqual(sorted(errorCodeList));
  });
});
