import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_WARNING_SILENCED, PACKAGE_ROOT } from '../config';

/** The built instance and the watchdog preloaded into it (see child-watchdog.ts). */
const INSTANCE_MAIN = join(PACKAGE_ROOT, 'dist', 'main.js');
const CHILD_WATCHDOG = join(PACKAGE_ROOT, 'dist', 'ensemble', 'child-watchdog.js');

/** A service that a process runs, and its port. */
export interface ProcessService {
  readonly name: string;
  readonly port: number;
}

interface ServiceProcessOptions {
  /** One, or several packed into this process (src/pack/: the env names their file). */
  readonly services: readonly ProcessService[];
  /** The whole environment of the child: it inherits nothing, so a stray OTEL_* cannot redirect it. */
  readonly env: Readonly<Record<string, string>>;
  /** The child's stdout and stderr (its JSON log lines) go here. */
  readonly logFile: string;
}

interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * One process of an ensemble: a real Thespian instance, or several packed into one process
 * (src/pack/) for a large topology; either way, real gRPC servers on their own ports.
 *
 * It gets its own process group (detached), so a Ctrl-C in the terminal reaches only
 * `thespian up`, which then stops the services in order instead of all at once. Its logs go to a
 * file rather than a pipe: Node writes to pipes synchronously, so a busy parent reading slowly
 * would stall the service.
 */
export class ServiceProcess {
  readonly exited: Promise<ExitStatus>;
  private readonly child: ChildProcess;
  private exitStatus: ExitStatus | undefined;

  constructor(private readonly options: ServiceProcessOptions) {
    const log = openSync(options.logFile, 'a');
    try {
      this.child = spawn(process.execPath, ['--require', CHILD_WATCHDOG, INSTANCE_MAIN], {
        // The child runs this process's Node (process.execPath): the `thespian` that started it has
        // already warned if that Node is too old, and every service's log need not say it again.
        env: { ...options.env, ...NODE_WARNING_SILENCED },
        // stdin is the watchdog's pipe: it closes when this process dies, however it dies.
        stdio: ['pipe', log, log],
        detached: true,
      });
    } finally {
      closeSync(log);
    }
    // The pipe must not keep a finished parent alive, nor crash it if the child goes first.
    this.child.stdin?.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitStatus = { code, signal };
        resolve(this.exitStatus);
      });
      this.child.once('error', () => {
        this.exitStatus ??= { code: null, signal: null };
        resolve(this.exitStatus);
      });
    });
  }

  get services(): readonly ProcessService[] {
    return this.options.services;
  }

  /** "service front", or "the process of services a, b and c" when packed; for messages. */
  get label(): string {
    const names = this.options.services.map((service) => service.name);
    if (names.length === 1) return `service ${names[0]}`;
    const shown = names.length > 6 ? [...names.slice(0, 5), `${names.length - 5} more`] : names;
    return `the process of services ${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get logFile(): string {
    return this.options.logFile;
  }

  get running(): boolean {
    return this.exitStatus === undefined;
  }

  get status(): ExitStatus | undefined {
    return this.exitStatus;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** The last lines of its log, to explain why it stopped. */
  tail(lines = 5): string[] {
    let text = '';
    try {
      text = readFileSync(this.options.logFile, 'utf8');
    } catch {
      return [];
    }
    return text.trimEnd().split('\n').slice(-lines).map(describeLogLine);
  }
}

/** A JSON log line → "level: message"; anything else as it is. */
function describeLogLine(line: string): string {
  try {
    const parsed = JSON.parse(line) as { level?: unknown; message?: unknown };
    if (typeof parsed.message === 'string') return `${String(parsed.level ?? 'log')}: ${parsed.message}`;
  } catch {
    // not JSON: stderr text, shown as it is
  }
  return line;
}
