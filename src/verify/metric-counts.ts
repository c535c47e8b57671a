import { endpointName } from '../common';
import type { MetricSample, MetricsSource } from './prometheus-reader';

/**
 * The RPC server count, whatever the path's naming: Thespian's own Prometheus exporter writes
 * `rpc_server_call_duration_count`, while an OTLP path (Prometheus's OTLP receiver, the
 * collector's prometheus/prometheusremotewrite exporters) adds the unit: `…_seconds_count`.
 * Every series on its own (see MetricCounts.requestSeries).
 */
const REQUESTS_QUERY = '{__name__=~"rpc_server_call_duration(_seconds)?_count"}';
/** A monotonic counter: `_total` on every path. */
const INJECTED_QUERY = 'thespian_injected_failures_total';
/** The resource's attributes, service_name among them, keyed by job and instance: for series whose own labels do not name the service. */
const TARGET_INFO_QUERY = 'target_info';

/** One series' cumulative value, and the endpoint ("front/A") or service it counts for. */
interface SeriesCount {
  readonly countsFor: string;
  readonly value: number;
}

/** Cumulative counts as the backend has them at one moment, by endpoint ("front/A") and by service. */
export interface MetricCounts {
  readonly requests: ReadonlyMap<string, number>;
  readonly injected: ReadonlyMap<string, number>;
  /**
   * The series behind those sums, each by its full label set (status code, instance,
   * service_instance_id…): a counter resets per series, when its instance restarts, so the
   * increase since a baseline is taken series by series and only then added up.
   */
  readonly requestSeries: ReadonlyMap<string, SeriesCount>;
  readonly injectedSeries: ReadonlyMap<string, SeriesCount>;
  /** Services that have any series at all. */
  readonly services: ReadonlySet<string>;
  /** Series that name no service of the topology (other programs' metrics, or a label scheme not recognised). */
  readonly unattributed: number;
}

export const NO_METRIC_COUNTS: MetricCounts = { requests: new Map(), injected: new Map(), requestSeries: new Map(), injectedSeries: new Map(), services: new Set(), unattributed: 0 };

/**
 * Reads the counts of the topology's `services`; a query that fails throws BackendError. The
 * series are asked for unsummed: summing in PromQL would merge a reset series into growing ones.
 */
export async function readMetricCounts(source: MetricsSource, services: readonly string[]): Promise<MetricCounts> {
  const [requestSamples, injectedSamples, targetInfo] = await Promise.all([source.query(REQUESTS_QUERY), source.query(INJECTED_QUERY), source.query(TARGET_INFO_QUERY)]);
  const named = new Set(services);
  const serviceByTarget = new Map(targetInfo.map((sample) => [targetKey(sample.labels), sample.labels.service_name ?? '']));
  const serviceOf = (labels: MetricSample['labels']) => {
    const job = labels.job ?? '';
    const candidates = [labels.service, labels.service_name, serviceByTarget.get(targetKey(labels)), job, job.slice(job.lastIndexOf('/') + 1)];
    return candidates.find((name): name is string => name !== undefined && named.has(name));
  };
  const seen = new Set<string>();
  let unattributed = 0;
  const attribute = (samples: readonly MetricSample[], keyOf: (service: string, labels: MetricSample['labels']) => string) => {
    const series = new Map<string, SeriesCount>();
    for (const sample of samples) {
      const service = serviceOf(sample.labels);
      if (service === undefined) {
        unattributed++;
        continue;
      }
      seen.add(service);
      series.set(seriesKey(sample.labels), { countsFor: keyOf(service, sample.labels), value: sample.value });
    }
    return series;
  };
  const requestSeries = attribute(requestSamples, (service, labels) => endpointName(service, methodOf(labels.rpc_method ?? '')));
  const injectedSeries = attribute(injectedSamples, (service) => service);
  return { requests: sumBy(requestSeries), injected: sumBy(injectedSeries), requestSeries, injectedSeries, services: seen, unattributed };
}

/**
 * What was counted after `before`: each series' increase (a series that went down was reset, so
 * all of it is new; one new since the baseline counts from 0; one gone since adds nothing), added
 * up by endpoint and service.
 */
export function countsSince(before: MetricCounts, after: MetricCounts): MetricCounts {
  const delta = (was: ReadonlyMap<string, SeriesCount>, now: ReadonlyMap<string, SeriesCount>) =>
    new Map(
      [...now].map(([key, { countsFor, value }]) => {
        const previous = was.get(key)?.value ?? 0;
        return [key, { countsFor, value: value >= previous ? value - previous : value }];
      }),
    );
  const requestSeries = delta(before.requestSeries, after.requestSeries);
  const injectedSeries = delta(before.injectedSeries, after.injectedSeries);
  return { requests: sumBy(requestSeries), injected: sumBy(injectedSeries), requestSeries, injectedSeries, services: after.services, unattributed: after.unattributed };
}

function sumBy(series: ReadonlyMap<string, SeriesCount>): Map<string, number> {
  const sums = new Map<string, number>();
  for (const { countsFor, value } of series.values()) sums.set(countsFor, (sums.get(countsFor) ?? 0) + value);
  return sums;
}

/** A series' identity: all its labels (the metric name among them), in a fixed order. */
function seriesKey(labels: MetricSample['labels']): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The method name at the end of a metric's rpc.method ("<service>/A") or a SERVER span's name ("grpc.<service>/A"): "A". */
export function methodOf(rpcMethod: string): string {
  return rpcMethod.slice(rpcMethod.lastIndexOf('/') + 1);
}

function targetKey(labels: MetricSample['labels']): string {
  return `${labels.job ?? ''}\0${labels.instance ?? ''}`;
}
