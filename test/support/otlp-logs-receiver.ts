import type * as grpc from '@grpc/grpc-js';
import { attributesOf, serveOtlpExport, type AnyValue, type KeyValue } from './otlp-export-server';

/** One log record as the receiver decoded it from the wire. */
export interface ReceivedLogRecord {
  /** service.name of the resource that sent it. */
  readonly service: string;
  /** All the attributes of that resource, as plain strings. */
  readonly resource: Readonly<Record<string, string>>;
  /** The instrumentation scope's name (the logger's). */
  readonly scope: string;
  readonly severityNumber: number;
  readonly severityText: string;
  /** The body, when it is a string (ours always are). */
  readonly body: string;
  /** Attribute values as plain strings. */
  readonly attributes: Readonly<Record<string, string>>;
  /** Lower-case hex; '' when the record has none. */
  readonly traceId: string;
  readonly spanId: string;
  readonly timeUnixNano: bigint;
}

interface LogRecord {
  timeUnixNano?: string;
  severityNumber?: number;
  severityText?: string;
  body?: AnyValue;
  attributes?: KeyValue[];
  traceId?: Buffer;
  spanId?: Buffer;
}
interface ExportRequest {
  resourceLogs?: { resource?: { attributes?: KeyValue[] }; scopeLogs?: { scope?: { name?: string }; logRecords?: LogRecord[] }[] }[];
}

/**
 * A real OTLP/gRPC logs receiver for tests: it decodes each LogsService/Export from the wire
 * protobuf (as the OpenTelemetry Collector's receiver would) and keeps every record.
 */
export class OtlpLogsReceiver {
  readonly records: ReceivedLogRecord[] = [];
  /** Export calls received. */
  exports = 0;
  /** The number of records in each Export call, in order. */
  readonly exportSizes: number[] = [];
  /** Answers held back while stalled (see stall()). */
  private held: (() => void)[] | undefined;

  private constructor(
    private readonly server: grpc.Server,
    readonly port: number,
  ) {}

  static async start(): Promise<OtlpLogsReceiver> {
    let receiver: OtlpLogsReceiver | undefined;
    const { server, port } = await serveOtlpExport<ExportRequest>('logs-service.proto', 'opentelemetry.proto.collector.logs.v1.LogsService', Number, (request, answer) => {
      receiver?.take(request);
      if (receiver?.held) receiver.held.push(answer);
      else answer();
    });
    receiver = new OtlpLogsReceiver(server, port);
    return receiver;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * A slow backend: from now on, each Export is taken but not answered until the returned release
   * is called, so the exporter waits (and sends no other batch) as it would on a stalled collector.
   */
  stall(): () => void {
    this.held = [];
    return () => {
      const answers = this.held ?? [];
      this.held = undefined;
      for (const answer of answers) answer();
    };
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
  }

  private take(request: ExportRequest): void {
    this.exports++;
    const before = this.records.length;
    for (const resource of request.resourceLogs ?? []) {
      const resourceAttributes = attributesOf(resource.resource?.attributes);
      for (const scope of resource.scopeLogs ?? []) {
        for (const record of scope.logRecords ?? []) this.records.push(recordOf(resourceAttributes, scope.scope?.name ?? '', record));
      }
    }
    this.exportSizes.push(this.records.length - before);
  }
}

function recordOf(resource: Record<string, string>, scope: string, record: LogRecord): ReceivedLogRecord {
  return {
    service: resource['service.name'] ?? '',
    resource,
    scope,
    severityNumber: record.severityNumber ?? 0,
    severityText: record.severityText ?? '',
    body: record.body?.stringValue ?? '',
    attributes: attributesOf(record.attributes),
    traceId: record.traceId?.toString('hex') ?? '',
    spanId: record.spanId?.toString('hex') ?? '',
    timeUnixNano: BigInt(record.timeUnixNano ?? 0),
  };
}
