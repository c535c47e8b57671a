import { LINE_LEVELS, type LineLevel } from '../common';
import { scheduleEventText, SchedulePlayer, type Injector, type ScheduleEvent } from '../chaos';
import { sendToTargets, type LoadTarget, type RequestRecord } from '../traffic';
import type { EndpointPrediction } from '../predict';
import { windowsBefore, type IncidentWindow, type ScheduledIncident } from '../topology';
import { readMetricCounts, type MetricCounts } from './metric-counts';
import { checkMetrics, expectedMetrics } from './metrics-check';
import { BackendError, type LogSource, type ObservedLine, type ObservedSpan, type TraceSource } from './observed-span';
import type { MetricsSource } from './prometheus-reader';
import { checkTrace, type TraceCheck } from './trace-check';
import { linesLost, type IncidentsReport, type MetricsReport, type TraceReport, type VerifyResult } from './verify-result';
import { placedFromMs, windowReport, type WindowPlayed } from './window-report';
import { compareRate } from './compare-rate';
import { extendedText, sendingPlan } from './sending-plan';

interface VerifyTarget extends LoadTarget {
  /** "frontend/A": which prediction its requests are held against. */
  readonly endpoint: string;
}

/** A topology's incidents during verify's sending. */
export interface VerifyIncidents {
  readonly incidents: readonly ScheduledIncident[];
  /** By endpoint, then by incident name: what a request does inside that incident's windows. */
  readonly inside: ReadonlyMap<string, ReadonlyMap<string, EndpointPrediction>>;
  /** Puts each window in effect on the instances (an AdminInjector); absent (--no-incidents): the windows are only reported, as not played. */
  readonly injector?: { readonly inject: Injector; clearInjected(): Promise<number>; check(): Promise<string[]> };
  /**
   * Runs the sending while the schedule plays, with a stop that aborts it (the CLI's: the first
   * SIGINT or SIGTERM, the signal's name as the reason): then the player stops, what it put in
   * effect is cleared at once, and runVerify rejects with VerifyStopped.
   */
  readonly stoppable?: <T>(play: (stop: AbortSignal) => Promise<T>) => Promise<T>;
}

interface VerifyOptions {
  readonly topologyName: string;
  readonly predictions: ReadonlyMap<string, EndpointPrediction>;
  readonly targets: readonly VerifyTarget[];
  readonly requests: number;
  readonly timeoutMs: number;
  readonly traces: TraceSource;
  readonly logs?: LogSource;
  /** Where the services' metrics are counted (--prometheus), and the topology's services, whose series it looks for. */
  readonly metrics?: { readonly source: MetricsSource; readonly services: readonly string[] };
  /** The services' LOG_LEVEL: lines below it are not expected. */
  readonly logLevel: LineLevel;
  /** How long to keep polling for traces (and lines) that are not complete yet. */
  readonly waitMs: number;
  readonly pollIntervalMs?: number;
  readonly maxLoss: number;
  readonly incidents?: VerifyIncidents;
  /** Progress for a person watching (stderr). */
  readonly progress?: (line: string) => void;
}

/** Thrown when nothing could be checked at all; the message says what to do. */
export class VerifyError extends Error {}

/** Thrown when a stop (SIGINT, SIGTERM) ended the sending while the schedule played; `cleared`: the incidents it ended on the instances. */
export class VerifyStopped extends Error {
  constructor(
    readonly reason: string,
    readonly cleared: number,
  ) {
    super(`${reason}: stopped; cleared ${cleared} incident${cleared === 1 ? '' : 's'} it had in effect`);
  }
}

/** How often the metrics backend is asked again: a scrape or an export is seconds apart anyway. */
const METRICS_POLL_MS = 1_000;
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
  /** The trace as last read back. */
  spans?: readonly ObservedSpan[];
  lines?: ObservedLine[];
  traceDone: boolean;
  linesDone: boolean;
  answeredOnce: boolean;
}

/** What sending and waiting gathered, for the summary. */
interface Gathered {
  readonly elapsedS: number;
  readonly records: readonly RequestRecord[];
  readonly answered: number;
  readonly pending: readonly Pending[];
  readonly waitedS: number;
  readonly backendErrors: BackendErrors;
  readonly metrics?: MetricsReport;
  readonly schedule?: PlayedSchedule;
}

