import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology } from '../topology';
import { UsageError } from './usage-error';

/**
 * The topology a command was given: a file path, or the name of a bundled example ("ecosystem",
 * "search_fanout"); the bundled ecosystem when none was given. Its warnings go to stderr, unless
 * the command reports them itself (`up` puts them in its report). A bad file is a ConfigError:
 * one line per problem, exit 2.
 */
export function loadCommandTopology(given: string | undefined, options: { printWarnings: boolean }): Topology {
  // Required here, not imported above: the topology reader pulls in zod and yaml.
  const { loadTopology, BUNDLED_TOPOLOGY_PATH } = require('../topology') as typeof import('../topology');
  const topology = loadTopology(given === undefined ? BUNDLED_TOPOLOGY_PATH : resolveBundledName(given));
  if (options.printWarnings) for (const warning of topology.warnings) process.stderr.write(`warning: ${warning}\n`);
  return topology;
}

/** A bare name that is not a file here is looked up among the bundled examples. */
function resolveBundledName(given: string): string {
  if (given.includes('/') || given.includes('\\') || /\.(jsonc?|ya?ml)$/i.test(given) || existsSync(given)) return given;
  const { EXAMPLES_DIR, bundledExampleNames } = require('../config') as typeof import('../config');
  // Behaviours first: some of them are .jsonc files too, and would otherwise be read as a topology.
  if (bundledExampleNames('behaviour').includes(given)) {
    throw new UsageError(`${given} is a bundled behaviour (one instance), not a topology: \`thespian serve ${given}\` runs it (bundled topologies: ${bundledExampleNames('topology').join(', ')})`);
  }
  for (const extension of ['.jsonc', '.json']) {
    const bundled = join(EXAMPLES_DIR, given + extension);
    if (existsSync(bundled)) return bundled;
  }
  throw new UsageError(`${given}: no such topology file, nor a bundled one by that name (bundled: ${bundledExampleNames('topology').join(', ')})`);
}
