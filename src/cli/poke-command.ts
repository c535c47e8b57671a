import { formatMs, statusNameOf } from '../common';
import type { GrpcMethod } from '../engine';
import { makeDrivingClient, parseTargetAddress, TargetAddressError, type DrivingClient, type TargetAddress } from '../traffic';
import { durationSeconds, wholeNumberAtLeast } from './option-values';
import type { Command } from './command';
import { parseCommandArgs } from './parse-command-args';
import { UsageError } from './usage-error';

const USAGE = `Usage: thespian poke HOST:PORT [A|B|C] [-n N] [--timeout D]

Calls one Thespian's method (A by default) N times, one after the other, and prints for each
call its status, latency and trace id (from the answer's x-trace-id header). Like grpcurl,
with nothing to install.

  HOST:PORT        the instance; a bare PORT means 127.0.0.1:PORT; http:// may prefix it
  A|B|C            the method to call (default A)
  -n, --count N    how many calls (default 1)
  --timeout D      deadline of each call: 10 (seconds), 10s, 500ms (default 10 s)

Exit status: 0 if every call answered OK, 1 if any failed or the instance is unreachable,
2 for bad arguments.`;

interface PokeOptions {
  target: TargetAddress;
  method: GrpcMethod;
  count: number;
  timeoutMs: number;
}

export const pokeCommand: Command = {
  name: 'poke',
  summary: "call an instance's A, B or C; show each call's status, latency and trace id",
  usage: USAGE,
  async run(args) {
    const options = parsePokeArgs(args);
    const client = makeDrivingClient([options.target], { timeoutMs: options.timeoutMs });
    try {
      // Connect first, so each latency shown is the call's own, not the connection set-up's.
      await client.connect(options.timeoutMs);
      return await poke(client, options);
    } finally {
      client.close();
    }
  },
};

async function poke(client: DrivingClient, options: PokeOptions): Promise<number> {
  const tally = new Map<string, number>();
  const numberWidth = String(options.count).length;
  for (let index = 1; index <= options.count; index++) {
    const started = performance.now();
    const outcome = await client.call(0, options.method);
    const latencyMs = performance.now() - started;
    const status = statusNameOf(outcome.code);
    if (status === 'UNAVAILABLE' && !outcome.answered) {
      // Nobody answered at all: say so plainly instead of printing a failed call.
      process.stderr.write(`thespian poke: cannot reach ${options.target.address} (UNAVAILABLE: ${plainReason(outcome.details)}). Is a Thespian listening there?\n`);
      return 1;
    }
    tally.set(status, (tally.get(status) ?? 0) + 1);
    const trace = outcome.traceId !== undefined ? `trace ${outcome.traceId}` : 'no trace id';
    const details = outcome.code !== 0 && outcome.details ? `  ${outcome.details}` : '';
    process.stdout.write(
      `${String(index).padStart(numberWidth)}  ${options.method}  ${status.padEnd(17)} ${formatMs(latencyMs, 'measured').padStart(10)}  ${trace}${details}\n`,
    );
  }
  if (options.count > 1) {
    const parts = [...tally.entries()].sort(([a], [b]) => (a === 'OK' ? -1 : b === 'OK' ? 1 : a.localeCompare(b)));
    process.stdout.write(`${options.count} calls to ${options.target.address}: ${parts.map(([name, count]) => `${count} ${name}`).join(', ')}\n`);
  }
  return tally.size === 1 && tally.has('OK') ? 0 : 1;
}

function parsePokeArgs(args: string[]): PokeOptions {
  const parsed = parseCommandArgs(args, { count: { type: 'string', short: 'n' }, timeout: { type: 'string' } });
  const [address, method, ...extra] = parsed.positionals;
  if (address === undefined) throw new UsageError('which instance? Give HOST:PORT or a port');
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  let target: TargetAddress;
  try {
    target = parseTargetAddress(address);
  } catch (error) {
    if (error instanceof TargetAddressError) throw new UsageError(error.message);
    throw error;
  }
  const methodName = (method ?? 'A').toUpperCase();
  if (methodName !== 'A' && methodName !== 'B' && methodName !== 'C') throw new UsageError(`the method must be A, B or C, not "${method}"`);

  const countText = parsed.values.count;
  const count = countText === undefined ? 1 : wholeNumberAtLeast(countText, 1);
  if (count === undefined) throw new UsageError(`-n must be a whole number ≥ 1, not "${countText}"`);
  const timeoutText = parsed.values.timeout;
  // Read as load and up read theirs: 10, 10s, 500ms.
  const timeoutS = timeoutText === undefined ? 10 : durationSeconds(timeoutText);
  if (timeoutS === undefined) throw new UsageError(`--timeout must be a time > 0 such as 10, 10s or 500ms (got "${timeoutText}")`);
  return { target, method: methodName, count, timeoutMs: timeoutS * 1000 };
}

/** grpc-js wraps the socket error in several sentences; keep the part a person needs. */
function plainReason(details: string): string {
  const lastError = /Last error: (?:Error: )?(.*?)(?:\.\s*Resolution note:.*)?$/s.exec(details);
  return (lastError?.[1] ?? details).trim().replace(/\.$/, '');
}
