import { STATUS_NAMES, type StatusName } from '../common';
import type { GrpcMethod } from '../engine';
import type { CallDone } from './driving-client';
import { InFlightTable } from './in-flight-table';
import { LatencyHistogram } from './latency-histogram';
import { countsOf, type LoadResult, type LoadSummary, type StatusCounts, type TargetSummary } from './load-result';
import { RequestLog } from './request-log';
import type { StagePlan } from './stage-plan';
import { StageTally } from './stage-tally';
import { flatSchedule, stagedSchedule, type TargetSchedule } from './target-schedule';
import type { TargetAddress } from './target-address';

export interface LoadTarget {
  address: TargetAddress;
  method: GrpcMethod;
  /** Requests per second to this target; with `stages`, their mean over a cycle (StagePlan.meanRate). */
  rate: number;
  /** Ramps the rate through these stages instead of holding `rate` (the plan's duration, if any, still ends it). */
  stages?: StagePlan;
  /** A name for the target, e.g. the topology service whose entry point it is. */
  label?: string;
}

/** How one request ended, for a caller that follows the run request by request (`up`). */
export interface RequestOutcome {
  readonly target: LoadTarget;
  readonly status: StatusName;
  /** The status message; empty for OK. */
  readonly details: string;
  /** From the answer's x-trace-id header; undefined when the server was never reached. */
  readonly traceId: string | undefined;
  /** From the scheduled send time to the answer. */
  readonly latencyMs: number;
  /** From the actual send to the answer. */
  readonly serviceMs: number;
  /** DEADLINE_EXCEEDED because the request's own deadline passed (not a server's earlier verdict). */
  readonly pastDeadline: boolean;
}

/**
 * What to send. With neither a duration nor a number of requests the run sends until stop();
 * with both, it ends at whichever comes first.
 */
export interface LoadPlan {
  targets: readonly LoadTarget[];
  /** Send for this many seconds (each target at its rate)... */
  durationS?: number;
  /** ...or this many requests in all, spread over the targets in proportion to their rates. */
  requests?: number;
  /** At most this many requests in flight; a request due while at the limit is dropped, not queued. */
  concurrencyLimit?: number;
  /** Keep every request's status, latencies and trace id (default true). */
  keepRequests?: boolean;
  /** Send-lag p99 above which the run counts as not having kept up (default 25 ms). */
  lagToleranceMs?: number;
  /** Called as each request ends, after the run has counted it. */
  onOutcome?: (outcome: RequestOutcome) => void;
}

/** What the scheduler needs from a client; DrivingClient is the real one. */
interface RequestSender {
  send(target: number, method: GrpcMethod, token: number, done: CallDone): void;
}

/** A moment of a running load, for the progress display. */
export interface LiveSnapshot {
  elapsedMs: number;
  /** How much of the plan is done, 0–1 (by time, or by requests scheduled). */
  progress: number;
  sent: number;
  dropped: number;
  completed: number;
  inFlight: number;
  /** Failed requests so far, by status name. */
  errors: StatusCounts;
  /** How far behind schedule the sender is right now (0 when on time). */
  behindMs: number;
  /** In a staged load: the stage now (1-based) of how many, and the rate all targets ask for now. */
  stage?: { index: number; count: number; rate: number };
}

/**
 * Send lag (p99) above which the run "fell behind". A busy machine delays timers by a few ms
 * now and then without the rate suffering; a sender that cannot keep up lags ever further.
 */
export const DEFAULT_LAG_TOLERANCE_MS = 25;
/** Sends per turn of the event loop at most, so answers still get handled when far behind. */
const MAX_BURST = 1000;
const STATUS_COUNT = STATUS_NAMES.length;
const UNKNOWN_CODE = 2;

/**
 * An open-loop run: request i to a target is due at t0 + i / rate (or, with stages, when the
 * integral of the staged rate reaches i + 1), whatever the latency of earlier requests, so a
 * slow server cannot slow the load down (no coordinated omission).
 * Latency is measured both from the scheduled and from the actual send time. If the sender
 * itself falls behind, the due requests go out as soon as it can send them, and the lag is
 * recorded and reported.
 *
 * `sendingDone` resolves when no more requests will be sent: at stop(), or when the plan is
 * complete (not before its duration has passed, although its last request is due earlier).
 * `finished` resolves once, in addition, every request sent has ended.
 */
