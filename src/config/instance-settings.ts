import { isIP } from 'node:net';
import { parseBehaviour } from './parse-behaviour';
import { readBehaviourFile, type BehaviourText } from './behaviour-source';
import { ConfigError } from './config-error';
import { readExporterList } from './exporter-list';
import { LOG_LEVELS, MAX_PORT, MAX_SEED, type LogLevel } from './setting-values';
import { LOG_BATCHING, readBatchSettings, SPAN_BATCHING, type BatchSettings } from './batch-settings';
import { readStandardNumber, type Env } from './standard-number';
import type { Behaviour, TimerPriority } from '../engine';

type TracesExporter = 'otlp' | 'console' | 'none';
type MetricsExporter = 'otlp' | 'prometheus' | 'console';
type LogsExporter = 'otlp' | 'console';

/** OTEL_METRICS_EXPORTER and what each exporter needs, checked. */
export interface MetricsSettings {
  /**
   * OTEL_METRICS_EXPORTER, a comma-separated list as the spec allows (`otlp,prometheus`); empty
   * (`none`) unless it says otherwise: the original's Tempo takes traces only (see the README's
   * OTEL_METRICS_EXPORTER).
   */
  readonly exporters: readonly MetricsExporter[];
  /** OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT, else where traces go. */
  readonly otlpEndpoint: string;
  /** OTEL_EXPORTER_PROMETHEUS_HOST / _PORT: where the scrape endpoint listens. */
  readonly prometheusHost: string;
  readonly prometheusPort: number;
  /** OTEL_METRIC_EXPORT_INTERVAL: how often the OTLP and console exporters send. */
  readonly exportIntervalMs: number;
}

/** OTEL_LOGS_EXPORTER and where OTLP log records go, checked. */
export interface LogsSettings {
  /**
   * Empty (none) unless OTEL_LOGS_EXPORTER names some: the original's Tempo takes traces only, like
   * for metrics (see the README's OTEL_LOGS_EXPORTER). stdout and LOKI_ADDRESS are not exporters here.
   */
  readonly exporters: readonly LogsExporter[];
  /** OTEL_EXPORTER_OTLP_LOGS_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT, else where traces go. */
  readonly otlpEndpoint: string;
  /** OTEL_EXPORTER_OTLP_LOGS_TIMEOUT, else OTEL_EXPORTER_OTLP_TIMEOUT, checked: one export's deadline. */
  readonly otlpTimeoutMs: number;
  /** OTEL_BLRP_*, checked as OTEL_BSP_* are: the batch processor in front of the OTLP exporter. */
  readonly batching: BatchSettings;
}

/** Everything one instance needs, read from the environment once at start and then frozen. */
export interface InstanceSettings {
  readonly port: number;
  /** BIND_ADDRESS: the one address to listen on; absent, every interface, IPv6 and IPv4 (see server/run-instance.ts). */
  readonly bindAddress?: string;
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
  /** THESPIAN_ADMIN_TOKEN: turns the admin API (thespian.Admin) on; calls must carry it as a bearer token. Never logged. */
  readonly adminToken?: string;
  /** THESPIAN_TIMER_PRIORITY: whether the thread that times sleeps asks for real-time priority. */
  readonly timerPriority: TimerPriority;
  /** OTEL_BSP_*, checked: an invalid value is replaced by the SDK's default (and warned about). */
  readonly spanBatching: BatchSettings;
  /** OTEL_EXPORTER_OTLP_TRACES_TIMEOUT, else OTEL_EXPORTER_OTLP_TIMEOUT, checked: one export's deadline. */
  readonly otlpTracesTimeoutMs: number;
  /** OTEL_PROPAGATORS named no propagator the SDK knows: use the default ones, not none. */
  readonly defaultPropagators: boolean;
  /**
   * Standard OTEL_* variables with invalid values, one line each. The OpenTelemetry spec says to
   * warn and carry on with the default, so these are logged at start, not refused.
   */
  readonly otelWarnings: readonly string[];
  readonly metrics: MetricsSettings;
  readonly logs: LogsSettings;
  /**
   * The service.instance.id of a service packed with others into one process (src/pack/), which
   * sets it: each has its own. Absent for a process of one, which takes the SDK detector's.
   */
  readonly serviceInstanceId?: string;
}

