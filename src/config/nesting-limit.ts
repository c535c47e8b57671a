import { actionKind, functionAction, type Action, type Behaviour } from '../engine';

/** Functions nested deeper than this are refused at start: no real service is that deep. */
const MAX_FUNCTION_DEPTH = 32;

/** Returns a problem line for each method whose Functions nest deeper than the limit. */
export function findExcessiveNesting(behaviour: Behaviour): string[] {
  const problems: string[] = [];
  for (const [method, fn] of Object.entries(behaviour.methods)) {
    if (!fn) continue;
    // The method's own Function is the first level.
    const depth = nestingBelow([{ kind: functionAction.tag, spec: fn }]);
    if (depth > MAX_FUNCTION_DEPTH) {
      problems.push(`grpc_method_${method.toLowerCase()}: Functions are nested ${depth} deep; the limit is ${MAX_FUNCTION_DEPTH}`);
    }
  }
  return problems;
}

/** How many levels of actions that hold others (Functions) are among `actions`; each kind says what it holds. */
function nestingBelow(actions: readonly Action[]): number {
  let deepest = 0;
  for (const action of actions) {
    const children = actionKind(action.kind).children?.(action.spec);
    if (children) deepest = Math.max(deepest, 1 + nestingBelow(children));
  }
  return deepest;
}
