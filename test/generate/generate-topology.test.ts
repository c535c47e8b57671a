import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { generateTopology, MAX_DEPTH, SHAPES, type GenerateOptions, type Shape } from '../../src/generate';
import { expectedSpansOfSuccess } from '../../src/predict';
import { parseTopology, type Topology } from '../../src/topology';

/** The generator in-process: determinism, and validity for every shape over many sizes and seeds. */

/** Which services each service calls, read from the behaviours' CallService references. */
function callsOf(topology: Topology): Map<string, string[]> {
  const calls = new Map<string, string[]>();
  const walk = (value: unknown, into: string[]): void => {
    if (Array.isArray(value)) value.forEach((item) => walk(item, into));
    else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        if (key === 'CallService') into.push((child as { service: string }).service);
        else walk(child, into);
      }
    }
  };
  for (const service of topology.services) {
    const callees: string[] = [];
    walk(service.behaviour, callees);
    calls.set(service.name, callees);
  }
  return calls;
}

/** The longest call path from `name` in services, or Infinity on a cycle. */
function longestPath(calls: Map<string, string[]>, name: string, visiting = new Set<string>()): number {
  if (visiting.has(name)) return Infinity;
  visiting.add(name);
  const below = Math.max(0, ...(calls.get(name) ?? []).map((callee) => longestPath(calls, callee, visiting)));
  visiting.delete(name);
  return 1 + below;
}

function reachable(calls: Map<string, string[]>, from: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const pending = [...from];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    pending.push(...(calls.get(next) ?? []));
  }
  return seen;
}

function checkGenerated(options: GenerateOptions): void {
  const { text, topology: given } = generateTopology(options);
  // Read again from the text, as `thespian up` reads the file.
  const topology = parseTopology(text, 'generated.jsonc', 'json');
  const label = JSON.stringify(options);
  assert.equal(topology.services.length, options.services, label);
  assert.deepEqual(topology.warnings, [], label);
  assert.deepEqual(topology.services.map((s) => s.name), given.services.map((s) => s.name));
  const calls = callsOf(topology);
  const entries = topology.entryPoints.map((entry) => entry.service);
  assert.ok(entries.length > 0, label);
  assert.equal(reachable(calls, entries).size, options.services, `${label}: every service is reachable from an entry point`);
  for (const service of topology.services) {
    const depth = longestPath(calls, service.name);
    assert.ok(depth <= MAX_DEPTH, `${label}: ${service.name}'s longest call path is ${depth} (a cycle is Infinity)`);
  }
  const rps = topology.entryPoints.reduce((sum, entry) => sum + entry.rps, 0);
  assert.ok(Math.abs(rps - options.entryRps) < 1e-3 * options.entryRps + 1e-9, `${label}: the entry points share ${rps} requests/s`);
  for (const entry of topology.entryPoints) {
    assert.notEqual(expectedSpansOfSuccess(topology, entry.service, entry.method), undefined, `${label}: ${entry.service} has a predictable span tree`);
  }
  assert.match(text, /^\/\/ Made by: thespian generate --services \d+ --shape /);
}

const optionsArbitrary: fc.Arbitrary<GenerateOptions> = fc
  .record({
    shape: fc.constantFrom<Shape>(...SHAPES),
    services: fc.integer({ min: 1, max: 90 }),
    seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    depth: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
    entryRps: fc.constantFrom(0.5, 5, 40),
  })
  .map((options) => (options.shape === 'chain' ? { ...options, services: Math.min(options.services, MAX_DEPTH), depth: undefined } : options));

test('every generated topology reads back without warnings, acyclic, every service reachable, its span tree predictable', () => {
  fc.assert(fc.property(optionsArbitrary, (options) => checkGenerated(options)), { numRuns: 80, seed: 14 });
});

