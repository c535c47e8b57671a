import { validateBehaviour } from '../config';
import { resolveBehaviour, type ServiceLocation, type Topology, type TopologyService } from '../topology';

/** One service as a target will run it. */
export interface PlannedService {
  readonly service: TopologyService;
  /** Its CONFIG_JSON for this target: `service` references resolved to this target's addresses. */
  readonly behaviour: Record<string, unknown>;
  /** The other services it calls, in topology order. */
  readonly calls: readonly string[];
  /**
   * The calls it waits for at start (compose depends_on, CloudFormation DependsOn). The same as
   * `calls` unless services call each other in a cycle, which orchestrators refuse as start
   * order: then the edge that would close the cycle is left out.
   */
  readonly waitsFor: readonly string[];
}

/**
 * Resolves every service's behaviour with `locate` (where a service is, seen from inside this
 * target) and checks it with the same validation CONFIG_JSON gets at start, so a rendered file
 * never carries a behaviour the instance would refuse. Throws ConfigError.
 */
export function planServices(topology: Topology, locate: (target: TopologyService) => ServiceLocation): PlannedService[] {
  const order = new Map(topology.services.map((service, index) => [service.name, index]));
  const resolved = topology.services.map((service) => {
    const called = new Set<string>();
    const behaviour = resolveBehaviour(topology, service.name, (target) => {
      called.add(target.name);
      return locate(target);
    });
    validateBehaviour(behaviour, `${topology.name}: services.${service.name} as rendered`);
    called.delete(service.name);
    const calls = [...called].sort((a, b) => order.get(a)! - order.get(b)!);
    return { service, behaviour, calls };
  });
  const waits = acyclicWaits(resolved.map(({ service, calls }) => [service.name, calls] as const));
  return resolved.map((planned) => ({ ...planned, waitsFor: waits.get(planned.service.name) ?? [] }));
}

/** Keeps each edge (in topology order) unless the edges kept so far already lead back from its target. */
function acyclicWaits(edges: readonly (readonly [string, readonly string[]])[]): Map<string, string[]> {
  const kept = new Map<string, string[]>(edges.map(([name]) => [name, []]));
  const reaches = (from: string, to: string): boolean => {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node === to) return true;
      if (seen.has(node)) continue;
      seen.add(node);
      stack.push(...(kept.get(node) ?? []));
    }
    return false;
  };
  for (const [name, calls] of edges) {
    for (const callee of calls) if (!reaches(callee, name)) kept.get(name)!.push(callee);
  }
  return kept;
}
