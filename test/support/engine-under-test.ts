/**
 * One service's engine, driven directly through its ports: a VirtualClock, a seeded Random, a
 * Caller stub the test supplies (the Caller is the engine's injected port; real gRPC calls are
 * covered by the process-level tests), and an in-memory span exporter and log recorder to read
 * what a user would see.
 */
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { validateBehaviour } from '../../src/config';
import type { StatusName } from '../../src/common';
import { createPerformer, seededRandom, StepFailure, type Caller, type Clock, type GrpcMethod, type IncidentSource, type StepMeter } from '../../src/engine';
import { VirtualClock } from './virtual-clock';
import type { LineLevel } from '../../src/common/line-level';

export interface LogLine {
  readonly level: LineLevel;
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

export interface Outcome {
  readonly code: StatusName;
  readonly message: string;
  /** How far the clock moved while the request ran. */
  readonly ms: number;
  readonly spans: ReadableSpan[];
  readonly lines: LogLine[];
}

const noCalls: Caller = {
  call: () => Promise.reject(new Error('this behaviour was not expected to call anything')),
};

export class EngineUnderTest {
  readonly exporter = new InMemorySpanExporter();
  readonly lines: LogLine[] = [];
  readonly clock: Clock;
  private readonly perform;

  constructor(behaviour: unknown, options: { caller?: Caller; clock?: Clock; seed?: number; service?: string; meter?: StepMeter; incidents?: IncidentSource } = {}) {
    this.clock = options.clock ?? new VirtualClock();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: this.exporter })] });
    const record = (level: LogLine['level']) => (message: string, fields: Record<string, unknown>) => void this.lines.push({ level, message, fields });
    const service = options.service ?? 'svc';
    this.perform = createPerformer({
      behaviour: validateBehaviour(behaviour, service),
      serviceName: service,
      tracer: provider.getTracer('engine-under-test'),
      caller: options.caller ?? noCalls,
      random: seededRandom(options.seed ?? 1),
      clock: this.clock,
      log: { info: record('info'), warn: record('warn'), error: record('error') },
      meter: options.meter,
      incidents: options.incidents,
    });
  }

  /** One request to `method`; the spans and lines are those this request made. */
  async request(method: GrpcMethod = 'A'): Promise<Outcome> {
    this.exporter.reset();
    this.lines.length = 0;
    const started = this.clock.now();
    const work = this.perform(method, { signal: new AbortController().signal, hops: 0 });
    let code: StatusName = 'OK';
    let message = '';
    try {
      await (this.clock instanceof VirtualClock ? this.clock.run(work) : work);
    } catch (error) {
      const failure = StepFailure.from(error);
      code = failure.code;
      message = failure.message;
    }
    return { code, message, ms: this.clock.now() - started, spans: [...this.exporter.getFinishedSpans()], lines: [...this.lines] };
  }
}

/** The behaviour of a service whose method A is one Function of these actions, in order. */
export function methodA(name: string, ...actions: object[]): object {
  return { grpc_method_a: { tracing_name: name, operations: actions.map((action) => ({ Action: action })) }, grpc_method_b: null, grpc_method_c: null };
}

export function spanNamed(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const span = spans.find((candidate) => candidate.name === name);
  if (!span) throw new Error(`no span "${name}" among ${spans.map((s) => `"${s.name}"`).join(', ')}`);
  return span;
}

/** A span's length in ms. */
export function spanMs(span: ReadableSpan): number {
  return (span.endTime[0] - span.startTime[0]) * 1000 + (span.endTime[1] - span.startTime[1]) / 1e6;
}
