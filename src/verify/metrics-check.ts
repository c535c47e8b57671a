import { ATTEMPT_EVENT, INJECTED_ATTRIBUTE, INJECTED_KIND_ATTRIBUTE } from '../engine';
import { NO_METRIC_COUNTS, countsSince, methodOf, readMetricCounts, type MetricCounts } from './metric-counts';
import { BackendError, type ObservedSpan } from './observed-span';
import type { MetricsSource } from './prometheus-reader';
import type { MetricsReport } from './verify-result';

/** What the backend must have counted because of verify's own requests. */
export interface MetricsExpectation {
  /** Requests each endpoint ("front/A") served. */
  readonly requests: ReadonlyMap<string, number>;
  /** False when only the entry points are known (some trace came back incomplete, so the calls below are not). */
  readonly everyService: boolean;
  /** Failures each service injected, as the traces read back show them. */
  readonly injected: ReadonlyMap<string, number>;
  /** True when some trace was incomplete: its lost spans may have held injected failures too. */
  readonly injectedLowerBound: boolean;
}

/**
 * The ground truth, from the requests' answers and their traces. When every trace came back
 * complete, each SERVER span in them is one call some service served, so every service's count
 * is known exactly; otherwise only the entry points' (from the answers, which no pipeline can
 * lose). Injected failures are read from the spans Thespian marked: one per span, or one per
 * attempt event that says so where a call retried.
 */
export function expectedMetrics(entryRequests: ReadonlyMap<string, number>, traces: readonly (readonly ObservedSpan[])[], allComplete: boolean): MetricsExpectation {
  const requests = new Map(allComplete ? [] : entryRequests);
  const injected = new Map<string, number>();
  const add = (into: Map<string, number>, key: string, count: number) => into.set(key, (into.get(key) ?? 0) + count);
  for (const span of traces.flat()) {
    if (allComplete && span.kind === 'SERVER') add(requests, `${span.service}/${methodOf(span.name)}`, 1);
    const count = injectedOn(span);
    if (count > 0) add(injected, span.service, count);
  }
  return { requests, everyService: allComplete, injected, injectedLowerBound: !allComplete };
}

function injectedOn(span: ObservedSpan): number {
  const marked = span.attributes[INJECTED_ATTRIBUTE];
  if (marked !== true && marked !== 'true') return 0;
  const attempts = span.events.filter((event) => event.name === ATTEMPT_EVENT && event.attributes[INJECTED_KIND_ATTRIBUTE] !== undefined).length;
  return Math.max(1, attempts);
}

interface MetricsPoll {
  readonly source: MetricsSource;
  readonly services: readonly string[];
  readonly baseline: MetricCounts;
  readonly expected: MetricsExpectation;
  /** performance.now() after which no more queries are made. */
  readonly deadline: number;
  readonly pollIntervalMs: number;
  readonly progress?: (line: string) => void;
}

/**
 * Asks the backend again and again until it has counted everything verify's requests caused
 * (an export interval and a scrape may pass first) or the deadline passes, then compares.
 * Counts are cumulative, so what counts is the increase since `baseline`, taken before sending.
 */
export async function checkMetrics(poll: MetricsPoll): Promise<MetricsReport> {
  const started = performance.now();
  let report: MetricsReport | undefined;
  let lastError: string | undefined;
  for (let round = 0; ; round++) {
    try {
      report = compare(poll, countsSince(poll.baseline, await readMetricCounts(poll.source, poll.services)));
      lastError = undefined;
    } catch (error) {
      if (!(error instanceof BackendError)) throw error;
      lastError = error.message;
    }
    const done = report !== undefined && report.requests.lost === 0 && report.injected.lost === 0;
    if (done || performance.now() >= poll.deadline) break;
    if (round % 4 === 3) poll.progress?.(`waiting for ${poll.source.description} to count the requests: ${report ? `${report.requests.counted}/${report.requests.expected}` : lastError}…`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(poll.pollIntervalMs, Math.max(0, poll.deadline - performance.now()))));
  }
  const final = report ?? compare(poll, NO_METRIC_COUNTS);
  return { ...final, waitedS: (performance.now() - started) / 1000, ...(lastError ? { backendError: lastError } : {}) };
}

function compare(poll: MetricsPoll, counted: MetricCounts): MetricsReport {
  const { expected } = poll;
  // Only the endpoints verify knows the truth of; with every service known, any other count is extra.
  const endpoints = expected.everyService ? new Set([...expected.requests.keys(), ...counted.requests.keys()]) : new Set(expected.requests.keys());
  const byEndpoint = [...endpoints].sort().map((endpoint) => ({ endpoint, expected: expected.requests.get(endpoint) ?? 0, counted: counted.requests.get(endpoint) ?? 0 }));
  const injectedServices = new Set([...expected.injected.keys(), ...counted.injected.keys()]);
  const injectedByService = [...injectedServices].sort().map((service) => ({ service, expected: expected.injected.get(service) ?? 0, counted: counted.injected.get(service) ?? 0 }));
  const servicesExpected = new Set(byEndpoint.filter((row) => row.expected > 0).map((row) => row.endpoint.slice(0, row.endpoint.lastIndexOf('/'))));
  return {
    backend: poll.source.description,
    everyService: expected.everyService,
    requests: tally(byEndpoint),
    injected: { ...tally(injectedByService), lowerBound: expected.injectedLowerBound },
    byEndpoint,
    injectedByService,
    missingServices: [...servicesExpected].filter((service) => !counted.services.has(service)).sort(),
    unattributedSeries: counted.unattributed,
    waitedS: 0,
  };
}

function tally(rows: readonly { readonly expected: number; readonly counted: number }[]): MetricsReport['requests'] {
  const sum = (pick: (row: (typeof rows)[number]) => number) => rows.reduce((total, row) => total + pick(row), 0);
  return {
    expected: sum((row) => row.expected),
    counted: sum((row) => row.counted),
    lost: sum((row) => Math.max(0, row.expected - row.counted)),
    extra: sum((row) => Math.max(0, row.counted - row.expected)),
  };
}