/** What playing the schedule during sending did, for the per-window report. */
interface PlayedSchedule {
  readonly events: readonly ScheduleEvent[];
  readonly extended?: IncidentsReport['extended'];
}

interface BackendErrors {
  count: number;
  last: string | undefined;
}

/**
 * `thespian verify`: send the requests, wait for the backend to have their traces (polling,
 * bounded by waitMs), hold each trace against the prediction, and add it all up.
 */
export async function runVerify(options: VerifyOptions): Promise<VerifyResult> {
  const baseline = options.metrics ? await metricsBaseline(options.metrics) : undefined;
  const startedAtMs = Date.now();
  const { elapsedS, records, answered, schedule } = await sendWithSchedule(options);
  const metricsDeadline = performance.now() + options.waitMs;
  const pending = pendingChecks(options, records);
  const { waitedS, backendErrors } = await waitForIngestion(options, pending, startedAtMs);
  if (pending.length > 0 && pending.every((item) => !item.answeredOnce)) {
    throw new VerifyError(`${options.traces.description} did not answer a single query: ${backendErrors.last ?? 'no answer'}`);
  }
  const metrics = options.metrics && baseline ? await metricsReport(options, options.metrics, baseline, records, pending, metricsDeadline) : undefined;
  return summarise(options, { elapsedS, records, answered, pending, waitedS, backendErrors, ...(metrics ? { metrics } : {}), ...(schedule ? { schedule } : {}) });
}

/**
 * Sends the requests while the incident schedule plays (its clock starts with the traffic's),
 * sending for longer than --requests would if that is what covers every incident's first window
 * (sendingPlan; the CLI has refused a plan past its limits before this). What the player put in
 * effect is cleared once sending is over, or at once when it is stopped.
 */
async function sendWithSchedule(options: VerifyOptions): Promise<{ elapsedS: number; records: RequestRecord[]; answered: number; schedule?: PlayedSchedule }> {
  const incidents = options.incidents;
  if (!incidents || incidents.incidents.length === 0) return sendRequests(options, options.requests);
  const injector = incidents.injector;
  if (!injector) return { ...(await sendRequests(options, options.requests)), schedule: { events: [] } };
  const plan = sendingPlan(incidents.incidents, options.targets.reduce((sum, target) => sum + target.rate, 0), options.requests);
  if ('refusal' in plan) throw new VerifyError(plan.refusal);
  // Every instance is asked first, as `chaos run` does: a wrong token or a wrong service is said
  // before anything is sent, not as refused windows afterwards, and the first window's injection
  // does not pay for making the connections.
  const problems = await injector.check();
  if (problems.length > 0) throw new VerifyError(`the instances' admin API did not answer as it must to play the incidents (give --no-incidents to check without them):\n${problems.join('\n')}`);
  if (plan.extended) options.progress?.(extendedText(plan.extended));
  const events: ScheduleEvent[] = [];
  const player = new SchedulePlayer(incidents.incidents, injector.inject, (event) => {
    events.push(event);
    options.progress?.(scheduleEventText(event));
  });
  const play = async (stop?: AbortSignal) => {
    let clearing: Promise<number> | undefined;
    const stopAndClear = (): Promise<number> => {
      player.stop();
      return (clearing ??= injector.clearInjected());
    };
    // A stop clears at once rather than after the requests in flight have answered: a second signal may not wait for them.
    stop?.addEventListener('abort', stopAndClear, { once: true });
    let cleared: number;
    let sent: Awaited<ReturnType<typeof sendRequests>>;
    try {
      sent = await sendRequests(options, plan.requests, () => player.start(), stop);
    } finally {
      stop?.removeEventListener('abort', stopAndClear);
      cleared = await stopAndClear();
    }
    if (stop?.aborted) throw new VerifyStopped(String(stop.reason), cleared);
    return { ...sent, schedule: { events, ...(plan.extended ? { extended: plan.extended } : {}) } };
  };
  return incidents.stoppable ? incidents.stoppable(play) : play();
}

/** The counts before verify's own requests: the check is on their increase. A backend that cannot be read stops verify before it sends anything. */
async function metricsBaseline(metrics: NonNullable<VerifyOptions['metrics']>): Promise<MetricCounts> {
  try {
    return await readMetricCounts(metrics.source, metrics.services);
  } catch (error) {
    if (error instanceof BackendError) throw new VerifyError(`${metrics.source.description} cannot be queried: ${error.message}`);
    throw error;
  }
}

