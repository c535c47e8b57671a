import { ConfigError } from '../config';
import { seededRandom } from '../engine';
import { parseTopology, type Topology } from '../topology';
import type { CallPlan } from './call-plan';
import { behaviourOf } from './behaviour-mix';
import { chainShape } from './chain-shape';
import { compactJson } from '../common';
import { Dice } from './dice';
import { leafCallsPerRequest } from './failure-budget';
import { fanOutShape } from './fan-out-shape';
import { DEFAULT_DEPTH, type GenerateOptions } from './generate-options';
import { scaleFreeShape } from './scale-free-shape';
import { nameServices } from './service-names';
import { topologyHeader } from './topology-header';
import { tieredShape } from './tiered-shape';

/** Where a generated system listens by default: above the bundled examples' 7100–7499. */
export const GENERATED_BASE_PORT = 21000;

export interface GeneratedTopology {
  /** The file: a comment header, then the topology as JSON. */
  readonly text: string;
  /** The same file as the topology reader reads it. */
  readonly topology: Topology;
}

/**
 * A topology file for `options`, the same bytes for the same options. It is read back with the
 * real topology reader before it is given out: a generator bug is an error here, never a file.
 */
export function generateTopology(options: GenerateOptions): GeneratedTopology {
  const dice = new Dice(seededRandom(options.seed));
  const plan = planOf(options, dice);
  const names = nameServices(plan.services);
  const roots = plan.roots();
  const rps = Number((options.entryRps / roots.length).toPrecision(6));
  const leafCalls = leafCallsPerRequest(plan);
  const data = {
    name: `generated-${options.shape}-${options.services}`,
    base_port: GENERATED_BASE_PORT,
    services: Object.fromEntries(plan.services.map((service) => [names[service.index], { behaviour: behaviourOf(service, names, leafCalls.get(service.index) ?? 1, dice) }])),
    entry_points: roots.map((root) => ({ service: names[root], method: 'A', rps })),
  };
  const text = `${topologyHeader(options, plan, roots.length)}${compactJson(data)}\n`;
  return { text, topology: readBack(text) };
}

function planOf(options: GenerateOptions, dice: Dice): CallPlan {
  const depth = options.depth ?? DEFAULT_DEPTH[options.shape] ?? options.services;
  switch (options.shape) {
    case 'tiered':
      return tieredShape(options.services, depth, dice);
    case 'scale-free':
      return scaleFreeShape(options.services, depth, dice);
    case 'fan-out':
      return fanOutShape(options.services, depth);
    case 'chain':
      return chainShape(options.services);
  }
}

function readBack(text: string): Topology {
  let topology: Topology;
  try {
    topology = parseTopology(text, 'generated topology', 'json', '/');
  } catch (error) {
    if (error instanceof ConfigError) throw new Error(`thespian generate made a topology that does not read back (a bug):\n${error.problems.join('\n')}`);
    throw error;
  }
  if (topology.warnings.length > 0) throw new Error(`thespian generate made a topology with warnings (a bug):\n${topology.warnings.join('\n')}`);
  return topology;
}
