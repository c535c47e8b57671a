import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** Drives bench/support/receiver-process.ts. */
export async function startReceiverProcess() {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'receiver-process.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => JSON.parse((await lines.next()).value as string) as Record<string, unknown>;
  const { port } = (await next()) as { port: number };
  const ask = async (command: string) => {
    child.stdin!.write(`${command}\n`);
    return next();
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    count: async () => (await ask('count')).spans as number,
    clear: async () => void (await ask('clear')),
    durations: async (name: string) => (await ask(`durations ${name}`)).durations as number[],
    async stop() {
      child.stdin!.end();
      await once(child, 'exit');
    },
  };
}
