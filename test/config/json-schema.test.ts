import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'jsonc-parser';
import { behaviourJsonSchema } from '../../src/config/behaviour-json-schema';
import { bundledExampleNames } from '../../src/config/behaviour-source';

const EXAMPLES = join(__dirname, '..', '..', 'example_configs');
const SCHEMA_FILE = join(EXAMPLES, 'thespian.schema.json');

test('example_configs/thespian.schema.json is what `npm run schema` generates now', () => {
  const committed = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'));
  assert.deepEqual(committed, behaviourJsonSchema(), 'the JSON Schema is stale: run `npm run schema` and commit the result');
});

test('every bundled behaviour example is valid by the JSON Schema, and typos are not', () => {
  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(behaviourJsonSchema());
  const names = bundledExampleNames();
  assert.ok(names.includes('standalone') && names.includes('call_service'));
  for (const name of names) {
    const file = readdirSync(EXAMPLES).find((entry) => entry === `${name}.json` || entry === `${name}.jsonc`)!;
    const config = parse(readFileSync(join(EXAMPLES, file), 'utf8'));
    assert.ok(validate(config), `${file}: ${JSON.stringify(validate.errors)}`);
  }
  const typo = { grpc_method_a: { tracing_name: 'a', operations: [{ Action: { Sleeep: { tracing_name: 's', duration_ms: 1 } } }] } };
  assert.equal(validate(typo), false, 'an editor flags an unknown action kind');
  assert.equal(validate({ grpc_method_a: null, extra: 1 }), false, 'an editor flags an unknown top-level key');
});
