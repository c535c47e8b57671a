import { z } from 'zod';
import type { AttributeValue, Attributes } from '../model';
import { describeValue, loneSurrogateProblem, STRING_LIMITS } from '../../common';
import { ORIGINAL_NAME_ATTRIBUTE, THESPIAN_PREFIX } from '../span-names';

const attributeValueSchema = z
  .unknown()
  .superRefine((value, ctx) => {
    const ok = typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
    if (!ok) ctx.addIssue({ code: 'custom', message: `must be a string, a number or true/false (got ${describeValue(value)})` });
    else if (typeof value === 'string') {
      const problem = stringProblem(value, STRING_LIMITS.text);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }
  })
  .meta({ type: ['string', 'number', 'boolean'] }) as unknown as z.ZodType<AttributeValue>;

/**
 * Attribute names and values are keys and members of a record, not schema strings, so they get
 * configString's checks (well-formed, bounded) here; the names' own blank check is above them.
 */
function stringProblem(value: string, maxLength: number, what = 'it is'): string | undefined {
  if (value.length > maxLength) return `is ${value.length} characters long; ${what} at most ${maxLength}`;
  return loneSurrogateProblem(value);
}

/**
 * `attributes`: extra span attributes a user stamps on a step, e.g. {"db.system": "postgresql"},
 * so that backends' search and TraceQL can be tried on realistic data. `extraReserved` names keys
 * that would collide with something else (a Log's own log-line fields).
 */
export function attributesSchema(extraReserved: readonly string[] = []): z.ZodType<Attributes> {
  return z
    .record(z.string(), attributeValueSchema)
    .superRefine((attributes, ctx) => {
      for (const key of Object.keys(attributes)) {
        const keyProblem = key.trim() === '' ? 'attribute names must not be empty' : stringProblem(key, STRING_LIMITS.name, 'attribute names are');
        if (keyProblem) ctx.addIssue({ code: 'custom', path: [key], message: keyProblem });
        else if (key.startsWith(THESPIAN_PREFIX) || key === ORIGINAL_NAME_ATTRIBUTE || extraReserved.includes(key)) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `is reserved for Thespian's own use (names starting with "${THESPIAN_PREFIX}", "${ORIGINAL_NAME_ATTRIBUTE}"${extraReserved.map((k) => `, "${k}"`).join('')}); choose another name`,
          });
        }
      }
    })
    .meta({ description: 'extra span attributes, e.g. {"db.system": "postgresql", "http.route": "/cart"}' });
}
