import type { FunctionSpec, Operation } from './model';
import { descend, type StepContext } from './step-context';
import { inStepSpan } from './step-span';
import { StepFailure } from './step-failure';

/**
 * Performs a Function: its operations in order, each operation's actions concurrently when it is
 * a ConcurrentActions. The first failing operation stops the function.
 */
export async function performFunction(fn: FunctionSpec, context: StepContext): Promise<void> {
  const inner = descend(context, fn.tracingName);
  await inStepSpan(inner, 'Function', fn.tracingName, {}, async () => {
    for (const operation of fn.operations) await performOperation(operation, inner);
  });
}

async function performOperation(operation: Operation, context: StepContext): Promise<void> {
  if (operation.kind === 'Action') return context.performAction(operation.action, context);

  // All start together; the operation fails only once every one has finished, as in the original.
  const outcomes = await Promise.allSettled(operation.actions.map((action) => context.performAction(action, context)));
  const firstFailure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (firstFailure) throw StepFailure.from(firstFailure.reason);
}
