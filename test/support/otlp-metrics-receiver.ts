import type * as grpc from '@grpc/grpc-js';
import { attributesOf, serveOtlpExport, type KeyValue } from './otlp-export-server';

/** One data point as the receiver decoded it: its attributes as plain strings, its value or histogram count. */
export interface ReceivedPoint {
  /** service.name of the resource that sent it. */
  readonly service: string;
  /** All the attributes of that resource, as plain strings. */
  readonly resource: Readonly<Record<string, string>>;
  readonly metric: string;
  readonly unit: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** A sum's or gauge's value. */
  readonly value?: number;
  /** A histogram's count and sum. */
  readonly count?: number;
  readonly sum?: number;
}

interface NumberPoint {
  attributes?: KeyValue[];
  asDouble?: number;
  asInt?: string;
}
interface HistogramPoint {
  attributes?: KeyValue[];
  count?: string;
  sum?: number;
}
interface Metric {
  name: string;
  unit: string;
  sum?: { dataPoints?: NumberPoint[] };
  gauge?: { dataPoints?: NumberPoint[] };
  histogram?: { dataPoints?: HistogramPoint[] };
}
interface ExportRequest {
  resourceMetrics?: { resource?: { attributes?: KeyValue[] }; scopeMetrics?: { metrics?: Metric[] }[] }[];
}

/**
 * A real OTLP/gRPC metrics receiver for tests: it decodes each MetricsService/Export from the wire
 * protobuf and keeps every export, so a test can read the last (cumulative) one.
 */
export class OtlpMetricsReceiver {
  /** Every export received, in order, flattened to data points. */
  readonly exports: ReceivedPoint[][] = [];

  private constructor(
    private readonly server: grpc.Server,
    readonly port: number,
  ) {}

  static async start(): Promise<OtlpMetricsReceiver> {
    let receiver: OtlpMetricsReceiver | undefined;
    const { server, port } = await serveOtlpExport<ExportRequest>('metrics-service.proto', 'opentelemetry.proto.collector.metrics.v1.MetricsService', String, (request, answer) => {
      receiver?.take(request);
      answer();
    });
    receiver = new OtlpMetricsReceiver(server, port);
    return receiver;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The data points of `metric` from `service` in the latest export that has it (exports are cumulative). */
  latest(service: string, metric: string): ReceivedPoint[] {
    for (let i = this.exports.length - 1; i >= 0; i--) {
      const points = this.exports[i].filter((point) => point.metric === metric && point.service === service);
      if (points.length > 0) return points;
    }
    return [];
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
  }

  private take(request: ExportRequest): void {
    const points: ReceivedPoint[] = [];
    for (const resource of request.resourceMetrics ?? []) {
      const resourceAttributes = attributesOf(resource.resource?.attributes);
      for (const scope of resource.scopeMetrics ?? []) for (const metric of scope.metrics ?? []) points.push(...pointsOf(resourceAttributes, metric));
    }
    this.exports.push(points);
  }
}

function pointsOf(resource: Record<string, string>, metric: Metric): ReceivedPoint[] {
  const base = { service: resource['service.name'] ?? '', resource, metric: metric.name, unit: metric.unit };
  const numbers = metric.sum?.dataPoints ?? metric.gauge?.dataPoints ?? [];
  const histograms = metric.histogram?.dataPoints ?? [];
  return [
    ...numbers.map((point) => ({ ...base, attributes: attributesOf(point.attributes), value: point.asDouble ?? Number(point.asInt ?? 0) })),
    ...histograms.map((point) => ({ ...base, attributes: attributesOf(point.attributes), count: Number(point.count ?? 0), sum: point.sum })),
  ];
}
