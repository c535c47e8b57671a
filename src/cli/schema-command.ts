import { writeFileSync } from 'node:fs';
import { defineCommand } from './command';
import { readFlags, type FlagTable } from './flag-table';
import { nonEmpty, STDOUT } from './option-readers';
import { UsageError } from './usage-error';

const SCHEMA_FLAGS = {
  topology: { help: 'the JSON Schema of topology files (thespian up, render, ...) instead of behaviours' },
  output: { short: 'o', value: 'FILE', help: 'write it to FILE instead of stdout; - is stdout', read: nonEmpty('needs a file name, or - for stdout') },
} satisfies FlagTable;

export const schemaCommand = defineCommand(SCHEMA_FLAGS, {
  name: 'schema',
  summary: 'print the JSON Schema of behaviour configs or, with --topology, of topology files (for editors and CI checks)',
  header: `Usage: thespian schema [--topology] [-o FILE]

Prints the JSON Schema of CONFIG_JSON or, with --topology, of topology files (a service's
behaviour in it is the same behaviour schema), generated from the validator Thespian itself
uses. Thespian checks more than a JSON Schema can say (a topology's steps, incident overlaps).`,
  sections: [{ rows: ['topology', 'output'] }],
  footer: '`npm run schema` regenerates example_configs/thespian.schema.json and example_configs/topology.schema.json with it.',
  async run(args) {
    const { values, positionals, problems } = readFlags(args, SCHEMA_FLAGS);
    if (positionals.length > 0) problems.unshift(`unexpected argument "${positionals[0]}"`);
    if (problems.length > 0) throw new UsageError(problems.join('\n'));
    // Loaded here, not at the top: the other commands need neither schema.
    const schema = values.topology
      ? (require('../topology') as typeof import('../topology')).topologyJsonSchema()
      : (require('../config') as typeof import('../config')).behaviourJsonSchema();
    const text = `${JSON.stringify(schema, null, 2)}\n`;
    if (values.output !== undefined && values.output !== STDOUT) writeFileSync(values.output, text);
    else process.stdout.write(text);
    return 0;
  },
});