/** Holds the metrics backend's counts against the answers (entry points) and the traces read back (every service, when all are complete). */
function metricsReport(
  options: VerifyOptions,
  metrics: NonNullable<VerifyOptions['metrics']>,
  baseline: MetricCounts,
  records: readonly RequestRecord[],
  pending: readonly Pending[],
  deadline: number,
): Promise<MetricsReport> {
  const entryRequests = new Map<string, number>();
  for (const record of records.filter(wasAnswered)) {
    const endpoint = options.targets[record.target].endpoint;
    entryRequests.set(endpoint, (entryRequests.get(endpoint) ?? 0) + 1);
  }
  const allComplete = pending.length === records.filter(wasAnswered).length && pending.every((item) => item.check.verdict === 'complete');
  const expected = expectedMetrics(entryRequests, pending.map((item) => item.spans ?? []), allComplete);
  return checkMetrics({ ...metrics, baseline, expected, deadline, pollIntervalMs: METRICS_POLL_MS, ...(options.progress ? { progress: options.progress } : {}) });
}

/** Sends the requests; a VerifyError when not one was answered, which says where they went. */
async function sendRequests(options: VerifyOptions, requests: number, onStart?: () => void, stop?: AbortSignal): Promise<{ elapsedS: number; records: RequestRecord[]; answered: number }> {
  options.progress?.(`sending ${requests} requests to ${options.targets.map((target) => `${target.endpoint} (${target.address.address})`).join(', ')}…`);
  const sent = await sendToTargets(
    { targets: options.targets, requests, keepRequests: true },
    { timeoutMs: options.timeoutMs, ...(onStart ? { onStart } : {}), ...(stop ? { signal: stop } : {}) },
  );
  // Stopped: the caller says so; that no request was answered then is no finding.
  if (stop?.aborted) return { elapsedS: sent.summary.elapsedS, records: [], answered: 0 };
  const records = [...(sent.requests ?? [])];
  const answered = records.filter(wasAnswered).length;
  if (answered === 0) {
    const addresses = [...new Set(options.targets.map((target) => target.address.address))].join(', ');
    throw new VerifyError(
      `no request was answered (${describeCodes(records)}): is \`thespian up\` of this topology running? It listens on ${addresses}; --target SERVICE=HOST:PORT points elsewhere`,
    );
  }
  return { elapsedS: sent.summary.elapsedS, records, answered };
}

/** An instance answered it: it has a trace id, or failed otherwise than by not being reached. */
function wasAnswered(record: RequestRecord): boolean {
  return record.traceId !== undefined || record.status !== 'UNAVAILABLE';
}

/** A check for each request with a trace id, held against an empty trace until the backend has it. */
function pendingChecks(options: VerifyOptions, records: readonly RequestRecord[]): Pending[] {
  return records
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
}

/** Polls the backends in rounds until every check is done or waitMs has passed; a backend's errors are counted, not thrown. */
async function waitForIngestion(options: VerifyOptions, pending: readonly Pending[], startedAtMs: number): Promise<{ waitedS: number; backendErrors: BackendErrors }> {
  const waitStarted = performance.now();
  const deadline = waitStarted + options.waitMs;
  const backendErrors: BackendErrors = { count: 0, last: undefined };
  for (let round = 0; ; round++) {
    const open = pending.filter(isOpen);
    if (open.length === 0) break;
    await forEachLimited(open, QUERY_CONCURRENCY, async (item) => {
      try {
        await pollOnce(options, item, startedAtMs);
      } catch (error) {
        if (!(error instanceof BackendError)) throw error;
        backendErrors.count++;
        backendErrors.last = error.message;
      }
    });
    if (!pending.some(isOpen) || performance.now() >= deadline) break;
    if (round % 4 === 0) options.progress?.(waitingLine(options, pending));
    await new Promise((resolve) => setTimeout(resolve, Math.min(options.pollIntervalMs ?? DEFAULT_POLL_MS, Math.max(0, deadline - performance.now()))));
  }
  return { waitedS: (performance.now() - waitStarted) / 1000, backendErrors };
}

function isOpen(item: Pending): boolean {
  return !item.traceDone || !item.linesDone;
}

