import { formatMs, STATUS_NAMES, type StatusName } from '../common';
import { adminRefusal, describeChanges, type AdminAnswer, type AdminClient } from '../chaos';
import type { TargetAddress } from '../traffic';
import { RUN_FLAGS, runSchedule } from './chaos-run';
import { defineCommand } from './command';
import { readFlags, type FlagTable, type ReadFlags } from './flag-table';
import { durationSeconds, fraction, grpcMethod, mustBe, nonEmpty, numberFrom, oneOf, Refusal, targetAddress } from './option-readers';
import { UsageError } from './usage-error';

const SUBCOMMANDS = ['inject', 'clear', 'list', 'run'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

/** As the instance caps an incident (engine/incident-board.ts), said here before anything is sent. */
const MAX_INCIDENT_SECONDS = 24 * 3600;
const FAILURE_CODES = STATUS_NAMES.filter((name) => name !== 'OK');

const CHAOS_FLAGS = {
  'failure-chance': { value: 'P', help: 'inject: the chance each changed step fails, 0 to 1 or a percentage (0.3, 30%)', read: mustBe('a chance from 0 to 1, or 0% to 100%', fraction) },
  'failure-code': { value: 'C', help: 'inject: the gRPC status those failures answer (default INTERNAL)', read: mustBe(`a gRPC status name: ${FAILURE_CODES.join(', ')}`, (text) => oneOf(FAILURE_CODES)(text.toUpperCase()) as StatusName | undefined) },
  'extra-latency-ms': { value: 'N', help: 'inject: ms added to each changed Sleep', read: mustBe('a number of ms ≥ 0', numberFrom(0)) },
  'latency-factor': { value: 'F', help: "inject: each changed Sleep's own duration is multiplied by F (before the extra)", read: mustBe('a number ≥ 0', numberFrom(0)) },
  method: { value: 'M', help: 'inject: only this method (A, B or C; default all)', read: mustBe('A, B or C', grpcMethod) },
  step: { value: 'S', help: "inject: only the Sleep with this tracing_name (default every Sleep of the method)", read: nonEmpty('needs a step name') },
  for: { value: 'D', help: 'inject: how long the incident lasts, at most 24h: 30 (seconds), 30s, 2m, 1h', read: mustBe('a time > 0 such as 30s, 2m or 1h', durationSeconds) },
  name: { value: 'N', help: 'inject: the name its spans carry as thespian.incident (default its id)', read: nonEmpty('needs a name') },
  timeout: { value: 'D', help: 'give up on an instance after D (for each call)', default: '10s', read: mustBe('a time > 0 such as 10, 10s or 500ms', durationSeconds) },
  ...RUN_FLAGS,
} satisfies FlagTable;

const INJECT_ONLY = ['failure-chance', 'failure-code', 'extra-latency-ms', 'latency-factor', 'method', 'step', 'for', 'name'] as const;
const RUN_ONLY = Object.keys(RUN_FLAGS) as (keyof typeof RUN_FLAGS)[];

type Values = ReturnType<typeof readFlags<typeof CHAOS_FLAGS>>['values'];

interface ChaosOptions {
  readonly subcommand: Exclude<Subcommand, 'run'>;
  readonly target: TargetAddress;
  readonly id?: string;
  readonly values: Values;
  readonly token: string;
}

export const chaosCommand = defineCommand(CHAOS_FLAGS, {
  name: 'chaos',
  summary: "inject, clear or list live incidents through an instance's admin API; run a topology's schedule",
  header: `Usage: thespian chaos inject HOST:PORT --for D [--failure-chance P] [--failure-code C]
         [--extra-latency-ms N] [--latency-factor F] [--method M] [--step S] [--name N]
       thespian chaos clear HOST:PORT [ID]
       thespian chaos list HOST:PORT
       thespian chaos run TOPOLOGY [--target SVC=HOST:PORT ...] [--clear-on-exit]

Changes a running instance's chaos for a while, through its admin API (thespian.Admin), which
is on only where the instance has THESPIAN_ADMIN_TOKEN; this command sends the same variable's
value as the bearer token. An incident changes the Sleeps it names (or every Sleep of the
method), marks their spans with thespian.incident, and ends by itself. See docs/chaos.md.

run plays a topology's incidents: each window is injected on every target of its service when
it comes, counting from the start of the run, and each start and end is a line on stdout.
Every target is checked first. It ends after the last window, or with repeat_every on
Ctrl-C or SIGTERM, which clear what it injected.`,
  sections: [
    {
      rows: [
        ['HOST:PORT', 'the instance; a bare PORT means 127.0.0.1:PORT'],
        ['ID', 'clear: the incident to end (as inject printed it); without, every incident'],
        'failure-chance',
        'failure-code',
        'extra-latency-ms',
        'latency-factor',
        'method',
        'step',
        'for',
        'name',
        'timeout',
      ],
    },
    { heading: 'chaos run:', rows: [['TOPOLOGY', 'a topology file with incidents, or a bundled name'], 'target', 'clear-on-exit'] },
  ],
  footer: `inject prints the incident's id; clear, how many ended; list, the instance's service and
how many, then one line per incident with the time left. Exit status: 0 when the instance did it, 1 when it refused or could not be reached
(one line on stderr says why), 2 for bad arguments or no THESPIAN_ADMIN_TOKEN. run: 0 when every
window was put in effect, 1 when a target failed its check (one line each) or a window was
refused, 2 for bad arguments, a topology without incidents or an unknown --target service.`,
  async run(args) {
    const read = readFlags(args, CHAOS_FLAGS);
    if (read.positionals[0] === 'run') return runSchedule(parseRunArgs(read));
    const options = parseChaosArgs(read);
    const { AdminClient } = require('../chaos') as typeof import('../chaos');
    const client = new AdminClient(options.target.address, options.token, options.values.timeout * 1000);
    try {
      return await perform(client, options);
    } finally {
      client.close();
    }
  },
});

async function perform(client: AdminClient, options: ChaosOptions): Promise<number> {
  const { values } = options;
  if (options.subcommand === 'inject') {
    const answer = await client.inject({
      name: values.name,
      method: values.method,
      step: values.step,
      failure_chance: values['failure-chance'],
      failure_code: values['failure-code'],
      extra_latency_ms: values['extra-latency-ms'],
      latency_factor: values['latency-factor'],
      duration_ms: values.for! * 1000,
    });
    return said(answer, options, (reply) => `${reply.id}\n`);
  }
  if (options.subcommand === 'clear') {
    const answer = await client.clear(options.id === undefined ? { all: true } : { id: options.id });
    return said(answer, options, (reply) => `cleared ${reply.cleared} incident${reply.cleared === 1 ? '' : 's'}\n`);
  }
  return said(await client.list(), options, (reply) =>
    // Which service answered (an instance older than ListReply.service does not say), so that a port-forward to the wrong pod shows.
    `${reply.service ? `${reply.service}: ` : ''}${reply.incidents.length === 0 ? 'no incidents' : `${reply.incidents.length} incident${reply.incidents.length === 1 ? '' : 's'}`}\n` +
      reply.incidents.map((incident) => `${incident.id}  ${incident.name}  ${describeChanges(incident)}  ${formatMs(incident.left_ms ?? 0, 'measured')} left\n`).join(''),
  );
}

/** Prints the reply, or the one line that says why there is none; the exit status. */
function said<Reply>(answer: AdminAnswer<Reply>, options: ChaosOptions, print: (reply: Reply) => string): number {
  if (answer.ok) {
    process.stdout.write(print(answer.reply));
    return 0;
  }
  process.stderr.write(`thespian chaos ${options.subcommand}: ${options.target.address}: ${adminRefusal(answer.code, answer.details)}${answer.code === 4 ? ' (--timeout)' : ''}\n`);
  return 1;
}

type ChaosFlags = ReadFlags<typeof CHAOS_FLAGS>;

function parseChaosArgs({ values, given, positionals, problems: valueProblems }: ChaosFlags): ChaosOptions {
  const [subcommandText, address, ...rest] = positionals;
  const problems: string[] = [];
  const subcommand = oneOf(SUBCOMMANDS.filter((name) => name !== 'run'))(subcommandText ?? '');
  if (subcommand === undefined) problems.push(subcommandText === undefined ? 'which one? thespian chaos inject, clear, list or run' : `unknown chaos command "${subcommandText}"; expected inject, clear, list or run`);
  const target = address === undefined ? new Refusal('which instance? Give HOST:PORT or a port') : targetAddress(address);
  if (target instanceof Refusal) problems.push(target.problem);
  const [id, ...extra] = subcommand === 'clear' ? rest : [undefined, ...rest];
  if (extra.length > 0) problems.push(`unexpected argument "${extra[0]}"`);
  problems.push(...valueProblems);
  if (subcommand === 'inject') {
    if (!given.has('for')) problems.push('--for is needed: every incident has an end (at most 24h)');
    else if (values.for !== undefined && values.for > MAX_INCIDENT_SECONDS) problems.push('--for at most 24h, so that a forgotten incident still ends');
    if (!given.has('failure-chance') && !given.has('extra-latency-ms') && !given.has('latency-factor')) problems.push('give at least one of --failure-chance, --extra-latency-ms and --latency-factor');
  } else if (subcommand !== undefined) {
    for (const flag of INJECT_ONLY) if (given.has(flag)) problems.push(`--${flag} is for chaos inject only`);
  }
  for (const flag of RUN_ONLY) if (given.has(flag)) problems.push(`--${flag} is for chaos run only`);
  const token = tokenOrProblem(problems);
  if (problems.length > 0 || subcommand === undefined || target instanceof Refusal || token === undefined) throw new UsageError(problems.join('\n'));
  return { subcommand, target, id, values, token };
}

function parseRunArgs({ values, given, positionals, problems: valueProblems }: ChaosFlags): Parameters<typeof runSchedule>[0] {
  const [, topologyPath, ...rest] = positionals;
  const problems: string[] = [];
  if (topologyPath === undefined) problems.push('which topology? thespian chaos run TOPOLOGY');
  if (rest.length > 0) problems.push(`one topology at a time; unexpected argument "${rest[0]}"`);
  problems.push(...valueProblems);
  for (const flag of INJECT_ONLY) if (given.has(flag)) problems.push(`--${flag} is for chaos inject only (a topology's incidents say their own)`);
  const token = tokenOrProblem(problems);
  if (problems.length > 0 || topologyPath === undefined || token === undefined) throw new UsageError(problems.join('\n'));
  return { topologyPath, targets: values.target, clearOnExit: values['clear-on-exit'], timeoutMs: values.timeout * 1000, token };
}

/** THESPIAN_ADMIN_TOKEN, or undefined with the reason added to `problems`. */
function tokenOrProblem(problems: string[]): string | undefined {
  const { adminTokenFrom } = require('../config') as typeof import('../config');
  const { token, problem } = adminTokenFrom(process.env);
  if (problem) problems.push(problem);
  return token;
}
