/**
 * Runs behaviours through the real engine, fast: a virtual clock (sleeps take no real time but
 * keep their order and length, so timeouts, concurrency and backoff behave as in a real run), a
 * seeded Random per service, and a Caller that routes each call to the performer of the service
 * on that port, as gRPC would, counting the CLIENT and SERVER spans the instrumentation would make.
 */
import { trace } from '@opentelemetry/api';
import { validateBehaviour } from '../../src/config';
import {
  CallFailure,
  createPerformer,
  seededRandom,
  StepFailure,
  type CallOptions,
  type CallTarget,
  type Caller,
  type GrpcMethod,
  type Performer,
} from '../../src/engine';
import type { StatusName } from '../../src/common';
import { VirtualClock } from './virtual-clock';

export interface RequestResult {
  readonly code: StatusName;
  readonly ms: number;
  readonly spans: number;
  readonly lines: number;
}

/** A grpc deadline fires a little after the engine's own measure of it, as on a real network. */
const DEADLINE_SLACK_MS = 0.5;

export class EngineHarness {
  readonly clock = new VirtualClock();
  private readonly performers = new Map<number, Performer>();
  private spans = 0;
  private lines = 0;

  /** services: name → [port, behaviour object]. */
  constructor(services: Record<string, [number, unknown]>, seed: number) {
    const caller: Caller = { call: (target, options) => this.call(target, options) };
    const log = {
      info: (message: string) => {
        this.lines++;
        // Every step span logs its start at info, so these lines count the step spans.
        if (message.endsWith('" started')) this.spans++;
      },
      warn: () => void this.lines++,
      error: () => void this.lines++,
    };
    for (const [name, [port, behaviour]] of Object.entries(services)) {
      this.performers.set(
        port,
        createPerformer({
          behaviour: validateBehaviour(behaviour, name),
          serviceName: name,
          tracer: trace.getTracer('engine-harness'),
          caller,
          random: seededRandom(seed).fork!(name),
          clock: this.clock,
          log,
        }),
      );
    }
  }

  /** One request to `method` of the service on `port`. */
  async request(port: number, method: GrpcMethod): Promise<RequestResult> {
    const spansBefore = this.spans;
    const linesBefore = this.lines;
    const started = this.clock.now();
    this.spans++; // the SERVER span of the entry call
    let code: StatusName = 'OK';
    try {
      await this.clock.run(this.performers.get(port)!(method, { signal: new AbortController().signal, hops: 0 }));
    } catch (error) {
      code = StepFailure.from(error).code;
    }
    // Let cancelled callees finish logging before counting.
    await this.clock.run(Promise.resolve());
    return { code, ms: this.clock.now() - started, spans: this.spans - spansBefore, lines: this.lines - linesBefore };
  }

  private async call(target: CallTarget, options: CallOptions): Promise<void> {
    const performer = this.performers.get(target.port);
    if (!performer) throw new CallFailure('UNAVAILABLE', `nothing listens on ${target.port}`);
    this.spans += 2; // the caller's CLIENT span and the callee's SERVER span
    const callee = new AbortController();
    const forward = () => callee.abort(new StepFailure('CANCELLED', 'the caller cancelled the request'));
    options.signal.addEventListener('abort', forward, { once: true });
    const work = performer(target.method, { signal: callee.signal, hops: options.hops + 1, randomKey: options.randomKey });
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
