import { z } from 'zod';
import { taggedUnion } from '../../common';
import { strictWithHints } from '../actions/strict-with-hints';
import { MAX_LATENCY_MS, type LatencyDistribution } from '../../probability';

/** Milliseconds as users write them in a distribution: fractions allowed, never negative, at most a day. */
const msSchema = z.number().min(0).max(MAX_LATENCY_MS);

/**
 * `duration`: a latency distribution in the original's tagged style, e.g.
 * `{"Uniform": {"min_ms": 10, "max_ms": 30}}`. Parameters that cannot describe a distribution
 * (min above max, a p99 below the median) are refused with both values in the message.
 */
export const distributionSchema: z.ZodType<LatencyDistribution> = taggedUnion(
  'distribution',
  {
    Uniform: strictWithHints({ min_ms: msSchema, max_ms: msSchema })
      .superRefine((raw, ctx) => {
        if (raw.min_ms > raw.max_ms) {
          ctx.addIssue({ code: 'custom', path: ['max_ms'], message: `must be ≥ min_ms (got min_ms ${raw.min_ms} > max_ms ${raw.max_ms})` });
        }
      })
      .transform((raw): LatencyDistribution => ({ kind: 'Uniform', minMs: raw.min_ms, maxMs: raw.max_ms })),
    Normal: strictWithHints({ mean_ms: msSchema, stddev_ms: msSchema }).transform(
      (raw): LatencyDistribution => ({ kind: 'Normal', meanMs: raw.mean_ms, stddevMs: raw.stddev_ms }),
    ),
    LogNormal: strictWithHints({
      // The logarithm of 0 is −∞: a LogNormal's median must be above 0.
      median_ms: msSchema.refine((ms) => ms > 0, { message: 'must be > 0 (a LogNormal cannot have a median of 0)' }),
      p99_ms: msSchema,
    })
      .superRefine((raw, ctx) => {
        if (raw.p99_ms < raw.median_ms) {
          ctx.addIssue({ code: 'custom', path: ['p99_ms'], message: `must be ≥ median_ms (got p99_ms ${raw.p99_ms} < median_ms ${raw.median_ms})` });
        }
      })
      .transform((raw): LatencyDistribution => ({ kind: 'LogNormal', medianMs: raw.median_ms, p99Ms: raw.p99_ms })),
    Exponential: strictWithHints({ mean_ms: msSchema }).transform((raw): LatencyDistribution => ({ kind: 'Exponential', meanMs: raw.mean_ms })),
  },
  (_tag, value) => value as LatencyDistribution,
);

/** The original's `duration_ms`: a whole number of milliseconds. */
export const durationMsSchema = z.number().int().min(0).max(MAX_LATENCY_MS);

/**
 * For a step that takes either `duration_ms` (fixed) or `duration` (a distribution): exactly one.
 * Returns the problem to report, or the distribution.
 */
export function pickDuration(raw: { duration_ms?: number; duration?: LatencyDistribution }, ctx: z.RefinementCtx): LatencyDistribution {
  if (raw.duration_ms !== undefined && raw.duration !== undefined) {
    ctx.addIssue({ code: 'custom', message: 'has both "duration_ms" and "duration"; give exactly one (a fixed duration or a distribution)' });
    return z.NEVER;
  }
  if (raw.duration !== undefined) return raw.duration;
  if (raw.duration_ms !== undefined) return { kind: 'Fixed', ms: raw.duration_ms };
  ctx.addIssue({
    code: 'custom',
    path: ['duration_ms'],
    message: 'is required (a whole number of milliseconds), or give "duration" instead, e.g. {"Uniform": {"min_ms": 10, "max_ms": 30}}',
  });
  return z.NEVER;
}
