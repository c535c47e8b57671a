import { parseBehaviour } from './parse-behaviour';
import { readBehaviourFile, type BehaviourText } from './behaviour-source';
import { ConfigError } from './config-error';
import type { Behaviour } from '../engine/model';
import type { TimerPriority } from '../engine/clock';

export type TracesExporter = 'otlp' | 'console' | 'none';
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/** Everything one instance needs, read from the environment once at start and then frozen. */
export interface InstanceSettings {
  readonly port: number;
  readonly serviceName: string;
  readonly behaviour: Behaviour;
  readonly tracesExporter: TracesExporter;
  /** OTLP/gRPC endpoint; only meaningful when tracesExporter is otlp. */
  readonly otlpEndpoint: string;
  readonly lokiAddress?: string;
  readonly logLevel: LogLevel;
  /** Requests that have travelled through more Thespians than this are refused (cycle guard). */
  readonly maxHops: number;
  /** How long in-flight calls may take to finish after SIGTERM. */
  readonly shutdownGraceMs: number;
  /** THESPIAN_SEED: makes every roll reproducible. */
  readonly seed?: number;
  /** THESPIAN_TIMER_PRIORITY: whether the thread that times sleeps asks for real-time priority. */
  readonly timerPriority: TimerPriority;
}

export const DEFAULT_PORT = 6379;
export const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4317';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads and validates the instance's environment. Collects every problem before failing, so one
 * run shows the user everything to fix. Throws ConfigError.
 */
export function readInstanceSettings(env: Env): InstanceSettings {
  const problems: string[] = [];
  const fail = (problem: string) => {
    problems.push(problem);
    return undefined;
  };

  const port = readInteger(env, 'PORT', DEFAULT_PORT, 0, 65535, fail);
  const tracesExporter = readChoice(env, 'OTEL_TRACES_EXPORTER', ['otlp', 'console', 'none'] as const, 'otlp', fail);
  const logLevel = readChoice(env, 'LOG_LEVEL', ['error', 'warn', 'info', 'debug'] as const, 'info', fail);
  const maxHops = readInteger(env, 'THESPIAN_MAX_HOPS', 32, 1, 1000, fail);
  const shutdownGraceMs = readInteger(env, 'THESPIAN_SHUTDOWN_GRACE_MS', 10_000, 0, 600_000, fail);
  const seed = env.THESPIAN_SEED ? readInteger(env, 'THESPIAN_SEED', 0, 0, 2 ** 32 - 1, fail) : undefined;
  const lokiAddress = readUrl(env, 'LOKI_ADDRESS', fail);
  const timerPriority = readChoice(env, 'THESPIAN_TIMER_PRIORITY', ['auto', 'realtime', 'normal'] as const, 'auto', fail);

  // OTEL_BACKEND_ADDRESS is the original's name and wins; set but empty means "export no traces".
  const endpointVariable = env.OTEL_BACKEND_ADDRESS !== undefined ? 'OTEL_BACKEND_ADDRESS' : 'OTEL_EXPORTER_OTLP_ENDPOINT';
  const endpointValue = env[endpointVariable];
  const tracesOff = endpointValue !== undefined && endpointValue.trim() === '';
  const otlpEndpoint = tracesOff ? '' : (readUrl(env, endpointVariable, fail) ?? DEFAULT_OTLP_ENDPOINT);

  let behaviour: Behaviour | undefined;
  try {
    behaviour = parseBehaviourText(selectBehaviourText(env));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }

  if (problems.length > 0 || !behaviour) throw new ConfigError(undefined, problems);
  return Object.freeze({
    port: port!,
    serviceName: env.SERVICE_NAME?.trim() || env.OTEL_SERVICE_NAME?.trim() || behaviour.serviceName || 'thespian',
    behaviour,
    tracesExporter: tracesOff ? 'none' : tracesExporter!,
    otlpEndpoint,
    lokiAddress,
    logLevel: logLevel!,
    maxHops: maxHops!,
    shutdownGraceMs: shutdownGraceMs!,
    seed,
    timerPriority: timerPriority!,
  });
}

function selectBehaviourText(env: Env): BehaviourText {
  const inline = env.CONFIG_JSON;
  const file = env.CONFIG_FILE;
  if (inline !== undefined && file !== undefined) {
    throw new ConfigError('CONFIG_JSON/CONFIG_FILE', ['both are set; give exactly one of them']);
  }
  if (file !== undefined) return readBehaviourFile(file.trim());
  if (inline !== undefined) return { text: inline, source: 'CONFIG_JSON', allowComments: false };
  throw new ConfigError('CONFIG_JSON/CONFIG_FILE', [
    'neither is set; give the behaviour inline in CONFIG_JSON, or CONFIG_FILE=path/to/behaviour.jsonc, or CONFIG_FILE=standalone for a bundled example',
  ]);
}

function parseBehaviourText(text: BehaviourText): Behaviour {
  return parseBehaviour(text.text, text.source, { allowComments: text.allowComments });
}

function readInteger(env: Env, name: string, fallback: number, min: number, max: number, fail: (p: string) => undefined) {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) return fail(`${name}: must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  const value = Number(raw.trim());
  if (value < min || value > max) return fail(`${name}: must be from ${min} to ${max} (got ${value})`);
  return value;
}

function readChoice<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T, fail: (p: string) => undefined) {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  return fail(`${name}: must be one of ${choices.join(', ')} (got ${JSON.stringify(env[name])})`);
}

/** Accepts "host:port" too, since users often leave out the scheme; http:// is assumed. */
function readUrl(env: Env, name: string, fail: (p: string) => undefined): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  try {
    const url = new URL(withScheme);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail(`${name}: must be an http:// or https:// address (got ${JSON.stringify(raw)})`);
    return withScheme.replace(/\/+$/, '');
  } catch {
    return fail(`${name}: is not a valid address (got ${JSON.stringify(raw)}); expected something like http://localhost:4317`);
  }
}
