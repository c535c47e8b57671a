import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defineCommand } from './command';
// not through the index: config/index loads the engine and its zod schemas, which commands that read no behaviour (poke, health, load) should not wait for
import { MAX_SEED } from '../config/setting-values';
import { endpointName } from '../common';
import { readFlags, type FlagTable } from './flag-table';
import { mustBe, wholeNumber } from './option-readers';
import { UsageError } from './usage-error';

const PREDICT_FLAGS = {
  entry: {
    value: 'SERVICE.METHOD',
    repeatable: true,
    help: "which method to predict (e.g. frontend.A; for a behaviour just A); default: a topology's entry points, or every method a behaviour has",
  },
  port: {
    value: 'P',
    help: "a behaviour's own port (default 6379): its calls to 127.0.0.1:P are calls to itself and are predicted; other addresses are outside",
    read: mustBe('a whole number from 1 to 65535', wholeNumber(1, 65535)),
  },
  samples: { value: 'N', help: 'Monte Carlo draws (default 20000)', read: mustBe('a whole number from 1 to 10000000', wholeNumber(1, 10_000_000)) },
  seed: { value: 'S', help: 'seed of those draws (default 1), so output repeats exactly', read: mustBe(`a whole number from 0 to ${MAX_SEED}`, wholeNumber(0, MAX_SEED)) },
  json: { help: 'print the predictions as JSON instead (for scripts)' },
} satisfies FlagTable;

interface PredictArgs {
  source: string;
  entries: string[];
  port?: number;
  samples?: number;
  seed?: number;
  json: boolean;
}

export const predictCommand = defineCommand(PREDICT_FLAGS, {
  name: 'predict',
  summary: 'predict one request from a config: span tree, failure probability, latency',
  header: `Usage: thespian predict <BEHAVIOUR | TOPOLOGY> [--entry SERVICE.METHOD] [options]

Works out what one request does, from the config alone, without running anything:
  - the span tree: every span per service and name (the gRPC instrumentation's SERVER span per
    call received and CLIENT span per attempt sent included), and how many there are;
  - the probability that it fails, by status code, computed exactly from the tree (sequences,
    concurrent actions, nested Functions, calls across services, retries); a timeout's chance
    is exact where the latency has a closed form and estimated by sampling where not;
  - log lines, and latency: the exact critical path for fixed durations, p50 and p99 by seeded
    Monte Carlo for latency distributions;
  - for a topology with incidents: the failure probability and latency of a request made inside
    each incident's windows, reckoned with that incident alone (docs/verify.md).

BEHAVIOUR is a behaviour file (CONFIG_JSON as a .json/.jsonc file) or the name of a bundled
example (e.g. chaos_checkout). TOPOLOGY is a topology file (as \`thespian up\` takes) or a
bundled one (ecosystem).`,
  footer: 'Exit status: 0, or 2 for bad arguments or a config that cannot be read or predicted.',
  async run(args) {
    const parsed = parsePredictArgs(args);
    const { ConfigError } = require('../config') as typeof import('../config');
    const predict = require('../predict') as typeof import('../predict');
    const { endpoints, world, label, incidents } = loadInput(parsed);
    const predictor = new predict.WindowPredictions(world, incidents, { samples: parsed.samples, seed: parsed.seed });
    const predictions = [];
    for (const endpoint of endpoints) {
      try {
        predictions.push({ baseline: predictor.baselineOf(endpoint.service, endpoint.method), windows: predictor.windowsOf(endpoint.service, endpoint.method) });
      } catch (error) {
        if (error instanceof predict.PredictError) throw new ConfigError(label, [error.message]);
        throw error;
      }
    }
    if (parsed.json) {
      const json = predictions.map(({ baseline, windows }) => predict.predictionJson(baseline, windows));
      process.stdout.write(`${JSON.stringify({ source: label, predictions: json }, null, 2)}\n`);
      return 0;
    }
    const out: string[] = [`Prediction for one request: ${label}`, ''];
    predictions.forEach(({ baseline, windows }, index) => {
      if (index > 0) out.push('', '─'.repeat(80), '');
      out.push(...predict.formatPrediction(baseline, windows));
    });
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  },
});

type GrpcMethod = 'A' | 'B' | 'C';

interface LoadedInput {
  endpoints: { service: string; method: GrpcMethod }[];
  world: import('../predict').PredictionWorld;
  label: string;
  /** A topology's scheduled incidents (none for a behaviour): each gets its own block. */
  incidents: readonly import('../topology').ScheduledIncident[];
}

