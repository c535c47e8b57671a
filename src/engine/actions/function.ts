import { z } from 'zod';
import type { ActionKind } from '../action-kind';
import type { Action, FunctionSpec, Operation } from '../model';
import { functionSchema } from '../schema';
import { performFunction } from '../perform-function';
import { stepSpanLines } from '../step-span';
import { failureProbability, inSequence, inSpan, together, type Outcome, type SpanShape } from '../../probability';
import type { PredictContext, StepPrediction } from '../predict-context';

/** `{"Function": {...}}`: a named group of operations with its own span. */
export const functionAction: ActionKind<FunctionSpec> = {
  tag: 'Function',
  schema: z.lazy(() => functionSchema),
  perform: performFunction,
  predict: predictFunction,
  children: functionChildren,
};

/** The actions of a Function's operations, in order. */
function functionChildren(fn: FunctionSpec): readonly Action[] {
  return fn.operations.flatMap(operationActions);
}

function operationActions(operation: Operation): readonly Action[] {
  return operation.kind === 'Action' ? [operation.action] : operation.actions;
}

/**
 * As performFunction does it: operations in order, the first failure stops the rest; a
 * ConcurrentActions runs all its actions to the end and answers the first failure in list order.
 */
function predictFunction(fn: FunctionSpec, context: PredictContext): StepPrediction {
  const groups: SpanShape[][] = [];
  const steps: Outcome[] = [];
  for (const operation of fn.operations) {
    const predictions = operationActions(operation).map((action) => context.predictAction(action));
    steps.push(operation.kind === 'Action' ? predictions[0].outcome : together(predictions.map((prediction) => prediction.outcome)));
    const shapes = predictions.flatMap((prediction) => (prediction.shape ? [prediction.shape] : []));
    if (shapes.length > 0) groups.push(shapes);
  }
  const outcome = inSpan(inSequence(steps));
  // A Function fails only when an operation below it did, and that one logged the failure.
  const lines = stepSpanLines(false);
  const shape: SpanShape = { service: context.service, name: fn.tracingName, kind: 'INTERNAL', step: 'Function', pFail: failureProbability(outcome), lines, groups };
  return { shape, outcome };
}
