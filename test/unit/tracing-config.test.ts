import { describe, expect, it } from "vitest";
import { tracingExporterFrom } from "../../src/observability/tracing.ts";

describe("tracing from OTEL_* environment variables", () => {
  it("is off by default, and when disabled or told none", () => {
    expect(tracingExporterFrom({})).toBeUndefined();
    expect(tracingExporterFrom({ OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toBeUndefined();
    expect(tracingExporterFrom({ OTEL_SDK_DISABLED: "true", OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toBeUndefined();
  });

  it("exports OTLP over HTTP protobuf to the endpoint named, /v1/traces appended to the general one", () => {
    expect(tracingExporterFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" })).toEqual({
      kind: "otlp",
      protocol: "http/protobuf",
      url: "http://collector:4318/v1/traces",
    });
    expect(tracingExporterFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://a:4318", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://b:9999/custom" })).toEqual({
      kind: "otlp",
      protocol: "http/protobuf",
      url: "http://b:9999/custom",
    });
    expect(tracingExporterFrom({ OTEL_TRACES_EXPORTER: "otlp" })).toEqual({ kind: "otlp", protocol: "http/protobuf", url: "http://localhost:4318/v1/traces" });
    expect(tracingExporterFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" })).toMatchObject({
      protocol: "http/json",
    });
    expect(tracingExporterFrom({ OTEL_TRACES_EXPORTER: "console" })).toEqual({ kind: "console" });
  });

  it("refuses what it cannot do with E_CONFIG_INVALID", () => {
    expect(() => tracingExporterFrom({ OTEL_TRACES_EXPORTER: "zipkin" })).toThrow(expect.objectContaining({ code: "E_CONFIG_INVALID" }));
    expect(() => tracingExporterFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4317", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toThrow(/OTLP over HTTP/);
  });
});
