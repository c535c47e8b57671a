import type { Action, FunctionSpec, Operation } from './model';
import { descend, type StepContext } from './step-context';
import { inStepSpan } from './step-span';
import { StepFailure } from './step-failure';

/**
 * Performs a Function: its operations in order, each operation's actions concurrently when it is
 * a ConcurrentActions. The first failing operation stops the function.
 * The functions here are async only where they wait: every async layer costs each request
 * promises, and the context manager's hook on each.
 */
export function performFunction(fn: FunctionSpec, context: StepContext): Promise<void> {
  const inner = descend(context, fn.tracingName);
  return inStepSpan(inner, 'Function', fn.tracingName, fn.attributes ?? {}, () => performOperations(fn.operations, inner));
}

function performOperations(operations: readonly Operation[], context: StepContext): Promise<void> {
  // Most Functions are one operation, which needs no waiting here.
  return operations.length === 1 ? performOperation(operations[0], 0, context) : performInOrder(operations, context);
}

async function performInOrder(operations: readonly Operation[], context: StepContext): Promise<void> {
  for (let index = 0; index < operations.length; index++) await performOperation(operations[index], index, context);
}

function performOperation(operation: Operation, index: number, context: StepContext): Promise<void> {
  if (operation.kind === 'Action') return context.performAction(operation.action, withStepRandom(context, `${index}`));
  return performConcurrently(operation.actions, index, context);
}

async function performConcurrently(actions: readonly Action[], index: number, context: StepContext): Promise<void> {
  // All start together; the operation fails only once every one has finished, as in the original.
  const outcomes = await Promise.allSettled(
    actions.map((action, position) => context.performAction(action, withStepRandom(context, `${index}.${position}`))),
  );
  const firstFailure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (firstFailure) throw StepFailure.from(firstFailure.reason);
}

/**
 * Gives each action its own random stream, named by its place in the Function ("2" for the third
 * operation, "1.0" for the first action of the second). Concurrent actions then draw the same
 * numbers whichever finishes first, so seeded runs repeat exactly. Unseeded randoms have no fork.
 */
function withStepRandom(context: StepContext, place: string): StepContext {
  return context.random.fork ? { ...context, random: context.random.fork(place) } : context;
}