export const DEFAULT_PORT = 6379;
const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4317';

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

  const port = readInteger(env, 'PORT', DEFAULT_PORT, 0, MAX_PORT, fail);
  const bindAddress = readBindAddress(env, fail);
  const tracesExporter = readChoice(env, 'OTEL_TRACES_EXPORTER', ['otlp', 'console', 'none'] as const, 'otlp', fail);
  const logLevel = readChoice(env, 'LOG_LEVEL', LOG_LEVELS, 'info', fail);
  const maxHops = readInteger(env, 'THESPIAN_MAX_HOPS', 32, 1, 1000, fail);
  const shutdownGraceMs = readInteger(env, 'THESPIAN_SHUTDOWN_GRACE_MS', 10_000, 0, 600_000, fail);
  const seed = env.THESPIAN_SEED ? readInteger(env, 'THESPIAN_SEED', 0, 0, MAX_SEED, fail) : undefined;
  const lokiAddress = readUrl(env, 'LOKI_ADDRESS', fail);
  const adminToken = readAdminToken(env, fail);
  const timerPriority = readChoice(env, 'THESPIAN_TIMER_PRIORITY', ['auto', 'realtime', 'normal'] as const, 'auto', fail);

  // OTEL_BACKEND_ADDRESS is the original's name and wins; set but empty means "export no traces".
  const endpointVariable = env.OTEL_BACKEND_ADDRESS !== undefined ? 'OTEL_BACKEND_ADDRESS' : 'OTEL_EXPORTER_OTLP_ENDPOINT';
  const endpointValue = env[endpointVariable];
  const tracesOff = endpointValue !== undefined && endpointValue.trim() === '';
  const otlpEndpoint = tracesOff ? '' : (readUrl(env, endpointVariable, fail) ?? DEFAULT_OTLP_ENDPOINT);

  const otelWarnings: string[] = [];
  const spanBatching = readBatchSettings(env, SPAN_BATCHING, otelWarnings);
  const defaultPropagators = checkPropagators(env, otelWarnings);
  checkSampler(env, otelWarnings);
  // Passed to the exporter, which would otherwise read them itself by a looser rule (any number
  // above 0), so that the value a warning names as used is the one used.
  const otlpTimeout = readStandardNumber(env, 'OTEL_EXPORTER_OTLP_TIMEOUT', 10_000, 1, otelWarnings);
  const otlpTracesTimeoutMs = readStandardNumber(env, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', otlpTimeout, 1, otelWarnings);

  const sharedEndpoint = sharedOtlpEndpoint(env, endpointVariable, otlpEndpoint, fail);
  const metrics = readMetricsSettings(env, sharedEndpoint, fail, otelWarnings);
  const logs = readLogsSettings(env, { endpoint: sharedEndpoint, timeoutMs: otlpTimeout }, fail, otelWarnings);

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
    ...(bindAddress === undefined ? {} : { bindAddress }),
    serviceName: env.SERVICE_NAME?.trim() || env.OTEL_SERVICE_NAME?.trim() || behaviour.serviceName || 'thespian',
    behaviour,
    tracesExporter: tracesOff ? 'none' : tracesExporter!,
    otlpEndpoint,
    lokiAddress,
    logLevel: logLevel!,
    maxHops: maxHops!,
    shutdownGraceMs: shutdownGraceMs!,
    seed,
    ...(adminToken === undefined ? {} : { adminToken }),
    timerPriority: timerPriority!,
    spanBatching,
    otlpTracesTimeoutMs,
    defaultPropagators,
    otelWarnings: Object.freeze(otelWarnings),
    metrics: Object.freeze(metrics),
    logs: Object.freeze(logs),
  });
}

/** BIND_ADDRESS: an IP address (v4 or v6, brackets optional); unset or empty is every interface. */
function readBindAddress(env: Env, fail: (problem: string) => undefined): string | undefined {
  const given = env.BIND_ADDRESS?.trim();
  if (!given) return undefined;
  const address = given.replace(/^\[(.*)\]$/, '$1');
  if (isIP(address) === 0) return fail(`BIND_ADDRESS: must be an IP address to listen on, such as 0.0.0.0, ::, 127.0.0.1 or ::1 (got "${given}")`);
  return address;
}

