// example_configs/topology.schema.json: what `thespian schema --topology` prints, and a real
// JSON Schema validator (Ajv, draft 2020-12) takes every example topology and refuses bad ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { ConfigError } from '../../src/config';
import { formatOfPath, parseTopology, readTopologyText, topologyJsonSchema } from '../../src/topology';
import { EXAMPLES_DIR, exampleFiles } from '../examples/example-files';
import { runToExit } from '../support/instance-process';

const SCHEMA_PATH = join(EXAMPLES_DIR, 'topology.schema.json');
const validate = new Ajv2020({ strict: false, allErrors: true }).compile(topologyJsonSchema());

const sleep = (name: string) => ({ Action: { Sleep: { tracing_name: name, duration_ms: 1 } } });
const SHOP = {
  services: {
    front: { behaviour: { grpc_method_a: { tracing_name: 'GET /', operations: [{ Action: { CallService: { service: 'payments', grpc_method: 'A' } } }] } } },
    payments: { behaviour: { grpc_method_a: { tracing_name: 'pay', operations: [sleep('call card network')] } } },
  },
  entry_points: [{ service: 'front', method: 'A', stages: [{ for: '10s', rps: 5 }, { for: '30s', rps: 50 }], repeat: true }],
  incidents: [{ name: 'outage', at: '0', for: '4s', repeat_every: '20s', service: 'payments', method: 'A', step: 'call card network', failure_chance: 1, failure_code: 'UNAVAILABLE', extra_latency_ms: 200, latency_factor: 3 }],
};

/** Whether Thespian itself loads it. */
function loads(data: unknown): boolean {
  try {
    parseTopology(JSON.stringify(data), 'shop.json', 'json', tmpdir());
    return true;
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return false;
  }
}

test('example_configs/topology.schema.json is what `npm run schema` generates now, and `thespian schema --topology` prints it', async () => {
  const committed = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
  assert.deepEqual(committed, topologyJsonSchema(), 'the topology JSON Schema is stale: run `npm run schema` and commit the result');
  const run = await runToExit({}, ['schema', '--topology'], 15_000);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), committed);
});

test('every example topology is valid by the JSON Schema, and so is one with every field', () => {
  const topologies = exampleFiles().filter((example) => example.kind === 'topology');
  assert.ok(topologies.length >= 4);
  for (const example of topologies) {
    const data = readTopologyText(example.text, example.file, formatOfPath(example.file));
    assert.ok(validate(data), `${example.file}: ${JSON.stringify(validate.errors, null, 1)}`);
  }
  assert.ok(validate(SHOP), JSON.stringify(validate.errors, null, 1));
  assert.ok(loads(SHOP));
});

test('the JSON Schema refuses bad incidents, entry points and services, each of which Thespian refuses too', () => {
  const outage = SHOP.incidents[0]!;
  const withIncident = (change: object) => ({ ...SHOP, incidents: [{ ...outage, ...change }] });
  const withEntry = (entry: object) => ({ ...SHOP, entry_points: [entry] });
  const bad: [string, unknown][] = [
    ['an incident without "for"', withIncident({ for: undefined })],
    ['an incident "for" that is not a time', withIncident({ for: 'soon' })],
    ['an incident "at" below 0', withIncident({ at: '-1s' })],
    ['a mistyped failure_code', withIncident({ failure_code: 'UNAVAILBLE' })],
    ['OK as the failure_code', withIncident({ failure_code: 'OK' })],
    ['a failure_code without failure_chance', withIncident({ failure_chance: undefined })],
    ['a chance above 1', withIncident({ failure_chance: 1.5 })],
    ['a negative latency_factor', withIncident({ latency_factor: -1 })],
    ['an incident that changes nothing', withIncident({ failure_chance: undefined, failure_code: undefined, extra_latency_ms: undefined, latency_factor: undefined })],
    ['an unknown incident key', withIncident({ failur_chance: 1 })],
    ['method D', withIncident({ method: 'D' })],
    ['an empty incident name', withIncident({ name: ' ' })],
    ['both rps and stages', withEntry({ service: 'front', method: 'A', rps: 5, stages: [{ for: '1s', rps: 5 }] })],
    ['neither rps nor stages', withEntry({ service: 'front', method: 'A' })],
    ['repeat without stages', withEntry({ service: 'front', method: 'A', rps: 5, repeat: true })],
    ['a stage "for" that is not a time', withEntry({ service: 'front', method: 'A', stages: [{ for: 'a while', rps: 5 }] })],
    ['a CallService with a service and an address', { ...SHOP, services: { ...SHOP.services, front: { behaviour: { grpc_method_a: { tracing_name: 'GET /', operations: [{ Action: { CallService: { service: 'payments', service_port: 1, grpc_method: 'A' } } }] } } } } }],
    ['a service name that is not a DNS label', { ...SHOP, services: { ...SHOP.services, Payments_API: { behaviour: {} } } }],
    ['a service with no behaviour', { ...SHOP, services: { ...SHOP.services, extra: {} } }],
    ['no services', { services: {} }],
  ];
  for (const [what, data] of bad) {
    const normal = JSON.parse(JSON.stringify(data)); // as a file holds it: no undefined keys
    assert.equal(validate(normal), false, `the JSON Schema takes ${what}`);
    assert.equal(loads(normal), false, `Thespian takes ${what}`);
  }
});
