import { CallPlan } from './call-plan';
import type { Dice } from './dice';
import { MAX_VISITS_PER_REQUEST } from './generate-options';

/**
 * Preferential attachment: each new service calls one to three older ones, picked in proportion
 * to their callers plus one, so early services become hubs. Calls only go to older services,
 * which keeps the graph acyclic.
 */
export function scaleFreeShape(count: number, depth: number, dice: Dice): CallPlan {
  const plan = new CallPlan(MAX_VISITS_PER_REQUEST);
  for (let index = 0; index < count; index++) {
    const service = plan.add('domain');
    const wanted = 1 + (dice.chance(0.5) ? 1 : 0) + (dice.chance(0.2) ? 1 : 0);
    for (let attempt = 0; attempt < 8 && service.callees.length < wanted && index > 0; attempt++) {
      const older = plan.services.slice(0, index).filter((candidate) => plan.canCall(index, candidate.index) && plan.depth(candidate.index) < depth);
      if (older.length === 0) break;
      plan.call(index, dice.weighted(older, (candidate) => plan.callers(candidate.index) + 1).index);
    }
  }
  // Roles follow from the graph: nobody calls it → it takes the traffic; it calls nobody → a store.
  const roots = new Set(plan.roots());
  for (const service of plan.services) {
    if (service.callees.length === 0) service.role = 'store';
    else if (roots.has(service.index)) service.role = 'api';
  }
  return plan;
}