function loadInput(args: PredictArgs): LoadedInput {
  const { EXAMPLES_DIR, readConfigFile, configFileType, validateBehaviour } = require('../config') as typeof import('../config');
  const topologyModule = require('../topology') as typeof import('../topology');
  const predict = require('../predict') as typeof import('../predict');

  const path = locate(args.source, EXAMPLES_DIR);
  const text = readConfigFile(path, args.source);
  const format = topologyModule.formatOfPath(path);
  const data = topologyModule.readTopologyText(text, args.source, format);
  const isTopology = configFileType(data) === 'topology';

  if (isTopology) {
    const topology = topologyModule.parseTopology(text, path, format);
    if (args.port !== undefined) throw new UsageError('--port is for a behaviour; a topology gives every service its port');
    const names = topology.services.map((service) => service.name);
    let endpoints: { service: string; method: GrpcMethod }[];
    if (args.entries.length > 0) {
      endpoints = args.entries.map((entry) => parseEntry(entry, names));
    } else if (topology.entryPoints.length > 0) {
      endpoints = topology.entryPoints.map((entry) => ({ service: entry.service, method: entry.method }));
    } else {
      endpoints = topology.services.flatMap((service) =>
        (['A', 'B', 'C'] as const).filter((method) => hasMethod(service.behaviour, method)).map((method) => ({ service: service.name, method })),
      );
    }
    const unique = [...new Map(endpoints.map((endpoint) => [endpointName(endpoint.service, endpoint.method), endpoint])).values()];
    return { endpoints: unique, world: predict.worldOfTopology(topology), label: `topology ${topology.name} (${args.source})`, incidents: topology.incidents };
  }

  const behaviour = validateBehaviour(data, args.source);
  const service = behaviour.serviceName ?? 'thespian';
  const methods = args.entries.length > 0
    ? args.entries.map((entry) => parseEntry(entry, [service]).method)
    : (['A', 'B', 'C'] as const).filter((method) => behaviour.methods[method] !== null);
  if (methods.length === 0) methods.push('A');
  return {
    endpoints: [...new Set(methods)].map((method) => ({ service, method })),
    world: predict.worldOfBehaviour(behaviour, service, args.port),
    label: `behaviour ${args.source} as service ${service}${args.port !== undefined ? ` on port ${args.port}` : ''}`,
    incidents: [],
  };
}

/** A path (has a slash or a known extension) as it is; a bare name is a bundled example. */
function locate(source: string, examplesDir: string): string {
  if (source.includes('/') || source.includes('\\') || /\.(jsonc?|ya?ml)$/i.test(source)) return source;
  for (const extension of ['.jsonc', '.json', '.yaml', '.yml']) {
    const candidate = join(examplesDir, source + extension);
    if (existsSync(candidate)) return candidate;
  }
  const { readdirSync } = require('node:fs') as typeof import('node:fs');
  const bundled = existsSync(examplesDir)
    ? readdirSync(examplesDir)
        .filter((file) => /\.(jsonc?|ya?ml)$/.test(file) && !file.endsWith('.schema.json'))
        .map((file) => file.replace(/\.(jsonc?|ya?ml)$/, ''))
    : [];
  throw new UsageError(`"${source}" is neither a file path nor a bundled example (bundled: ${bundled.join(', ')}); a path needs a / or a .json/.jsonc/.yaml ending`);
}

/** "frontend.A", "frontend/A", or just "A" when there is one service. */
function parseEntry(text: string, services: readonly string[]): { service: string; method: GrpcMethod } {
  const match = /^(?:(.+)[./])?([ABCabc])$/.exec(text.trim());
  if (!match) throw new UsageError(`--entry must be SERVICE.METHOD with METHOD A, B or C (got "${text}")`);
  const method = match[2].toUpperCase() as GrpcMethod;
  const service = match[1] ?? (services.length === 1 ? services[0] : undefined);
  if (service === undefined) throw new UsageError(`--entry ${text}: which service? Give SERVICE.${method} (services: ${services.join(', ')})`);
  if (!services.includes(service)) throw new UsageError(`--entry ${text}: no service "${service}" (services: ${services.join(', ')})`);
  return { service, method };
}

function hasMethod(behaviour: unknown, method: GrpcMethod): boolean {
  const fn = typeof behaviour === 'object' && behaviour !== null ? (behaviour as Record<string, unknown>)[`grpc_method_${method.toLowerCase()}`] : undefined;
  return fn !== null && fn !== undefined;
}

function parsePredictArgs(args: string[]): PredictArgs {
  const { values, positionals, problems } = readFlags(args, PREDICT_FLAGS);
  if (positionals.length > 1) problems.unshift(`one config at a time (got ${positionals.map((p) => `"${p}"`).join(', ')})`);
  if (positionals.length === 0) problems.unshift('what to predict? Give a behaviour or topology file, or a bundled example name');
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return { source: positionals[0], entries: values.entry, port: values.port, samples: values.samples, seed: values.seed, json: values.json };
}
