import { z } from 'zod';
import type { ActionKind } from '../action-kind';
import { describeDistribution, sampleLatency, latencyModel, drawnDuration, certain, inSpan } from '../../probability';
import { distributionSchema, pickDuration } from '../distributions/duration-schema';
import { descend } from '../step-context';
import { inStepSpan, stepSpanLines } from '../step-span';
import { attributesSchema } from './attributes-schema';
import { configString, STRING_LIMITS } from '../../common';
import { timedStepAttributes, type TimedStepSpec } from './timed-step';

/** A minute of a blocked event loop already stops health checks and every other request; more is a typo. */
const MAX_COMPUTE_MS = 60_000;

/**
 * `{"Compute": {"tracing_name": "render invoice", "duration_ms": 5}}`: keeps the CPU busy for the
 * duration, on the event loop, on purpose. Real CPU work blocks everything else the process
 * does (timers fire late, other requests wait), which is what profilers and event-loop-lag
 * scenarios need to see. It cannot be cancelled midway, just as real synchronous work cannot.
 */
export const computeAction: ActionKind<TimedStepSpec> = {
  tag: 'Compute',
  schema: z
    .strictObject({
      tracing_name: configString({ maxLength: STRING_LIMITS.name }),
      // Fractions allowed: half a millisecond of CPU is a realistic amount of work.
      duration_ms: z.number().min(0).max(MAX_COMPUTE_MS).optional(),
      duration: distributionSchema.optional(),
      attributes: attributesSchema().optional(),
    })
    .transform(
      (raw, ctx): TimedStepSpec => ({ tracingName: raw.tracing_name, duration: pickDuration(raw, ctx), attributes: raw.attributes ?? {} }),
    ),

  async perform(spec, context) {
    const inner = descend(context, spec.tracingName);
    const durationMs = Math.min(MAX_COMPUTE_MS, sampleLatency(spec.duration, context.random));
    await inStepSpan(inner, 'Compute', spec.tracingName, timedStepAttributes(spec, durationMs), async () => {
      const until = context.clock.now() + durationMs;
      let spins = 0;
      // Deliberately synchronous: no await inside, so nothing else runs until it is done.
      while (context.clock.now() < until) spins = (spins + 1) | 0;
      return void spins;
    });
  },

  predict(spec, context) {
    context.note('assumption', 'Compute steps burn CPU on the event loop: where several run at once in one process they take turns, which the latency here does not model');
    const duration = drawnDuration(latencyModel(spec.duration), { round: false, capMs: MAX_COMPUTE_MS });
    return {
      shape: { service: context.service, name: spec.tracingName, kind: 'INTERNAL', step: 'Compute', detail: `CPU ${describeDistribution(spec.duration)}`, pFail: 0, lines: stepSpanLines(false), groups: [] },
      outcome: inSpan(certain(duration)),
    };
  },
};
