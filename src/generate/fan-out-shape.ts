import { CallPlan } from './call-plan';
import { MAX_FAN_OUT } from './generate-options';

/**
 * One entry and `levels - 1` levels below it, each service calling all of its children at once.
 * The branching is the smallest that fits every service within the levels, so the levels fill
 * from the top and the last one holds the leaves. No service calls more than MAX_FAN_OUT at once:
 * where the levels asked for cannot hold every service within that, there are more levels.
 */
export function fanOutShape(count: number, levels: number): CallPlan {
  // At least the entry and its leaves, whatever --depth says: a fan-out of one level is no fan-out.
  let depth = Math.min(Math.max(levels, 2), count);
  while (smallestBranching(count - 1, depth - 1) > MAX_FAN_OUT) depth += 1;
  const parents = parentsByLevel(count, depth);
  const plan = new CallPlan(Infinity);
  parents.forEach((parent, index) => plan.add(index === 0 ? 'edge' : 'domain', parent.level));
  // Bottom up, as the plan requires: a service's callees before its own caller.
  for (let index = count - 1; index > 0; index--) plan.call(parents[index].parent, index);
  for (const service of plan.services) {
    service.callees.reverse();
    service.allAtOnce = true;
    if (service.index > 0 && service.callees.length === 0) service.role = 'store';
  }
  return plan;
}

/** For each service, its level and the service above it (the root's is -1). */
function parentsByLevel(count: number, depth: number): { level: number; parent: number }[] {
  const branching = smallestBranching(count - 1, depth - 1);
  const placed = [{ level: 0, parent: -1 }];
  let above = [0];
  for (let level = 1; level < depth && placed.length < count; level++) {
    const size = Math.min(count - placed.length, above.length * branching);
    const children: number[] = [];
    // Children are dealt in turn, so that siblings' counts differ by one at most.
    for (let child = 0; child < size; child++) {
      children.push(placed.length);
      placed.push({ level, parent: above[child % above.length] });
    }
    above = children;
  }
  return placed;
}

function smallestBranching(services: number, levels: number): number {
  if (levels <= 0 || services <= 0) return 1;
  for (let branching = 1; ; branching++) {
    let capacity = 0;
    for (let level = 1, width = branching; level <= levels; level++, width *= branching) capacity += width;
    if (capacity >= services) return branching;
  }
}
