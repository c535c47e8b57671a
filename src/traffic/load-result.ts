import { STATUS_NAMES, type StatusName } from '../common';
import type { GrpcMethod } from '../engine';
import type { LatencyPercentiles } from './latency-histogram';
import type { RequestLog } from './request-log';

/** Counts of finished requests by gRPC status name; only statuses that occurred appear. */
export type StatusCounts = Partial<Record<StatusName, number>>;

/** Counts by status name from a table of counts indexed by status code; only those above 0. */
export function countsOf(codes: Uint32Array): StatusCounts {
  const counts: StatusCounts = {};
  for (let code = 0; code < codes.length; code++) if (codes[code]! > 0) counts[STATUS_NAMES[code] as StatusName] = codes[code]!;
  return counts;
}

/** One stage of a staged load: what it asked for and what was sent in it (every cycle of it, with repeat). */
export interface StageSummary {
  /** 1 for the first stage. */
  stage: number;
  /** The target whose own stages these are; absent when every target has the same stages, counted together. */
  target?: number;
  label?: string;
  /** When the stage starts within a cycle, and how long it lasts. */
  startS: number;
  durationS: number;
  /** Requests per second asked for at the stage's start and end, all its targets together. */
  fromRate: number;
  toRate: number;
  /** Requests the stages put in this stage, up to the end of sending: the floor of the rate's integral. */
  planned: number;
  /** Requests whose send time came (sent + dropped). */
  scheduled: number;
  sent: number;
  dropped: number;
  counts: StatusCounts;
  /** From the scheduled send to the answer. */
  latencyMs: { p50: number; p99: number };
}

export interface TargetSummary {
  address: string;
  method: GrpcMethod;
  /** A name for the target, e.g. the topology service whose entry point it is. */
  label?: string;
  /** Requests per second asked for. */
  rate: number;
  /** Requests whose send time came (sent + dropped). */
  scheduled: number;
  sent: number;
  /** Not sent because --concurrency-limit requests were already in flight. */
  dropped: number;
  /** Requests actually sent per second over the run's schedule. */
  achievedRate: number;
  counts: StatusCounts;
}

/**
 * Everything `load` reports, as plain data: the text summary is formatted from it, --json
 * writes it, and a test can build one by hand.
 */
export interface LoadSummary {
  targets: TargetSummary[];
  /** Wall-clock time of the first scheduled send (ISO 8601). */
  startedAt: string;
  /** What the run was asked to do: a duration or a number of requests. */
  durationS?: number;
  requestLimit?: number;
  concurrencyLimit?: number;
  /** Stopped early (Ctrl-C); the figures cover what was done until then. */
  interrupted: boolean;
  /** From the first scheduled send to the last answer. */
  elapsedS: number;
  scheduled: number;
  sent: number;
  dropped: number;
  completed: number;
  /** Sum of the targets' rates. */
  targetRate: number;
  /** Requests actually sent per second: sent / (schedule span, or the real sending span if longer). */
  achievedRate: number;
  counts: StatusCounts;
  /** A staged load's figures stage by stage (absent for a flat rate). */
  stages?: StageSummary[];
  /**
   * Latency percentiles in ms. `fromScheduled` counts from when the open-loop schedule said to
   * send (so time spent waiting behind a slow sender is included: no coordinated omission);
   * `fromSent` counts from the actual send.
   */
  latencyMs: { fromScheduled: LatencyPercentiles; fromSent: LatencyPercentiles };
  /** How late requests were sent against their schedule, in ms. */
  sendLagMs: { p50: number; p99: number; max: number };
  /** Requests sent more than the tolerated lag after their scheduled time. */
  lateSends: number;
  /** The tolerated send lag (p99), in ms. */
  lagToleranceMs: number;
  /** False when the sender could not keep to the schedule (send lag p99 above the tolerance). */
  keptUp: boolean;
  /**
   * CPU time this process used during the run, as a share of one core (100 = one core busy
   * all the time). Near 100 means the load generator itself was the limit.
   */
  processCpuPercent: number;
}

export interface LoadResult {
  summary: LoadSummary;
  /** Every finished request with its status, latencies and trace id (absent if not kept). */
  requests?: RequestLog;
}
