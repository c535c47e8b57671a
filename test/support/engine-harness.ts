/**
 * Runs behaviours through the real engine, fast: a virtual clock (sleeps take no real time but
 * keep their order and length, so timeouts, concurrency and backoff behave as in a real run), a
 * seeded Random per service, and a Caller that routes each call to the performer of the service
 * on that port, as gRPC would, counting the CLIENT and SERVER spans the instrumentation would make.
 * Given tracers, it also records those spans, each service with its own tracer, beside the
 * engine's, as the SDK and instrumentation-grpc would.
 */
import { SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { validateBehaviour } from '../../src/config';
import { grpcSpanName } from '../../src/engine/actions/call-service';
import { spanTime } from '../../src/engine/span-time';
import {
  CallFailure,
  createPerformer,
  seededRandom,
  StepFailure,
  type CallOptions,
  type CallTarget,
  type Caller,
  type GrpcMethod,
  type IncidentSource,
  type Performer,
} from '../../src/engine';
import type { StatusName } from '../../src/common';
import type { LineCounts } from '../../src/probability';
import { VirtualClock } from './virtual-clock';

export interface RequestResult {
  readonly code: StatusName;
  readonly ms: number;
  readonly spans: number;
  readonly lines: number;
  readonly linesByLevel: LineCounts;
}

/** The tracer of each service's spans, as that service's SDK would have it. */
export type TracerOf = (service: string) => Tracer;

interface Served {
  readonly name: string;
  readonly perform: Performer;
}

/** What the server knows of a request it serves (the performer's own argument). */
type ServedRequest = Parameters<Performer>[1];

/** A grpc deadline fires a little after the engine's own measure of it, as on a real network. */
const DEADLINE_SLACK_MS = 0.5;

export class EngineHarness {
  readonly clock = new VirtualClock();
  private readonly performers = new Map<number, Served>();
  private spans = 0;
  private lines = 0;
  private linesByLevel = { info: 0, warn: 0, error: 0 };

  /**
   * services: name → [port, behaviour object]. `tracerOf`: record spans (otherwise none are).
   * `incidentsOf`: a service's incidents (an IncidentBoard on the harness's clock, as an instance's).
   */
  constructor(
    services: Record<string, [number, unknown]>,
    seed: number,
    private readonly tracerOf?: TracerOf,
    incidentsOf?: (service: string, clock: VirtualClock) => IncidentSource | undefined,
  ) {
    const logged = (level: keyof LineCounts) => () => {
      this.lines++;
      this.linesByLevel[level]++;
    };
    const log = {
      info: (message: string) => {
        logged('info')();
        // Every step span logs its start at info, so these lines count the step spans.
        if (message.endsWith('" started')) this.spans++;
      },
      warn: logged('warn'),
      error: logged('error'),
    };
    for (const [name, [port, behaviour]] of Object.entries(services)) {
      const caller: Caller = { call: (target, options) => this.call(name, target, options) };
      const incidents = incidentsOf?.(name, this.clock);
      const perform = createPerformer({
        behaviour: validateBehaviour(behaviour, name),
        serviceName: name,
        tracer: tracerOf?.(name) ?? trace.getTracer('engine-harness'),
        caller,
        random: seededRandom(seed).fork!(name),
        clock: this.clock,
        log,
        ...(incidents ? { incidents } : {}),
      });
      this.performers.set(port, { name, perform });
    }
  }

  /** One request to `method` of the service on `port`. */
  async request(port: number, method: GrpcMethod): Promise<RequestResult> {
    const spansBefore = this.spans;
    const linesBefore = this.lines;
    const levelsBefore = { ...this.linesByLevel };
    const started = this.clock.now();
    this.spans++; // the SERVER span of the entry call
    let code: StatusName = 'OK';
    try {
      await this.clock.run(this.serve(this.performers.get(port)!, method, { signal: new AbortController().signal, hops: 0 }));
    } catch (error) {
      code = StepFailure.from(error).code;
    }
    // Let cancelled callees finish logging before counting.
    await this.clock.run(Promise.resolve());
    const { info, warn, error } = this.linesByLevel;
    const linesByLevel = { info: info - levelsBefore.info, warn: warn - levelsBefore.warn, error: error - levelsBefore.error };
    return { code, ms: this.clock.now() - started, spans: this.spans - spansBefore, lines: this.lines - linesBefore, linesByLevel };
  }

  /** A service serves one request: its behaviour, inside the SERVER span when spans are recorded. */
  private serve(service: Served, method: GrpcMethod, request: ServedRequest): Promise<void> {
    return this.inGrpcSpan(service.name, method, SpanKind.SERVER, () => service.perform(method, request));
  }

  /** A call from the service `from`: inside its CLIENT span when spans are recorded. */
  private call(from: string, target: CallTarget, options: CallOptions): Promise<void> {
    return this.inGrpcSpan(from, target.method, SpanKind.CLIENT, () => this.route(target, options));
  }

  private inGrpcSpan(service: string, method: GrpcMethod, kind: SpanKind, work: () => Promise<void>): Promise<void> {
    const tracer = this.tracerOf?.(service);
    if (!tracer) return work();
    return tracer.startActiveSpan(grpcSpanName(method), { kind, startTime: spanTime(this.clock.now()) }, async (span) => {
      try {
        await work();
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end(spanTime(this.clock.now()));
      }
    });
  }

  private async route(target: CallTarget, options: CallOptions): Promise<void> {
    const served = this.performers.get(target.port);
    if (!served) throw new CallFailure('UNAVAILABLE', `nothing listens on ${target.port}`);
    this.spans += 2; // the caller's CLIENT span and the callee's SERVER span
    const callee = new AbortController();
    const forward = () => callee.abort(new StepFailure('CANCELLED', 'the caller cancelled the request'));
    options.signal.addEventListener('abort', forward, { once: true });
    const work = this.serve(served, target.method, { signal: callee.signal, hops: options.hops + 1, randomKey: options.randomKey });
    const timer = new AbortController();
    try {
      if (options.timeoutMs === undefined) await work;
      else {
        const expired = this.clock.sleep(options.timeoutMs + DEADLINE_SLACK_MS, timer.signal).then(
          () => {
            callee.abort(new StepFailure('DEADLINE_EXCEEDED', "the caller's deadline passed before the behaviour finished"));
            throw new CallFailure('DEADLINE_EXCEEDED', 'Deadline exceeded');
          },
          // The callee answered first and the timer was stopped: this side of the race never ends.
          () => new Promise<never>(() => undefined),
        );
        work.catch(() => undefined);
        await Promise.race([work, expired]);
      }
    } catch (error) {
      if (error instanceof CallFailure) throw error;
      const failure = StepFailure.from(error);
      throw new CallFailure(failure.code, failure.message);
    } finally {
      timer.abort();
      options.signal.removeEventListener('abort', forward);
    }
  }
}
