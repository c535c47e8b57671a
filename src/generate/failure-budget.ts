import type { CallPlan } from './call-plan';

/**
 * How many leaf calls (calls to services that call nobody, where a generated system's failures
 * are injected) the requests that reach each leaf make, on average over the entry points that
 * reach it (which share the traffic evenly). A request fails when any of its leaf calls does, so
 * the leaves of a request share its failure budget: each fails budget / that many of its calls,
 * and the end-to-end failure rate stays near the budget whether a request reaches 1 store or
 * 200. The mean rather than the largest request: a store that big and small requests both reach
 * would otherwise leave the small ones almost never failing.
 */
export function leafCallsPerRequest(plan: CallPlan): Map<number, number> {
  const leafCalls = new Map<number, number>();
  // Recursion is safe: no call path of a generated plan is longer than MAX_DEPTH.
  const count = (index: number): number => {
    const known = leafCalls.get(index);
    if (known !== undefined) return known;
    const { callees } = plan.services[index];
    const found = callees.length === 0 ? 1 : callees.reduce((sum, callee) => sum + count(callee), 0);
    leafCalls.set(index, found);
    return found;
  };
  const sums = new Map<number, { calls: number; requests: number }>();
  for (const root of plan.roots()) {
    const calls = count(root);
    for (const leaf of leavesUnder(plan, root)) {
      const sum = sums.get(leaf) ?? { calls: 0, requests: 0 };
      sums.set(leaf, { calls: sum.calls + calls, requests: sum.requests + 1 });
    }
  }
  return new Map([...sums].map(([leaf, sum]) => [leaf, sum.calls / sum.requests]));
}

function leavesUnder(plan: CallPlan, root: number): Set<number> {
  const leaves = new Set<number>();
  const seen = new Set<number>();
  const stack = [root];
  while (stack.length > 0) {
    const index = stack.pop()!;
    if (seen.has(index)) continue;
    seen.add(index);
    const { callees } = plan.services[index];
    if (callees.length === 0) leaves.add(index);
    else stack.push(...callees);
  }
  return leaves;
}
