import { relative } from 'node:path';
import { endpointName, formatMs, formatPercent, formatSeconds } from '../common';
import type { ForwardedCounts, OtlpSignal } from '../collector';
import type { LocalTarget } from '../traffic';
import type { CallTable, ServiceCallsJson } from './call-table';
import { ownCpuSeconds } from './process-cpu';
import type { RunSummary } from './run-summary';
import type { ServiceProcess } from './service-process';
import type { TraceTally } from './trace-tally';
import type { UpIncidentCounts } from './up-incidents';
import type { ReceivedLogCounts } from './up-collector';
import type { UpOptions } from './up-session';

/** What the final summary reports; also written by --summary-json. */
export interface UpResult {
  readonly topology: string;
  readonly durationS: number;
  readonly requests: {
    sent: number;
    ok: number;
    failed: number;
    unanswered: number;
    /** Failed with DEADLINE_EXCEEDED because their own deadline (--timeout) passed. */
    pastDeadline: number;
    /** Each request's deadline. */
    timeoutS: number;
    targetRps: number;
    achievedRps: number;
    failuresByCode: Record<string, number>;
  };
  readonly latencyMs: { p50?: number; p90?: number; p99?: number; max?: number };
  readonly traces: { complete: number; withoutRoot: number; withOrphans: number; drawn: number; failed: number; other: number };
  readonly spans: {
    received: number;
    rootSpans: number;
    late: number;
    /** How long a trace waited for more spans by the end: the quiet period, grown by late spans. */
    traceWaitS: number;
    okTraces: number;
    okTracesExpected: number | null;
    okTracesReceived: number;
    okTracesWithMissingSpans: number;
  };
  /** Log lines received in all, and by the way they came. */
  readonly logLines: number;
  readonly logLinesBySource: ReceivedLogCounts;
  readonly cpuSeconds: { parent: number; services: number | null };
  /** This process's peak resident memory. */
  readonly parentMaxRssMb: number;
  /**
   * `calls`: what the service's own rpc.server.call.duration counted (null if it exported none).
   * pid, exit and cpuSeconds are its process's; cpuSeconds is null for a service packed with others.
   */
  readonly services: { name: string; port: number; pid: number | null; exit: string; cpuSeconds: number | null; calls: ServiceCallsJson | null }[];
  /** The processes that ran the services: one each, or several services packed into one. */
  readonly processes: { pid: number | null; services: string[]; exit: string; cpuSeconds: number | null }[];
  /** With --otlp: per signal, in spans, metric data points and log records. */
  readonly forwarded: ({ url: string } & Record<OtlpSignal, ForwardedCounts>) | null;
  readonly stoppedBy: string;
  /** Where the services' logs are, if they were kept. */
  logDir: string | null;
  /** The topology's incident schedule: windows started and refused; null without incidents. */
  readonly incidents: UpIncidentCounts | null;
}

/** What the final summary is made of, read once everything has stopped. */
interface UpFacts {
  readonly topology: string;
  /** How long traffic was sent. */
  readonly sendingMs: number;
  readonly sent: number;
  readonly targetRate: number;
  /** The traffic engine's own measure, so that `up` and `load` agree on what was achieved. */
  readonly achievedRate: number;
  readonly timeoutMs: number;
  readonly answers: RunSummary;
  readonly tally: TraceTally;
  readonly assembled: { readonly tracesHandedOver: number; readonly lateSpans: number; readonly quietMs: number };
  readonly drawn: number;
  readonly logLines: ReceivedLogCounts;
  readonly calls: CallTable;
  readonly forwarded: { url: string; counts: Record<OtlpSignal, ForwardedCounts> } | undefined;
  readonly processes: readonly ServiceProcess[];
  /** Each process's CPU seconds, read just before it exited. */
  readonly cpuByProcess: readonly (number | undefined)[];
  readonly stoppedBy: string;
  readonly logDir: string | null;
  readonly incidents: UpIncidentCounts | null;
}

