import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/**
 * Starts a server process and resolves with its port once it logs a "listening" JSON line.
 * stop() resolves with the last line the process wrote (the bare server's report, for one).
 */
export async function startChild(args: string[], env: Record<string, string>): Promise<{ port: number; child: ChildProcess; stop(): Promise<string> }> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let buffer = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    child.stdout!.setEncoding('utf8').on('data', function onData(chunk: string) {
      buffer += chunk;
      const match = /"message":"listening[^"]*".*?"port":(\d+)|"port":(\d+).*?"message":"listening/.exec(buffer);
      if (match) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(Number(match[1] ?? match[2]));
      }
      if (buffer.length > 100_000) buffer = buffer.slice(-1000);
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
    port,
    child,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
      return tail.trim();
    },
  };
}
