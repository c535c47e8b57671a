import { CallPlan, type PlannedService, type Role } from './call-plan';
import type { Dice } from './dice';
import { MAX_VISITS_PER_REQUEST } from './generate-options';

/** About one edge service per this many services, so that each edge's requests stay bounded. */
const SERVICES_PER_EDGE = 25;
/** How large each kind of tier is, relative to the others. */
const TIER_WEIGHT: Readonly<Record<Role, number>> = { edge: 0, api: 1, domain: 2, store: 1.5 };

/** edge → api → domain… → stores: each tier calls the one below, now and then the one below that. */
export function tieredShape(count: number, depth: number, dice: Dice): CallPlan {
  const plan = new CallPlan(MAX_VISITS_PER_REQUEST);
  const tiers = tierSizes(count, Math.min(depth, count)).map((size, tier, sizes) =>
    Array.from({ length: size }, () => plan.add(roleOfTier(tier, sizes.length), tier)),
  );
  // Bottom up, so that every callee is complete before it is called.
  for (let tier = tiers.length - 2; tier >= 0; tier--) {
    wireTier(plan, tiers[tier], tiers[tier + 1], tiers[tier + 2] ?? [], dice);
  }
  return plan;
}

function roleOfTier(tier: number, tiers: number): Role {
  if (tier === 0) return 'edge';
  if (tier === tiers - 1) return 'store';
  return tier === 1 && tiers > 3 ? 'api' : 'domain';
}

function tierSizes(count: number, tiers: number): number[] {
  // One tier: every service is an edge that calls nothing.
  if (tiers === 1) return [count];
  const edges = Math.min(Math.max(1, Math.round(count / SERVICES_PER_EDGE)), count - (tiers - 1));
  const roles = Array.from({ length: tiers - 1 }, (_, index) => roleOfTier(index + 1, tiers));
  const total = roles.reduce((sum, role) => sum + TIER_WEIGHT[role], 0);
  const rest = count - edges;
  // At least one service per tier; what is left goes by weight, the remainder to the first tiers.
  const sizes = roles.map((role) => 1 + Math.floor(((rest - roles.length) * TIER_WEIGHT[role]) / total));
  let left = rest - sizes.reduce((sum, size) => sum + size, 0);
  for (let index = 0; left > 0; index = (index + 1) % sizes.length, left--) sizes[index] += 1;
  return [edges, ...sizes];
}

/**
 * Every service of the tier below gets a caller (the least busy one with room), then each caller
 * gets one to three callees in all, one in four of the extras a tier further down.
 */
function wireTier(plan: CallPlan, callers: PlannedService[], below: PlannedService[], further: PlannedService[], dice: Dice): void {
  for (const callee of dice.shuffled(below)) {
    const room = callers.filter((caller) => plan.canCall(caller.index, callee.index));
    if (room.length === 0) continue;
    const fewest = Math.min(...room.map((caller) => caller.callees.length));
    plan.call(dice.pick(room.filter((caller) => caller.callees.length === fewest)).index, callee.index);
  }
  for (const caller of callers) {
    const wanted = dice.int(1, 3);
    for (let attempt = 0; attempt < 6 && caller.callees.length < wanted; attempt++) {
      const pool = further.length > 0 && dice.chance(0.25) ? further : below;
      const callee = dice.pick(pool);
      if (plan.canCall(caller.index, callee.index)) plan.call(caller.index, callee.index);
    }
  }
}
