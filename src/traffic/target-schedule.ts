import type { StagePlan } from './stage-plan';

/**
 * When each request to one target is due: the one thing that differs between a flat load and a
 * staged one, so that the scheduler around it (lag, drops, histograms) stays the same for both.
 */
export interface TargetSchedule {
  /** When the target's request number `index` (0-based) is due, ms from the start; Infinity when it never is. */
  dueMs(index: number): number;
  /** The stage (within a cycle) request `index` belongs to; 0 for a flat load. */
  stageOf(index: number): number;
  /** The time `count` requests of the schedule cover, for the achieved rate. */
  spanMs(count: number): number;
}

/**
 * A due time this close below the end of the duration is the end itself: i × interval comes out a
 * hair short in floating point (200 × 1000/66.67 is 2999.9999999999995), which sent one request
 * too many for each rate whose interval divides the duration.
 */
const DUE_AT_END_MS = 1e-6;

/** A flat rate: request i is due at i / rate (the first at once), before the end of the duration. */
export function flatSchedule(rate: number, durationMs: number | undefined): TargetSchedule {
  const intervalMs = 1000 / rate;
  return {
    dueMs(index) {
      // The first request is due at once, even at a rate so low that its interval is Infinity (0 × Infinity is NaN).
      const offset = index === 0 ? 0 : index * intervalMs;
      return durationMs !== undefined && offset >= durationMs - DUE_AT_END_MS ? Infinity : offset;
    },
    stageOf: () => 0,
    // (A rate so low that its interval is Infinity has scheduled one request at most.)
    spanMs: (count) => (count === 0 ? 0 : count * intervalMs),
  };
}

/**
 * Stages: request i is the (i+1)th of the plan, due when the rate's integral reaches i + 1. A
 * duration (a cycling plan cut short) ends it too; a request due at the very end still goes,
 * since the plan's count is the floor of its integral.
 */
export function stagedSchedule(plan: StagePlan, durationMs: number | undefined): TargetSchedule {
  return {
    dueMs(index) {
      const due = plan.dueMs(index + 1);
      return durationMs !== undefined && due > durationMs + DUE_AT_END_MS ? Infinity : due;
    },
    stageOf: (index) => plan.stageOf(index + 1),
    spanMs: (count) => (count === 0 ? 0 : plan.dueMs(count)),
  };
}
