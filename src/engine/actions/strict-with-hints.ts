import { z } from 'zod';
import { closestName } from '../../common';

/**
 * A strict object whose unknown keys are reported with a did-you-mean hint ("backof_ms" →
 * "backoff_ms", "min" → "min_ms"). The config's own hinting only knows the keys of action kinds
 * and Functions; nested objects such as `retries` and a distribution's parameters need their own.
 * The check runs even when a field is also wrong, so one run shows every problem.
 */
export function strictWithHints<Shape extends z.ZodRawShape>(shape: Shape): z.ZodObject<Shape> {
  const known = Object.keys(shape);
  const schema = z.looseObject(shape).superRefine(
    (value, ctx) => {
      for (const key of Object.keys(value)) {
        if (known.includes(key)) continue;
        const hint = closestName(key, known) ?? known.find((candidate) => candidate.startsWith(`${key}_`));
        ctx.addIssue({ code: 'custom', path: [key], message: `unknown key${hint ? ` (did you mean "${hint}"?)` : ''}; expected ${known.join(', ')}` });
      }
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value) },
  );
  // For the generated JSON Schema: editors should flag unknown keys here too.
  return schema.meta({ additionalProperties: false }) as unknown as z.ZodObject<Shape>;
}
