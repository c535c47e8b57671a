import { decodeResource, toAttributes, toBigInt, type AttrValue, type ProtoKeyValue, type ProtoResource } from './otlp-values';

/** Whether a point holds the total since its start time (cumulative, the SDK's default) or only what came since the last export. */
type Temporality = 'cumulative' | 'delta' | 'unspecified';

/** An explicit-bucket histogram point: bucketCounts[i] counts values ≤ explicitBounds[i] (and above the bound before); the last counts the rest. */
export interface HistogramValue {
  count: number;
  sum?: number;
  bucketCounts: number[];
  explicitBounds: number[];
}

/**
 * One metric data point as the embedded collector received it, flattened out of the OTLP
 * request's resource → scope → metric nesting. Sums and gauges carry `value`, histograms
 * `histogram`.
 */
export interface ReceivedMetricPoint {
  /** The resource attribute service.name, '' if absent. */
  service: string;
  metric: string;
  unit: string;
  kind: 'sum' | 'gauge' | 'histogram';
  temporality: Temporality;
  attributes: Record<string, AttrValue>;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  value?: number;
  histogram?: HistogramValue;
}

interface ProtoNumberPoint {
  attributes?: ProtoKeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  asDouble?: number;
  asInt?: string;
}

interface ProtoHistogramPoint {
  attributes?: ProtoKeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  count?: string;
  sum?: number;
  bucketCounts?: string[];
  explicitBounds?: number[];
}

interface ProtoMetric {
  name?: string;
  unit?: string;
  gauge?: { dataPoints?: ProtoNumberPoint[] };
  sum?: { dataPoints?: ProtoNumberPoint[]; aggregationTemporality?: number };
  histogram?: { dataPoints?: ProtoHistogramPoint[]; aggregationTemporality?: number };
}

export interface ProtoExportMetricsServiceRequest {
  resourceMetrics?: { resource?: ProtoResource; scopeMetrics?: { metrics?: ProtoMetric[] }[] }[];
}

const TEMPORALITIES: readonly Temporality[] = ['unspecified', 'delta', 'cumulative'];

/** Flattens one Export request into data points, in the order they appear in it. Exponential histograms and summaries are skipped (Thespian sends none). */
export function decodeMetricsRequest(request: ProtoExportMetricsServiceRequest): ReceivedMetricPoint[] {
  const points: ReceivedMetricPoint[] = [];
  for (const resourceMetrics of request.resourceMetrics ?? []) {
    const { service } = decodeResource(resourceMetrics.resource);
    for (const scopeMetrics of resourceMetrics.scopeMetrics ?? []) {
      for (const metric of scopeMetrics.metrics ?? []) points.push(...decodeMetric(service, metric));
    }
  }
  return points;
}

function decodeMetric(service: string, metric: ProtoMetric): ReceivedMetricPoint[] {
  const base = { service, metric: metric.name ?? '', unit: metric.unit ?? '' };
  const point = (kind: ReceivedMetricPoint['kind'], temporality: number | undefined, data: ProtoNumberPoint | ProtoHistogramPoint) => ({
    ...base,
    kind,
    temporality: TEMPORALITIES[temporality ?? 0] ?? 'unspecified',
    attributes: toAttributes(data.attributes),
    startTimeUnixNano: toBigInt(data.startTimeUnixNano),
    timeUnixNano: toBigInt(data.timeUnixNano),
  });
  if (metric.histogram) {
    const { dataPoints, aggregationTemporality } = metric.histogram;
    return (dataPoints ?? []).map((data) => ({ ...point('histogram', aggregationTemporality, data), histogram: histogramOf(data) }));
  }
  const numbers = metric.sum ?? metric.gauge;
  if (!numbers) return [];
  const kind = metric.sum ? 'sum' : 'gauge';
  const temporality = metric.sum?.aggregationTemporality;
  return (numbers.dataPoints ?? []).map((data) => ({ ...point(kind, temporality, data), value: data.asDouble ?? Number(data.asInt ?? 0) }));
}

function histogramOf(data: ProtoHistogramPoint): HistogramValue {
  return {
    count: Number(data.count ?? 0),
    ...(data.sum === undefined ? {} : { sum: data.sum }),
    bucketCounts: (data.bucketCounts ?? []).map(Number),
    explicitBounds: data.explicitBounds ?? [],
  };
}