export function upResult(facts: UpFacts): UpResult {
  const { answers, tally, sendingMs } = facts;
  return {
    topology: facts.topology,
    durationS: sendingMs / 1000,
    requests: {
      sent: facts.sent,
      ok: answers.ok,
      failed: answers.failed,
      unanswered: facts.sent - answers.answered,
      pastDeadline: answers.pastDeadline,
      timeoutS: facts.timeoutMs / 1000,
      targetRps: facts.targetRate,
      achievedRps: facts.achievedRate,
      failuresByCode: Object.fromEntries(answers.failuresByCode),
    },
    latencyMs: answers.latencyMs(),
    traces: {
      complete: facts.assembled.tracesHandedOver - tally.withoutRoot - tally.otherTraces,
      withoutRoot: tally.withoutRoot,
      withOrphans: tally.withOrphans,
      drawn: facts.drawn,
      failed: tally.failedTraces,
      other: tally.otherTraces,
    },
    spans: {
      received: tally.spans,
      rootSpans: tally.roots,
      late: facts.assembled.lateSpans,
      traceWaitS: facts.assembled.quietMs / 1000,
      okTraces: tally.okTraces,
      okTracesExpected: tally.okExpectedKnown ? tally.okExpected : null,
      okTracesReceived: tally.okReceived,
      okTracesWithMissingSpans: tally.okShort,
    },
    logLines: facts.logLines.loki + facts.logLines.otlp,
    logLinesBySource: facts.logLines,
    cpuSeconds: { parent: ownCpuSeconds(), services: sumDefined(facts.cpuByProcess) ?? null },
    parentMaxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    services: facts.processes.flatMap((child, index) =>
      child.services.map((service) => ({
        name: service.name,
        port: service.port,
        pid: child.pid ?? null,
        exit: describeExit(child.status),
        cpuSeconds: child.services.length === 1 ? (facts.cpuByProcess[index] ?? null) : null,
        calls: facts.calls.summaryJson(service.name),
      })),
    ),
    processes: facts.processes.map((child, index) => ({
      pid: child.pid ?? null,
      services: child.services.map((service) => service.name),
      exit: describeExit(child.status),
      cpuSeconds: facts.cpuByProcess[index] ?? null,
    })),
    forwarded: facts.forwarded ? { url: facts.forwarded.url, ...facts.forwarded.counts } : null,
    stoppedBy: facts.stoppedBy,
    logDir: facts.logDir,
    incidents: facts.incidents,
  };
}

function sumDefined(values: readonly (number | undefined)[]): number | undefined {
  if (values.some((value) => value === undefined)) return undefined;
  return values.reduce<number>((sum, value) => sum + (value ?? 0), 0);
}

