import type * as Grpc from '@grpc/grpc-js';
import type { TargetAddress } from '../traffic';
import { defineCommand } from './command';
import { readFlags, type FlagTable } from './flag-table';
import { durationSeconds, mustBe, Refusal, targetAddress } from './option-readers';
import { UsageError } from './usage-error';

const DEFAULT_TARGET = '127.0.0.1:6379';

const HEALTH_FLAGS = {
  service: {
    value: 'NAME',
    help: 'the health service\'s entry to ask about (default "": the whole server; thespian.Thespian is the other one an instance reports)',
  },
  timeout: { value: 'D', help: 'give up after D: 2 (seconds), 500ms, 2s', default: '2s', read: mustBe('a duration like 2, 2s or 500ms', durationSeconds) },
} satisfies FlagTable;

interface HealthOptions {
  target: TargetAddress;
  service: string;
  timeoutMs: number;
}

type Outcome = { serving: true; status: string } | { serving: false; reason: string };

export const healthCommand = defineCommand(HEALTH_FLAGS, {
  name: 'health',
  summary: "ask an instance's gRPC health service; exit 0 when SERVING (for container health checks)",
  header: `Usage: thespian health [HOST:PORT] [--service NAME] [--timeout D]

Asks an instance's standard gRPC health service (grpc.health.v1.Health/Check) whether it is
serving. Made for container health checks (Docker HEALTHCHECK, compose, ECS) and for people;
Kubernetes probes the same service natively.`,
  sections: [{ rows: [['HOST:PORT', 'the instance (default localhost:6379); a bare PORT means localhost:PORT'], 'service', 'timeout'] }],
  footer: `Prints one line. Exit status: 0 when the answer is SERVING; 1 when it is anything else, or the
instance is unreachable or too slow (a draining instance answers NOT_SERVING, then refuses new
connections); 2 for bad arguments.`,
  async run(args) {
    const options = parseHealthArgs(args);
    const outcome = await check(options);
    const subject = options.service === '' ? options.target.address : `${options.target.address} (${options.service})`;
    if (outcome.serving) {
      process.stdout.write(`${subject}: ${outcome.status}\n`);
      return 0;
    }
    process.stderr.write(`thespian health: ${subject}: ${outcome.reason}\n`);
    return 1;
  },
});

async function check(options: HealthOptions): Promise<Outcome> {
  // Required here, not imported above: command modules load grpc-js only when they run.
  const grpc = require('@grpc/grpc-js') as typeof Grpc;
  const { service } = require('grpc-health-check') as typeof import('grpc-health-check');
  const Health = grpc.makeGenericClientConstructor(service as unknown as Grpc.ServiceDefinition, 'Health');
  const credentials = options.target.tls ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
  const client = new Health(options.target.address, credentials);
  try {
    return await new Promise<Outcome>((resolve) => {
      const call = (client as unknown as Record<string, Function>).Check.bind(client);
      // No waitForReady: a refused connection fails at once instead of waiting out the deadline.
      call(
        { service: options.service },
        { deadline: Date.now() + options.timeoutMs },
        (error: Grpc.ServiceError | null, answer?: { status?: string | number }) => {
          if (error) resolve({ serving: false, reason: describeError(grpc, error, options) });
          else {
            const status = String(answer?.status ?? 'UNKNOWN');
            resolve(status === 'SERVING' ? { serving: true, status } : { serving: false, reason: status });
          }
        },
      );
    });
  } finally {
    client.close();
  }
}

function describeError(grpc: typeof Grpc, error: Grpc.ServiceError, options: HealthOptions): string {
  switch (error.code) {
    case grpc.status.DEADLINE_EXCEEDED:
      return `no answer within ${formatSeconds(options.timeoutMs)}`;
    case grpc.status.NOT_FOUND:
      return `the health service knows no service "${options.service}"`;
    case grpc.status.UNIMPLEMENTED:
      return 'answers gRPC but has no grpc.health.v1 health service';
    case grpc.status.UNAVAILABLE:
      return `cannot reach it (${plainReason(error.details)})`;
    default:
      return `${grpc.status[error.code] ?? error.code}: ${error.details}`;
  }
}

/** grpc-js wraps the socket error in several sentences; keep the part a person needs. */
function plainReason(details: string): string {
  const lastError = /Last error: (?:Error: )?(.*?)(?:\.\s*Resolution note:.*)?$/s.exec(details);
  return (lastError?.[1] ?? details).trim().replace(/\.$/, '') || 'unavailable';
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(2))} s`;
}

function parseHealthArgs(args: string[]): HealthOptions {
  const { values, positionals, problems: valueProblems } = readFlags(args, HEALTH_FLAGS);
  const [address, ...extra] = positionals;
  const problems: string[] = [];
  if (extra.length > 0) problems.push(`one instance at a time; unexpected argument "${extra[0]}"`);
  // A bare port is this machine; 127.0.0.1 rather than "localhost", because the instance
  // listens on IPv4 and "localhost" may resolve to ::1 first.
  const target = targetAddress(address ?? DEFAULT_TARGET);
  if (target instanceof Refusal) problems.push(target.problem);
  problems.push(...valueProblems);
  if (problems.length > 0 || target instanceof Refusal) throw new UsageError(problems.join('\n'));
  return { target, service: values.service ?? '', timeoutMs: Math.max(1, Math.round(values.timeout * 1000)) };
}
