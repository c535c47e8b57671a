import { writeFileSync } from 'node:fs';
import { defineCommand } from './command';
import { readFlags, type FlagTable } from './flag-table';
import { nonEmpty, STDOUT } from './option-readers';
import { UsageError } from './usage-error';

const SCHEMA_FLAGS = {
  output: { short: 'o', value: 'FILE', help: 'write it to FILE instead of stdout; - is stdout', read: nonEmpty('needs a file name, or - for stdout') },
} satisfies FlagTable;

export const schemaCommand = defineCommand(SCHEMA_FLAGS, {
  name: 'schema',
  summary: 'print the JSON Schema of behaviour configs (for editors and CI checks)',
  header: `Usage: thespian schema [-o FILE]

Prints the JSON Schema of CONFIG_JSON, generated from the validator Thespian itself uses.`,
  sections: [{ rows: ['output'] }],
  footer: '`npm run schema` regenerates example_configs/thespian.schema.json with it.',
  async run(args) {
    const { values, positionals, problems } = readFlags(args, SCHEMA_FLAGS);
    if (positionals.length > 0) problems.unshift(`unexpected argument "${positionals[0]}"`);
    if (problems.length > 0) throw new UsageError(problems.join('\n'));
    const { behaviourJsonSchema } = require('../config') as typeof import('../config');
    const text = `${JSON.stringify(behaviourJsonSchema(), null, 2)}\n`;
    if (values.output !== undefined && values.output !== STDOUT) writeFileSync(values.output, text);
    else process.stdout.write(text);
    return 0;
  },
});
