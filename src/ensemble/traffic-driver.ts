import type * as Grpc from '@grpc/grpc-js';
import type { GrpcMethod } from '../engine/model';
import { statusNameOf, type StatusName } from '../engine/status-name';

export interface TrafficTarget {
  readonly service: string;
  readonly method: GrpcMethod;
  readonly rps: number;
  /** host:port */
  readonly address: string;
}

export interface RequestOutcome {
  readonly target: TrafficTarget;
  readonly code: StatusName;
  readonly details: string;
  /** From the x-trace-id header every Thespian answers with. */
  readonly traceId: string | undefined;
  readonly latencyMs: number;
}

export interface TrafficOptions {
  readonly targets: readonly TrafficTarget[];
  /** Stop after this many requests in all. */
  readonly maxRequests?: number;
  /** Stop sending after this long. */
  readonly durationMs?: number;
  readonly onOutcome: (outcome: RequestOutcome) => void;
}

/** More than this many due requests in one tick means the process is starved; send them anyway, in slices. */
const MAX_SENDS_PER_TICK = 500;

/**
 * Calls the entry points at their rates, open loop: request k of a target is due at
 * start + (k + ½) / rps whether or not earlier ones have answered, as real users would. A slow
 * ecosystem therefore shows up as growing latency and in-flight counts, not as a lower rate
 * (unless this process itself cannot keep up, which the achieved rate reveals).
 */
export class TrafficDriver {
  private readonly grpc = require('@grpc/grpc-js') as typeof Grpc;
  private readonly clients = new Map<string, Grpc.Client>();
  private readonly calls = new Set<Grpc.ClientUnaryCall>();
  private readonly sentPerTarget: number[];
  private startedAt = 0;
  private stoppedAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sentCount = 0;
  private finishedBound!: () => void;
  private idleWaiters: (() => void)[] = [];
  /** Resolves when --requests or --duration is reached (never, when unbounded). */
  readonly bounded: Promise<void>;

  constructor(private readonly options: TrafficOptions) {
    this.sentPerTarget = options.targets.map(() => 0);
    this.bounded = new Promise((resolve) => (this.finishedBound = resolve));
    const { ThespianClient } = (require('../server/protocol') as typeof import('../server/protocol')).loadProtocol();
    for (const target of options.targets) {
      if (!this.clients.has(target.address)) {
        this.clients.set(target.address, new ThespianClient(target.address, this.grpc.credentials.createInsecure()));
      }
    }
  }

  get sent(): number {
    return this.sentCount;
  }

  get inFlight(): number {
    return this.calls.size;
  }

  /** Seconds spent sending so far (until stop). */
  get elapsedMs(): number {
    if (this.startedAt === 0 || (this.stoppedAt !== undefined && this.stoppedAt < this.startedAt)) return 0;
    return (this.stoppedAt ?? performance.now()) - this.startedAt;
  }

  /** The rate asked for, all targets together. */
  get targetRate(): number {
    return this.options.targets.reduce((sum, target) => sum + target.rps, 0);
  }

  /** Starts sending; does nothing if stop() came first. */
  start(): void {
    if (this.stoppedAt !== undefined) return;
    this.startedAt = performance.now();
    if (this.options.targets.length > 0) return this.tick();
    // Nothing to call: a duration still ends the run; a request count never could, so it ends now.
    if (this.options.durationMs !== undefined) this.timer = setTimeout(() => this.stop(), this.options.durationMs);
    else if (this.options.maxRequests !== undefined) this.stop();
  }

  /** Sends no more requests; those in flight carry on. */
  stop(): void {
    if (this.stoppedAt !== undefined) return;
    this.stoppedAt = performance.now();
    clearTimeout(this.timer);
    this.finishedBound();
  }

  /** Resolves true when nothing is in flight, false if `timeoutMs` passes first. */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.calls.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Cancels what is still in flight (their outcomes report CANCELLED). */
  cancelInFlight(): void {
    for (const call of this.calls) call.cancel();
  }

  close(): void {
    this.stop();
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }

  private tick(): void {
    if (this.stoppedAt !== undefined) return;
    const now = performance.now();
    if (this.options.durationMs !== undefined && now - this.startedAt >= this.options.durationMs) return this.stop();
    let sentThisTick = 0;
    let nextDue = Infinity;
    for (const [index, target] of this.options.targets.entries()) {
      for (;;) {
        // Half an interval in: over any whole run, sent / elapsed then equals the rate asked.
        const due = this.startedAt + ((this.sentPerTarget[index] + 0.5) * 1000) / target.rps;
        if (due > now || sentThisTick >= MAX_SENDS_PER_TICK) {
          nextDue = Math.min(nextDue, due);
          break;
        }
        if (this.options.maxRequests !== undefined && this.sentCount >= this.options.maxRequests) return this.stop();
        this.send(target);
        this.sentPerTarget[index]++;
        sentThisTick++;
      }
    }
    if (this.options.maxRequests !== undefined && this.sentCount >= this.options.maxRequests) return this.stop();
    const endsAt = this.options.durationMs === undefined ? Infinity : this.startedAt + this.options.durationMs;
    const wake = Math.min(nextDue, endsAt);
    this.timer = setTimeout(() => this.tick(), Math.max(0, wake - performance.now()));
  }

  private send(target: TrafficTarget): void {
    this.sentCount++;
    const client = this.clients.get(target.address)!;
    const started = performance.now();
    let traceId: string | undefined;
    const method = (client as unknown as Record<string, Function>)[target.method];
    const call = method.call(client, {}, new this.grpc.Metadata(), {}, (error: Grpc.ServiceError | null) => {
      this.calls.delete(call);
      traceId ??= error?.metadata?.get('x-trace-id')[0]?.toString();
      this.options.onOutcome({
        target,
        code: error ? statusNameOf(error.code) : 'OK',
        details: error ? error.details || error.message : '',
        traceId,
        latencyMs: performance.now() - started,
      });
      if (this.calls.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }) as Grpc.ClientUnaryCall;
    call.on('metadata', (headers: Grpc.Metadata) => {
      traceId = headers.get('x-trace-id')[0]?.toString() ?? traceId;
    });
    this.calls.add(call);
  }
}
