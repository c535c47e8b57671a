import { formatMs, plainReason, statusNameOf } from '../common';
import type { GrpcMethod } from '../engine';
import { makeDrivingClient, type DrivingClient, type TargetAddress } from '../traffic';
import { defineCommand } from './command';
import { readFlags, type FlagTable } from './flag-table';
import { durationSeconds, grpcMethod, mustBe, Refusal, targetAddress, wholeNumber } from './option-readers';
import { UsageError } from './usage-error';

const POKE_FLAGS = {
  count: { short: 'n', value: 'N', help: 'how many calls', default: '1', read: mustBe('a whole number ≥ 1', wholeNumber(1)) },
  // Read as load and up read theirs: 10, 10s, 500ms.
  timeout: { value: 'D', help: 'deadline of each call: 10 (seconds), 10s, 500ms', default: '10 s', read: mustBe('a time > 0 such as 10, 10s or 500ms', durationSeconds) },
} satisfies FlagTable;

interface PokeOptions {
  target: TargetAddress;
  method: GrpcMethod;
  count: number;
  timeoutMs: number;
}

export const pokeCommand = defineCommand(POKE_FLAGS, {
  name: 'poke',
  summary: "call an instance's A, B or C; show each call's status, latency and trace id",
  header: `Usage: thespian poke HOST:PORT [A|B|C] [-n N] [--timeout D]

Calls one Thespian's method (A by default) N times, one after the other, and prints for each
call its status, latency and trace id (from the answer's x-trace-id header). Like grpcurl,
with nothing to install.`,
  sections: [
    {
      rows: [
        ['HOST:PORT', 'the instance; a bare PORT means 127.0.0.1:PORT; http:// may prefix it'],
        ['A|B|C', 'the method to call (default A)'],
        'count',
        'timeout',
      ],
    },
  ],
  footer: `Exit status: 0 if every call answered OK, 1 if any failed or the instance is unreachable,
2 for bad arguments.`,
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
});

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
  const { values, positionals, problems: valueProblems } = readFlags(args, POKE_FLAGS);
  const [address, method = 'A', ...extra] = positionals;
  const problems: string[] = [];
  const target = address === undefined ? new Refusal('which instance? Give HOST:PORT or a port') : targetAddress(address);
  if (target instanceof Refusal) problems.push(target.problem);
  const methodName = grpcMethod(method);
  if (methodName === undefined) problems.push(`the method must be A, B or C, not "${method}"`);
  if (extra.length > 0) problems.push(`unexpected argument "${extra[0]}"`);
  problems.push(...valueProblems);
  if (problems.length > 0 || target instanceof Refusal || methodName === undefined) throw new UsageError(problems.join('\n'));
  return { target, method: methodName, count: values.count, timeoutMs: values.timeout * 1000 };
}
