import { endpointName, LINE_LEVELS, type LineLevel } from '../common';
import { writeFileSync } from 'node:fs';
import { localTargets, parseTargetAddress, type TargetAddress } from '../traffic';
import { checkWritable } from './check-writable';
import { defineCommand } from './command';
import { loadCommandTopology } from './command-topology';
import { readFlags, type FlagTable } from './flag-table';
import { besideStdout, durationSeconds, fraction, httpAddress, mustBe, nonEmpty, oneOf, ratePerSecond, Refusal, serviceTarget, wholeNumber } from './option-readers';
import { stoppableBySignals, signalExitCode } from './stop-signals';
import { UsageError } from './usage-error';
import type { Topology } from '../topology';
import type { LogSource, MetricsSource, TraceSource } from '../verify';

const VERIFY_FLAGS = {
  tempo: { value: 'URL', help: "Tempo's HTTP API, e.g. http://localhost:3200 (GET /api/traces/<id>)", read: backendAddress },
  jaeger: { value: 'URL', help: "Jaeger's query API, e.g. http://localhost:16686 (GET /api/traces/<id>)", read: backendAddress },
  embedded: { help: 'the query API of `thespian up` itself (port below base_port, e.g. 7099); also reads its log lines unless --loki is given' },
  'query-port': { value: 'N', help: 'with --embedded: the port given to `thespian up --query-port`', read: mustBe('a port number from 1 to 65535', wholeNumber(1, 65535)) },
  loki: { value: 'URL', help: 'Loki, e.g. http://localhost:3100 (GET /loki/api/v1/query_range)', read: backendAddress },
  prometheus: {
    value: 'URL',
    help: "Prometheus's HTTP API, e.g. http://localhost:9090 (GET /api/v1/query): the requests and injected failures it counted, per service and method, against what verify caused",
    read: backendAddress,
  },
  'loki-selector': { value: 'SEL', help: 'the stream selector of the log query (default {service_name=~".+"})' },
  topology: { value: 'T', help: 'the topology file `thespian up` runs (or a bundled name: ecosystem)' },
  requests: { value: 'N', help: 'how many requests, spread over the entry points by rps', default: '100', read: mustBe('a whole number ≥ 1', wholeNumber(1)) },
  rate: { value: 'R', help: 'requests per second in all', default: '20', read: mustBe('a number of requests per second > 0', ratePerSecond) },
  target: { value: 'SVC=HOST:PORT', repeatable: true, help: "send a service's entry-point requests there instead", read: serviceTarget },
  wait: {
    value: 'S',
    help: 'how long to wait for traces, lines and metric counts to arrive (from the end of sending); polling stops as soon as everything is there',
    default: '30 s',
    read: mustBe('a time > 0 such as 30, 30s or 2m', durationSeconds),
  },
  'max-loss': {
    value: 'F',
    help: 'the share of spans, of log lines, and of metric counts that may be lost: 0.01 or 1%',
    default: '0',
    read: mustBe('a fraction from 0 to 1 or a percentage, like 0.01 or 1%', fraction),
  },
  'log-level': {
    value: 'LEVEL',
    help: "the services' LOG_LEVEL (info, warn or error): lines below it are not expected",
    default: 'info',
    read: mustBe('info, warn or error', oneOf(LINE_LEVELS)),
  },
  timeout: { value: 'S', help: 'deadline of each request', default: '30 s', read: mustBe('a time > 0 such as 30 or 30s', durationSeconds) },
  json: { value: 'FILE', help: 'write the whole result as JSON, every trace included', read: besideStdout('file name', "verify's report") },
  'no-incidents': {
    help: "do not play the topology's incidents (no THESPIAN_ADMIN_TOKEN needed): every request is held against the baseline, and the windows are reported as not played",
  },
} satisfies FlagTable;

interface VerifyArgs {
  topology: string;
  backend: { kind: 'tempo' | 'jaeger'; url: string } | { kind: 'embedded'; queryPort?: number };
  loki?: string;
  lokiSelector?: string;
  prometheus?: string;
  requests: number;
  rate: number;
  targets: Map<string, TargetAddress>;
  waitS: number;
  maxLoss: number;
  logLevel: LineLevel;
  timeoutS: number;
  json?: string;
  noIncidents: boolean;
}

