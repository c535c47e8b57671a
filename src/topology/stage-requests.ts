import type { EntryStage } from './topology-model';

/**
 * Integrals within this far of a whole number count as that number (a sum of products of
 * decimals comes out a hair off); traffic's StagePlan rounds its counts the same way.
 */
export const REQUEST_EPSILON = 1e-9;

/** How many requests a rate ramping linearly through `stages` from 0 integrates to: the trapezia's area. */
export function stageRequests(stages: readonly EntryStage[]): number {
  let previous = 0;
  let area = 0;
  for (const stage of stages) {
    area += ((previous + stage.rps) / 2) * stage.durationS;
    previous = stage.rps;
  }
  return area;
}
