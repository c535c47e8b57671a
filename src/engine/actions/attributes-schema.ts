import { z } from 'zod';
import type { AttributeValue, Attributes } from '../model';
import { describeValue } from '../../config/zod-issues';
import { ORIGINAL_NAME_ATTRIBUTE } from '../step-span';

/** Attributes under this prefix are Thespian's own (ground truth, rolls); users may not set them. */
export const RESERVED_ATTRIBUTE_PREFIX = 'thespian.';

const attributeValueSchema = z
  .unknown()
  .superRefine((value, ctx) => {
    const ok = typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
    if (!ok) ctx.addIssue({ code: 'custom', message: `must be a string, a number or true/false (got ${describeValue(value)})` });
  })
  .meta({ type: ['string', 'number', 'boolean'] }) as unknown as z.ZodType<AttributeValue>;

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
        if (key.trim() === '') ctx.addIssue({ code: 'custom', path: [key], message: 'attribute names must not be empty' });
        else if (key.startsWith(RESERVED_ATTRIBUTE_PREFIX) || key === ORIGINAL_NAME_ATTRIBUTE || extraReserved.includes(key)) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `is reserved for Thespian's own use (names starting with "${RESERVED_ATTRIBUTE_PREFIX}", "${ORIGINAL_NAME_ATTRIBUTE}"${extraReserved.map((k) => `, "${k}"`).join('')}); choose another name`,
          });
        }
      }
    })
    .meta({ description: 'extra span attributes, e.g. {"db.system": "postgresql", "http.route": "/cart"}' });
}
