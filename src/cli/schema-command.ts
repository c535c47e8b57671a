import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Command } from './command';
import { UsageError } from './usage-error';

export const schemaCommand: Command = {
  name: 'schema',
  summary: 'print the JSON Schema of behaviour configs (for editors and CI checks)',
  usage: `Usage: thespian schema [-o FILE]

Prints the JSON Schema of CONFIG_JSON, generated from the validator Thespian itself uses.
  -o, --output FILE   write it to FILE instead of stdout
\`npm run schema\` regenerates example_configs/thespian.schema.json with it.`,
  async run(args) {
    let values: { output?: string };
    try {
      ({ values } = parseArgs({ args, options: { output: { type: 'string', short: 'o' } }, strict: true }));
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const { behaviourJsonSchema } = require('../config/behaviour-json-schema') as typeof import('../config/behaviour-json-schema');
    const text = `${JSON.stringify(behaviourJsonSchema(), null, 2)}\n`;
    if (values.output) writeFileSync(values.output, text);
    else process.stdout.write(text);
    return 0;
  },
};
