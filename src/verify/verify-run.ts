import type { LineLevel } from '../common';
import { sendToTargets, type LoadTarget, type RequestRecord } from '../traffic';
import type { EndpointPrediction } from '../predict';
import { BackendError, type LogSource, type ObservedLine, type TraceSource } from './observed-span';
import { checkTrace, type TraceCheck } from './trace-check';
import type { RateComparison, TraceReport, VerifyResult } from './verify-result';
import { wilsonInterval } from './wilson';

interface VerifyTarget extends LoadTarget {
  /** "frontend/A": which prediction its requests are held against. */
  readonly endpoint: string;
}

interface VerifyOptions {
  readonly topologyName: string;
  readonly predictions: ReadonlyMap<string, EndpointPrediction>;
  readonly targets: readonly VerifyTarget[];
  readonly requests: number;
  readonly timeoutMs: number;
  readonly traces: TraceSource;
  readonly logs?: LogSource;
  /** The services' LOG_LEVEL: lines below it are not expected. */
  readonly logLevel: LineLevel;
  /** How long to keep polling for traces (and lines) that are not complete yet. */
  readonly waitMs: number;
  readonly pollIntervalMs?: number;
  readonly maxLoss: number;
  /** Progress for a person watching (stderr). */
  readonly progress?: (line: string) => void;
}

/** Thrown when nothing could be checked at all; the message says what to do. */
export class VerifyError extends Error {}

/** Queries in flight at once: enough to be quick, few enough not to hammer a backend. */
const QUERY_CONCURRENCY = 8;
const DEFAULT_POLL_MS = 500;
/** Log lines are searched from a little before the run to a little after now: clocks differ. */
const LOG_WINDOW_SLACK_MS = 60_000;

interface Pending {
  readonly record: RequestRecord;
  readonly traceId: string;
  readonly endpoint: string;
  check: TraceCheck;
  lines?: ObservedLine[];
  traceDone: boolean;
  linesDone: boolean;
  answeredOnce: boolean;
}

/**
 * `thespian verify`: send the requests, wait for the backend to have their traces (polling,
 * bounded by waitMs), hold each trace against the prediction, and add it all up.
 */
export async function runVerify(options: VerifyOptions): Promise<VerifyResult> {
  const say = options.progress ?? (() => undefined);
  const startedAtMs = Date.now();
  say(`sending ${options.requests} requests to ${options.targets.map((target) => `${target.endpoint} (${target.address.address})`).join(', ')}…`);
  const sent = await sendToTargets({ targets: options.targets, requests: options.requests, keepRequests: true }, { timeoutMs: options.timeoutMs });
  const records = [...(sent.requests ?? [])];
  const answered = records.filter((record) => record.traceId !== undefined || record.status !== 'UNAVAILABLE');
  if (answered.length === 0) {
    const addresses = [...new Set(options.targets.map((target) => target.address.address))].join(', ');
    throw new VerifyError(
      `no request was answered (${describeCodes(records)}): is \`thespian up\` of this topology running? It listens on ${addresses}; --target SERVICE=HOST:PORT points elsewhere`,
    );
  }

  const pending: Pending[] = records
    .filter((record): record is RequestRecord & { traceId: string } => record.traceId !== undefined)
    .map((record) => {
      const endpoint = options.targets[record.target].endpoint;
      return {
        record,
        traceId: record.traceId,
        endpoint,
        check: checkTrace(options.predictions.get(endpoint)!.shape, undefined, record.status),
        traceDone: false,
        linesDone: options.logs === undefined,
        answeredOnce: false,
      };
    });

  const waitStarted = performance.now();
  const deadline = waitStarted + options.waitMs;
  let backendErrors = 0;
  let lastBackendError: string | undefined;
  for (let round = 0; ; round++) {
    const open = pending.filter((item) => !item.traceDone || !item.linesDone);
    if (open.length === 0) break;
    await forEachLimited(open, QUERY_CONCURRENCY, async (item) => {
      try {
        if (!item.traceDone) {
          const spans = await options.traces.fetch(item.traceId);
          item.answeredOnce = true;
          item.check = checkTrace(options.predictions.get(item.endpoint)!.shape, spans, item.record.status);
          item.traceDone = item.check.verdict === 'complete';
          // More of the trace may mean more lines to expect than the ones already found.
          item.linesDone = options.logs === undefined || (item.lines !== undefined && item.lines.length >= expectedAt(item.check, options.logLevel));
        }
        if (options.logs && !item.linesDone) {
          item.lines = await options.logs.fetch(item.traceId, startedAtMs - LOG_WINDOW_SLACK_MS, Date.now() + LOG_WINDOW_SLACK_MS);
          item.linesDone = item.lines.length >= expectedAt(item.check, options.logLevel);
        }
      } catch (error) {
        if (!(error instanceof BackendError)) throw error;
        backendErrors++;
        lastBackendError = error.message;
      }
    });
    const remaining = pending.filter((item) => !item.traceDone || !item.linesDone).length;
    if (remaining === 0 || performance.now() >= deadline) break;
    const complete = pending.filter((item) => item.traceDone).length;
    if (round % 4 === 0) say(`waiting for ingestion: ${complete}/${pending.length} traces complete${options.logs ? `, ${pending.filter((item) => item.linesDone).length} with all log lines` : ''}…`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(options.pollIntervalMs ?? DEFAULT_POLL_MS, Math.max(0, deadline - performance.now()))));
  }
  const waitedS = (performance.now() - waitStarted) / 1000;
  if (pending.length > 0 && pending.every((item) => !item.answeredOnce)) {
    throw new VerifyError(`${options.traces.description} did not answer a single query: ${lastBackendError ?? 'no answer'}`);
  }
  return summarise(options, sent.summary.elapsedS, records, answered.length, pending, waitedS, { count: backendErrors, last: lastBackendError });
}

