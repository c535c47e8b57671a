import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { context, SpanKind, SpanStatusCode } from '@opentelemetry/api';
// The context manager the SDK registers in the instance (sdk-node's own dependency), so that the
// engine's spans nest here as they do there.
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { validateBehaviour } from '../../src/config';
import { behaviourJsonSchema } from '../../src/config/behaviour-json-schema';
import { sentAttemptCodes } from '../../src/engine/actions/attempt-events';
import { functionAction } from '../../src/engine/actions/function';
import { ACTION_KINDS, actionKind } from '../../src/engine/actions/registry';
import type { Action } from '../../src/engine/model';
import { ATTEMPT_EVENT, EXCEPTION_EVENT, KIND_ATTRIBUTE } from '../../src/engine/span-names';
import { Predictor, type EndpointPrediction, type PredictionWorld } from '../../src/predict';
import { spanKey, type SpanShape } from '../../src/probability';
import type { ObservedSpan } from '../../src/verify/observed-span';
import type { SpanKindName } from '../../src/common';
import { checkTrace } from '../../src/verify/trace-check';
import { wilsonInterval } from '../../src/verify/wilson';
import { EngineHarness } from '../support/engine-harness';

/**
 * The seam of action kinds, walked kind by kind over ACTION_KINDS: a new kind must appear in the
 * generated JSON Schema, have its section in docs/config-reference.md, and predict what it does,
 * which is checked by running a small seeded sample behaviour for it through the real engine.
 * Then verify, which knows no kind by name, must read that engine's traces back through the span
 * shapes alone: every span placed, the log lines counted, where failures began, the attempts.
 */

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

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
      front: [
        2021,
        onlyA(
          fn(
            'front',
            { CallService: { service_address: 'http://127.0.0.1', service_port: 2022, grpc_method: 'A', failure_chance: 0.15, retries: { max_attempts: 2, backoff_ms: 5 }, failure_code: 'PROPAGATE' } },
            // Without retries a call writes no attempt events: its span alone says whether it was sent.
            { CallService: { tracing_name: 'plain call', service_address: 'http://127.0.0.1', service_port: 2022, grpc_method: 'A', failure_chance: 0.1 } },
          ),
        ),
      ],
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
/** Requests whose traces verify reads back, kind by kind. */
const TRACED_REQUESTS = 150;
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
      const sample = sampleFor(kind.tag);
      const uses = JSON.stringify(Object.values(sample.services).map(([, behaviour]) => behaviour)).includes(`"${kind.tag}":`);
      assert.ok(uses, `the sample for "${kind.tag}" does not use it`);

      const prediction = predictionOf(sample);

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

    await t.test('a walk over a behaviour (the nesting limit) reaches every action through the kinds, as the config has them', () => walkReachesEveryAction(kind.tag));

    await t.test("verify reads the engine's traces through its span shapes: spans, lines, failures, attempts", () => verifyReadsTheEngine(kind.tag));
  });
}

function sampleFor(tag: string): Sample {
  const sample = SAMPLES[tag];
  assert.ok(sample, `action kind "${tag}" has no sample behaviour in SAMPLES of test/engine/action-kinds.test.ts: add one that uses it`);
  return sample;
}

/** Every action of the sample's configs is reached from the methods' Functions through each kind's `children`. */
function walkReachesEveryAction(tag: string): void {
  for (const [name, [, behaviour]] of Object.entries(sampleFor(tag).services)) {
    const walked = new Map<string, number>();
    const walk = (actions: readonly Action[]) => {
      for (const action of actions) {
        walked.set(action.kind, (walked.get(action.kind) ?? 0) + 1);
        walk(actionKind(action.kind).children?.(action.spec) ?? []);
      }
    };
    // Each method is a Function, though its config has no "Function" key for it to count.
    for (const fn of Object.values(validateBehaviour(behaviour, name).methods)) if (fn) walk(functionAction.children?.(fn) ?? []);
    assert.deepEqual(sortedCounts(walked), sortedCounts(tagsIn(behaviour)), `"${tag}" sample, service ${name}: the actions reached through each kind's children, against those in the config`);
  }
}

/**
 * The sample's requests run through the engine with their spans recorded, and each trace read
 * back by verify's checkTrace against the prediction: complete, with the log lines the engine
 * wrote; then each span against its own shape.
 */
async function verifyReadsTheEngine(tag: string): Promise<void> {
  const sample = sampleFor(tag);
  const prediction = predictionOf(sample);
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const harness = new EngineHarness(sample.services, 23, (service) => provider.getTracer(service));
  const origins = new Origins(tag);
  for (let i = 0; i < TRACED_REQUESTS; i++) {
    exporter.reset();
    const result = await harness.request(sample.services[sample.entry][0], 'A');
    const spans = exporter.getFinishedSpans().map(observedOf);
    const check = checkTrace(prediction.shape, spans, result.code);
    const at = `"${tag}", request ${i} (${result.code})`;
    assert.deepEqual(
      { verdict: check.verdict, lost: check.lostSpans, unplaced: check.unplaced, brokenLinks: check.brokenLinks, statusProblem: check.statusProblem },
      { verdict: 'complete', lost: [], unplaced: 0, brokenLinks: 0, statusProblem: undefined },
      `${at}: verify places every span the engine made`,
    );
    assert.deepEqual(check.expectedLines, result.linesByLevel, `${at}: the log lines verify expects from the trace, by level, against those the engine wrote`);
    for (const span of spans) checkAgainstShape(span, shapeOf(prediction, span), spans, at, origins);
  }
  origins.check();
}