/** The lines `thespian up` starts with: what runs where, the traffic, what is drawn, where logs go. */
export function printHeader(
  options: UpOptions,
  targets: readonly LocalTarget[],
  timeoutMs: number,
  logDir: string,
  incidents: { readonly trafficNote: string; readonly lines: readonly string[] },
  say: (line?: string) => void,
): void {
  const { topology } = options;
  const relativePath = relative(process.cwd(), topology.sourcePath);
  const where = relativePath && !relativePath.startsWith('..') ? relativePath : topology.sourcePath;
  say(`thespian up: ${topology.name} (${where}), ${topology.services.length} services as local processes`);
  const width = Math.max(...topology.services.map((service) => service.name.length));
  for (const service of topology.services) {
    const replicas = service.replicas > 1 ? `  (replicas: ${service.replicas} in the topology; one process here)` : '';
    say(`  ${service.name.padEnd(width)}  127.0.0.1:${service.port}${replicas}`);
  }
  for (const warning of topology.warnings) say(`  warning: ${warning}`);
  const traffic = targets.map((target) => `${endpointName(target.label, target.method)} ${rateOf(target)}`).join(', ');
  say(`traffic: ${traffic ? `${traffic}; each request's deadline ${formatSeconds(timeoutMs)} (--timeout)` : 'none (the topology has no entry_points; call the services yourself)'}${incidents.trafficNote}`);
  const bounds = [
    options.durationMs !== undefined ? `for ${options.durationMs / 1000} s` : '',
    options.maxRequests !== undefined ? `for ${options.maxRequests} requests` : '',
  ].filter(Boolean);
  if (bounds.length > 0) say(`  ${bounds.join(' or ')}${bounds.length > 1 ? ', whichever comes first' : ''}`);
  for (const line of incidents.lines) say(line);
  if (options.quiet || options.treesPerSecond <= 0) say('drawing: no trees (--quiet); the summary only');
  else {
    const perSecond = options.treesPerSecond === 1 ? '1 trace tree per second' : `${options.treesPerSecond} trace trees per second`;
    say(`drawing: at most ${perSecond}, failed ones first (--trees N to change, --quiet for none)`);
  }
  say(`logs: ${logDir}/<service>.log${options.logDir ? '' : ' (removed after a clean stop)'}${options.jsonFile ? `; spans: ${options.jsonFile}` : ''}${options.otlpUrl ? `; forwarding to ${options.otlpUrl}` : ''}`);
}

/** The final summary, under 80 columns a line where the numbers allow. */
export function finalSummary(result: UpResult, options: UpOptions, calls: CallTable): string[] {
  const { requests, latencyMs, traces, spans } = result;
  const ms = (value: number | undefined) => (value === undefined ? '-' : formatMs(value));
  const codes = Object.entries(requests.failuresByCode)
    .map(([code, count]) => `${count} ${code}`)
    .join(', ');
  const expected =
    spans.okTracesExpected === null
      ? `${spans.okTracesReceived.toLocaleString('en-US')} in ${spans.okTraces} ok traces (expected count unknown for this topology)`
      : `${spans.okTracesReceived.toLocaleString('en-US')} of ${spans.okTracesExpected.toLocaleString('en-US')} expected in ${spans.okTraces} ok traces`;
  const lines = [
    '',
    `thespian up: stopped after ${result.durationS.toFixed(1)} s (${result.stoppedBy})`,
    `  requests  ${requests.sent} sent at ${requests.achievedRps.toFixed(1)}/s (asked ${formatRate(requests.targetRps)}/s): ${requests.ok} ok, ${requests.failed} failed (${formatPercent(requests.failed / Math.max(1, requests.ok + requests.failed))})${codes ? ` [${codes}]` : ''}${requests.unanswered ? `, ${requests.unanswered} unanswered` : ''}${requests.pastDeadline ? `; ${requests.pastDeadline} passed the ${formatSeconds(requests.timeoutS * 1000)} deadline (--timeout)` : ''}`,
    `  latency   p50 ${ms(latencyMs.p50)}, p90 ${ms(latencyMs.p90)}, p99 ${ms(latencyMs.p99)}, max ${ms(latencyMs.max)}`,
    `  traces    ${traces.complete} with their root (${traces.failed} failed), ${traces.withoutRoot} without; ${traces.withOrphans} missing a parent span; ${traces.drawn} drawn`,
    `  spans     ${spans.received.toLocaleString('en-US')} received, ${spans.rootSpans} roots for ${requests.ok + requests.failed} answered requests; ${expected}${spans.okTracesWithMissingSpans ? ` (${spans.okTracesWithMissingSpans} short)` : ''}; ${spans.late} late${spans.late ? ` (after their trace was judged; the wait for a trace's spans grew to ${spans.traceWaitS} s)` : ''}`,
    '  calls     as each service counted the calls it served (its rpc.server.call.duration):',
    ...calls.summaryLines(result.durationS).map((line) => `  ${line}`),
    `  logs      ${logsLine(result.logLinesBySource)}${result.logDir ? `; kept in ${result.logDir}` : ''}`,
    `  cpu       this process ${result.cpuSeconds.parent.toFixed(1)} s (peak memory ${result.parentMaxRssMb} MB)${result.cpuSeconds.services === null ? '' : `, services ${result.cpuSeconds.services.toFixed(1)} s`}`,
  ];
  if (result.incidents) lines.push(`  incidents ${incidentsLine(result.incidents)}`);
  if (result.forwarded) lines.push(...forwardedLines(result.forwarded));
  if (options.jsonFile) lines.push(`  json      every span, and the services' call figures at each export, in ${options.jsonFile}`);
  return lines;
}

/**
 * How many log lines came, and how: OTLP records (OTEL_LOGS_EXPORTER=otlp, how up's services send
 * theirs), Loki pushes (anything with LOKI_ADDRESS), or both; and, when none came, that neither
 * path brought any, so that nobody takes it for a Loki-only count.
 */
export function logsLine({ loki, otlp }: ReceivedLogCounts): string {
  const count = (n: number) => n.toLocaleString('en-US');
  if (loki === 0 && otlp === 0) return 'no log lines arrived (neither OTLP log records nor Loki pushes)';
  if (otlp === 0) return `${count(loki)} lines pushed to the embedded Loki receiver`;
  if (loki === 0) return `${count(otlp)} OTLP log records received`;
  return `${count(loki + otlp)} lines received: ${count(loki)} pushed to the embedded Loki receiver, ${count(otlp)} as OTLP log records`;
}

/** "3 windows started (1 still in effect at the stop), 1 refused (…)", or that the schedule was not played. */
function incidentsLine({ played, scheduled, started, refused, inEffectAtStop }: UpIncidentCounts): string {
  if (!played) return `${scheduled} in the topology, not played (--no-incidents)`;
  const windows = (n: number) => `${n} window${n === 1 ? '' : 's'}`;
  const cut = inEffectAtStop > 0 ? ` (${inEffectAtStop} still in effect at the stop)` : '';
  return `${windows(started)} started${cut}, ${refused} refused${refused > 0 ? ' (each said on its line above)' : ''}`;
}

const SIGNAL_UNITS: Record<OtlpSignal, string> = { traces: 'spans', metrics: 'metric data points', logs: 'log records' };

/** What --otlp sent on, and every loss with its reason: the backend's view is only as complete as this says. */
function forwardedLines(forwarded: NonNullable<UpResult['forwarded']>): string[] {
  const signals = Object.keys(SIGNAL_UNITS) as OtlpSignal[];
  const sent = signals.map((signal) => `${forwarded[signal].sent.toLocaleString('en-US')} ${SIGNAL_UNITS[signal]}`).join(', ');
  const losses = signals.flatMap((signal) => {
    const { droppedQueueFull, droppedFailed, droppedAtShutdown } = forwarded[signal];
    const lost = droppedQueueFull + droppedFailed + droppedAtShutdown;
    if (lost === 0) return [];
    const why = [[droppedFailed, 'failed'], [droppedQueueFull, 'queue full'], [droppedAtShutdown, 'cut at shutdown']]
      .filter(([n]) => Number(n) > 0)
      .map(([n, reason]) => `${n.toLocaleString('en-US')} ${reason}`);
    return [`${lost.toLocaleString('en-US')} ${SIGNAL_UNITS[signal]} (${why.join(', ')})`];
  });
  return [
    `  forward   to ${forwarded.url}: sent ${sent}`,
    `            ${losses.length === 0 ? 'nothing lost' : `lost ${losses.join('; ')}`}`,
  ];
}

/** "2/s", or for a staged entry point "through 3 stages over 80 s (mean 12.5/s), repeating". */
function rateOf(target: LocalTarget): string {
  const stages = target.stages;
  if (!stages) return `${formatRate(target.rate)}/s`;
  const count = stages.stages.length;
  return `through ${count} stage${count === 1 ? '' : 's'} over ${formatSeconds(stages.cycleMs)} (mean ${formatRate(stages.meanRate)}/s)${stages.repeat ? ', repeating' : ''}`;
}

export function formatRate(rps: number): string {
  // Through Number, so a sum of rates a hair off a whole number (5.000001) reads 5, not "5.";
  // below 1, two significant digits, so a slow entry point (0.003/s) does not read 0.
  return String(Number(rps >= 1 ? rps.toFixed(2) : rps.toPrecision(2)));
}

export function describeExit(status: { code: number | null; signal: NodeJS.Signals | null } | undefined): string {
  if (!status) return 'running';
  return status.signal ? `killed by ${status.signal}` : `exit code ${status.code}`;
}

