import type { GrpcMethod } from '../engine/model';
import { statusNameOf, type StatusName } from '../engine/status-name';
import type { CallOutcome, DrivingClient } from '../traffic/driving-client';
import { parseTargetAddress } from '../traffic/target-address';

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
  /** It ended with DEADLINE_EXCEEDED because its own deadline (`timeoutMs`) passed. */
  readonly pastDeadline: boolean;
}

interface TrafficOptions {
  readonly targets: readonly TrafficTarget[];
  /** Stop after this many requests in all. */
  readonly maxRequests?: number;
  /** Stop sending after this long. */
  readonly durationMs?: number;
  /** Deadline of each request: however the services behave, no request is in flight longer. */
  readonly timeoutMs: number;
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
  private readonly client: DrivingClient;
  /** Index of each target's address among the client's targets (targets may share one). */
  private readonly addressIndex: number[];
  /** Send time of each request in flight, by token. */
  private readonly calls = new Map<number, { target: TrafficTarget; started: number }>();
  private nextToken = 0;
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
    const addresses = [...new Set(options.targets.map((target) => target.address))];
    this.addressIndex = options.targets.map((target) => addresses.indexOf(target.address));
    // Required here, not imported above: the client loads grpc-js, which must not load before a command runs.
    const { DrivingClient } = require('../traffic/driving-client') as typeof import('../traffic/driving-client');
    // The same client, and so the same per-request deadline, as `thespian load` and `poke`.
    this.client = new DrivingClient(addresses.map(parseTargetAddress), { timeoutMs: options.timeoutMs });
  }

  get timeoutMs(): number {
    return this.options.timeoutMs;
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

  close(): void {
    this.stop();
    this.client.close();
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
        this.send(index, target);
        this.sentPerTarget[index]++;
        sentThisTick++;
      }
    }
    if (this.options.maxRequests !== undefined && this.sentCount >= this.options.maxRequests) return this.stop();
    const endsAt = this.options.durationMs === undefined ? Infinity : this.startedAt + this.options.durationMs;
    const wake = Math.min(nextDue, endsAt);
    this.timer = setTimeout(() => this.tick(), Math.max(0, wake - performance.now()));
  }

  private send(index: number, target: TrafficTarget): void {
    this.sentCount++;
    const token = this.nextToken++;
    this.calls.set(token, { target, started: performance.now() });
    this.client.send(this.addressIndex[index], target.method, token, this.onDone);
  }

  private readonly onDone = (token: number, outcome: CallOutcome): void => {
    const call = this.calls.get(token)!;
    this.calls.delete(token);
    const code = statusNameOf(outcome.code);
    this.options.onOutcome({
      target: call.target,
      code,
      details: outcome.details,
      traceId: outcome.traceId,
      latencyMs: performance.now() - call.started,
      pastDeadline: outcome.pastDeadline === true,
    });
    if (this.calls.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  };
}
