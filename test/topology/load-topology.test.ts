import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, validateBehaviour } from '../../src/config';
import {
  BUNDLED_TOPOLOGY_PATH,
  loadTopology,
  localLocator,
  parseTopology,
  resolveBehaviour,
  type Topology,
} from '../../src/topology';
import { expectedSpansOfSuccess } from '../../src/predict';
import { runToExit } from '../support/instance-process';

const sleep = (name: string, extra: object = {}) => ({ Action: { Sleep: { tracing_name: name, duration_ms: 1, ...extra } } });
const call = (service: string, method: string, extra: object = {}) => ({ Action: { CallService: { service, grpc_method: method, ...extra } } });
const fn = (name: string, ...operations: object[]) => ({ tracing_name: name, operations });

/** The problem lines of the ConfigError that `act` throws. */
function problemsOf(act: () => unknown): string[] {
  try {
    act();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return [...error.problems];
  }
  assert.fail('expected a ConfigError, but the topology was accepted');
}

const parse = (data: unknown) => parseTopology(JSON.stringify(data), 'shop.json', 'json', tmpdir());

test('the bundled example loads: five services on base_port + index, entry points, no warnings', () => {
  const topology = loadTopology(BUNDLED_TOPOLOGY_PATH);
  assert.ok(topology.services.length >= 5);
  topology.services.forEach((service, index) => assert.equal(service.port, topology.basePort + index));
  assert.equal(topology.basePort, 7100);
  assert.ok(topology.entryPoints.length > 0);
  assert.deepEqual(topology.warnings, []);
  assert.ok(Object.isFrozen(topology) && Object.isFrozen(topology.services[0]));
});

test('every resolved behaviour is a plain CONFIG_JSON the instance accepts, with addresses from the locator', () => {
  for (const topology of [loadTopology(BUNDLED_TOPOLOGY_PATH)]) {
    for (const service of topology.services) {
      const local = resolveBehaviour(topology, service.name, localLocator);
      validateBehaviour(local, service.name);
      assert.equal(local.service_name, service.name);
      assert.ok(!JSON.stringify(local).includes('"service":'), 'no service reference is left');

      // Another target (compose, Kubernetes) locates services by name.
      const byName = resolveBehaviour(topology, service.name, (target) => ({ address: target.name, port: 6379 }));
      validateBehaviour(byName, service.name);
    }
  }
  const topology = parse({
    services: {
      gateway: { behaviour: { grpc_method_a: fn('handle', call('users', 'B'), call('users', 'A', { tracing_name: 'own name' })) } },
      users: { behaviour: { grpc_method_a: fn('a'), grpc_method_b: fn('b') } },
    },
  });
  const resolved = resolveBehaviour(topology, 'gateway', (target) => ({ address: `${target.name}.shop.svc`, port: 8080 })) as any;
  assert.deepEqual(resolved.grpc_method_a.operations[0].Action.CallService, {
    tracing_name: 'call users/B',
    grpc_method: 'B',
    service_address: 'users.shop.svc',
    service_port: 8080,
  });
  assert.equal(resolved.grpc_method_a.operations[1].Action.CallService.tracing_name, 'own name');
  // The topology itself is untouched: each target resolves its own copy.
  assert.equal((topology.services[0].behaviour as any).grpc_method_a.operations[0].Action.CallService.service, 'users');
});

