import { z } from 'zod';
import { closestName, quoteBriefly, STATUS_NAMES, type StatusName } from '../../common';

/** Every gRPC status a step may fail with: all of them but OK. */
const FAILURE_CODE_NAMES: readonly StatusName[] = STATUS_NAMES.filter((name) => name !== 'OK');

/** CallService's failure_code value that answers with whatever code the downstream answered. */
export const PROPAGATE = 'PROPAGATE';

/**
 * A gRPC status name such as "UNAVAILABLE", checked with a did-you-mean hint ("INTERNL" → "INTERNAL").
 * A plain string with a refinement rather than an enum, because an enum's error lists all sixteen
 * names without saying which one was meant; the JSON Schema still gets the list, for editors.
 */
export function statusNameSchema(options: { allowPropagate: boolean }): z.ZodType<StatusName | typeof PROPAGATE> {
  const accepted: readonly string[] = options.allowPropagate ? [...FAILURE_CODE_NAMES, PROPAGATE] : FAILURE_CODE_NAMES;
  return z
    .string()
    .superRefine((value, ctx) => {
      if (accepted.includes(value)) return;
      if (value === PROPAGATE) {
        ctx.addIssue({ code: 'custom', message: 'PROPAGATE is only for a CallService, which has a downstream code to pass on; give a status name such as "INTERNAL"' });
        return;
      }
      if (value === 'OK') {
        ctx.addIssue({ code: 'custom', message: 'OK is not a failure; give the status the failure answers with, e.g. "INTERNAL" or "UNAVAILABLE"' });
        return;
      }
      const hint = closestName(value, accepted);
      const spelledDifferently = hint !== undefined && hint.toLowerCase() === value.toLowerCase();
      ctx.addIssue({
        code: 'custom',
        message:
          `unknown gRPC status ${quoteBriefly(value)}` +
          (hint ? ` (did you mean "${hint}"?${spelledDifferently ? ' status names are upper case' : ''})` : '') +
          `; expected one of ${accepted.join(', ')}`,
      });
    })
    .meta({ enum: [...accepted] }) as unknown as z.ZodType<StatusName | typeof PROPAGATE>;
}