function summarise(
  options: VerifyOptions,
  elapsedS: number,
  records: readonly RequestRecord[],
  answered: number,
  pending: readonly Pending[],
  waitedS: number,
  backendErrors: { count: number; last?: string },
): VerifyResult {
  const reports: TraceReport[] = pending.map((item) => ({
    traceId: item.traceId,
    endpoint: item.endpoint,
    status: item.record.status,
    verdict: item.check.verdict,
    found: item.check.found,
    required: item.check.required,
    lost: item.check.lost,
    lostSpans: item.check.lostSpans,
    brokenLinks: item.check.brokenLinks,
    unplaced: item.check.unplaced,
    duplicates: item.check.duplicates,
    ...(item.check.statusProblem ? { statusProblem: item.check.statusProblem } : {}),
    ...(options.logs ? { logLines: { expected: expectedAt(item.check, options.logLevel), found: item.lines?.length ?? 0 } } : {}),
  }));
  reports.sort(
    (a, b) =>
      severity(b) - severity(a) ||
      b.lost - a.lost ||
      b.brokenLinks - a.brokenLinks ||
      linesLost(b) - linesLost(a) ||
      (a.traceId < b.traceId ? -1 : 1),
  );
  const sum = (pick: (report: TraceReport) => number) => reports.reduce((total, report) => total + pick(report), 0);
  const spans = {
    expected: sum((report) => report.required),
    found: sum((report) => report.found),
    lost: sum((report) => report.lost),
    brokenLinks: sum((report) => report.brokenLinks),
    unplaced: sum((report) => report.unplaced),
    duplicates: sum((report) => report.duplicates),
  };
  const logLines = options.logs
    ? {
        level: options.logLevel,
        expected: sum((report) => report.logLines!.expected),
        found: sum((report) => report.logLines!.found),
        lost: sum(linesLost),
      }
    : undefined;
  const spanLoss = spans.expected > 0 ? spans.lost / spans.expected : 0;
  const lineLoss = logLines && logLines.expected > 0 ? logLines.lost / logLines.expected : undefined;
  const exceeded = spanLoss > options.maxLoss || (lineLoss !== undefined && lineLoss > options.maxLoss);

  const answeredRecords = records.filter((record) => record.traceId !== undefined || record.status !== 'UNAVAILABLE');
  const endpoints = [...new Set(options.targets.map((target) => target.endpoint))];
  const byEndpoint = endpoints.map((endpoint) =>
    compareRate(endpoint, answeredRecords.filter((record) => options.targets[record.target].endpoint === endpoint), () => options.predictions.get(endpoint)!),
  );
  const all = compareRate('all', answeredRecords, (record) => options.predictions.get(options.targets[record.target].endpoint)!);

  return {
    topology: options.topologyName,
    traceBackend: options.traces.description,
    ...(options.logs ? { logBackend: options.logs.description } : {}),
    requests: {
      sent: records.length,
      answered,
      traced: pending.length,
      elapsedS,
      targets: options.targets.map((target, index) => ({
        endpoint: target.endpoint,
        address: target.address.address,
        sent: records.filter((record) => record.target === index).length,
      })),
    },
    waitedS,
    waitLimitS: options.waitMs / 1000,
    traces: {
      complete: reports.filter((report) => report.verdict === 'complete').length,
      partial: reports.filter((report) => report.verdict === 'partial').length,
      missing: reports.filter((report) => report.verdict === 'missing').length,
    },
    spans,
    statusProblems: reports.filter((report) => report.statusProblem !== undefined).length,
    ...(logLines ? { logLines } : {}),
    failureRates: { all, byEndpoint },
    loss: { spans: spanLoss, ...(lineLoss !== undefined ? { logLines: lineLoss } : {}), max: options.maxLoss, exceeded },
    backendErrors,
    traceReports: reports,
  };
}

function compareRate(endpoint: string, records: readonly RequestRecord[], predictionOf: (record: RequestRecord) => EndpointPrediction): RateComparison {
  const failed = records.filter((record) => record.status !== 'OK').length;
  const n = records.length;
  const predicted = n === 0 ? 0 : records.reduce((sum, record) => sum + predictionOf(record).failure.probability, 0) / n;
  const { low, high } = wilsonInterval(failed, n);
  return {
    endpoint,
    requests: n,
    failed,
    observed: n === 0 ? 0 : failed / n,
    low,
    high,
    predicted,
    predictedExact: records.every((record) => predictionOf(record).failure.exact),
    // A hair of slack for rounding: a prediction of exactly 0 with 0 failures is inside.
    consistent: predicted >= low - 1e-12 && predicted <= high + 1e-12,
  };
}

/** Expected lines at or above the services' log level. */
function expectedAt(check: TraceCheck, level: LineLevel): number {
  const lines = check.expectedLines;
  return level === 'info' ? lines.info + lines.warn + lines.error : level === 'warn' ? lines.warn + lines.error : lines.error;
}

function severity(report: TraceReport): number {
  return report.verdict === 'missing' ? 2 : report.verdict === 'partial' ? 1 : linesLost(report) > 0 ? 0.5 : 0;
}

function linesLost(report: TraceReport): number {
  return report.logLines ? Math.max(0, report.logLines.expected - report.logLines.found) : 0;
}

function describeCodes(records: readonly RequestRecord[]): string {
  const counts = new Map<string, number>();
  for (const record of records) counts.set(record.status, (counts.get(record.status) ?? 0) + 1);
  const first = records.find((record) => record.details)?.details;
  return `${[...counts].map(([code, count]) => `${count} ${code}`).join(', ')}${first ? `: ${first.split('\n')[0].slice(0, 160)}` : ''}`;
}

async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(workers);
}
