import { REQUEST_EPSILON, wholeRequests } from '../common';

/** One stage of a staged load: over `durationS` the rate moves linearly to `rate`, from the previous stage's rate (0 before the first), as in k6. */
export interface LoadStage {
  readonly durationS: number;
  /** Requests per second at the end of the stage. */
  readonly rate: number;
}

/** Stages no schedule can be made of; a command turns it into a usage error. */
export class StagePlanError extends Error {}

/**
 * The open-loop schedule of a list of stages: the nth request (n = 1, 2, ...) is due when the
 * integral of the rate reaches n, so a stage sends floor(∫ at its end) − floor(∫ at its start)
 * requests whatever the server does. The due times are the exact inverse of the integral,
 * worked out per stage (a quadratic within a ramp), not stepped: a schedule that rounds its
 * rate to whole seconds would send bursts at every step of a ramp. With `repeat` the stages
 * cycle without end (a compressed day); otherwise no request is due after the last stage.
 */
export class StagePlan {
  readonly stages: readonly LoadStage[];
  /** Each stage's starting rate: the previous stage's rate, 0 for the first. */
  readonly fromRate: readonly number[];
  /** Each stage's start and end, ms from the start of a cycle. */
  readonly startMs: readonly number[];
  readonly endMs: readonly number[];
  /** The integral of the rate (requests) at each stage's start and end within a cycle. */
  readonly integralAtStart: readonly number[];
  readonly integralAtEnd: readonly number[];
  /** One cycle: its length and the requests it integrates to (not whole in general). */
  readonly cycleMs: number;
  readonly cycleRequests: number;

  constructor(
    stages: readonly LoadStage[],
    readonly repeat = false,
  ) {
    if (stages.length === 0) throw new StagePlanError('a staged load needs at least one stage');
    for (const stage of stages) {
      if (!(stage.durationS > 0) || !Number.isFinite(stage.durationS)) throw new StagePlanError(`a stage lasts more than 0 s (got ${stage.durationS})`);
      if (!(stage.rate >= 0) || !Number.isFinite(stage.rate)) throw new StagePlanError(`a stage's rate is 0 or more (got ${stage.rate})`);
    }
    this.stages = stages;
    const fromRate: number[] = [];
    const startMs: number[] = [];
    const endMs: number[] = [];
    const integralAtStart: number[] = [];
    const integralAtEnd: number[] = [];
    let rate = 0;
    let ms = 0;
    let integral = 0;
    for (const stage of stages) {
      fromRate.push(rate);
      startMs.push(ms);
      integralAtStart.push(integral);
      // The trapezium under a linear ramp; exact for a flat stage too.
      integral += ((rate + stage.rate) / 2) * stage.durationS;
      ms += stage.durationS * 1000;
      rate = stage.rate;
      endMs.push(ms);
      integralAtEnd.push(integral);
    }
    this.fromRate = fromRate;
    this.startMs = startMs;
    this.endMs = endMs;
    this.integralAtStart = integralAtStart;
    this.integralAtEnd = integralAtEnd;
    this.cycleMs = ms;
    this.cycleRequests = integral;
    if (!(integral > 0)) throw new StagePlanError(`a staged load must send something: these stages integrate to ${integral} requests`);
  }

  /** The same stages at `factor` times the rate: an entry point's share of a total. */
  scaled(factor: number): StagePlan {
    return new StagePlan(this.stages.map((stage) => ({ durationS: stage.durationS, rate: stage.rate * factor })), this.repeat);
  }

  /** Whether another plan has the same stage lengths and repeat, so their stages line up in time. */
  sameTiming(other: StagePlan): boolean {
    return other.repeat === this.repeat && other.stages.length === this.stages.length && other.stages.every((stage, index) => stage.durationS === this.stages[index]!.durationS);
  }

  /** Requests per second on average over a cycle: the rate a flat load would need to send as many. */
  get meanRate(): number {
    return (this.cycleRequests * 1000) / this.cycleMs;
  }

  /** Requests a run without repeat sends in all: the integral over every stage, rounded down. */
  get totalRequests(): number {
    return wholeRequests(this.cycleRequests);
  }

