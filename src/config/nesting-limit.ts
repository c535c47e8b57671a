import type { Action, Behaviour, FunctionSpec } from '../engine';

/** Functions nested deeper than this are refused at start: no real service is that deep. */
const MAX_FUNCTION_DEPTH = 32;

/** Returns a problem line for each method whose Functions nest deeper than the limit. */
export function findExcessiveNesting(behaviour: Behaviour): string[] {
  const problems: string[] = [];
  for (const [method, fn] of Object.entries(behaviour.methods)) {
    if (!fn) continue;
    const depth = functionDepth(fn);
    if (depth > MAX_FUNCTION_DEPTH) {
      problems.push(`grpc_method_${method.toLowerCase()}: Functions are nested ${depth} deep; the limit is ${MAX_FUNCTION_DEPTH}`);
    }
  }
  return problems;
}

function functionDepth(fn: FunctionSpec): number {
  let deepest = 0;
  for (const operation of fn.operations) {
    const actions: readonly Action[] = operation.kind === 'Action' ? [operation.action] : operation.actions;
    for (const action of actions) {
      if (action.kind === 'Function') deepest = Math.max(deepest, functionDepth(action.spec as FunctionSpec));
    }
  }
  return deepest + 1;
}