export const verifyCommand = defineCommand(VERIFY_FLAGS, {
  name: 'verify',
  summary: 'send requests to a running topology, read their traces and logs back, report what was lost',
  header: `Usage: thespian verify --topology T (--tempo URL | --jaeger URL | --embedded) [--loki URL] [--prometheus URL] [options]

Checks that your telemetry pipeline lost nothing, signal by signal. It sends requests to the
entry points of a running \`thespian up\` of the topology (127.0.0.1 at each service's port),
reads every request's trace back from the backend, its log lines from Loki (lines pushed by
winston-loki, found by the trace id in the line, or sent over OTLP to Loki 3, found by their
trace_id structured metadata), and with --prometheus the requests and injected failures counted
by Prometheus, and holds it all against what the requests must have produced (see \`thespian
predict\`). It reports, table first: traces complete, partial and missing; spans lost; broken
parent links; log lines lost; requests counted per service and method against those served;
injected failures counted against those the traces show; the observed failure rate against the
predicted one with a 95% confidence interval. Then the details and the worst traces.

Metrics are checked by their increase: verify reads the counts before it sends and polls until
they have grown by what its requests caused (an export interval and a scrape) or --wait runs
out. Traffic from elsewhere in that time (\`up\`'s own --rps) is counted too and said as extra;
it can hide a loss of the same size. Every service is checked when every trace came back
complete (their SERVER spans say which calls each served), else the entry points only.

A topology with incidents: verify plays their schedule while it sends, through each
instance's admin API (so THESPIAN_ADMIN_TOKEN must be set, as on the instances), sends for at
least as long as their first windows last and 2 s after (it says so first, and refuses a
schedule that would take more than an hour or 100 000 requests), and holds the requests sent
inside each window against the prediction inside it and the rest against the baseline. Ctrl-C
or SIGTERM while it plays them clears what it put in effect before verify exits.`,
  sections: [
    { heading: 'Where to read back:', rows: ['tempo', 'jaeger', 'embedded', 'query-port', 'loki', 'loki-selector', 'prometheus'] },
    { heading: 'Options:', rows: ['topology', 'requests', 'rate', 'target', 'wait', 'max-loss', 'log-level', 'timeout', 'json', 'no-incidents'] },
  ],
  footer: `Exit status: 0 when each signal's loss (spans, log lines, metrics) is within --max-loss, 1 when
one is not (or nothing could be checked: no \`thespian up\` answering, a trace backend that never
answered, a Prometheus that cannot be queried before sending, or an instance whose admin API
refuses to play the incidents), 2 for bad arguments (and for
incidents to play without THESPIAN_ADMIN_TOKEN, or too far away to cover), 130 after SIGINT and
143 after SIGTERM while the incidents play. See docs/verify.md.`,
  async run(args) {
    const parsed = parseVerifyArgs(args);
    if (parsed.json !== undefined) checkWritable(parsed.json);
    const topology = loadCommandTopology(parsed.topology, { printWarnings: true });
    checkEntryPoints(topology, parsed);
    const token = incidentToken(topology, parsed);
    const { predictions, inside } = predictEntryPoints(topology);
    const sources = readBackSources(topology, parsed);
    const verify = require('../verify') as typeof import('../verify');
    const targets = verifyTargets(topology, parsed);
    if (token !== undefined) checkSendingPlan(topology, targets, parsed);
    const injector = token !== undefined ? incidentInjector(topology, targets, token) : undefined;
    let result: import('../verify').VerifyResult;
    try {
      result = await verify.runVerify({
        topologyName: topology.name,
        predictions,
        targets,
        ...(topology.incidents.length > 0 ? { incidents: { incidents: topology.incidents, inside, ...(injector ? { injector, stoppable: stoppableBySignals } : {}) } } : {}),
        requests: parsed.requests,
        timeoutMs: parsed.timeoutS * 1000,
        ...sources,
        logLevel: parsed.logLevel,
        waitMs: parsed.waitS * 1000,
        maxLoss: parsed.maxLoss,
        progress: (line) => process.stderr.write(`${line}\n`),
      });
    } catch (error) {
      if (error instanceof verify.VerifyStopped) {
        process.stderr.write(`thespian verify: ${error.message}\n`);
        return signalExitCode(error.reason as NodeJS.Signals);
      }
      if (error instanceof verify.VerifyError) {
        process.stderr.write(`thespian verify: ${error.message}\n`);
        return 1;
      }
      throw error;
    } finally {
      injector?.close();
    }
    process.stdout.write(`${verify.formatReport(result)}\n`);
    if (parsed.json !== undefined) writeFileSync(parsed.json, `${JSON.stringify(result, null, 2)}\n`);
    return result.loss.exceeded ? 1 : 0;
  },
});