  /** When the nth request (n ≥ 1) is due, ms from the start; Infinity when it never is. */
  dueMs(n: number): number {
    const cycle = this.repeat ? Math.max(0, Math.ceil((n - REQUEST_EPSILON) / this.cycleRequests) - 1) : 0;
    const local = n - cycle * this.cycleRequests;
    if (local > this.cycleRequests + REQUEST_EPSILON) return Infinity;
    const stage = this.stageOfLocal(local);
    return cycle * this.cycleMs + this.startMs[stage]! + this.secondsInto(stage, local - this.integralAtStart[stage]!) * 1000;
  }

  /** Which stage (0-based, within a cycle) the nth request belongs to. */
  stageOf(n: number): number {
    const cycle = this.repeat ? Math.max(0, Math.ceil((n - REQUEST_EPSILON) / this.cycleRequests) - 1) : 0;
    return this.stageOfLocal(n - cycle * this.cycleRequests);
  }

  /** The stage (within a cycle) that `ms` from the start falls in; the last one after the end. */
  stageAt(ms: number): number {
    const local = this.repeat ? ms % this.cycleMs : Math.min(ms, this.cycleMs);
    const index = this.endMs.findIndex((end) => local < end);
    return index < 0 ? this.stages.length - 1 : index;
  }

  /** The rate asked for at `ms` from the start; 0 after the last stage of a plan without repeat. */
  rateAt(ms: number): number {
    if (!this.repeat && ms >= this.cycleMs) return 0;
    const local = ms % this.cycleMs;
    const stage = this.stageAt(local);
    const into = (local - this.startMs[stage]!) / (this.endMs[stage]! - this.startMs[stage]!);
    return this.fromRate[stage]! + (this.stages[stage]!.rate - this.fromRate[stage]!) * into;
  }

  /**
   * How many requests the plan puts in stage `stage` (every cycle of it) that are due by `ms`:
   * what a run that sent until then should have sent in that stage.
   */
  plannedBy(stage: number, ms: number): number {
    const reached = this.integralBy(ms);
    let count = 0;
    for (let cycle = 0; ; cycle++) {
      const base = cycle * this.cycleRequests;
      const start = base + this.integralAtStart[stage]!;
      if (start >= reached - REQUEST_EPSILON || (!this.repeat && cycle > 0)) break;
      const end = Math.min(base + this.integralAtEnd[stage]!, reached);
      count += wholeRequests(end) - wholeRequests(start);
    }
    return count;
  }

  /** The integral of the rate from the start to `ms` (the whole plan's, past its end without repeat). */
  integralBy(ms: number): number {
    if (ms <= 0) return 0;
    const cycles = this.repeat ? Math.floor(ms / this.cycleMs) : 0;
    const local = this.repeat ? ms - cycles * this.cycleMs : Math.min(ms, this.cycleMs);
    const stage = this.stageAt(local);
    const seconds = (Math.min(local, this.endMs[stage]!) - this.startMs[stage]!) / 1000;
    const from = this.fromRate[stage]!;
    const slope = (this.stages[stage]!.rate - from) / this.stages[stage]!.durationS;
    return cycles * this.cycleRequests + this.integralAtStart[stage]! + from * seconds + (slope * seconds * seconds) / 2;
  }

  /** The first stage whose integral at its end reaches `local` (a stage of rate 0 throughout holds none). */
  private stageOfLocal(local: number): number {
    let low = 0;
    let high = this.stages.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.integralAtEnd[middle]! >= local - REQUEST_EPSILON) high = middle;
      else low = middle + 1;
    }
    return low;
  }

  /**
   * Seconds into `stage` at which its own integral reaches `requests`: the root of
   * from·t + slope·t²/2 = requests, written as 2·requests / (from + √(from² + 2·slope·requests))
   * so that one expression serves a flat stage (slope 0), a ramp up from 0 (from 0) and a ramp
   * down to 0 (slope < 0) without dividing by zero or losing digits to cancellation.
   */
  private secondsInto(stage: number, requests: number): number {
    const { durationS, rate } = this.stages[stage]!;
    if (requests <= 0) return 0;
    const from = this.fromRate[stage]!;
    const slope = (rate - from) / durationS;
    const root = Math.sqrt(Math.max(0, from * from + 2 * slope * requests));
    const seconds = (2 * requests) / (from + root);
    return Math.min(durationS, Math.max(0, seconds));
  }
}
