import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface ChildServer {
  readonly port: number;
  /** The JSON line in which the server said it was listening (Thespian's says how it times sleeps). */
  readonly listening: Record<string, unknown>;
  readonly child: ChildProcess;
  /** Stops the server and resolves with the last line it wrote (the bare server's report, for one). */
  stop(): Promise<string>;
}

/** Starts a server process and resolves once it logs a JSON line with "listening…" and its port. */
export async function startChild(args: string[], env: Record<string, string>): Promise<ChildServer> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let buffer = '';
  const listening = await new Promise<Record<string, unknown>>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    child.stdout!.setEncoding('utf8').on('data', function onData(chunk: string) {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const parsed = parseJsonLine(line);
        if (parsed && typeof parsed.port === 'number' && String(parsed.message).startsWith('listening')) {
          child.stdout!.off('data', onData);
          child.stdout!.resume();
          resolve(parsed);
          return;
        }
      }
    });
  });
  // Keep draining stdout, as a container runtime would, so log writes never block the server;
  // only the last line is kept.
  let tail = '';
  child.stdout!.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-4_000_000);
    const lastBreak = tail.lastIndexOf('\n', tail.length - 2);
    if (lastBreak > 0) tail = tail.slice(lastBreak + 1);
  });
  return {
    port: listening.port as number,
    listening,
    child,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
      return tail.trim();
    },
  };
}

function parseJsonLine(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
