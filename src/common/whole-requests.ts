/**
 * Integrals within this far of a whole number count as that number: a sum of products of
 * decimals (1.5 × 33.3) comes out a hair off, which would move a request across a stage's edge
 * or call a plan of exactly one request empty. traffic's StagePlan and the topology's check of
 * its entry points round by this one rule.
 */
export const REQUEST_EPSILON = 1e-9;

/** How many whole requests a rate's integral holds. */
export function wholeRequests(integral: number): number {
  return Math.floor(integral + REQUEST_EPSILON);
}
