import type { Topology } from '../topology';
import type { PlannedService } from './planned-service';
import type { RenderOptions, RenderTarget } from './render-options';

/** Everything a renderer reads. */
export interface RenderContext {
  readonly topology: Topology;
  readonly options: RenderOptions;
  /** The topology file's name as shown in headers (a base name, so output does not depend on where it was run). */
  readonly sourceName: string;
}

/** The first comment lines of every rendered file: where it came from and how to remake it. */
export function provenance(target: RenderTarget, context: RenderContext): string[] {
  return [
    `Rendered by \`thespian render ${target}\` from ${context.sourceName} (topology "${context.topology.name}").`,
    'Do not edit by hand: change the topology and render again (the bundled example: npm run render:examples).',
  ];
}

/** "catalog, cart and orders". */
export function listOf(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** The service that traffic enters through: the first entry point's, if the topology has any. */
export function entryServiceOf(topology: Topology): string | undefined {
  return topology.entryPoints[0]?.service;
}

/** "A at 2/s, B through 3 stages" for one service's entry points. */
function entryPointsOf(topology: Topology, service: string): string | undefined {
  const points = topology.entryPoints.filter((entry) => entry.service === service);
  return points.length === 0 ? undefined : points.map((entry) => (entry.stages ? `${entry.method} through ${entry.stages.length} stages` : `${entry.method} at ${entry.rps}/s`)).join(', ');
}

/** "cart: calls catalog and payments; entry point (A at 2/s)." — the first comment on a service in every target. */
export function summaryOf(plan: PlannedService, topology: Topology): string {
  const calls = plan.calls.length > 0 ? `calls ${listOf(plan.calls)}` : 'calls no other service';
  const entry = entryPointsOf(topology, plan.service.name);
  return `${plan.service.name}: ${calls}${entry ? `; entry point (${entry})` : ''}.`;
}
