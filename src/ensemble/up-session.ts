import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  formatMs,
  LokiPushReceiver,
  OtlpTraceReceiver,
  RunSummary,
  spanJsonLine,
  startOtlpForwarder,
  TraceAssembler,
  type AssembledTrace,
  type OtlpForwarder,
  type ReceivedSpan,
} from '../collector';
import type { GrpcMethod } from '../engine/model';
import { expectedSpansOfSuccess, type Topology } from '../topology';
import { Ensemble, EnsembleStartError } from './ensemble';
import { cpuSecondsOf, ownCpuSeconds } from './process-cpu';
import { TerminalView } from './terminal-view';
import { TrafficDriver, type RequestOutcome, type TrafficTarget } from './traffic-driver';

export interface UpOptions {
  readonly topology: Topology;
  /** Stop sending after this long. */
  readonly durationMs?: number;
  /** Stop after this many requests. */
  readonly maxRequests?: number;
  /** Total request rate, shared among the entry points in the proportions of their rps. */
  readonly totalRps?: number;
  /** Every received span as a JSON line. */
  readonly jsonFile?: string;
  /** Also send every span to this OTLP/gRPC backend. */
  readonly otlpUrl?: string;
  readonly quiet: boolean;
  readonly treesPerSecond: number;
  /** Where the services' log files go; default a temporary folder, removed after a clean run. */
  readonly logDir?: string;
  /** The final summary as JSON, for scripts and the benchmark. */
  readonly summaryJsonFile?: string;
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
  readonly tty: boolean;
  readonly colour: boolean;
  readonly width: number;
}

/** The gRPC service of Thespian's A, B and C, as the instrumentation names it in rpc.service. */
const THESPIAN_RPC_SERVICE = 'thespian.Thespian';
/** A trace is complete once its root has arrived and no span of it came for this long. */
const TRACE_QUIET_MS = 1_000;
/** After the traffic stops, requests in flight get this long to answer before they are cancelled. */
const DRAIN_MS = 15_000;
/** Services get this long to drain and flush after SIGTERM before they are killed. */
const SERVICE_STOP_MS = 15_000;
const FORWARD_FLUSH_MS = 5_000;
/** How often a crashed service is looked for. */
const WATCH_INTERVAL_MS = 500;

/** What the final summary reports; also written by --summary-json. */
export interface UpResult {
  readonly topology: string;
  readonly durationS: number;
  readonly requests: {
    sent: number;
    ok: number;
    failed: number;
    unanswered: number;
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
    okTraces: number;
    okTracesExpected: number | null;
    okTracesReceived: number;
    okTracesWithMissingSpans: number;
  };
  readonly logLines: number;
  readonly cpuSeconds: { parent: number; services: number | null };
  readonly services: { name: string; port: number; pid: number | null; exit: string }[];
  readonly stoppedBy: string;
  /** Where the services' logs are, if they were kept. */
  logDir: string | null;
}

/**
 * `thespian up`: the embedded collector, the services, the traffic and the live view, and the
 * orderly stop: stop sending → let requests in flight answer → SIGTERM the services (they drain
 * and flush) → wait for their last spans → final summary. Resolves to the exit code.
 */
