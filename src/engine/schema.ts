import { z } from 'zod';
import { taggedUnion, configString, STRING_LIMITS } from '../common';
import { ACTION_KINDS } from './actions/registry';
import { attributesSchema } from './actions/attributes-schema';
import type { Action, FunctionSpec, Operation } from './model';

/**
 * The schema of a behaviour's building blocks, assembled from the registered action kinds.
 * Recursive (a Function holds operations that hold Functions), hence the lazy definitions.
 */

const actionSchema: z.ZodType<Action> = z.lazy(() =>
  taggedUnion(
    'action',
    Object.fromEntries(ACTION_KINDS.map((kind) => [kind.tag, kind.schema])),
    (tag, spec): Action => ({ kind: tag, spec }),
  ).meta({ id: 'Action', description: 'One action: exactly one of the registered kinds, e.g. {"Sleep": {...}}.' }),
);

const operationSchema: z.ZodType<Operation> = taggedUnion(
  'operation',
  {
    Action: actionSchema,
    ConcurrentActions: z.array(actionSchema).min(1),
  },
  (tag, value): Operation =>
    tag === 'Action' ? { kind: 'Action', action: value as Action } : { kind: 'ConcurrentActions', actions: value as Action[] },
).meta({ id: 'Operation', description: '{"Action": ...} runs one action; {"ConcurrentActions": [...]} starts several together.' });

export const functionSchema: z.ZodType<FunctionSpec> = z
  .strictObject({
    tracing_name: configString({ maxLength: STRING_LIMITS.name }),
    operations: z.array(operationSchema).optional(),
    /** Accepted as a synonym of operations. */
    steps: z.array(operationSchema).optional(),
    attributes: attributesSchema().optional(),
  })
  .superRefine((fn, ctx) => {
    if (fn.operations && fn.steps) ctx.addIssue({ code: 'custom', message: 'has both "operations" and "steps"; they mean the same, keep one' });
    if (!fn.operations && !fn.steps) ctx.addIssue({ code: 'custom', path: ['operations'], message: 'is required (a list of operations, may be empty)' });
  })
  .transform(
    (fn): FunctionSpec => ({
      tracingName: fn.tracing_name,
      operations: fn.operations ?? fn.steps ?? [],
      ...(fn.attributes ? { attributes: fn.attributes } : {}),
    }),
  )
  .meta({ id: 'Function', description: 'A named group of operations, run in order, with a span named after tracing_name.' });