test('the largest sizes are valid too, and a request reaches a bounded number of services', () => {
  for (const shape of ['tiered', 'scale-free'] as const) {
    const options = { services: 2000, shape, seed: 7, entryRps: 5 };
    checkGenerated(options);
    const { topology } = generateTopology(options);
    for (const entry of topology.entryPoints.slice(0, 20)) {
      // About 6 spans a service: 32 services reached, plus their calls' CLIENT spans.
      assert.ok(expectedSpansOfSuccess(topology, entry.service, entry.method)! <= 32 * 8, `${shape} ${entry.service}`);
    }
  }
  checkGenerated({ services: MAX_DEPTH, shape: 'chain', seed: 1, entryRps: 5 });
  // Two levels cannot hold 2000 within 100 calls at once: a third level is added.
  const fanOut = { services: 2000, shape: 'fan-out' as const, seed: 1, depth: 2, entryRps: 5 };
  checkGenerated(fanOut);
  const widest = Math.max(...generateTopology(fanOut).topology.services.map((s) => JSON.stringify(s.behaviour).split('"CallService"').length - 1));
  assert.ok(widest <= 100, `no service calls more than 100 at once (widest ${widest})`);
});

test('the same seed and options give the same bytes; another seed gives another system', () => {
  for (const shape of SHAPES) {
    const options = { services: 30, shape, seed: 42, entryRps: 5 };
    assert.equal(generateTopology(options).text, generateTopology({ ...options }).text, shape);
    if (shape === 'tiered' || shape === 'scale-free') {
      assert.notEqual(generateTopology(options).text, generateTopology({ ...options, seed: 43 }).text, shape);
    }
  }
});

test('each shape has its form: tiers, hubs, one entry fanning out at once, a chain', () => {
  const names = (shape: Shape, services: number, depth?: number) => generateTopology({ services, shape, seed: 3, depth, entryRps: 5 }).topology;
  const tiered = names('tiered', 40);
  const entries = tiered.entryPoints.map((e) => e.service);
  // The edges take the traffic; a service the tier above had no room for takes some too.
  assert.deepEqual(entries.filter((name) => name.startsWith('edge')), ['edge-1', 'edge-2']);
  assert.deepEqual(tiered.services.filter((s) => s.name.startsWith('edge')).map((s) => s.name), ['edge-1', 'edge-2'], 'edges come first');
  assert.ok(tiered.services.some((s) => /^api-\d+$/.test(s.name)) && tiered.services.some((s) => /-(db|cache|store)$/.test(s.name)));

  const scaleFree = callsOf(names('scale-free', 200));
  const callers = new Map<string, number>();
  for (const callees of scaleFree.values()) for (const callee of callees) callers.set(callee, (callers.get(callee) ?? 0) + 1);
  const counts = [...callers.values()].sort((a, b) => b - a);
  assert.ok(counts[0] >= 10 * counts[Math.floor(counts.length / 2)], `a hub is called far more than the median service: ${counts.slice(0, 5)} … ${counts[Math.floor(counts.length / 2)]}`);

  const fanOut = names('fan-out', 9);
  assert.deepEqual(fanOut.entryPoints.map((e) => e.service), ['edge']);
  const edge = fanOut.services[0].behaviour as any;
  const together = edge.grpc_method_a.operations.find((operation: any) => operation.ConcurrentActions).ConcurrentActions;
  assert.equal(together.length, 8, 'the entry calls its 8 leaves at once');

  const chain = callsOf(names('chain', 6));
  assert.deepEqual([...chain.values()].map((callees) => callees.length), [1, 1, 1, 1, 1, 0]);
});

test('behaviours mix distributions, concurrency, retries, and rare failures at the stores only', () => {
  const { topology } = generateTopology({ services: 60, shape: 'tiered', seed: 5, entryRps: 5 });
  const text = JSON.stringify(topology.services.map((service) => service.behaviour));
  for (const kind of ['LogNormal', 'Exponential', 'Uniform', 'ConcurrentActions', '"retries"', 'PROPAGATE']) assert.ok(text.includes(kind), kind);
  const calls = callsOf(topology);
  for (const service of topology.services) {
    const chances = [...JSON.stringify(service.behaviour).matchAll(/"failure_chance":([\d.]+)/g)].map((match) => Number(match[1]));
    if (calls.get(service.name)!.length > 0) assert.deepEqual(chances, [], `${service.name} calls others and fails only through them`);
    else for (const chance of chances) assert.ok(chance > 0 && chance <= 0.04, `${service.name}: ${chance}`);
  }
});
