import { trace } from '@opentelemetry/api';
import { z } from 'zod';
import type { ActionKind } from '../action-kind';
import type { Attributes } from '../model';
import { attributesSchema } from './attributes-schema';
import { configString, LINE_LEVELS, STRING_LIMITS, type LineLevel } from '../../common';
import { ZERO, certain, NO_LINES } from '../../probability';
import { spanTime } from '../span-time';
import { KIND_ATTRIBUTE } from '../span-names';
import { lineEventAttributes } from './log-event';

interface LogSpec {
  readonly level: LineLevel;
  readonly message: string;
  readonly attributes: Attributes;
}

/** Fields every log line already has; a Log's attributes may not overwrite them. */
const LOG_LINE_FIELDS = ['level', 'message', 'timestamp', 'service_name', 'trace_id', 'span_id', 'step', 'kind'];

/**
 * `{"Log": {"level": "warn", "message": "cart is large", "attributes": {"cart.items": 42}}}`:
 * writes one log line (joined to the trace by its ids) and the same as an event on the current
 * span, the enclosing Function's. It has no span of its own and takes no time.
 */
export const logAction: ActionKind<LogSpec> = {
  tag: 'Log',
  schema: z
    .strictObject({
      level: z.enum(LINE_LEVELS).optional(),
      message: configString({ maxLength: STRING_LIMITS.text }),
      attributes: attributesSchema(LOG_LINE_FIELDS).optional(),
    })
    .transform((raw): LogSpec => ({ level: raw.level ?? 'info', message: raw.message, attributes: raw.attributes ?? {} })),

  async perform(spec, context) {
    // Dated like the step span it lands on (see spanTime).
    trace.getActiveSpan()?.addEvent(spec.message, lineEventAttributes(spec.level, { ...spec.attributes, [KIND_ATTRIBUTE]: 'Log' }), spanTime(context.clock.now()));
    context.log[spec.level](spec.message, { ...spec.attributes, kind: 'Log', step: context.trail[context.trail.length - 1] });
  },

  predict(spec) {
    // No span of its own and no time: one line at its level.
    return { outcome: certain(ZERO, 0, { ...NO_LINES, [spec.level]: 1 }) };
  },
};
