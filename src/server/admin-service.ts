import * as grpc from '@grpc/grpc-js';
import { IncidentBoard, type Incident } from '../engine';
import type { Logger } from '../telemetry';
import { ADMIN_REFUSAL, bearerMatches, tokenDigest } from './admin-token';

/** The admin API's three methods (proto/thespian-admin.proto). */
const ADMIN_METHODS = ['Inject', 'Clear', 'List'] as const;

interface AdminOptions {
  readonly board: IncidentBoard;
  /** Said in every List reply: a port-forward to the wrong service is then told, not guessed. */
  readonly serviceName: string;
  readonly token: string;
  readonly logger: Logger;
}

type Handlers = Record<(typeof ADMIN_METHODS)[number], grpc.handleUnaryCall<Record<string, unknown>, object>>;

/**
 * The handlers of thespian.Admin. Off (no options), every call is refused exactly as a wrong token
 * is, so that a caller cannot tell an instance with the API off from one it failed to log into.
 * On, each call is let in only with the bearer token, and bad input answers INVALID_ARGUMENT
 * with every problem on its own line. The token never reaches a log line.
 */
export function adminHandlers(options: AdminOptions | undefined): Handlers {
  const refuse: grpc.handleUnaryCall<unknown, object> = (_call, reply) => reply({ code: grpc.status.UNAUTHENTICATED, details: ADMIN_REFUSAL });
  if (!options) return { Inject: refuse, Clear: refuse, List: refuse };
  const digest = tokenDigest(options.token);
  const admin = new IncidentAdmin(options.board, options.serviceName, options.logger);
  const guarded =
    (handle: (request: Record<string, unknown>) => object): grpc.handleUnaryCall<Record<string, unknown>, object> =>
    (call, reply) => {
      if (!bearerMatches(call.metadata, digest)) return reply({ code: grpc.status.UNAUTHENTICATED, details: ADMIN_REFUSAL });
      try {
        reply(null, handle(call.request));
      } catch (error) {
        if (error instanceof AdminInputError) return reply({ code: grpc.status.INVALID_ARGUMENT, details: error.message });
        options.logger.error(`admin call failed: ${(error as Error).message}`);
        reply({ code: grpc.status.INTERNAL, details: 'the admin call failed; the instance logged why' });
      }
    };
  return {
    Inject: guarded((request) => admin.inject(request)),
    Clear: guarded((request) => admin.clear(request)),
    List: guarded(() => admin.list()),
  };
}

class AdminInputError extends Error {}

/** The board, with each incident's end timed (so that it is said when it passes) and every change logged. */
class IncidentAdmin {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly board: IncidentBoard,
    private readonly serviceName: string,
    private readonly logger: Logger,
  ) {}

  inject(request: Record<string, unknown>): object {
    const result = this.board.inject({
      name: text(request.name),
      service: text(request.service),
      method: text(request.method),
      step: text(request.step),
      failureChance: request.failure_chance as number | undefined,
      failureCode: text(request.failure_code),
      extraLatencyMs: request.extra_latency_ms as number | undefined,
      latencyFactor: request.latency_factor as number | undefined,
      durationMs: (request.duration_ms as number | undefined) ?? 0,
    });
    if ('problems' in result) throw new AdminInputError(result.problems.join('\n'));
    const { incident } = result;
    this.timeEnd(incident.id, incident.ends - incident.starts);
    this.logger.info(`incident "${incident.name}" started`, incidentFields(incident, incident.ends - incident.starts));
    return { id: incident.id };
  }

  clear(request: Record<string, unknown>): object {
    const id = text(request.id);
    if (id === undefined && request.all !== true) throw new AdminInputError('give the id of an incident to clear, or all');
    if (id !== undefined && request.all === true) throw new AdminInputError('give an id or all, not both');
    if (id !== undefined && id.length > 64) throw new AdminInputError(`id: no incident has an id that long (${id.length} characters)`);
    const cleared = this.board.clear(id);
    for (const incident of cleared) {
      clearTimeout(this.timers.get(incident.id));
      this.timers.delete(incident.id);
      this.logger.info(`incident "${incident.name}" cleared`, incidentFields(incident, 0));
    }
    return { cleared: cleared.length };
  }

  list(): object {
    return {
      service: this.serviceName,
      incidents: this.board.list().map(({ incident, leftMs }) => ({ id: incident.id, name: incident.name, ...changes(incident, ''), left_ms: Math.round(leftMs) })),
    };
  }

  /** Unref'd: a pending end must not keep a stopping instance alive. */
  private timeEnd(id: string, ms: number): void {
    this.timers.set(id, setTimeout(() => this.expire(id), ms).unref());
  }

  private expire(id: string): void {
    for (const incident of this.board.expire()) {
      clearTimeout(this.timers.get(incident.id));
      this.timers.delete(incident.id);
      this.logger.info(`incident "${incident.name}" ended`, incidentFields(incident, 0));
    }
    // Timers and the Clock read different clocks: a timer a hair early tries again a little later.
    if (this.timers.has(id)) this.timeEnd(id, 1);
  }
}

/** An empty string is an unset field (proto3 cannot tell them apart for plain strings). */
function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The structured fields of an incident's log lines; `leftMs` dates its end in wall-clock time. */
function incidentFields(incident: Incident, leftMs: number): Record<string, unknown> {
  return { incident: incident.name, incident_id: incident.id, ...changes(incident, 'all'), ends: new Date(Date.now() + leftMs).toISOString() };
}

/** What an incident changes, under the proto's field names; `every` stands for an unset method or step. */
function changes(incident: Incident, every: string) {
  return {
    method: incident.method ?? every,
    step: incident.step ?? every,
    failure_chance: incident.failureChance,
    failure_code: incident.failureCode,
    extra_latency_ms: incident.extraLatencyMs,
    latency_factor: incident.latencyFactor,
  };
}