/** The SDK's default export interval, and the port the Prometheus exporter's convention gives the scrape endpoint. */
const DEFAULT_METRIC_EXPORT_INTERVAL_MS = 60_000;
const DEFAULT_PROMETHEUS_PORT = 9464;

/**
 * An unknown exporter or a port that cannot be listened on is refused, like OTEL_TRACES_EXPORTER
 * and PORT; an invalid interval is warned about and replaced, like the other OTEL_* numbers.
 */
function readMetricsSettings(env: Env, sharedEndpoint: string, fail: (p: string) => undefined, warnings: string[]): MetricsSettings {
  return {
    exporters: readExporterList(env, 'OTEL_METRICS_EXPORTER', ['otlp', 'prometheus', 'console'] as const, fail),
    otlpEndpoint: readUrl(env, 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', fail) ?? sharedEndpoint,
    prometheusHost: env.OTEL_EXPORTER_PROMETHEUS_HOST?.trim() || '0.0.0.0',
    prometheusPort: readInteger(env, 'OTEL_EXPORTER_PROMETHEUS_PORT', DEFAULT_PROMETHEUS_PORT, 1, MAX_PORT, fail) ?? DEFAULT_PROMETHEUS_PORT,
    exportIntervalMs: readStandardNumber(env, 'OTEL_METRIC_EXPORT_INTERVAL', DEFAULT_METRIC_EXPORT_INTERVAL_MS, 1, warnings),
  };
}

/**
 * Where metrics and logs go unless their own variable says: OTEL_EXPORTER_OTLP_ENDPOINT, else where
 * the traces go. That variable was read (and checked) for the traces unless OTEL_BACKEND_ADDRESS won.
 */
function sharedOtlpEndpoint(env: Env, tracesEndpointVariable: string, tracesEndpoint: string, fail: (p: string) => undefined): string {
  const generalEndpoint = tracesEndpointVariable === 'OTEL_EXPORTER_OTLP_ENDPOINT' ? undefined : readUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', fail);
  return generalEndpoint ?? (tracesEndpoint || DEFAULT_OTLP_ENDPOINT);
}

/**
 * Like metrics, logs go where their own variable says, else to the endpoint the signals share
 * (OTEL_EXPORTER_OTLP_ENDPOINT, else where traces go); their timeout is OTEL_EXPORTER_OTLP_LOGS_TIMEOUT,
 * else the shared one. Each exporter name is checked (exit 2).
 */
function readLogsSettings(env: Env, shared: { endpoint: string; timeoutMs: number }, fail: (p: string) => undefined, warnings: string[]): LogsSettings {
  const exporters = readExporterList(env, 'OTEL_LOGS_EXPORTER', ['otlp', 'console'] as const, fail);
  if (exporters.includes('otlp')) checkLogsProtocol(env, warnings);
  return {
    exporters,
    otlpEndpoint: readUrl(env, 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT', fail) ?? shared.endpoint,
    // Passed to the exporter, as for traces, so that the value a warning names as used is the one used.
    otlpTimeoutMs: readStandardNumber(env, 'OTEL_EXPORTER_OTLP_LOGS_TIMEOUT', shared.timeoutMs, 1, warnings),
    batching: readBatchSettings(env, LOG_BATCHING, warnings),
  };
}

/**
 * The log records go over OTLP/gRPC only. Someone asking for http/protobuf most likely points the
 * endpoint at Loki's own /otlp, which takes HTTP only: say so at start, rather than leave them
 * with a failing export to puzzle over. Like other standard values, it warns and carries on.
 */
function checkLogsProtocol(env: Env, warnings: string[]): void {
  const name = env.OTEL_EXPORTER_OTLP_LOGS_PROTOCOL?.trim() ? 'OTEL_EXPORTER_OTLP_LOGS_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = env[name]?.trim();
  if (!protocol || protocol === 'grpc') return;
  warnings.push(`${name}: OTLP log records are sent over grpc only (got ${JSON.stringify(env[name])}); using grpc. Loki's own /otlp endpoint takes HTTP only: send the records through a collector (see docs/logs.md)`);
}

const KNOWN_PROPAGATORS = ['tracecontext', 'baggage', 'b3', 'b3multi', 'none'];

/** Warns about each unknown name; true when none is left, so the SDK's "no propagator" must be overridden. */
function checkPropagators(env: Env, warnings: string[]): boolean {
  const names = (env.OTEL_PROPAGATORS ?? '').split(',').map((name) => name.trim()).filter((name) => name !== '');
  if (names.length === 0) return false;
  const unknown = names.filter((name) => !KNOWN_PROPAGATORS.includes(name));
  if (unknown.length === 0) return false;
  const noneLeft = unknown.length === names.length;
  for (const name of unknown) {
    warnings.push(
      `OTEL_PROPAGATORS: unknown propagator ${JSON.stringify(name)} (known: ${KNOWN_PROPAGATORS.join(', ')}); ` +
        (noneLeft ? 'using the default tracecontext,baggage' : 'ignoring it'),
    );
  }
  return noneLeft;
}

const KNOWN_SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'];

/**
 * The SDK reads these itself and already falls back to the defaults (parentbased_always_on, a ratio
 * of 1), but only says so through its diagnostic logger, which is off.
 */
function checkSampler(env: Env, warnings: string[]): void {
  const sampler = env.OTEL_TRACES_SAMPLER?.trim();
  if (sampler && !KNOWN_SAMPLERS.includes(env.OTEL_TRACES_SAMPLER!)) {
    warnings.push(`OTEL_TRACES_SAMPLER: unknown sampler ${JSON.stringify(env.OTEL_TRACES_SAMPLER)} (known: ${KNOWN_SAMPLERS.join(', ')}); using the default parentbased_always_on`);
    return;
  }
  if (sampler !== 'traceidratio' && sampler !== 'parentbased_traceidratio') return;
  const raw = env.OTEL_TRACES_SAMPLER_ARG;
  if (raw === undefined || raw.trim() === '') return;
  const ratio = Number(raw);
  if (Number.isNaN(ratio) || ratio < 0 || ratio > 1) {
    warnings.push(`OTEL_TRACES_SAMPLER_ARG: must be a ratio from 0 to 1 for ${sampler} (got ${JSON.stringify(raw)}); using the default 1`);
  }
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

/**
 * THESPIAN_ADMIN_TOKEN as a client reads it, by the instance's rules: the token, or the one
 * problem. Unset is a problem for the chaos commands, which need it; `up`, which makes one of its
 * own when it needs one, passes required false.
 */
export function adminTokenFrom(env: Env, required = true): { readonly token?: string; readonly problem?: string } {
  let problem: string | undefined;
  const token = readAdminToken(env, (found) => void (problem = found));
  if (problem) return { problem };
  if (token === undefined && required) return { problem: 'THESPIAN_ADMIN_TOKEN: not set; the chaos commands send it to the instance, which must have the same one' };
  return token === undefined ? {} : { token };
}

/** A shorter token is guessable by trying; it has to be written somewhere anyway, so ask for a long one. */
const MIN_ADMIN_TOKEN_LENGTH = 16;
/** Travels as a header, which peers cap at about 8 KiB. */
const MAX_ADMIN_TOKEN_LENGTH = 4096;

/**
 * THESPIAN_ADMIN_TOKEN, unset: the admin API is off. Set, it must be 16 to 4096 visible ASCII
 * characters (a header value cannot carry others); set but empty is refused too, since it is
 * more likely a missing Secret than a wish to turn the API off. The problem never quotes the token.
 */
function readAdminToken(env: Env, fail: (problem: string) => undefined): string | undefined {
  const token = env.THESPIAN_ADMIN_TOKEN;
  if (token === undefined) return undefined;
  if (token.length < MIN_ADMIN_TOKEN_LENGTH || token.length > MAX_ADMIN_TOKEN_LENGTH) {
    return fail(`THESPIAN_ADMIN_TOKEN: must be ${MIN_ADMIN_TOKEN_LENGTH} to ${MAX_ADMIN_TOKEN_LENGTH} characters (got ${token.length}); unset it to keep the admin API off`);
  }
  if (!/^[\x21-\x7e]+$/.test(token)) return fail('THESPIAN_ADMIN_TOKEN: must be visible ASCII characters only (no spaces), since it travels in a header');
  return token;
}
