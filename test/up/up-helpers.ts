/**
 * Runs the built `thespian up` (dist/cli/main.js) as a real process for the tests in this folder.
 * Topologies get free ports picked at run time, so tests can run side by side.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts as chooseFreePorts } from '../../src/ensemble/free-ports';
import { CLI } from '../support/instance-process';
import { setTimeout as delay } from 'node:timers/promises';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'thespian-up-test-'));
}

/**
 * Ports free right now, distinct, chosen as `thespian up --free-ports` chooses them: outside the
 * ephemeral range, where another test's outgoing connection or `--query-port 0` could take one
 * before the service binds it (a verify test once read another run's query API so).
 */
export function freePorts(count: number): Promise<number[]> {
  return chooseFreePorts(count);
}

export function writeJson(dir: string, name: string, data: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(data, null, 2));
  return path;
}

/** Two services, front calling back (which sleeps `backSleepMs`), with enough traffic to have requests in flight. */
export async function writeFrontAndBack(dir: string, name: string, backSleepMs: number): Promise<string> {
  const [front, back] = await freePorts(2);
  return writeJson(dir, name, {
    services: {
      front: {
        port: front,
        behaviour: { grpc_method_a: { tracing_name: 'front', operations: [{ Action: { CallService: { service: 'back', grpc_method: 'A' } } }] } },
      },
      back: {
        port: back,
        behaviour: { grpc_method_a: { tracing_name: 'back', operations: [{ Action: { Sleep: { tracing_name: 'work', duration_ms: backSleepMs } } }] } },
      },
    },
    entry_points: [{ service: 'front', method: 'A', rps: 20 }],
  });
}

/** One service whose method A does nothing, called by one entry point per rate in `rates` (all at method A). */
export async function writeEntryPoints(dir: string, name: string, rates: readonly number[]): Promise<string> {
  const [port] = await freePorts(1);
  return writeJson(dir, name, {
    services: { front: { port, behaviour: { grpc_method_a: { tracing_name: 'front', operations: [] } } } },
    entry_points: rates.map((rps) => ({ service: 'front', method: 'A', rps })),
  });
}

export interface UpProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout; rejects if the process exits or time runs out. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Environment without anything that would send the services' telemetry elsewhere, nor a developer's own admin token. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('OTEL_') && !['CONFIG_JSON', 'CONFIG_FILE', 'LOKI_ADDRESS', 'FORCE_COLOR', 'THESPIAN_ADMIN_TOKEN'].includes(key)) env[key] = value;
  }
  return env;
}

/**
 * Starts `thespian up` with `args`. Unless they choose otherwise (--query-port, --free-ports), the
 * query API is turned off: its default port sits below the topology's base_port (7099 by default),
 * a fixed port that a `thespian up` running on the same machine holds.
 */
export function startUp(args: string[], env: Record<string, string> = {}): UpProcess {
  const portChoice = args.some((arg) => /^--(query-port|free-ports)(=|$)/.test(arg)) ? [] : ['--query-port', '0'];
  const child = spawn(process.execPath, [CLI, 'up', ...args, ...portChoice], { env: { ...cleanEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // 'close', not 'exit': it comes after stdout is drained, so the output is complete when `exited` resolves.
  const exited = once(child, 'close').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForOutput(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(stdout);
          if (match) {
            cleanup();
            resolve(match);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no ${pattern} in time; stdout:\n${stdout}\nstderr:\n${stderr}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void exited.then(({ code }) => {
          if (!pattern.exec(stdout)) {
            cleanup();
            reject(new Error(`exited with ${code} before ${pattern}; stdout:\n${stdout}\nstderr:\n${stderr}`));
          }
        });
        check();
      });
    },
  };
}

/** Runs `thespian up` to the end; kills it (and fails) if it takes longer than timeoutMs. */
export async function runUp(args: string[], timeoutMs = 120_000, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const up = startUp(args, env);
  const timer = setTimeout(() => up.child.kill('SIGKILL'), timeoutMs);
  const { code } = await up.exited;
  clearTimeout(timer);
  return { code, stdout: up.stdout(), stderr: up.stderr() };
}

/** The PIDs `thespian up` prints once its services are ready. */
export function readyPids(stdout: string): number[] {
  const line = /^ready: (.*)$/m.exec(stdout)?.[1] ?? '';
  return [...line.matchAll(/pid (\d+)/g)].map((match) => Number(match[1]));
}

/** True while the process exists and is not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return true;
  try {
    const text = readFileSync(stat, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Resolves with the PIDs still alive after waiting up to `timeoutMs` for all to go. */
export async function survivors(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = pids.filter(isAlive);
    if (alive.length === 0 || Date.now() >= deadline) return alive;
    await delay(100);
  }
}