/** One round for one request: its trace until it is complete, then its log lines until all are found. */
async function pollOnce(options: VerifyOptions, item: Pending, startedAtMs: number): Promise<void> {
  if (!item.traceDone) {
    const spans = await options.traces.fetch(item.traceId);
    item.answeredOnce = true;
    item.spans = spans;
    item.check = checkTrace(options.predictions.get(item.endpoint)!.shape, spans, item.record.status);
    item.traceDone = item.check.verdict === 'complete';
    // More of the trace may mean more lines to expect than the ones already found.
    item.linesDone = options.logs === undefined || (item.lines !== undefined && item.lines.length >= expectedAt(item.check, options.logLevel));
  }
  if (options.logs && !item.linesDone) {
    item.lines = await options.logs.fetch(item.traceId, startedAtMs - LOG_WINDOW_SLACK_MS, Date.now() + LOG_WINDOW_SLACK_MS);
    item.linesDone = item.lines.length >= expectedAt(item.check, options.logLevel);
  }
}

function waitingLine(options: VerifyOptions, pending: readonly Pending[]): string {
  const complete = pending.filter((item) => item.traceDone).length;
  return `waiting for ingestion: ${complete}/${pending.length} traces complete${options.logs ? `, ${pending.filter((item) => item.linesDone).length} with all log lines` : ''}…`;
}

function summarise(options: VerifyOptions, run: Gathered): VerifyResult {
  const reports = run.pending.map((item) => traceReport(options, item)).sort(worstFirst);
  const spans = spanTotals(reports);
  const logLines = options.logs ? lineTotals(reports, options.logLevel) : undefined;
  return {
    topology: options.topologyName,
    traceBackend: options.traces.description,
    ...(options.logs ? { logBackend: options.logs.description } : {}),
    requests: {
      sent: run.records.length,
      answered: run.answered,
      traced: run.pending.length,
      elapsedS: run.elapsedS,
      targets: options.targets.map((target, index) => ({
        endpoint: target.endpoint,
        address: target.address.address,
        sent: run.records.filter((record) => record.target === index).length,
      })),
    },
    waitedS: run.waitedS,
    waitLimitS: options.waitMs / 1000,
    traces: {
      complete: reports.filter((report) => report.verdict === 'complete').length,
      partial: reports.filter((report) => report.verdict === 'partial').length,
      missing: reports.filter((report) => report.verdict === 'missing').length,
    },
    spans,
    statusProblems: reports.filter((report) => report.statusProblem !== undefined).length,
    ...(logLines ? { logLines } : {}),
    failureRates: failureRates(options, run),
    ...(run.metrics ? { metrics: run.metrics } : {}),
    ...(options.incidents && options.incidents.incidents.length > 0 ? { incidents: incidentsReport(options, options.incidents, run) } : {}),
    loss: lossOf(spans, logLines, run.metrics, options.maxLoss),
    backendErrors: run.backendErrors,
    traceReports: reports,
  };
}

function traceReport(options: VerifyOptions, item: Pending): TraceReport {
  return {
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
  };
}

/** The worst traces first (missing, partial, lines lost), then by what they lost; by trace id last, so the order is stable. */
function worstFirst(a: TraceReport, b: TraceReport): number {
  return (
    severity(b) - severity(a) ||
    b.lost - a.lost ||
    b.brokenLinks - a.brokenLinks ||
    linesLost(b) - linesLost(a) ||
    (a.traceId < b.traceId ? -1 : 1)
  );
}

function total(reports: readonly TraceReport[], pick: (report: TraceReport) => number): number {
  return reports.reduce((sum, report) => sum + pick(report), 0);
}

function spanTotals(reports: readonly TraceReport[]): VerifyResult['spans'] {
  return {
    expected: total(reports, (report) => report.required),
    found: total(reports, (report) => report.found),
    lost: total(reports, (report) => report.lost),
    brokenLinks: total(reports, (report) => report.brokenLinks),
    unplaced: total(reports, (report) => report.unplaced),
    duplicates: total(reports, (report) => report.duplicates),
  };
}

function lineTotals(reports: readonly TraceReport[], level: LineLevel): NonNullable<VerifyResult['logLines']> {
  return {
    level,
    expected: total(reports, (report) => report.logLines!.expected),
    found: total(reports, (report) => report.logLines!.found),
    lost: total(reports, linesLost),
  };
}

