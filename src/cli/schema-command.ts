import { writeFileSync } from 'node:fs';
import type { Command } from './command';
import { parseCommandArgs } from './parse-command-args';
import { UsageError } from './usage-error';

export const schemaCommand: Command = {
  name: 'schema',
  summary: 'print the JSON Schema of behaviour configs (for editors and CI checks)',
  usage: `Usage: thespian schema [-o FILE]

Prints the JSON Schema of CONFIG_JSON, generated from the validator Thespian itself uses.
  -o, --output FILE   write it to FILE instead of stdout
\`npm run schema\` regenerates example_configs/thespian.schema.json with it.`,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, { output: { type: 'string', short: 'o' } });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const { behaviourJsonSchema } = require('../config/behaviour-json-schema') as typeof import('../config/behaviour-json-schema');
    const text = `${JSON.stringify(behaviourJsonSchema(), null, 2)}\n`;
    if (values.output) writeFileSync(values.output, text);
    else process.stdout.write(text);
    return 0;
  },
};