/** Requests go to the entry points, and --target may only move one of those. */
function checkEntryPoints(topology: Topology, parsed: VerifyArgs): void {
  if (topology.entryPoints.length === 0) throw new UsageError(`${parsed.topology} has no entry_points to send requests to`);
  for (const service of parsed.targets.keys()) {
    if (!topology.entryPoints.some((entry) => entry.service === service)) {
      throw new UsageError(`--target ${service}=…: ${service} is not an entry point of ${topology.name} (entry points: ${[...new Set(topology.entryPoints.map((entry) => entry.service))].join(', ')})`);
    }
  }
}

/**
 * What each entry point's requests must produce, outside every incident window (the baseline) and
 * inside each incident's (by its name); a topology that cannot be predicted (a call cycle) is a
 * ConfigError.
 */
function predictEntryPoints(topology: Topology): {
  predictions: Map<string, import('../predict').EndpointPrediction>;
  inside: Map<string, Map<string, import('../predict').EndpointPrediction>>;
} {
  const predict = require('../predict') as typeof import('../predict');
  const { ConfigError } = require('../config') as typeof import('../config');
  const predictor = new predict.WindowPredictions(predict.worldOfTopology(topology), topology.incidents);
  const predictions = new Map<string, import('../predict').EndpointPrediction>();
  const inside = new Map<string, Map<string, import('../predict').EndpointPrediction>>();
  for (const entry of topology.entryPoints) {
    const endpoint = endpointName(entry.service, entry.method);
    if (predictions.has(endpoint)) continue;
    try {
      predictions.set(endpoint, predictor.baselineOf(entry.service, entry.method));
      inside.set(endpoint, new Map(predictor.windowsOf(entry.service, entry.method).map((window) => [window.incident.name, window.prediction])));
    } catch (error) {
      if (error instanceof predict.PredictError) throw new ConfigError(topology.sourcePath, [error.message]);
      throw error;
    }
  }
  return { predictions, inside };
}

/** Covering the incidents' first windows must not mean sending for hours: refused (exit 2) before anything is sent. */
function checkSendingPlan(topology: Topology, targets: ReturnType<typeof verifyTargets>, parsed: VerifyArgs): void {
  const { sendingPlan } = require('../verify') as typeof import('../verify');
  const plan = sendingPlan(topology.incidents, targets.reduce((sum, target) => sum + target.rate, 0), parsed.requests);
  if ('refusal' in plan) throw new UsageError(plan.refusal);
}

/** The admin token to play the topology's incidents with; undefined when there are none to play (or --no-incidents). */
function incidentToken(topology: Topology, parsed: VerifyArgs): string | undefined {
  if (topology.incidents.length === 0 || parsed.noIncidents) return undefined;
  const { adminTokenFrom } = require('../config') as typeof import('../config');
  const why = `${topology.name} has incidents: verify plays them through the instances' admin API, sending THESPIAN_ADMIN_TOKEN (the instances' own)`;
  const noIncidents = 'or give --no-incidents to check without them';
  if (process.env.THESPIAN_ADMIN_TOKEN === undefined) throw new UsageError([`${why}, which is not set`, noIncidents].join('\n'));
  const { token, problem } = adminTokenFrom(process.env);
  if (token === undefined) throw new UsageError([why, problem!, noIncidents].join('\n'));
  return token;
}

/**
 * Injects into the instances verify sends to: an entry point's service where its requests go
 * (--target or 127.0.0.1 at its port), every other service at 127.0.0.1 at its port.
 */