function lossOf(spans: VerifyResult['spans'], logLines: VerifyResult['logLines'], metrics: MetricsReport | undefined, maxLoss: number): VerifyResult['loss'] {
  const share = (part: { lost: number; expected: number }) => (part.expected > 0 ? part.lost / part.expected : 0);
  const spanLoss = share(spans);
  const lineLoss = logLines ? share(logLines) : undefined;
  const metricLoss = metrics ? Math.max(share(metrics.requests), share(metrics.injected)) : undefined;
  const exceeded = [spanLoss, lineLoss, metricLoss].some((loss) => loss !== undefined && loss > maxLoss);
  return { spans: spanLoss, ...(lineLoss !== undefined ? { logLines: lineLoss } : {}), ...(metricLoss !== undefined ? { metrics: metricLoss } : {}), max: maxLoss, exceeded };
}

/**
 * The observed failure rates of the answered requests against the predicted, per endpoint and for
 * all: each request by the prediction for when it was sent (inside a window that was played, that
 * window's incident; else the baseline).
 */
function failureRates(options: VerifyOptions, run: Gathered): VerifyResult['failureRates'] {
  const answeredRecords = run.records.filter(wasAnswered);
  const schedule = scheduleView(options, run);
  const predictionOf = (record: RequestRecord) => {
    const endpoint = options.targets[record.target].endpoint;
    const window = schedule?.windows.find((candidate) => {
      const played = schedule.playOf(candidate);
      return played.play === 'played' && record.sentMs >= placedFromMs(candidate, played) && record.sentMs < candidate.endMs;
    });
    return window ? options.incidents!.inside.get(endpoint)!.get(window.incident.name)! : options.predictions.get(endpoint)!;
  };
  const endpoints = [...new Set(options.targets.map((target) => target.endpoint))];
  const byEndpoint = endpoints.map((endpoint) => compareRate(endpoint, answeredRecords.filter((record) => options.targets[record.target].endpoint === endpoint), predictionOf));
  return { all: compareRate('all', answeredRecords, predictionOf), byEndpoint };
}

/** The incident windows during sending, and how each went; undefined without incidents. */
function scheduleView(options: VerifyOptions, run: Gathered): { windows: IncidentWindow[]; playOf: (window: IncidentWindow) => WindowPlayed } | undefined {
  if (!options.incidents || options.incidents.incidents.length === 0) return undefined;
  const played = new Map<IncidentWindow['incident'], Map<number, WindowPlayed>>();
  for (const event of run.schedule?.events ?? []) {
    if (event.kind === 'ended') continue;
    const byOccurrence = played.get(event.window.incident) ?? new Map();
    byOccurrence.set(event.window.occurrence, event.kind === 'started' ? { play: 'played', inEffectFromMs: event.atMs } : { play: 'refused', reason: event.reason });
    played.set(event.window.incident, byOccurrence);
  }
  return {
    windows: windowsBefore(options.incidents.incidents, run.elapsedS * 1000),
    // Without an event the window was not put in effect: --no-incidents, or it came as sending ended.
    playOf: (window) => played.get(window.incident)?.get(window.occurrence) ?? { play: 'not played' },
  };
}

/** The answered requests by the window they were sent in, each held against its prediction. */
function incidentsReport(options: VerifyOptions, incidents: VerifyIncidents, run: Gathered): IncidentsReport {
  const endpointOf = (record: RequestRecord) => options.targets[record.target].endpoint;
  const spans = new Map(run.pending.map((item) => [item.record, item.spans]));
  return windowReport({
    ...scheduleView(options, run)!,
    records: run.records.filter(wasAnswered),
    baselineOf: (record) => options.predictions.get(endpointOf(record))!,
    insideOf: (record, incident) => incidents.inside.get(endpointOf(record))!.get(incident)!,
    spansOf: (record) => spans.get(record),
    ...(run.schedule?.extended ? { extended: run.schedule.extended } : {}),
  });
}

/** Expected lines at or above the services' log level. */
function expectedAt(check: TraceCheck, level: LineLevel): number {
  return LINE_LEVELS.slice(LINE_LEVELS.indexOf(level)).reduce((sum, at) => sum + check.expectedLines[at], 0);
}

function severity(report: TraceReport): number {
  return report.verdict === 'missing' ? 2 : report.verdict === 'partial' ? 1 : linesLost(report) > 0 ? 0.5 : 0;
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