export class OpenLoopRun {
  readonly finished: Promise<LoadResult>;
  private resolveFinished!: (result: LoadResult) => void;
  readonly sendingDone: Promise<void>;
  private resolveSendingDone!: () => void;
  /** Requests per second asked for, all targets together. */
  readonly targetRate: number;

  private readonly targets: readonly LoadTarget[];
  private readonly schedules: TargetSchedule[];
  private readonly stageTally: StageTally;
  private readonly nextIndex: number[];
  private readonly durationMs: number | undefined;
  private readonly requestLimit: number | undefined;
  private readonly concurrencyLimit: number;
  private readonly lagToleranceMs: number;
  private readonly onOutcome: ((outcome: RequestOutcome) => void) | undefined;

  private readonly inFlightTable = new InFlightTable();
  private readonly log: RequestLog | undefined;
  private readonly fromScheduled = new LatencyHistogram();
  private readonly fromSent = new LatencyHistogram();
  private readonly sendLag = new LatencyHistogram();
  private readonly window = new LatencyHistogram();

  private readonly targetScheduled: number[];
  private readonly targetSent: number[];
  private readonly targetDropped: number[];
  private readonly targetLastSentAt: number[];
  private readonly targetCodes: Uint32Array[];
  private readonly codes = new Uint32Array(STATUS_COUNT);

