import { endpointName } from '../common';
import { findServiceReferences } from './service-references';

/** "payments/B": one method of one service, a node of the call graph. */
type Endpoint = string;

interface GraphService {
  readonly name: string;
  readonly behaviour: unknown;
}

/** Which endpoints each endpoint calls, from the `service` references in the behaviours. */
export function buildCallGraph(services: readonly GraphService[]): Map<Endpoint, Endpoint[]> {
  const graph = new Map<Endpoint, Endpoint[]>();
  const known = new Set(services.map((service) => service.name));
  for (const service of services) {
    for (const reference of findServiceReferences(service.behaviour)) {
      if (!reference.inMethod || !reference.calls || typeof reference.service !== 'string' || !known.has(reference.service)) continue;
      const from = endpointName(service.name, reference.inMethod);
      const to = endpointName(reference.service, reference.calls);
      const edges = graph.get(from) ?? [];
      if (!edges.includes(to)) edges.push(to);
      graph.set(from, edges);
    }
  }
  return graph;
}

/**
 * Every distinct cycle in the call graph, each as its endpoints from the one that sorts first,
 * e.g. ["ledger/A", "payments/B"]. Behaviours have no conditions, so a request that reaches a
 * cycle goes round until a step fails or the hop limit refuses it.
 */
export function findCycles(graph: Map<Endpoint, Endpoint[]>): Endpoint[][] {
  const cycles = new Map<string, Endpoint[]>();
  const state = new Map<Endpoint, 'visiting' | 'done'>();
  const stack: Endpoint[] = [];

  const visit = (node: Endpoint): void => {
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const seen = state.get(next);
      if (seen === 'visiting') {
        const cycle = stack.slice(stack.indexOf(next));
        const normalised = rotateToSmallest(cycle);
        cycles.set(normalised.join(' '), normalised);
      } else if (seen === undefined) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };

  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return [...cycles.values()];
}

function rotateToSmallest(cycle: Endpoint[]): Endpoint[] {
  let start = 0;
  for (let i = 1; i < cycle.length; i++) if (cycle[i] < cycle[start]) start = i;
  return [...cycle.slice(start), ...cycle.slice(0, start)];
}
