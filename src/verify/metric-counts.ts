import { endpointName } from '../common';
import type { MetricSample, MetricsSource } from './prometheus-reader';

/**
 * The RPC server count, whatever the path's naming: Thespian's own Prometheus exporter writes
 * `rpc_server_call_duration_count`, while an OTLP path (Prometheus's OTLP receiver, the
 * collector's prometheus/prometheusremotewrite exporters) adds the unit: `…_seconds_count`.
 */
const REQUESTS_QUERY = 'sum by (service, service_name, job, instance, rpc_method) ({__name__=~"rpc_server_call_duration(_seconds)?_count"})';
/** A monotonic counter: `_total` on every path. */
const INJECTED_QUERY = 'sum by (service, service_name, job, instance) (thespian_injected_failures_total)';
/** The resource's attributes, service_name among them, keyed by job and instance: for series whose own labels do not name the service. */
const TARGET_INFO_QUERY = 'target_info';

/** Cumulative counts as the backend has them at one moment, by endpoint ("front/A") and by service. */
export interface MetricCounts {
  readonly requests: ReadonlyMap<string, number>;
  readonly injected: ReadonlyMap<string, number>;
  /** Services that have any series at all. */
  readonly services: ReadonlySet<string>;
  /** Series that name no service of the topology (other programs' metrics, or a label scheme not recognised). */
  readonly unattributed: number;
}

/** Reads the counts of the topology's `services`; a query that fails throws BackendError. */
export async function readMetricCounts(source: MetricsSource, services: readonly string[]): Promise<MetricCounts> {
  const [requestSeries, injectedSeries, targetInfo] = await Promise.all([source.query(REQUESTS_QUERY), source.query(INJECTED_QUERY), source.query(TARGET_INFO_QUERY)]);
  const named = new Set(services);
  const serviceByTarget = new Map(targetInfo.map((sample) => [targetKey(sample.labels), sample.labels.service_name ?? '']));
  const serviceOf = (labels: MetricSample['labels']) => {
    const job = labels.job ?? '';
    const candidates = [labels.service, labels.service_name, serviceByTarget.get(targetKey(labels)), job, job.slice(job.lastIndexOf('/') + 1)];
    return candidates.find((name): name is string => name !== undefined && named.has(name));
  };
  const requests = new Map<string, number>();
  const injected = new Map<string, number>();
  const seen = new Set<string>();
  let unattributed = 0;
  const add = (into: Map<string, number>, key: string, value: number) => into.set(key, (into.get(key) ?? 0) + value);
  for (const [series, into, keyOf] of [
    [requestSeries, requests, (service: string, labels: MetricSample['labels']) => endpointName(service, methodOf(labels.rpc_method ?? ''))],
    [injectedSeries, injected, (service: string) => service],
  ] as const) {
    for (const sample of series) {
      const service = serviceOf(sample.labels);
      if (service === undefined) {
        unattributed++;
        continue;
      }
      seen.add(service);
      add(into, keyOf(service, sample.labels), sample.value);
    }
  }
  return { requests, injected, services: seen, unattributed };
}

/** What was counted after `before`: each count's increase (a count that went down was reset, so all of it is new). */
export function countsSince(before: MetricCounts, after: MetricCounts): MetricCounts {
  const delta = (was: ReadonlyMap<string, number>, now: ReadonlyMap<string, number>) =>
    new Map([...now].map(([key, value]) => [key, value >= (was.get(key) ?? 0) ? value - (was.get(key) ?? 0) : value]));
  return { requests: delta(before.requests, after.requests), injected: delta(before.injected, after.injected), services: after.services, unattributed: after.unattributed };
}

/** The method name at the end of a metric's rpc.method ("<service>/A") or a SERVER span's name ("grpc.<service>/A"): "A". */
export function methodOf(rpcMethod: string): string {
  return rpcMethod.slice(rpcMethod.lastIndexOf('/') + 1);
}

function targetKey(labels: MetricSample['labels']): string {
  return `${labels.job ?? ''}\0${labels.instance ?? ''}`;
}
