import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

/** One span as an OTLP receiver decoded it: ids in hex, attributes as plain values. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** "" for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly events: ReadonlyArray<{ readonly name: string; readonly attributes: Readonly<Record<string, unknown>> }>;
  /** OTLP's StatusCode: 0 unset, 1 ok, 2 error. */
  readonly status: number;
  readonly resource: Readonly<Record<string, unknown>>;
}

export const otlpKind = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

const protoRoot = fileURLToPath(new URL("../fixtures/opentelemetry-proto/", import.meta.url));

/** The official OTLP protocol definitions (test/fixtures/opentelemetry-proto/SOURCE.md), loaded once. */
async function exportRequestType(): Promise<protobuf.Type> {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (target.startsWith("/") ? target : `${protoRoot}${target}`);
  await root.load("opentelemetry/proto/collector/trace/v1/trace_service.proto", { keepCase: false });
  return root.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest");
}

type AnyValue = { stringValue?: string; boolValue?: boolean; intValue?: unknown; doubleValue?: number; arrayValue?: { values?: AnyValue[] } };
type KeyValue = { key: string; value?: AnyValue };

function plain(value: AnyValue | undefined): unknown {
  if (value === undefined) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(plain);
  return undefined;
}

const attributesOf = (list: KeyValue[] | undefined) => Object.fromEntries((list ?? []).map((entry) => [entry.key, plain(entry.value)]));
const hex = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString("hex");

/**
 * An OTLP/HTTP trace receiver: POST /v1/traces with an `application/x-protobuf` body, decoded
 * with the OTLP .proto files as a Collector decodes it (not a string match), answered with an
 * empty ExportTraceServiceResponse. Anything else is a 415 or 404, which the exporter would log.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** Bodies that did not decode: a test asserting on spans also asserts this stays empty. */
  readonly rejected: string[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<OtlpReceiver> {
    const type = await exportRequestType();
    let receiver: OtlpReceiver | undefined;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        if (request.method !== "POST" || request.url !== "/v1/traces") return void response.writeHead(404).end();
        if (request.headers["content-type"] !== "application/x-protobuf") {
          receiver?.rejected.push(`content-type ${request.headers["content-type"]}`);
          return void response.writeHead(415).end();
        }
        try {
          receiver?.accept(type.toObject(type.decode(Buffer.concat(chunks)), { longs: String, bytes: Array }) as ExportRequest);
        } catch (error) {
          receiver?.rejected.push((error as Error).message);
          return void response.writeHead(400).end();
        }
        response.writeHead(200, { "content-type": "application/x-protobuf" }).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    receiver = new OtlpReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return receiver;
  }

  private accept(body: ExportRequest): void {
    for (const resourceSpans of body.resourceSpans ?? []) {
      const resource = attributesOf(resourceSpans.resource?.attributes);
      for (const scope of resourceSpans.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          this.spans.push({
            traceId: hex(span.traceId ? Uint8Array.from(span.traceId) : undefined),
            spanId: hex(span.spanId ? Uint8Array.from(span.spanId) : undefined),
            parentSpanId: hex(span.parentSpanId ? Uint8Array.from(span.parentSpanId) : undefined),
            name: span.name ?? "",
            kind: span.kind ?? 0,
            attributes: attributesOf(span.attributes),
            events: (span.events ?? []).map((event) => ({ name: event.name ?? "", attributes: attributesOf(event.attributes) })),
            status: span.status?.code ?? 0,
            resource,
          });
        }
      }
    }
  }

  /** The spans of one trace. */
  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((span) => span.traceId === traceId);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

interface ExportRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: Array<{
      spans?: Array<{
        traceId?: number[];
        spanId?: number[];
        parentSpanId?: number[];
        name?: string;
        kind?: number;
        attributes?: KeyValue[];
        events?: Array<{ name?: string; attributes?: KeyValue[] }>;
        status?: { code?: number };
      }>;
    }>;
  }>;
}
