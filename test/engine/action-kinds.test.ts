import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { validateBehaviour } from '../../src/config';
import { behaviourJsonSchema } from '../../src/config/behaviour-json-schema';
import { ACTION_KINDS } from '../../src/engine/actions/registry';
import { Predictor, type PredictionWorld } from '../../src/predict';
import { wilsonInterval } from '../../src/verify/wilson';
import { EngineHarness } from '../support/engine-harness';

/**
 * The seam of action kinds, walked kind by kind over ACTION_KINDS: a new kind must appear in the
 * generated JSON Schema, have its section in docs/config-reference.md, and predict what it does,
 * which is checked by running a small seeded sample behaviour for it through the real engine.
 */

type Services = Record<string, [number, object]>;

interface Sample {
  readonly services: Services;
  /** The service whose method A is requested. */
  readonly entry: string;
}

const fn = (name: string, ...actions: object[]) => ({ tracing_name: name, operations: actions.map((action) => ({ Action: action })) });
const onlyA = (a: object) => ({ grpc_method_a: a, grpc_method_b: null, grpc_method_c: null });
const flakySleep = (name: string, chance: number, code = 'ABORTED') => ({ Sleep: { tracing_name: name, duration_ms: 3, failure_chance: chance, failure_code: code } });

/**
 * One sample per kind, each with something random in it so that the failure rate says something.
 * A Compute spins until the clock moves, and the harness's virtual clock moves only while
 * something sleeps, so its sample computes for 0 ms: what is compared here is spans and failures.
 */
const SAMPLES: Record<string, Sample> = {
  Function: {
    entry: 'front',
    services: { front: [2001, onlyA(fn('front', { Function: fn('inner', flakySleep('a', 0.2), { Function: fn('deeper', flakySleep('b', 0.1)) }) }))] },
  },
  Sleep: {
    entry: 'front',
    services: { front: [2011, onlyA(fn('front', flakySleep('nap', 0.3), { Sleep: { tracing_name: 'u', duration: { Uniform: { min_ms: 1, max_ms: 9 } }, failure_chance: 0.1 } }))] },
  },
  CallService: {
    entry: 'front',
    services: {
      front: [2021, onlyA(fn('front', { CallService: { service_address: 'http://127.0.0.1', service_port: 2022, grpc_method: 'A', failure_chance: 0.15, retries: { max_attempts: 2, backoff_ms: 5 }, failure_code: 'PROPAGATE' } }))],
      back: [2022, onlyA(fn('back', flakySleep('db', 0.25, 'UNAVAILABLE')))],
    },
  },
  Log: {
    entry: 'front',
    services: { front: [2031, onlyA(fn('front', { Log: { message: 'hello', level: 'warn' } }, flakySleep('after', 0.2)))] },
  },
  Compute: {
    entry: 'front',
    services: { front: [2041, onlyA(fn('front', { Compute: { tracing_name: 'crunch', duration_ms: 0 } }, flakySleep('after', 0.25)))] },
  },
};

const REQUESTS = 400;
/** About 1 in 15,000 for a correct prediction to fall outside: the seeded runs repeat, so this only says how strict. */
const Z = 3.9;

function objectSchemaOf(schema: Record<string, unknown>, node: unknown): Record<string, unknown> | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const ref = (node as { $ref?: string }).$ref;
  if (ref) return (schema.$defs as Record<string, Record<string, unknown>>)[ref.replace('#/$defs/', '')];
  return node as Record<string, unknown>;
}

const jsonSchema = behaviourJsonSchema();
const docs = readFileSync(path.join(__dirname, '..', '..', 'docs', 'config-reference.md'), 'utf8');

for (const kind of ACTION_KINDS) {
  test(`action kind ${kind.tag}: in the JSON Schema, documented, and predicted as the engine does it`, async (t) => {
    await t.test('the generated JSON Schema offers it as an Action, with its own fields', () => {
      const actions = ((jsonSchema.$defs as Record<string, { anyOf?: unknown[] }>).Action?.anyOf ?? []) as { properties?: Record<string, unknown>; required?: string[] }[];
      const entry = actions.find((candidate) => candidate.properties?.[kind.tag] !== undefined);
      assert.ok(entry, `the JSON Schema's Action does not offer "${kind.tag}"`);
      assert.deepEqual(entry.required, [kind.tag]);
      const inSchema = objectSchemaOf(jsonSchema, entry.properties![kind.tag]);
      const ownDocument = z.toJSONSchema(kind.schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
      const own = objectSchemaOf(ownDocument, ownDocument);
      const fields = (node: Record<string, unknown> | undefined) => Object.keys((node?.properties as object) ?? {}).sort();
      assert.ok(fields(own).length > 0, `"${kind.tag}"'s own schema has no fields`);
      assert.deepEqual(fields(inSchema), fields(own), `the fields of "${kind.tag}" in the JSON Schema`);
    });

    await t.test('docs/config-reference.md has a section for it', () => {
      const heading = new RegExp(`^#{2,3} \`?${kind.tag}\`?\\s*$`, 'm');
      assert.match(docs, heading, `docs/config-reference.md has no "## ${kind.tag}" section`);
    });

    await t.test('its prediction matches a seeded run of the engine', async () => {
      const sample = SAMPLES[kind.tag];
      assert.ok(sample, `action kind "${kind.tag}" has no sample behaviour in SAMPLES of test/engine/action-kinds.test.ts: add one that uses it`);
      const uses = JSON.stringify(Object.values(sample.services).map(([, behaviour]) => behaviour)).includes(`"${kind.tag}":`);
      assert.ok(uses, `the sample for "${kind.tag}" does not use it`);

      const byPort = new Map(Object.entries(sample.services).map(([name, [port]]) => [port, name]));
      const world: PredictionWorld = {
        services: new Map(Object.entries(sample.services).map(([name, [, behaviour]]) => [name, validateBehaviour(behaviour, name)])),
        locate: (target) => byPort.get(target.port),
      };
      const prediction = new Predictor(world, { samples: 5000, seed: 3 }).predict(sample.entry, 'A');

      const harness = new EngineHarness(sample.services, 17);
      let failed = 0;
      let spans = 0;
      const successSpans = new Set<number>();
      for (let i = 0; i < REQUESTS; i++) {
        const result = await harness.request(sample.services[sample.entry][0], 'A');
        if (result.code !== 'OK') failed++;
        else successSpans.add(result.spans);
        spans += result.spans;
      }
      // A success on the first try makes exactly the predicted spans; a retried one makes more.
      assert.equal(Math.min(...successSpans), prediction.successSpans, `"${kind.tag}": the fewest spans of a successful request, against the prediction`);
      const rate = wilsonInterval(failed, REQUESTS, Z);
      const p = prediction.failure.probability;
      assert.ok(p > 0 && p < 1, `the sample for "${kind.tag}" should fail sometimes (predicted ${p})`);
      assert.ok(
        p >= rate.low && p <= rate.high,
        `"${kind.tag}": predicted failure probability ${p.toFixed(4)}, engine failed ${failed}/${REQUESTS} (interval ${rate.low.toFixed(4)}–${rate.high.toFixed(4)})`,
      );
      const mean = spans / REQUESTS;
      assert.ok(
        Math.abs(mean - prediction.meanSpans) <= 0.05 * prediction.meanSpans,
        `"${kind.tag}": predicted ${prediction.meanSpans.toFixed(3)} spans a request, the engine made ${mean.toFixed(3)}`,
      );
    });
  });
}