function incidentInjector(topology: Topology, targets: ReturnType<typeof verifyTargets>, token: string): import('../chaos').AdminInjector {
  const { AdminInjector } = require('../chaos') as typeof import('../chaos');
  const addresses = new Map<string, string[]>();
  for (const service of topology.services) {
    const sentTo = [...new Set(targets.filter((target) => target.label === service.name).map((target) => target.address.address))];
    addresses.set(service.name, sentTo.length > 0 ? sentTo : [`127.0.0.1:${service.port}`]);
  }
  return new AdminInjector(addresses, token);
}

/** Where traces and log lines are read back: the backends given, or the query API of `thespian up` itself. */
function readBackSources(topology: Topology, parsed: VerifyArgs): { traces: TraceSource; logs?: LogSource; metrics?: { source: MetricsSource; services: string[] } } {
  const collector = require('../collector') as typeof import('../collector');
  const verify = require('../verify') as typeof import('../verify');
  const embeddedUrl =
    parsed.backend.kind === 'embedded'
      ? `http://127.0.0.1:${parsed.backend.queryPort ?? collector.defaultQueryPort(topology.basePort, topology.services.map((service) => service.port))}`
      : undefined;
  const traces =
    parsed.backend.kind === 'tempo' ? verify.tempoSource(parsed.backend.url)
    : parsed.backend.kind === 'jaeger' ? verify.jaegerSource(parsed.backend.url)
    : { ...verify.tempoSource(embeddedUrl!), description: `thespian up ${embeddedUrl}` };
  const lokiUrl = parsed.loki ?? embeddedUrl;
  const lokiReader = lokiUrl ? verify.lokiSource(lokiUrl, parsed.lokiSelector) : undefined;
  const logs = lokiReader && lokiUrl === embeddedUrl ? { ...lokiReader, description: 'logs from the same' } : lokiReader;
  const metrics = parsed.prometheus ? { source: verify.prometheusSource(parsed.prometheus), services: topology.services.map((service) => service.name) } : undefined;
  return { traces, ...(logs ? { logs } : {}), ...(metrics ? { metrics } : {}) };
}

/**
 * The entry points at their share of --rate, each labelled with its endpoint, moved where --target
 * says. verify sends its own number of requests (--requests), so a staged entry point is sent to
 * at its stages' mean rate, flat: the comparison with the prediction needs the count, not the ramp.
 */
function verifyTargets(topology: Topology, parsed: VerifyArgs) {
  return localTargets(topology, parsed.rate).map(({ stages: _ramp, ...target }) => ({
    ...target,
    endpoint: endpointName(target.label, target.method),
    address: parsed.targets.get(target.label) ?? target.address,
  }));
}

function parseVerifyArgs(args: string[]): VerifyArgs {
  const { values, given, positionals, problems } = readFlags(args, VERIFY_FLAGS);
  if (positionals.length > 0) problems.unshift(`unexpected argument "${positionals[0]}" (the topology goes after --topology)`);
  if (!values.topology) problems.push('which topology? Give --topology FILE (the one `thespian up` runs)');
  const chosen = (['tempo', 'jaeger', 'embedded'] as const).filter((name) => given.has(name));
  if (chosen.length === 0) problems.push('where to read traces back? Give --tempo URL, --jaeger URL or --embedded');
  if (chosen.length > 1) problems.push(`give one of --tempo, --jaeger and --embedded (got ${chosen.map((name) => `--${name}`).join(', ')})`);
  if (given.has('query-port') && !values.embedded) problems.push('--query-port goes with --embedded');
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  const { tempo, jaeger, loki, requests, rate, json } = values;
  return {
    topology: values.topology!,
    backend: tempo ? { kind: 'tempo', url: tempo } : jaeger ? { kind: 'jaeger', url: jaeger } : { kind: 'embedded', ...(values['query-port'] ? { queryPort: values['query-port'] } : {}) },
    ...(loki ? { loki } : {}),
    ...(values['loki-selector'] ? { lokiSelector: values['loki-selector'] } : {}),
    ...(values.prometheus ? { prometheus: values.prometheus } : {}),
    requests,
    rate,
    targets: new Map(values.target),
    waitS: values.wait,
    maxLoss: values['max-loss'],
    logLevel: values['log-level'],
    timeoutS: values.timeout,
    ...(json !== undefined ? { json } : {}),
    noIncidents: values['no-incidents'],
  };
}

function backendAddress(text: string): string | Refusal {
  return mustBe(`an http:// or https:// address like http://localhost:3200`, httpAddress)(text);
}
