import { z } from 'zod';
import type { ActionKind } from '../action-kind';
import type { FunctionSpec } from '../model';
import { functionSchema } from '../schema';
import { performFunction } from '../perform-function';

/** `{"Function": {...}}`: a named group of operations with its own span. */
export const functionAction: ActionKind<FunctionSpec> = {
  tag: 'Function',
  schema: z.lazy(() => functionSchema),
  perform: performFunction,
};
