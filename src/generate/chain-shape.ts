import { CallPlan } from './call-plan';

/** edge → … → store, one call per service. */
export function chainShape(count: number): CallPlan {
  const plan = new CallPlan(Infinity);
  for (let index = 0; index < count; index++) plan.add(index === 0 ? 'edge' : index === count - 1 ? 'store' : 'domain', index);
  for (let index = count - 2; index >= 0; index--) plan.call(index, index + 1);
  return plan;
}
