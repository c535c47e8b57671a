import { functionJson } from './behaviour-of-steps';
import type { ObservedModel } from './observed-model';
import { placeOperations } from './operation-placement';

/** Each entry point's rate: light, so that any laptop runs the copy. */
const ENTRY_RPS = 1;

export interface ImportedTopology {
  /** The topology, as JSON. */
  readonly topology: Record<string, unknown>;
  /** What the reader of the file should know: services split, and the like. */
  readonly notes: readonly string[];
}

/** The model as a topology: a service per traced service, a method per operation, an entry point per root operation. */
export function topologyOfModel(model: ObservedModel, name: string): ImportedTopology {
  const notes: string[] = [];
  const placements = placeOperations(model, notes);
  const services: Record<string, { behaviour: Record<string, unknown> }> = {};
  for (const [operation, placement] of placements) {
    const service = (services[placement.service] ??= { behaviour: {} });
    service.behaviour[`grpc_method_${placement.method.toLowerCase()}`] = functionJson(operation.body, placements);
  }
  const entryPoints = [...model.entries.keys()].map((operation) => ({ ...placements.get(operation), rps: ENTRY_RPS }));
  return { topology: { name, services: sortedServices(services, placements), entry_points: entryPoints }, notes };
}

/** Services in the order first seen, with their methods A, B, C in order, so the file reads well. */
function sortedServices(services: Record<string, { behaviour: Record<string, unknown> }>, placements: ReturnType<typeof placeOperations>): Record<string, unknown> {
  const order = [...new Set([...placements.values()].map((placement) => placement.service))];
  return Object.fromEntries(order.map((service) => [service, { behaviour: Object.fromEntries(Object.entries(services[service].behaviour).sort(([a], [b]) => a.localeCompare(b))) }]));
}
