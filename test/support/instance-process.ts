/**
 * Runs real Thespian instances as child processes (the built dist/main.js) for tests, and calls
 * them over real gRPC. `npm test` builds first; run `npm run build` before running a test alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { TRACE_ID_HEADER } from '../../src/engine';
import { loadProtocol } from '../../src/server/protocol';

export const ROOT = join(__dirname, '..', '..');
export const MAIN = join(ROOT, 'dist', 'main.js');
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');

export interface InstanceOptions {
  /** Behaviour object, passed as CONFIG_JSON (unless env sets CONFIG_JSON or CONFIG_FILE). */
  behaviour?: unknown;
  /** Extra environment; PORT defaults to 0 (an ephemeral port read back from the log). */
  env?: Record<string, string>;
  /** Start `thespian <cliArgs...>` (dist/cli/main.js) instead of dist/main.js, e.g. ['serve', '--port', '0']. */
  cliArgs?: string[];
  /** How long to wait for "listening"; generous because CI machines are slow. */
  startTimeoutMs?: number;
}

export interface InstanceProcess {
  readonly port: number;
  readonly address: string;
  readonly child: ChildProcess;
  /** Parsed JSON lines the instance wrote to stdout so far. */
  readonly logs: Record<string, unknown>[];
  /**
   * Waits until at least `count` stdout lines match, and returns all that match. Stdout and the gRPC
   * answer travel apart, so a line logged before the answer can reach the test after it.
   */
  waitForLines(match: (line: Record<string, unknown>) => boolean, count?: number, timeoutMs?: number): Promise<Record<string, unknown>[]>;
  stderr(): string;
  /** Sends a signal (SIGTERM by default) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Environment that keeps a test instance from reaching for a real Tempo or Loki. */
const QUIET_ENV = { OTEL_TRACES_EXPORTER: 'none', OTEL_BSP_SCHEDULE_DELAY: '200' };

/** Instances not yet exited: a test that fails before stop() must not leave them running. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startInstance(options: InstanceOptions = {}): Promise<InstanceProcess> {
  const env: Record<string, string> = { ...stripOtelEnv(process.env), ...QUIET_ENV, PORT: '0', ...options.env };
  if (options.behaviour !== undefined && env.CONFIG_FILE === undefined && env.CONFIG_JSON === undefined) {
    env.CONFIG_JSON = JSON.stringify(options.behaviour);
  }
  const child = spawn(process.execPath, options.cliArgs ? [CLI, ...options.cliArgs] : [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let pending = '';
  const listeners: ((line: Record<string, unknown>) => void)[] = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const text of lines) {
      if (!text.trim()) continue;
      try {
        const line = JSON.parse(text) as Record<string, unknown>;
        logs.push(line);
        for (const listener of [...listeners]) listener(line); // a copy: a listener may remove itself
      } catch {
        stderr += `[stdout, not JSON] ${text}\n`;
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // 'close', not 'exit': it comes after stdout is drained, so `logs` is complete once stop() resolves.
  const exited = once(child, 'close').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance did not start in time; stderr:\n${stderr}`)), options.startTimeoutMs ?? 15_000);
    listeners.push((line) => {
      if (typeof line.port === 'number' && String(line.message).startsWith('listening')) {
        clearTimeout(timer);
        resolve(line.port);
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`instance exited with ${code} before listening; stderr:\n${stderr}`));
    });
  });

  // Only if present: splice(-1, 1) would remove somebody else's listener.
  const stopListening = (listener: () => void) => {
    const index = listeners.indexOf(listener);
    if (index >= 0) listeners.splice(index, 1);
  };
  const waitForLines = (match: (line: Record<string, unknown>) => boolean, count = 1, timeoutMs = 5_000) =>
    new Promise<Record<string, unknown>[]>((resolve, reject) => {
      const check = () => {
        const matching = logs.filter(match);
        if (matching.length < count) return false;
        clearTimeout(timer);
        stopListening(check);
        resolve(matching);
        return true;
      };
      const timer = setTimeout(() => {
        stopListening(check);
        reject(new Error(`${logs.filter(match).length} matching stdout lines after ${timeoutMs} ms, expected ${count}; stderr:\n${stderr}`));
      }, timeoutMs);
      if (!check()) listeners.push(check);
    });

  return {
    port,
    address: `127.0.0.1:${port}`,
    child,
    logs,
    waitForLines,
    stderr: () => stderr,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs dist/main.js (or the CLI with args) to completion, for start-up failures; on this test's Node unless `node` names another. */
export async function runToExit(
  env: Record<string, string>,
  args?: string[],
  timeoutMs = 15_000,
  options: { cwd?: string; node?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(options.node ?? process.execPath, args ? [CLI, ...args] : [MAIN], {
    cwd: options.cwd,
    env: { ...stripOtelEnv(process.env), ...QUIET_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = await once(child, 'close'); // after stdout and stderr are drained
  clearTimeout(timer);
  return { code: code as number | null, stdout, stderr };
}

function stripOtelEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || key.startsWith('OTEL_') || ['CONFIG_JSON', 'CONFIG_FILE', 'LOKI_ADDRESS', 'PORT', 'SERVICE_NAME'].includes(key)) continue;
    clean[key] = value;
  }
  return clean;
}

export interface CallResult {
  code: grpc.status;
  details: string;
  traceId?: string;
  durationMs: number;
}

const { ThespianClient } = loadProtocol();
const clients = new Map<string, grpc.Client>();

/** Calls A, B or C and reports the status, the x-trace-id header and the latency. Never throws. */
export function callMethod(
  address: string,
  method: 'A' | 'B' | 'C',
  options: { metadata?: Record<string, string>; deadlineMs?: number; cancelAfterMs?: number } = {},
): Promise<CallResult> {
  let client = clients.get(address);
  if (!client) {
    client = new ThespianClient(address, grpc.credentials.createInsecure());
    clients.set(address, client);
  }
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(options.metadata ?? {})) metadata.set(key, value);
  const callOptions = options.deadlineMs ? { deadline: Date.now() + options.deadlineMs } : {};
  const started = performance.now();
  return new Promise((resolve) => {
    let traceId: string | undefined;
    const call = (client as unknown as Record<string, Function>)[method].call(
      client,
      {},
      metadata,
      callOptions,
      (error: grpc.ServiceError | null) => {
        const durationMs = performance.now() - started;
        if (!traceId) traceId = error?.metadata?.get(TRACE_ID_HEADER)[0]?.toString();
        resolve({ code: error ? error.code : grpc.status.OK, details: error?.details ?? '', traceId, durationMs });
      },
    ) as grpc.ClientUnaryCall;
    call.on('metadata', (headers: grpc.Metadata) => {
      traceId = headers.get(TRACE_ID_HEADER)[0]?.toString() ?? traceId;
    });
    if (options.cancelAfterMs !== undefined) {
      const timer = setTimeout(() => call.cancel(), options.cancelAfterMs);
      call.on('status', () => clearTimeout(timer));
    }
  });
}

/** Closes the cached clients so the test process can exit. */
export function closeClients(): void {
  for (const client of clients.values()) client.close();
  clients.clear();
}
