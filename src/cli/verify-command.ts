import { writeFileSync } from 'node:fs';
import { LINE_LEVELS, type LineLevel } from '../common';
import { durationSeconds, ratePerSecond, wholeNumberAtLeast } from './option-values';
import { localTargets, parseTargetAddress, TargetAddressError, type TargetAddress } from '../traffic';
import { checkWritable } from './check-writable';
import type { Command } from './command';
import { loadCommandTopology } from './command-topology';
import { parseCommandArgs } from './parse-command-args';
import { UsageError } from './usage-error';

const USAGE = `Usage: thespian verify --topology T (--tempo URL | --jaeger URL | --embedded) [--loki URL] [options]

Checks that your telemetry pipeline lost nothing. It sends requests to the entry points of a
running \`thespian up\` of the topology (127.0.0.1 at each service's port), reads every request's
trace back from the backend (and its log lines from Loki), and holds each trace against what the
request must have produced (see \`thespian predict\`). It reports, table first: traces complete,
partial and missing; spans lost; broken parent links; log lines lost; the observed failure rate
against the predicted one with a 95% confidence interval. Then the worst traces.

Where to read back:
  --tempo URL            Tempo's HTTP API, e.g. http://localhost:3200 (GET /api/traces/<id>)
  --jaeger URL           Jaeger's query API, e.g. http://localhost:16686 (GET /api/traces/<id>)
  --embedded             the query API of \`thespian up\` itself (port below base_port, e.g. 7099);
                         also reads its log lines unless --loki is given
  --query-port N         with --embedded: the port given to \`thespian up --query-port\`
  --loki URL             Loki, e.g. http://localhost:3100 (GET /loki/api/v1/query_range)
  --loki-selector SEL    the stream selector of the log query (default {service_name=~".+"})

Options:
  --topology T           the topology file \`thespian up\` runs (or a bundled name: ecosystem)
  --requests N           how many requests (default 100), spread over the entry points by rps
  --rate R               requests per second in all (default 20)
  --target SVC=HOST:PORT send a service's entry-point requests there instead (repeatable)
  --wait S               how long to wait for traces to be ingested (default 30 s); polling stops
                         as soon as every trace (and its lines) is complete
  --max-loss F           the share of spans or log lines that may be lost: 0.01 or 1% (default 0)
  --log-level LEVEL      the services' LOG_LEVEL (info, warn or error; default info): lines below
                         it are not expected
  --timeout S            deadline of each request (default 30 s)
  --json FILE            write the whole result as JSON, every trace included

Exit status: 0 when the loss is within --max-loss, 1 when it is not (or nothing could be
checked: no \`thespian up\` answering, or a backend that never answered), 2 for bad arguments.
See docs/verify.md.`;

interface VerifyArgs {
  topology: string;
  backend: { kind: 'tempo' | 'jaeger'; url: string } | { kind: 'embedded'; queryPort?: number };
  loki?: string;
  lokiSelector?: string;
  requests: number;
  rate: number;
  targets: Map<string, TargetAddress>;
  waitS: number;
  maxLoss: number;
  logLevel: LineLevel;
  timeoutS: number;
  json?: string;
}

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'send requests to a running topology, read their traces and logs back, report what was lost',
  usage: USAGE,
  async run(args) {
    const parsed = parseVerifyArgs(args);
    if (parsed.json !== undefined) checkWritable(parsed.json);
    const predict = require('../predict') as typeof import('../predict');
    const { ConfigError } = require('../config/config-error') as typeof import('../config/config-error');
    const topology = loadCommandTopology(parsed.topology, { printWarnings: true });
    if (topology.entryPoints.length === 0) throw new UsageError(`${parsed.topology} has no entry_points to send requests to`);
    for (const service of parsed.targets.keys()) {
      if (!topology.entryPoints.some((entry) => entry.service === service)) {
        throw new UsageError(`--target ${service}=…: ${service} is not an entry point of ${topology.name} (entry points: ${[...new Set(topology.entryPoints.map((entry) => entry.service))].join(', ')})`);
      }
    }

    const predictor = new predict.Predictor(predict.worldOfTopology(topology));
    const predictions = new Map<string, import('../predict').EndpointPrediction>();
    for (const entry of topology.entryPoints) {
      const endpoint = `${entry.service}/${entry.method}`;
      try {
        if (!predictions.has(endpoint)) predictions.set(endpoint, predictor.predict(entry.service, entry.method));
      } catch (error) {
        if (error instanceof predict.PredictError) throw new ConfigError(topology.sourcePath, [error.message]);
        throw error;
      }
    }

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

    const targets = localTargets(topology, parsed.rate).map((target) => ({
      ...target,
      endpoint: `${target.label}/${target.method}`,
      address: parsed.targets.get(target.label) ?? target.address,
    }));

    let result: import('../verify').VerifyResult;
    try {
      result = await verify.runVerify({
        topologyName: topology.name,
        predictions,
        targets,
        requests: parsed.requests,
        timeoutMs: parsed.timeoutS * 1000,
        traces,
        ...(logs ? { logs } : {}),
        logLevel: parsed.logLevel,
        waitMs: parsed.waitS * 1000,
        maxLoss: parsed.maxLoss,
        progress: (line) => process.stderr.write(`${line}\n`),
      });
    } catch (error) {
      if (error instanceof verify.VerifyError) {
        process.stderr.write(`thespian verify: ${error.message}\n`);
        return 1;
      }
      throw error;
    }
    process.stdout.write(`${verify.formatReport(result)}\n`);
    if (parsed.json !== undefined) writeFileSync(parsed.json, `${JSON.stringify(result, null, 2)}\n`);
    return result.loss.exceeded ? 1 : 0;
  },
};

