import { z } from 'zod';
import type { ActionKind } from '../action-kind';
import { descend } from '../step-context';
import { describeTrail, inStepSpan } from '../step-span';
import { StepFailure } from '../step-failure';

/** setTimeout cannot wait longer than 2^31-1 ms; a day is already far past any sensible sleep. */
export const MAX_SLEEP_MS = 86_400_000;

export interface SleepSpec {
  readonly tracingName: string;
  readonly durationMs: number;
  readonly failureChance: number;
}

/** `{"Sleep": {...}}`: waits, then fails with the configured chance. */
export const sleepAction: ActionKind<SleepSpec> = {
  tag: 'Sleep',
  schema: z
    .strictObject({
      tracing_name: z.string().min(1),
      duration_ms: z.number().int().min(0).max(MAX_SLEEP_MS),
      failure_chance: z.number().min(0).max(1).optional(),
    })
    .transform((raw) => ({ tracingName: raw.tracing_name, durationMs: raw.duration_ms, failureChance: raw.failure_chance ?? 0 })),

  async perform(spec, context) {
    const inner = descend(context, spec.tracingName);
    const attributes = {
      'thespian.duration_ms': spec.durationMs,
      'thespian.failure_chance': spec.failureChance,
    };
    await inStepSpan(inner, 'Sleep', spec.tracingName, attributes, async (span) => {
      await context.clock.sleep(spec.durationMs, context.signal);
      // The original sleeps first and rolls afterwards, so a failing sleep still takes its time.
      if (spec.failureChance <= 0) return;
      const roll = context.random.next();
      span.setAttribute('thespian.roll', roll);
      if (roll < spec.failureChance) {
        throw new StepFailure(
          'INTERNAL',
          `${describeTrail(inner.trail)}: injected failure (rolled ${roll.toFixed(4)} < failure_chance ${spec.failureChance})`,
          'failure_chance',
        );
      }
    });
  },
};