/** How often each registered kind's tag is a key in the config (the method's own Functions are untagged). */
function tagsIn(config: unknown, counts = new Map<string, number>()): Map<string, number> {
  if (Array.isArray(config)) for (const item of config) tagsIn(item, counts);
  else if (config && typeof config === 'object') {
    for (const [key, value] of Object.entries(config)) {
      if (ACTION_KINDS.some((candidate) => candidate.tag === key)) counts.set(key, (counts.get(key) ?? 0) + 1);
      tagsIn(value, counts);
    }
  }
  return counts;
}

function sortedCounts(counts: Map<string, number>): [string, number][] {
  return [...counts].sort(([a], [b]) => a.localeCompare(b));
}

function predictionOf(sample: Sample): EndpointPrediction {
  const byPort = new Map(Object.entries(sample.services).map(([name, [port]]) => [port, name]));
  const world: PredictionWorld = {
    services: new Map(Object.entries(sample.services).map(([name, [, behaviour]]) => [name, validateBehaviour(behaviour, name)])),
    locate: (target) => byPort.get(target.port),
  };
  return new Predictor(world, { samples: 5000, seed: 3 }).predict(sample.entry, 'A');
}

/** A recorded span as verify reads one back from a backend; its tracer's name is its service. */
function observedOf(span: ReadableSpan): ObservedSpan {
  return {
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? '',
    service: span.instrumentationScope.name,
    name: span.name,
    kind: SpanKind[span.kind] as SpanKindName,
    error: span.status.code === SpanStatusCode.ERROR,
    statusMessage: span.status.message ?? '',
    attributes: span.attributes,
    events: span.events.map((event) => ({ name: event.name, attributes: event.attributes ?? {} })),
    startMs: hrTimeToMilliseconds(span.startTime),
  };
}

/** The predicted shape of a recorded span, by service, kind and name (the samples name their steps apart). */
function shapeOf(prediction: EndpointPrediction, span: ObservedSpan): SpanShape {
  const all: SpanShape[] = [];
  const collect = (shape: SpanShape) => {
    all.push(shape);
    for (const group of shape.groups) group.forEach(collect);
    if (shape.attempt) collect(shape.attempt.shape);
  };
  collect(prediction.shape);
  const shape = all.find((candidate) => spanKey(candidate) === spanKey(span));
  assert.ok(shape, `the engine made "${spanKey(span)}", which the prediction has no shape for`);
  return shape;
}

/** What a step span's shape says of it, held against the span: its lines, and how its attempts are marked. */
function checkAgainstShape(span: ObservedSpan, shape: SpanShape, spans: readonly ObservedSpan[], at: string, origins: Origins): void {
  const key = spanKey(span);
  const isStep = span.attributes[KIND_ATTRIBUTE] !== undefined;
  assert.equal(shape.lines !== undefined, isStep, `${at}: "${key}" ${isStep ? 'is a step span, but its shape says nothing of the lines it logs' : 'logs nothing, but its shape has lines'}`);
  if (span.error && shape.lines) origins.saw(key, shape.lines.failsHere, span.events.some((event) => event.name === EXCEPTION_EVENT));
  const attempt = shape.attempt;
  if (!attempt) return;
  const recorded = span.events.some((event) => event.name === ATTEMPT_EVENT);
  assert.equal(recorded, attempt.retries, `${at}: "${key}" ${recorded ? 'recorded attempt events, but its shape says it does not' : 'recorded no attempt event, but its shape says each attempt has one'}`);
  const clients = spans.filter((candidate) => candidate.parentSpanId === span.spanId && spanKey(candidate) === spanKey(attempt.shape));
  assert.equal(sentAttemptCodes(span, attempt.retries).length, clients.length, `${at}: the attempts "${key}" says it sent, against its ${clients.length} CLIENT spans`);
}

/**
 * Where the failures of each step span began, over all requests: a shape that says `failsHere`
 * must have the exception event (where the failure was logged) on every failed span of it, and
 * one whose failed spans all had it must say so.
 */
class Origins {
  private readonly seen = new Map<string, { failsHere: boolean; here: number; below: number }>();

  constructor(private readonly tag: string) {}

  saw(key: string, failsHere: boolean, began: boolean): void {
    const entry = this.seen.get(key) ?? { failsHere, here: 0, below: 0 };
    if (began) entry.here++;
    else entry.below++;
    this.seen.set(key, entry);
  }

  check(): void {
    for (const [key, { failsHere, here, below }] of this.seen) {
      const where = `"${this.tag}": "${key}" failed ${here} times where it began and ${below} times from below`;
      if (failsHere) assert.equal(below, 0, `${where}, but its shape says every failure of it begins there (lines.failsHere)`);
      else assert.ok(below > 0 || here === 0, `${where}: its shape should say so (lines.failsHere true), or a lost failed span goes uncounted`);
    }
  }
}