function parseVerifyArgs(args: string[]): VerifyArgs {
  const parsed = parseCommandArgs(args, {
    topology: { type: 'string' },
    tempo: { type: 'string' },
    jaeger: { type: 'string' },
    embedded: { type: 'boolean' },
    'query-port': { type: 'string' },
    loki: { type: 'string' },
    'loki-selector': { type: 'string' },
    requests: { type: 'string' },
    rate: { type: 'string' },
    target: { type: 'string', multiple: true },
    wait: { type: 'string' },
    'max-loss': { type: 'string' },
    'log-level': { type: 'string' },
    timeout: { type: 'string' },
    json: { type: 'string' },
  });
  const values = parsed.values;
  const problems: string[] = [];
  if (parsed.positionals.length > 0) problems.push(`unexpected argument "${parsed.positionals[0]}" (the topology goes after --topology)`);
  if (!values.topology) problems.push('which topology? Give --topology FILE (the one `thespian up` runs)');
  const chosen = (['tempo', 'jaeger', 'embedded'] as const).filter((name) => values[name] !== undefined && values[name] !== false);
  if (chosen.length === 0) problems.push('where to read traces back? Give --tempo URL, --jaeger URL or --embedded');
  if (chosen.length > 1) problems.push(`give one of --tempo, --jaeger and --embedded (got ${chosen.map((name) => `--${name}`).join(', ')})`);
  const url = (name: string, text: string | undefined): string | undefined => {
    if (text === undefined) return undefined;
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text.trim()) ? text.trim() : `http://${text.trim()}`;
    try {
      const parsedUrl = new URL(withScheme);
      if (parsedUrl.protocol === 'http:' || parsedUrl.protocol === 'https:') return withScheme.replace(/\/+$/, '');
    } catch {
      // reported below
    }
    problems.push(`--${name} must be an http:// or https:// address like http://localhost:3200 (got "${text}")`);
    return undefined;
  };
  const tempo = url('tempo', values.tempo);
  const jaeger = url('jaeger', values.jaeger);
  const loki = url('loki', values.loki);
  let queryPort: number | undefined;
  if (values['query-port'] !== undefined) {
    queryPort = wholeNumberAtLeast(values['query-port'], 1);
    if (queryPort === undefined || queryPort > 65535) problems.push(`--query-port must be a port number from 1 to 65535 (got "${values['query-port']}")`);
    if (!values.embedded) problems.push('--query-port goes with --embedded');
  }
  const requests = values.requests === undefined ? 100 : wholeNumberAtLeast(values.requests, 1);
  if (requests === undefined) problems.push(`--requests must be a whole number ≥ 1 (got "${values.requests}")`);
  const rate = values.rate === undefined ? 20 : ratePerSecond(values.rate);
  if (rate === undefined) problems.push(`--rate must be a number of requests per second > 0 (got "${values.rate}")`);
  const waitS = values.wait === undefined ? 30 : durationSeconds(values.wait);
  if (waitS === undefined) problems.push(`--wait must be a time > 0 such as 30, 30s or 2m (got "${values.wait}")`);
  const timeoutS = values.timeout === undefined ? 30 : durationSeconds(values.timeout);
  if (timeoutS === undefined) problems.push(`--timeout must be a time > 0 such as 30 or 30s (got "${values.timeout}")`);
  const maxLoss = values['max-loss'] === undefined ? 0 : fraction(values['max-loss']);
  if (maxLoss === undefined) problems.push(`--max-loss must be a fraction from 0 to 1 or a percentage, like 0.01 or 1% (got "${values['max-loss']}")`);
  const logLevel = (values['log-level'] ?? 'info') as LineLevel;
  if (!LINE_LEVELS.includes(logLevel)) problems.push(`--log-level must be info, warn or error (got "${values['log-level']}")`);
  if (values.json === '') problems.push('--json needs a file name');
  const targets = new Map<string, TargetAddress>();
  for (const text of values.target ?? []) {
    const match = /^([^=]+)=(.+)$/.exec(text);
    if (!match) {
      problems.push(`--target must be SERVICE=HOST:PORT (got "${text}")`);
      continue;
    }
    try {
      targets.set(match[1].trim(), parseTargetAddress(match[2]));
    } catch (error) {
      if (!(error instanceof TargetAddressError)) throw error;
      problems.push(`--target ${error.message}`);
    }
  }
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return {
    topology: values.topology!,
    backend: tempo ? { kind: 'tempo', url: tempo } : jaeger ? { kind: 'jaeger', url: jaeger } : { kind: 'embedded', ...(queryPort ? { queryPort } : {}) },
    ...(loki ? { loki } : {}),
    ...(values['loki-selector'] ? { lokiSelector: values['loki-selector'] } : {}),
    requests: requests!,
    rate: rate!,
    targets,
    waitS: waitS!,
    maxLoss: maxLoss!,
    logLevel,
    timeoutS: timeoutS!,
    ...(values.json !== undefined ? { json: values.json } : {}),
  };
}

function fraction(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(%?)\s*$/.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]) / (match[2] ? 100 : 1);
  return value >= 0 && value <= 1 ? value : undefined;
}
