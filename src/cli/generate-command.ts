import { writeFileSync } from 'node:fs';
// not through the index: config/index loads the engine and its zod schemas, which commands that read no behaviour (poke, health, load) should not wait for
import { MAX_SEED } from '../config/setting-values';
// not through the index: generate/index loads the topology reader (zod, yaml) at every command's start; the flag table needs only the shapes and limits
import { MAX_DEPTH, MAX_SERVICES, SHAPES, type GenerateOptions } from '../generate/generate-options';
import { checkWritable } from './check-writable';
import { defineCommand } from './command';
import { readFlags, type FlagTable } from './flag-table';
import { mustBe, nonEmpty, oneOf, ratePerSecond, STDOUT, wholeNumber } from './option-readers';
import { UsageError } from './usage-error';

/** The most `--entry-rps` an entry point of a topology may ask for. */
const MAX_ENTRY_RPS = 100_000;

const GENERATE_FLAGS = {
  services: { value: 'N', help: `how many services (1 to ${MAX_SERVICES})`, read: mustBe(`a whole number from 1 to ${MAX_SERVICES}`, wholeNumber(1, MAX_SERVICES)) },
  shape: { value: 'SHAPE', default: 'tiered', help: `how they call each other: ${SHAPES.join(', ')}`, read: mustBe(`one of ${SHAPES.join(', ')}`, oneOf(SHAPES)) },
  seed: { value: 'S', default: '1', help: 'the seed of every choice: the same seed and options give the same file', read: mustBe(`a whole number from 0 to ${MAX_SEED}`, wholeNumber(0, MAX_SEED)) },
  depth: {
    value: 'D',
    help: `tiered: tiers (default 4); fan-out: levels (default 2, at least 2); scale-free: the longest call path (default 8); at most ${MAX_DEPTH}, the instances' hop limit. A chain is as deep as it has services`,
    read: mustBe(`a whole number from 1 to ${MAX_DEPTH}`, wholeNumber(1, MAX_DEPTH)),
  },
  'entry-rps': {
    value: 'R',
    default: '5',
    help: 'requests per second in all, shared by the entry points (what `thespian up` sends); modest by default so a laptop runs it',
    read: mustBe(`a rate above 0 and at most ${MAX_ENTRY_RPS}`, (text) => {
      const rate = ratePerSecond(text);
      return rate !== undefined && rate <= MAX_ENTRY_RPS ? rate : undefined;
    }),
  },
  output: { short: 'o', value: 'FILE', help: 'where to write the topology; - for stdout', read: nonEmpty('needs a file name, or - for stdout') },
} satisfies FlagTable;

export const generateCommand = defineCommand(GENERATE_FLAGS, {
  name: 'generate',
  summary: 'write a topology of N services in a given shape, for scale tests',
  header: `Usage: thespian generate --services N [--shape SHAPE] [--seed S] [--depth D] [--entry-rps R] -o FILE

Writes a topology file (JSONC) of N services that \`thespian up\`, \`predict\`, \`verify\` and
\`render\` take: acyclic, named by role (edge, api-1, orders, orders-db...), with latency
distributions, concurrent calls, retries and rare failures at the data stores, and a comment
header that gives the command that made it. Shapes:
  tiered      edge → API tier → domain services → data stores (--depth tiers)
  scale-free  preferential attachment: a few hubs called by many
  fan-out     one entry calling many services at once, level by level (at most 100 at once)
  chain       each service calls the next (at most ${MAX_DEPTH} services: the hop limit)`,
  footer: 'See docs/scale.md. Exit status: 0 when written, 2 for bad options or a file that cannot be written.',
  async run(args) {
    const { options, output } = parseGenerateArgs(args);
    if (output !== STDOUT) checkWritable(output, '-o');
    const { generateTopology } = require('../generate') as typeof import('../generate');
    const generated = generateTopology(options);
    if (output === STDOUT) {
      process.stdout.write(generated.text);
      return 0;
    }
    writeFileSync(output, generated.text);
    const entries = generated.topology.entryPoints.length;
    process.stdout.write(`${output}: ${options.services} services (${options.shape}), ${entries} entry point${entries === 1 ? '' : 's'}, ${options.entryRps} requests/s in all\n`);
    return 0;
  },
});

function parseGenerateArgs(args: string[]): { options: GenerateOptions; output: string } {
  const { values, given, positionals, problems } = readFlags(args, GENERATE_FLAGS);
  if (positionals.length > 0) problems.unshift(`unexpected argument "${positionals[0]}"`);
  if (!given.has('services')) problems.push('--services N is required: how many services to generate');
  if (!given.has('output')) problems.push('-o FILE is required: where to write the topology (- for stdout)');
  if (values.shape === 'chain' && given.has('depth')) problems.push('--depth does not apply to --shape chain: a chain is as deep as it has services');
  if (values.shape === 'chain' && values.services !== undefined && values.services > MAX_DEPTH) {
    problems.push(`--services must be at most ${MAX_DEPTH} for --shape chain (got ${values.services}): a request may pass through ${MAX_DEPTH} Thespians at most (THESPIAN_MAX_HOPS)`);
  }
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return {
    options: { services: values.services!, shape: values.shape, seed: values.seed, depth: values.depth, entryRps: values['entry-rps'] },
    output: values.output!,
  };
}