test('YAML with a behaviour_file relative to the topology reads the same as JSONC', () => {
  const dir = mkdtempSync(join(tmpdir(), 'topology-test-'));
  try {
    writeFileSync(join(dir, 'users.jsonc'), '// users\n{ "grpc_method_a": { "tracing_name": "find user", "operations": [] } }');
    writeFileSync(
      join(dir, 'shop.yaml'),
      [
        '# a comment',
        'base_port: 9000',
        'services:',
        '  gateway:',
        '    behaviour:',
        '      grpc_method_a:',
        '        tracing_name: handle',
        '        operations:',
        '          - Action: { CallService: { service: users, grpc_method: A } }',
        '  users:',
        '    behaviour_file: users.jsonc',
        '    replicas: 3',
        'entry_points:',
        '  - { service: gateway, method: A, rps: 0.5 }',
      ].join('\n'),
    );
    const topology = loadTopology(join(dir, 'shop.yaml'));
    assert.equal(topology.name, 'shop');
    assert.deepEqual(
      topology.services.map((s) => [s.name, s.port, s.replicas]),
      [
        ['gateway', 9000, 1],
        ['users', 9001, 3],
      ],
    );
    assert.deepEqual(topology.entryPoints, [{ service: 'gateway', method: 'A', rps: 0.5 }]);
    assert.equal((topology.services[1].behaviour as any).grpc_method_a.tracing_name, 'find user');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unknown service is an error at its JSON path, with a suggestion', () => {
  const problems = problemsOf(() =>
    parse({
      services: {
        gateway: { behaviour: { grpc_method_a: fn('handle', call('paymnts', 'B')) } },
        payments: { behaviour: { grpc_method_b: fn('pay') } },
      },
      entry_points: [{ service: 'gatewy', method: 'A', rps: 1 }],
    }),
  );
  assert.deepEqual(problems, [
    'shop.json: services.gateway.behaviour.grpc_method_a.operations[0].Action.CallService.service: unknown service "paymnts" (did you mean "payments"?); services are: gateway, payments',
    'shop.json: entry_points[0].service: unknown service "gatewy" (did you mean "gateway"?); services are: gateway, payments',
  ]);
});

test('every problem is listed at once, behaviour errors under the service path as in CONFIG_JSON errors', () => {
  const problems = problemsOf(() =>
    parse({
      base_port: 7100,
      servces: {},
      services: {
        Payments_API: { behaviour: { grpc_method_a: null } },
        gateway: {
          behaviour: {
            grpc_method_a: fn('handle', sleep('wait', { duration_ms: -5 }), { Action: { Sleeep: {} } }, call('gateway', 'A', { service_port: 1 })),
          },
          replicas: 0,
        },
        both: { behaviour: { grpc_method_a: null }, behaviour_file: 'x.json' },
        neither: {},
        missing: { behaviour_file: 'no-such-file.jsonc', port: 7100 },
      },
      entry_points: [{ service: 'gateway', method: 'a', rps: 0 }],
    }),
  );
  const expected = [
    /^shop\.json: servces: unknown key \(did you mean "services"\?\)$/,
    /^shop\.json: services\.Payments_API: a service name must be a lowercase DNS label .*; try "payments-api"$/,
    /^shop\.json: services\.gateway\.replicas: must be ≥ 1 \(got number 0\)$/,
    /^shop\.json: services\.both: has both "behaviour" and "behaviour_file"; give exactly one of them$/,
    /^shop\.json: services\.neither\.behaviour: is required/,
    /^shop\.json: entry_points\[0\]\.method: must be one of "A", "B", "C" \(got string "a"\)$/,
    /^shop\.json: entry_points\[0\]\.rps: must be > 0/,
    /^shop\.json: services\.missing\.port: 7100 is already the port of "Payments_API"; every service needs its own port$/,
    /^shop\.json: services\.missing\.behaviour_file \(no-such-file\.jsonc\): cannot read .*: no such file$/,
    /^shop\.json: services\.gateway\.behaviour\.grpc_method_a\.operations\[2\]\.Action\.CallService: has "service" and "service_port"; name a service or give an address, not both$/,
    /^shop\.json: services\.gateway\.behaviour\.grpc_method_a\.operations\[0\]\.Action\.Sleep\.duration_ms: must be ≥ 0 \(got number -5\)$/,
    /^shop\.json: services\.gateway\.behaviour\.grpc_method_a\.operations\[1\]\.Action\.Sleeep: unknown action kind \(did you mean "Sleep"\?\)/,
  ];
  for (const pattern of expected) assert.ok(problems.some((line) => pattern.test(line)), `no problem matches ${pattern}; got:\n${problems.join('\n')}`);
  assert.equal(problems.length, expected.length, problems.join('\n'));
});

test('unreadable files say where: bad JSONC and bad YAML by line and column, a missing file by name', () => {
  assert.match(problemsOf(() => parseTopology('{ "services": { ', 'a.jsonc', 'json'))[0], /^a\.jsonc: not valid JSONC: .* at line 1, column \d+$/);
  assert.match(problemsOf(() => parseTopology('services:\n  a: [1\n', 'a.yaml', 'yaml'))[0], /^a\.yaml: not valid YAML: .*line \d+, column \d+/);
  assert.match(problemsOf(() => parseTopology('a: 1\na: 2\n', 'a.yaml', 'yaml'))[0], /^a\.yaml: not valid YAML: .*[Uu]nique/);
  assert.deepEqual(problemsOf(() => parseTopology('[]', 'a.json', 'json')), ['a.json: must be an object with "services" (and usually "entry_points"); see docs/up.md']);
  assert.deepEqual(problemsOf(() => loadTopology('/nonexistent/shop.jsonc')), ['/nonexistent/shop.jsonc: cannot read the topology: no such file']);
  assert.deepEqual(problemsOf(() => parse({ services: {} })), ['shop.json: services: is empty; a topology needs at least one service']);
  assert.match(problemsOf(() => parse({ base_port: 65535, services: { a: { behaviour: {} }, b: { behaviour: {} } } }))[0], /services\.b\.port: base_port 65535 \+ index 1 is 65536, beyond 65535/);
});

test('a possible call cycle is a warning naming the loop; an entry point on an empty method is a warning too', () => {
  const topology = parse({
    services: {
      a: { behaviour: { grpc_method_a: fn('a', call('b', 'B')) } },
      b: { behaviour: { grpc_method_b: fn('b', { ConcurrentActions: [{ CallService: { service: 'a', grpc_method: 'A' } }] }) } },
      c: { behaviour: { grpc_method_a: fn('c', call('c', 'A')) } },
    },
    entry_points: [{ service: 'a', method: 'C', rps: 1 }],
  });
  assert.equal(topology.warnings.length, 3, topology.warnings.join('\n'));
  assert.match(topology.warnings[0], /^possible call cycle: a\/A → b\/B → a\/A; .*THESPIAN_MAX_HOPS/);
  assert.match(topology.warnings[1], /^possible call cycle: c\/A → c\/A/);
  assert.match(topology.warnings[2], /^entry point a\/C: a has no grpc_method_c/);
});

test('the spans a fully successful request produces are known from the topology', () => {
  const topology: Topology = parse({
    services: {
      gateway: {
        behaviour: {
          // SERVER + Function + Sleep + (CallService + CLIENT + users/B) + Function(+ Sleep + Sleep)
          grpc_method_a: fn(
            'handle',
            sleep('parse'),
            { ConcurrentActions: [{ CallService: { service: 'users', grpc_method: 'B' } }, { Function: fn('inner', sleep('x'), sleep('y')) }] },
          ),
          grpc_method_b: fn('external', { Action: { CallService: { service_address: 'example.com', service_port: 1, grpc_method: 'A' } } }),
        },
      },
      // users/B: SERVER + Function + Sleep = 3
      users: { behaviour: { grpc_method_b: fn('find', sleep('query')) } },
    },
  });
  assert.equal(expectedSpansOfSuccess(topology, 'users', 'B'), 3);
  assert.equal(expectedSpansOfSuccess(topology, 'users', 'A'), 1, 'a method without behaviour: the SERVER span only');
  assert.equal(expectedSpansOfSuccess(topology, 'gateway', 'A'), 1 + 1 + 1 + (2 + 3) + 3);
  assert.equal(expectedSpansOfSuccess(topology, 'gateway', 'B'), undefined, 'a call outside the topology cannot be counted');
});

// Issue 11, item 3: these never ended (/dev/zero grew without bound) or never opened (a FIFO with no writer).
test('a topology path or a behaviour_file that is not a regular file is refused, and so is one past 16 MiB', () => {
  const dir = mkdtempSync(join(tmpdir(), 'thespian-topology-'));
  try {
    const fifo = join(dir, 'pipe.jsonc');
    execFileSync('mkfifo', [fifo]);
    const huge = join(dir, 'huge.jsonc');
    writeFileSync(huge, '');
    truncateSync(huge, 16 * 1024 * 1024 + 1);
    assert.deepEqual(problemsOf(() => loadTopology('/dev/zero')), [
      '/dev/zero: cannot read the topology: it is a character device (such as /dev/zero or a terminal), which may never end; give the path of a regular file',
    ]);
    assert.match(problemsOf(() => loadTopology(fifo))[0], /pipe\.jsonc: cannot read the topology: it is a FIFO \(named pipe\)/);
    assert.match(problemsOf(() => loadTopology(huge))[0], /huge\.jsonc: cannot read the topology: it is larger than 16 MiB, the limit for a config file$/);
    const problems = problemsOf(() =>
      parseTopology(JSON.stringify({ services: { a: { behaviour_file: '/dev/zero' }, b: { behaviour_file: 'pipe.jsonc' } } }), join(dir, 'shop.json'), 'json', dir),
    );
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0], /shop\.json: services\.a\.behaviour_file \(\/dev\/zero\): cannot read \/dev\/zero: it is a character device/);
    assert.match(problems[1], /shop\.json: services\.b\.behaviour_file \(pipe\.jsonc\): cannot read .*pipe\.jsonc: it is a FIFO/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('`thespian up /dev/zero` is refused with exit 2 at once', async () => {
  const run = await runToExit({}, ['up', '/dev/zero'], 30_000);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /^\/dev\/zero: cannot read the topology: it is a character device/);
  assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace');
});

// Items 10 and 11: __proto__ acted as the object's prototype; a repeated key silently kept the last value.
test('__proto__ is an unknown key wherever it is, in JSON and YAML; a key given twice is refused with both places', () => {
  const json = '{"services": {"a": {"behaviour": {"__proto__": {"grpc_method_a": null}, "grpc_method_b": {"tracing_name": "b", "operations": [], "attributes": {"__proto__": {"x": 1}}}}}}}';
  assert.deepEqual(problemsOf(() => parseTopology(json, 'shop.json', 'json')), [
    'shop.json: services.a.behaviour.__proto__: unknown key ("__proto__" is never a valid key)',
    'shop.json: services.a.behaviour.grpc_method_b.attributes.__proto__: unknown key ("__proto__" is never a valid key)',
  ]);
  const yaml = 'services:\n  a:\n    behaviour:\n      __proto__:\n        grpc_method_a: null\n';
  assert.deepEqual(problemsOf(() => parseTopology(yaml, 'shop.yaml', 'yaml')), ['shop.yaml: services.a.behaviour.__proto__: unknown key ("__proto__" is never a valid key)']);
  const twice = '{\n  "services": {\n    "a": {"behaviour": {"grpc_method_a": null}},\n    "a": {"behaviour": {"grpc_method_b": null}}\n  }\n}';
  assert.deepEqual(problemsOf(() => parseTopology(twice, 'shop.json', 'json')), [
    'shop.json: services.a: is given twice (at line 3, column 5 and at line 4, column 5); keep one',
  ]);
});

// Item 17: a behaviour given to a topology command got a list of unknown keys.
test('`thespian up` given a behaviour says so in one line, exit 2', async () => {
  const run = await runToExit({}, ['up', join(__dirname, '..', '..', 'example_configs', 'standalone.json')], 30_000);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /^\S*standalone\.json: is a behaviour \(it has grpc_method_a\/b\/c\), not a topology; .*\n$/);
});

test('a behaviour given where a topology belongs is named as such, in one line', () => {
  const problems = problemsOf(() => parseTopology(JSON.stringify({ service_name: 'x', grpc_method_a: fn('a') }), 'standalone.json', 'json'));
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(problems[0], /^standalone\.json: is a behaviour \(it has grpc_method_a\/b\/c\), not a topology; run one instance of it with `thespian serve <file>`/);
});

// Item 13: an editor's byte order mark made the file "not valid JSON".
test('a topology file that starts with a UTF-8 byte order mark loads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'thespian-topology-'));
  try {
    const path = join(dir, 'bom.jsonc');
    writeFileSync(path, `\uFEFF${JSON.stringify({ services: { a: { behaviour: { grpc_method_a: fn('a') } } } })}`);
    assert.equal(loadTopology(path).services[0].name, 'a');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Item 1: the path is printed in error lines, so it is checked like every other string.
test('a behaviour_file that is not text, or past 4096 characters, is refused by its path and not read', () => {
  const problems = problemsOf(() =>
    parse({ services: { a: { behaviour_file: 'x\uD800.json' }, b: { behaviour_file: `${'d/'.repeat(3000)}b.json`, replicas: 0 } } }),
  );
  assert.deepEqual(problems, [
    'shop.json: services.a.behaviour_file: contains a lone UTF-16 surrogate at character 2 (\\uD800); it is not text, so it could not be sent in a gRPC status, header, span or log line. Remove it or write the whole character it is half of',
    'shop.json: services.b.behaviour_file: must be ≤ 4096 characters long (got string "d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/...)',
    'shop.json: services.b.replicas: must be ≥ 1 (got number 0)',
  ]);
});

test('entry points take stages instead of rps: durations read as the CLI reads them, rps their mean', () => {
  const topology = parse({
    services: { front: { behaviour: { grpc_method_a: fn('handle') } } },
    entry_points: [
      { service: 'front', method: 'A', stages: [{ for: '10s', rps: 100 }, { for: '1m', rps: 100 }, { for: '10s', rps: 0 }] },
      { service: 'front', method: 'A', stages: [{ for: '500ms', rps: 4 }], repeat: true },
      { service: 'front', method: 'A', rps: 2 },
    ],
  });
  assert.deepEqual(topology.entryPoints, [
    { service: 'front', method: 'A', rps: 87.5, repeat: false, stages: [{ durationS: 10, rps: 100 }, { durationS: 60, rps: 100 }, { durationS: 10, rps: 0 }] },
    { service: 'front', method: 'A', rps: 2, repeat: true, stages: [{ durationS: 0.5, rps: 4 }] },
    { service: 'front', method: 'A', rps: 2 },
  ]);
});

test('staged entry points are checked field by field, each problem at its path', () => {
  const problems = problemsOf(() =>
    parse({
      services: { front: { behaviour: { grpc_method_a: fn('handle') } } },
      entry_points: [
        { service: 'front', method: 'A', stages: [{ for: '10s', rps: 5 }, { for: 'soon', rps: 5 }, { for: '0s', rps: 1 }, { for: '1s', rps: -1 }, { for: '1s', rpss: 3 }] },
        { service: 'front', method: 'A', rps: 5, stages: [{ for: '1s', rps: 5 }] },
        { service: 'front', method: 'A' },
        { service: 'front', method: 'A', rps: 5, repeat: true },
        { service: 'front', method: 'A', stages: [{ for: '1s', rps: 0 }, { for: '2s', rps: 0 }] },
        { service: 'front', method: 'A', stages: [] },
      ],
    }),
  );
  const expected = [
    /^shop\.json: entry_points\[0\]\.stages\[1\]\.for: must be a time of at least 1 ms such as "30s", "2m" or "500ms"/,
    /^shop\.json: entry_points\[0\]\.stages\[2\]\.for: must be a time of at least 1 ms/,
    /^shop\.json: entry_points\[0\]\.stages\[3\]\.rps: /,
    /^shop\.json: entry_points\[0\]\.stages\[4\]\.rpss: unknown key.*"rps"/,
    /^shop\.json: entry_points\[0\]\.stages\[4\]\.rps: /,
    /^shop\.json: entry_points\[1\]: has both "rps" and "stages"; give exactly one of them$/,
    /^shop\.json: entry_points\[2\]\.rps: is required \(requests per second\), or give "stages"/,
    /^shop\.json: entry_points\[3\]\.repeat: cycles "stages"; without stages it means nothing$/,
    /^shop\.json: entry_points\[4\]\.stages: every stage has rps 0, so nothing would be sent$/,
    /^shop\.json: entry_points\[5\]\.stages: /,
  ];
  for (const pattern of expected) assert.ok(problems.some((line) => pattern.test(line)), `no problem matches ${pattern}; got:\n${problems.join('\n')}`);
  assert.equal(problems.length, expected.length, problems.join('\n'));
});