export async function runUp(options: UpOptions): Promise<number> {
  const { topology, out } = options;
  const say = (line = '') => out.write(`${line}\n`);
  const receiver = await OtlpTraceReceiver.start({ maxSpans: 0 });
  const loki = await LokiPushReceiver.start({ maxLines: 0 });
  const logDir = options.logDir ?? mkdtempSync(join(tmpdir(), 'thespian-up-'));
  if (options.logDir) mkdirSync(logDir, { recursive: true });
  const targets = trafficTargets(topology, options.totalRps);
  const serviceColours = new Map(topology.services.map((service, index) => [service.name, index]));

  printHeader(options, targets, logDir, say);

  let forwarder: OtlpForwarder | undefined;
  let json: WriteStream | undefined;
  const stats = { spans: 0, roots: 0, otherTraces: 0, logLines: 0, okTraces: 0, okExpected: 0, okExpectedKnown: true, okReceived: 0, okMissing: 0, withoutRoot: 0, withOrphans: 0, failedTraces: 0 };
  const summary = new RunSummary();
  let view: TerminalView | undefined;
  const expectedCache = new Map<string, number | undefined>();
  const onTrace = (trace: AssembledTrace) => {
    // Health checks (ours at start, and anyone's) are traced too; they are not the traffic.
    if (trace.root && trace.root.attributes['rpc.service'] !== THESPIAN_RPC_SERVICE) {
      stats.otherTraces++;
      return;
    }
    if (!trace.root) stats.withoutRoot++;
    if (trace.orphans > 0) stats.withOrphans++;
    if (trace.failed) stats.failedTraces++;
    if (trace.root && !trace.failed) {
      const method = String(trace.root.attributes['rpc.method'] ?? '') as GrpcMethod;
      const key = `${trace.root.service}/${method}`;
      if (!expectedCache.has(key)) expectedCache.set(key, expectedSpansOfSuccess(topology, trace.root.service, method));
      const expected = expectedCache.get(key);
      stats.okTraces++;
      stats.okReceived += trace.spans.length;
      if (expected === undefined) stats.okExpectedKnown = false;
      else {
        stats.okExpected += expected;
        if (trace.spans.length < expected) stats.okMissing++;
      }
    }
    view?.offer(trace);
  };
  const assembler = new TraceAssembler({ onTrace, quietMs: TRACE_QUIET_MS });

  receiver.onSpans((spans: ReceivedSpan[]) => {
    stats.spans += spans.length;
    for (const span of spans) if (!span.parentSpanId && span.attributes['rpc.service'] === THESPIAN_RPC_SERVICE) stats.roots++;
    if (json) json.write(spans.map(spanJsonLine).join('\n') + '\n');
    forwarder?.forward(spans);
    assembler.add(spans);
  });
  loki.onLines((lines) => (stats.logLines += lines.length));
  if (options.jsonFile) json = createWriteStream(options.jsonFile);
  if (options.otlpUrl) forwarder = startOtlpForwarder(options.otlpUrl);

  let ensemble: Ensemble;
  try {
    ensemble = await Ensemble.start({ topology, otlpEndpoint: receiver.endpoint, lokiEndpoint: loki.endpoint, logDir });
  } catch (error) {
    // The log folder stays: it holds the reason a service did not start.
    await Promise.all([receiver.close(), loki.close(), forwarder?.shutdown(0), closeStream(json)]);
    if (error instanceof EnsembleStartError) {
      options.err.write(`thespian up: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  say(`ready: ${ensemble.services.map((service) => `${service.name} pid ${service.pid}`).join(', ')}`);
  say('Ctrl-C stops everything.');
  say();

  const driver = new TrafficDriver({
    targets,
    maxRequests: options.maxRequests,
    durationMs: options.durationMs,
    onOutcome: (outcome: RequestOutcome) => summary.record(outcome),
  });
  view = new TerminalView({
    out,
    tty: options.tty,
    colour: options.colour,
    width: options.width,
    treesPerSecond: options.treesPerSecond,
    quiet: options.quiet,
    serviceColours,
    status: () => summary.line({ elapsedMs: driver.elapsedMs, sent: driver.sent, spans: stats.spans, inFlight: driver.inFlight }),
  });
  assembler.start();
  view.start();
  driver.start();

  // Runs until the bound is reached, a signal comes, or a service dies.
  let stoppedBy = 'the end of the run';
  let signals = 0;
  let hurry: () => void = () => undefined;
  const hurried = new Promise<void>((resolve) => (hurry = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      stoppedBy = signal;
      driver.stop();
    } else {
      // A second Ctrl-C: do not wait any longer for anything.
      ensemble.killNow();
      hurry();
    }
  };
  const signalNames: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signalNames) process.on(signal, onSignal);
  const watcher = setInterval(() => {
    const crashed = ensemble.crashed;
    if (crashed.length === 0) return;
    clearInterval(watcher);
    stoppedBy = `service ${crashed[0].name} stopping on its own`;
    view!.println(...crashed.map((service) => `service ${service.name} exited unexpectedly (${describeExit(service.status)}); its log: ${service.logFile}`));
    driver.stop();
  }, WATCH_INTERVAL_MS);

  await driver.bounded;
  const elapsedMs = driver.elapsedMs;
  clearInterval(watcher);
  view.println(`stopping (${stoppedBy}): waiting for ${driver.inFlight} request${driver.inFlight === 1 ? '' : 's'} in flight, then stopping the services…`);
  const drained = await Promise.race([driver.drain(DRAIN_MS), hurried.then(() => false)]);
  if (!drained) driver.cancelInFlight();
  const serviceCpu = sumDefined(ensemble.services.map((service) => (service.pid ? cpuSecondsOf(service.pid) : undefined)));
  await Promise.race([ensemble.stop(SERVICE_STOP_MS), hurried]);
  await ensemble.stop(SERVICE_STOP_MS);
  // Every service has flushed its spans before exiting; the quiet period lets the last traces settle.
  assembler.stop();
  assembler.flush();
  view.drawWaiting(Math.max(3, Math.ceil(options.treesPerSecond)));
  view.stop();
  for (const signal of signalNames) process.off(signal, onSignal);
  driver.close();
  await Promise.all([receiver.close(), loki.close(), forwarder?.shutdown(FORWARD_FLUSH_MS), closeStream(json)]);

  const result: UpResult = {
    topology: topology.name,
    durationS: elapsedMs / 1000,
    requests: {
      sent: driver.sent,
      ok: summary.ok,
      failed: summary.failed,
      unanswered: driver.sent - summary.answered,
      targetRps: driver.targetRate,
      achievedRps: elapsedMs > 0 ? driver.sent / (elapsedMs / 1000) : 0,
      failuresByCode: Object.fromEntries(summary.failuresByCode),
    },
    latencyMs: { p50: summary.percentile(50), p90: summary.percentile(90), p99: summary.percentile(99), max: summary.percentile(100) },
    traces: {
      complete: assembler.tracesHandedOver - stats.withoutRoot - stats.otherTraces,
      withoutRoot: stats.withoutRoot,
      withOrphans: stats.withOrphans,
      drawn: view.drawn,
      failed: stats.failedTraces,
      other: stats.otherTraces,
    },
    spans: {
      received: stats.spans,
      rootSpans: stats.roots,
      late: assembler.lateSpans,
      okTraces: stats.okTraces,
      okTracesExpected: stats.okExpectedKnown ? stats.okExpected : null,
      okTracesReceived: stats.okReceived,
      okTracesWithMissingSpans: stats.okMissing,
    },
    logLines: stats.logLines,
    cpuSeconds: { parent: ownCpuSeconds(), services: serviceCpu ?? null },
    services: ensemble.services.map((service) => ({ name: service.name, port: service.port, pid: service.pid ?? null, exit: describeExit(service.status) })),
    stoppedBy,
    logDir: null,
  };
  // A temporary log folder is removed when every service stopped cleanly; otherwise it is evidence.
  const clean = ensemble.services.every((service) => service.status?.code === 0);
  if (!options.logDir && clean) rmSync(logDir, { recursive: true, force: true });
  else result.logDir = logDir;
  for (const line of finalSummary(result, options)) say(line);
  if (options.summaryJsonFile) writeFileSync(options.summaryJsonFile, `${JSON.stringify(result, null, 2)}\n`);
  return signals > 1 ? 1 : 0;
}

function trafficTargets(topology: Topology, totalRps: number | undefined): TrafficTarget[] {
  const configured = topology.entryPoints.reduce((sum, entry) => sum + entry.rps, 0);
  const scale = totalRps !== undefined && configured > 0 ? totalRps / configured : 1;
  return topology.entryPoints.map((entry) => {
    const service = topology.services.find((candidate) => candidate.name === entry.service)!;
    return { service: entry.service, method: entry.method, rps: entry.rps * scale, address: `127.0.0.1:${service.port}` };
  });
}

function printHeader(options: UpOptions, targets: TrafficTarget[], logDir: string, say: (line?: string) => void): void {
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
  const traffic = targets.map((target) => `${target.service}/${target.method} ${formatRate(target.rps)}/s`).join(', ');
  say(`traffic: ${traffic || 'none (the topology has no entry_points; call the services yourself)'}`);
  const bounds = [
    options.durationMs !== undefined ? `for ${options.durationMs / 1000} s` : '',
    options.maxRequests !== undefined ? `for ${options.maxRequests} requests` : '',
  ].filter(Boolean);
  if (bounds.length > 0) say(`  ${bounds.join(' or ')}, whichever comes first`);
  if (options.quiet || options.treesPerSecond <= 0) say('drawing: no trees (--quiet); the summary only');
  else {
    const perSecond = options.treesPerSecond === 1 ? '1 trace tree per second' : `${options.treesPerSecond} trace trees per second`;
    say(`drawing: at most ${perSecond}, failed ones first (--trees N to change, --quiet for none)`);
  }
  say(`logs: ${logDir}/<service>.log${options.logDir ? '' : ' (removed after a clean stop)'}${options.jsonFile ? `; spans: ${options.jsonFile}` : ''}${options.otlpUrl ? `; forwarding to ${options.otlpUrl}` : ''}`);
}

function finalSummary(result: UpResult, options: UpOptions): string[] {
  const { requests, latencyMs, traces, spans } = result;
  const percent = (part: number, whole: number) => (whole === 0 ? '0%' : `${((part / whole) * 100).toFixed(1)}%`);
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
    `  requests  ${requests.sent} sent at ${requests.achievedRps.toFixed(1)}/s (asked ${formatRate(requests.targetRps)}/s): ${requests.ok} ok, ${requests.failed} failed (${percent(requests.failed, requests.ok + requests.failed)})${codes ? ` [${codes}]` : ''}${requests.unanswered ? `, ${requests.unanswered} unanswered` : ''}`,
    `  latency   p50 ${ms(latencyMs.p50)}, p90 ${ms(latencyMs.p90)}, p99 ${ms(latencyMs.p99)}, max ${ms(latencyMs.max)}`,
    `  traces    ${traces.complete} with their root (${traces.failed} failed), ${traces.withoutRoot} without; ${traces.withOrphans} missing a parent span; ${traces.drawn} drawn`,
    `  spans     ${spans.received.toLocaleString('en-US')} received, ${spans.rootSpans} roots for ${requests.ok + requests.failed} answered requests; ${expected}${spans.okTracesWithMissingSpans ? ` (${spans.okTracesWithMissingSpans} short)` : ''}; ${spans.late} late`,
    `  logs      ${result.logLines.toLocaleString('en-US')} lines pushed to the embedded Loki receiver${result.logDir ? `; kept in ${result.logDir}` : ''}`,
    `  cpu       this process ${result.cpuSeconds.parent.toFixed(1)} s${result.cpuSeconds.services === null ? '' : `, services ${result.cpuSeconds.services.toFixed(1)} s`}`,
  ];
  if (options.jsonFile) lines.push(`  json      every span in ${options.jsonFile}`);
  return lines;
}

function formatRate(rps: number): string {
  return Number.isInteger(rps) ? String(rps) : rps.toFixed(2).replace(/0+$/, '');
}

function describeExit(status: { code: number | null; signal: NodeJS.Signals | null } | undefined): string {
  if (!status) return 'running';
  return status.signal ? `killed by ${status.signal}` : `exit code ${status.code}`;
}

function sumDefined(values: (number | undefined)[]): number | undefined {
  if (values.some((value) => value === undefined)) return undefined;
  return values.reduce<number>((sum, value) => sum + (value ?? 0), 0);
}

function closeStream(stream: WriteStream | undefined): Promise<void> {
  if (!stream) return Promise.resolve();
  return new Promise((resolve) => stream.end(resolve));
}