  private t0 = 0;
  private cpuAtStart: NodeJS.CpuUsage | undefined;
  private startedAt = '';
  private scheduled = 0;
  private sentCount = 0;
  private dropped = 0;
  private completed = 0;
  private lateSends = 0;
  private lastSentAt = 0;
  private lastScheduledAt = 0;
  private lastEndedAt = 0;
  private windowSent = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private dueAt = 0;
  private scheduling = false;
  private interrupted = false;
  private started = false;
  private isFinished = false;
  /** When sending is (or will be) over; set once the plan is complete or stop() is called. */
  private sendingEndsAt: number | undefined;
  private sendingOver = false;
  private sendingTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sender: RequestSender,
    plan: LoadPlan,
  ) {
    for (const target of plan.targets) if (!(target.rate > 0)) throw new Error(`rate of ${target.address.address} must be > 0`);
    this.targets = plan.targets;
    this.durationMs = plan.durationS === undefined ? undefined : plan.durationS * 1000;
    this.schedules = plan.targets.map((target) => (target.stages ? stagedSchedule(target.stages, this.durationMs) : flatSchedule(target.rate, this.durationMs)));
    this.stageTally = new StageTally(plan.targets);
    this.nextIndex = plan.targets.map(() => 0);
    this.requestLimit = plan.requests;
    this.concurrencyLimit = plan.concurrencyLimit ?? Infinity;
    this.lagToleranceMs = plan.lagToleranceMs ?? DEFAULT_LAG_TOLERANCE_MS;
    this.onOutcome = plan.onOutcome;
    this.targetRate = plan.targets.reduce((sum, target) => sum + target.rate, 0);
    this.log = plan.keepRequests === false ? undefined : new RequestLog();
    this.targetScheduled = plan.targets.map(() => 0);
    this.targetSent = plan.targets.map(() => 0);
    this.targetDropped = plan.targets.map(() => 0);
    this.targetLastSentAt = plan.targets.map(() => 0);
    this.targetCodes = plan.targets.map(() => new Uint32Array(STATUS_COUNT));
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
    this.sendingDone = new Promise((resolve) => (this.resolveSendingDone = resolve));
  }

  /** Starts the schedule; does nothing after stop(), so a run stopped early sends nothing. */
  start(): this {
    if (this.started) return this;
    this.begin(performance.now());
    this.scheduling = true;
    this.tick();
    return this;
  }

  /** Stops sending (e.g. on Ctrl-C); requests in flight still finish (each has a deadline). */
  stop(): void {
    const now = performance.now();
    if (!this.started) {
      this.begin(now);
      this.interrupted = true;
    } else if (this.scheduling) {
      this.scheduling = false;
      this.interrupted = true;
      if (this.timer !== undefined) clearTimeout(this.timer);
      if (this.immediate !== undefined) clearImmediate(this.immediate);
      this.timer = undefined;
      this.immediate = undefined;
    }
    this.endSendingAt(Math.min(now, this.sendingEndsAt ?? Infinity));
    this.finishIfDone();
  }

  get sent(): number {
    return this.sentCount;
  }

  get inFlight(): number {
    return this.inFlightTable.count;
  }

  /** How long the schedule has run: until now while sending, then until sending ended. */
  /**
   * Requests per second sent so far, all targets together: over the span their schedule covers
   * (one interval per request scheduled, the longest of the targets'), or longer if sending
   * lagged. Every target sends its first request at the start, so dividing by the time elapsed
   * instead would count each target's first request as extra when a run is cut short.
   */
  get achievedRate(): number {
    let scheduleSpan = 0;
    for (let index = 0; index < this.targets.length; index++) {
      scheduleSpan = Math.max(scheduleSpan, this.schedules[index]!.spanMs(this.targetScheduled[index]!));
    }
    const sendingSpan = this.sentCount === 0 ? 0 : this.lastSentAt - this.t0 + 1000 / this.targetRate;
    return rateOver(this.sentCount, scheduleSpan, sendingSpan);
  }

  get sendingMs(): number {
    if (!this.started) return 0;
    return (this.sendingOver ? this.sendingEndsAt! : performance.now()) - this.t0;
  }

  /**
   * Resolves true once sending is over and every request sent has ended; false if `timeoutMs`
   * passes first. Each request has a deadline, so a timeout means the client's timers failed.
   */
  drain(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    return Promise.race([this.finished.then(() => true), late]).finally(() => clearTimeout(timer));
  }

  snapshot(): LiveSnapshot {
    const now = performance.now();
    const errors: StatusCounts = {};
    for (let code = 1; code < STATUS_COUNT; code++) if (this.codes[code]! > 0) errors[STATUS_NAMES[code]!] = this.codes[code]!;
    const behind = this.scheduling && this.nextDue() >= 0 && this.dueAt < now;
    const snapshot: LiveSnapshot = {
      elapsedMs: now - this.t0,
      progress: this.progress(now),
      sent: this.sentCount,
      dropped: this.dropped,
      completed: this.completed,
      inFlight: this.inFlightTable.count,
      errors,
      behindMs: behind ? now - this.dueAt : 0,
    };
    const flatRate = this.targets.reduce((sum, target) => sum + (target.stages ? 0 : target.rate), 0);
    const stage = this.stageTally.liveStage(now - this.t0, flatRate);
    if (stage !== undefined) snapshot.stage = { ...stage, index: stage.index + 1 };
    return snapshot;
  }

  /** How much of the plan is done, 0–1: by time or by requests scheduled, whichever is further; 0 for a plan without end. */
  private progress(now: number): number {
    const byTime = this.durationMs === undefined ? 0 : (now - this.t0) / this.durationMs;
    const byCount = this.requestLimit === undefined ? 0 : this.scheduled / this.requestLimit;
    return Math.min(1, Math.max(byTime, byCount));
  }

  /** Latency p99 (from scheduled time) and requests sent since the previous call; then starts a new window. */
  takeWindow(): { p99Ms: number; answered: number; sent: number } {
    const taken = { p99Ms: this.window.percentileMs(99), answered: this.window.count, sent: this.windowSent };
    this.window.reset();
    this.windowSent = 0;
    return taken;
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    this.immediate = undefined;
    if (!this.scheduling) return;
    for (let burst = 0; ; burst++) {
      const target = this.nextDue();
      if (target < 0) {
        // Without targets, a plan without end just waits for stop().
        if (this.durationMs === undefined && this.requestLimit === undefined) return;
        this.scheduling = false;
        this.endSendingAt(this.plannedEnd());
        this.finishIfDone();
        return;
      }
      const now = performance.now();
      if (this.dueAt > now) {
        // Node's timers count whole milliseconds; rounding up means we wake just after the due time.
        this.timer = setTimeout(this.tick, Math.ceil(this.dueAt - now));
        return;
      }
      if (burst === MAX_BURST) {
        this.immediate = setImmediate(this.tick);
        return;
      }
      this.dispatch(target, this.dueAt, now);
    }
  };

  /**
   * The target whose next request is due first, with its time in `dueAt`; -1 when the plan is
   * complete. (No object returned: this runs once per request.)
   */
  private nextDue(): number {
    if (this.requestLimit !== undefined && this.scheduled >= this.requestLimit) return -1;
    let best = -1;
    let bestOffset = Infinity;
    for (let target = 0; target < this.targets.length; target++) {
      const offset = this.schedules[target]!.dueMs(this.nextIndex[target]!);
      if (offset < bestOffset) {
        bestOffset = offset;
        best = target;
      }
    }
    this.dueAt = this.t0 + bestOffset;
    return best;
  }

  private begin(now: number): void {
    this.started = true;
    this.t0 = now;
    this.cpuAtStart = process.cpuUsage();
    this.startedAt = new Date().toISOString();
  }

  /**
   * When sending is over for a plan that is complete: at the end of its duration, or, when it
   * ended by its number of requests, at the end of the last one's interval, so that the rate
   * over the sending time is the rate asked for. Never before now: a late sender ends late.
   */
  private plannedEnd(): number {
    const now = performance.now();
    const byCount = this.requestLimit !== undefined && this.scheduled >= this.requestLimit;
    if (this.durationMs !== undefined && !byCount) return Math.max(now, this.t0 + this.durationMs);
    if (this.scheduled === 0) return now;
    return Math.max(now, this.lastScheduledAt + 1000 / this.targetRate);
  }

  /** Sending is over at `at`: now, or later for a plan whose duration has not yet passed. */
  private endSendingAt(at: number): void {
    if (this.sendingOver) return;
    clearTimeout(this.sendingTimer);
    this.sendingEndsAt = at;
    const wait = at - performance.now();
    if (wait > 0) {
      // Unref'd: it only marks a moment; it must not keep a process alive that has nothing else to do.
      this.sendingTimer = setTimeout(() => this.endSendingAt(at), Math.ceil(wait)).unref();
      return;
    }
    this.sendingOver = true;
    this.resolveSendingDone();
  }

  private dispatch(target: number, scheduledAt: number, now: number): void {
    const stage = this.schedules[target]!.stageOf(this.nextIndex[target]!);
    this.nextIndex[target]!++;
    this.scheduled++;
    this.targetScheduled[target]!++;
    this.stageTally.scheduled(target, stage);
    this.lastScheduledAt = scheduledAt;
    const lag = now - scheduledAt;
    this.sendLag.recordMs(lag);
    if (lag > this.lagToleranceMs) this.lateSends++;
    if (this.inFlightTable.count >= this.concurrencyLimit) {
      this.dropped++;
      this.targetDropped[target]!++;
      this.stageTally.dropped(target, stage);
      return;
    }
    this.stageTally.sent(target, stage);
    this.sentCount++;
    this.windowSent++;
    this.targetSent[target]!++;
    this.lastSentAt = now;
    this.targetLastSentAt[target] = now;
    const slot = this.inFlightTable.acquire(target, scheduledAt, now, stage);
    this.sender.send(target, this.targets[target]!.method, slot, this.onDone);
  }

  private readonly onDone: CallDone = (slot, outcome) => {
    const endedAt = performance.now();
    const target = this.inFlightTable.target[slot]!;
    const scheduledAt = this.inFlightTable.scheduledAt[slot]!;
    const sentAt = this.inFlightTable.sentAt[slot]!;
    const stage = this.inFlightTable.stage[slot]!;
    this.inFlightTable.release(slot);
    const code = outcome.code >= 0 && outcome.code < STATUS_COUNT ? outcome.code : UNKNOWN_CODE;
    this.completed++;
    this.codes[code]!++;
    this.targetCodes[target]![code]!++;
    this.fromScheduled.recordMs(endedAt - scheduledAt);
    this.stageTally.ended(target, stage, code, endedAt - scheduledAt);
    this.fromSent.recordMs(endedAt - sentAt);
    this.window.recordMs(endedAt - scheduledAt);
    if (endedAt > this.lastEndedAt) this.lastEndedAt = endedAt;
    this.log?.add(target, code, scheduledAt - this.t0, sentAt - this.t0, endedAt - this.t0, outcome.traceId, outcome.details, this.targets[target]!.stages ? stage + 1 : 0);
    this.onOutcome?.({
      target: this.targets[target]!,
      status: STATUS_NAMES[code]!,
      details: outcome.details,
      traceId: outcome.traceId,
      latencyMs: endedAt - scheduledAt,
      serviceMs: endedAt - sentAt,
      pastDeadline: outcome.pastDeadline === true,
    });
    if (!this.scheduling) this.finishIfDone();
  };

  private finishIfDone(): void {
    if (this.isFinished || this.scheduling || this.inFlightTable.count > 0) return;
    this.isFinished = true;
    this.resolveFinished({ summary: this.summary(), requests: this.log });
  }

  private summary(): LoadSummary {
    const end = Math.max(this.lastEndedAt, this.lastSentAt, this.t0);
    const targetRate = this.targetRate;
    const targets: TargetSummary[] = this.targets.map((target, index) => {
      const summary: TargetSummary = {
        address: target.address.address,
        method: target.method,
        rate: target.rate,
        scheduled: this.targetScheduled[index]!,
        sent: this.targetSent[index]!,
        dropped: this.targetDropped[index]!,
        // Over the span of this target's schedule (one interval per request), or longer if sending lagged.
        achievedRate: rateOver(
          this.targetSent[index]!,
          this.schedules[index]!.spanMs(this.targetScheduled[index]!),
          this.targetSent[index]! === 0 ? 0 : this.targetLastSentAt[index]! - this.t0 + 1000 / target.rate,
        ),
        counts: countsOf(this.targetCodes[index]!),
      };
      if (target.label !== undefined) summary.label = target.label;
      return summary;
    });
    const lagP99 = this.sendLag.percentileMs(99);
    const cpu = process.cpuUsage(this.cpuAtStart);
    const wallMs = performance.now() - this.t0;
    const summary: LoadSummary = {
      targets,
      startedAt: this.startedAt,
      interrupted: this.interrupted,
      elapsedS: (end - this.t0) / 1000,
      scheduled: this.scheduled,
      sent: this.sentCount,
      dropped: this.dropped,
      completed: this.completed,
      targetRate,
      achievedRate: this.achievedRate,
      counts: countsOf(this.codes),
      latencyMs: { fromScheduled: this.fromScheduled.percentiles(), fromSent: this.fromSent.percentiles() },
      sendLagMs: { p50: this.sendLag.percentileMs(50), p99: lagP99, max: this.sendLag.maxMs() },
      lateSends: this.lateSends,
      lagToleranceMs: this.lagToleranceMs,
      keptUp: lagP99 <= this.lagToleranceMs,
      processCpuPercent: wallMs > 0 ? (cpu.user + cpu.system) / 10 / wallMs : 0,
    };
    if (this.durationMs !== undefined) summary.durationS = this.durationMs / 1000;
    if (this.requestLimit !== undefined) summary.requestLimit = this.requestLimit;
    if (Number.isFinite(this.concurrencyLimit)) summary.concurrencyLimit = this.concurrencyLimit;
    if (this.stageTally.any) summary.stages = this.stageTally.summaries(this.sendingMs);
    return summary;
  }
}

function rateOver(count: number, scheduleSpanMs: number, sendingSpanMs: number): number {
  const span = Math.max(scheduleSpanMs, sendingSpanMs);
  return span > 0 ? (count * 1000) / span : 0;
}
