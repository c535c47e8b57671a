import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToExit } from '../support/instance-process';

function writeTemp(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'thespian-')), name);
  writeFileSync(path, text);
  return path;
}

const sleepOp = (sleep: object) => JSON.stringify({ grpc_method_a: { tracing_name: 'a', operations: [{ Action: { Sleep: sleep } }] } });
const callOp = (call: object) => JSON.stringify({ grpc_method_a: { tracing_name: 'a', operations: [{ Action: { CallService: call } }] } });
const deeplyNested = (levels: number) =>
  '{"grpc_method_a":' + '{"tracing_name":"x","operations":[{"Action":{"Function":'.repeat(levels) + '{"tracing_name":"y","operations":[]}' + '}}]}'.repeat(levels) + '}';

/** Each case: the environment, and text every error output must contain. */
const cases: { name: string; env: Record<string, string>; expect: RegExp[] }[] = [
  { name: 'not JSON at all', env: { CONFIG_JSON: 'hello world' }, expect: [/CONFIG_JSON: not valid JSON: .* at line 1, column 1/] },
  { name: 'a JSON array', env: { CONFIG_JSON: '[1, 2]' }, expect: [/CONFIG_JSON: must be a JSON object .*\(got an array\)/] },
  {
    name: 'a string for duration_ms',
    env: { CONFIG_JSON: sleepOp({ tracing_name: 's', duration_ms: '10' }) },
    expect: [/grpc_method_a\.operations\[0\]\.Action\.Sleep\.duration_ms: must be a number \(got string "10"\)/],
  },
  {
    name: 'a negative duration',
    env: { CONFIG_JSON: sleepOp({ tracing_name: 's', duration_ms: -5 }) },
    expect: [/grpc_method_a\.operations\[0\]\.Action\.Sleep\.duration_ms: must be ≥ 0/],
  },
  {
    name: 'failure_chance above 1',
    env: { CONFIG_JSON: sleepOp({ tracing_name: 's', duration_ms: 1, failure_chance: 1.5 }) },
    expect: [/Sleep\.failure_chance: must be ≤ 1/],
  },
  {
    name: 'failure_chance below 0',
    env: { CONFIG_JSON: sleepOp({ tracing_name: 's', duration_ms: 1, failure_chance: -0.1 }) },
    expect: [/Sleep\.failure_chance: must be ≥ 0/],
  },
  {
    name: 'grpc_method D',
    env: { CONFIG_JSON: callOp({ service_address: 'http://x', service_port: '80', grpc_method: 'D' }) },
    expect: [/CallService\.grpc_method: must be one of "A", "B", "C" \(got string "D"\)/],
  },
  {
    name: 'a service_port that is not a number',
    env: { CONFIG_JSON: callOp({ service_address: 'http://x', service_port: 'eighty', grpc_method: 'A' }) },
    expect: [/CallService\.service_port: must be a port number from 1 to 65535 \(got "eighty"\)/],
  },
  {
    name: 'an unknown action kind',
    env: { CONFIG_JSON: JSON.stringify({ grpc_method_a: { tracing_name: 'a', operations: [{ Action: { Sleeep: {} } }] } }) },
    expect: [/operations\[0\]\.Action\.Sleeep: unknown action kind \(did you mean "Sleep"\?\)/],
  },
  {
    name: 'two kinds in one action',
    env: {
      CONFIG_JSON: JSON.stringify({
        grpc_method_a: { tracing_name: 'a', operations: [{ Action: { Sleep: { tracing_name: 's', duration_ms: 1 }, Function: { tracing_name: 'f', operations: [] } } }] },
      }),
    },
    expect: [/operations\[0\]\.Action: has "Sleep" and "Function"; each action is exactly one kind/],
  },
  {
    name: 'unknown top-level keys',
    env: { CONFIG_JSON: JSON.stringify({ grpc_method_d: null, servce_name: 'x' }) },
    expect: [/grpc_method_d: unknown key/, /servce_name: unknown key \(did you mean "service_name"\?\)/],
  },
  // An environment string is capped at 128 KiB by Linux, so 2,000 levels is about as deep as CONFIG_JSON gets.
  { name: 'thousands of levels of nesting', env: { CONFIG_JSON: deeplyNested(2000) }, expect: [/nesting is deeper than 256 levels/] },
  { name: 'ten thousand levels in a file', env: { CONFIG_FILE: writeTemp('deep.json', deeplyNested(10_000)) }, expect: [/nesting is deeper than 256 levels/] },
  { name: 'Functions nested past the limit', env: { CONFIG_JSON: deeplyNested(40) }, expect: [/Functions are nested 41 deep; the limit is 32/] },
  { name: 'PORT not a number', env: { CONFIG_FILE: 'standalone', PORT: 'http' }, expect: [/PORT: must be a whole number from 0 to 65535 \(got "http"\)/] },
  { name: 'PORT out of range', env: { CONFIG_FILE: 'standalone', PORT: '70000' }, expect: [/PORT: must be from 0 to 65535 \(got 70000\)/] },
  {
    name: 'THESPIAN_TIMER_PRIORITY not one of its values',
    env: { CONFIG_FILE: 'standalone', THESPIAN_TIMER_PRIORITY: 'high' },
    expect: [/THESPIAN_TIMER_PRIORITY: must be one of auto, realtime, normal \(got "high"\)/],
  },
  { name: 'neither CONFIG_JSON nor CONFIG_FILE', env: {}, expect: [/neither is set/] },
  { name: 'both CONFIG_JSON and CONFIG_FILE', env: { CONFIG_JSON: '{}', CONFIG_FILE: 'standalone' }, expect: [/both are set/] },
  { name: 'a CONFIG_FILE that does not exist', env: { CONFIG_FILE: './nope.json' }, expect: [/CONFIG_FILE \(\.\/nope\.json\): cannot read .*no such file/] },
  { name: 'an unknown bundled example', env: { CONFIG_FILE: 'standalon' }, expect: [/is neither a path nor a bundled example; bundled examples are: .*standalone/] },
  {
    name: 'several problems at once',
    env: { CONFIG_JSON: sleepOp({ tracing_name: 's', duration_ms: -1, failure_chance: 2 }), PORT: 'x' },
    expect: [/PORT: must be a whole number/, /duration_ms: must be ≥ 0/, /failure_chance: must be ≤ 1/],
  },
];

for (const { name, env, expect } of cases) {
  test(`bad input: ${name} → exit 2 with a clear message`, async () => {
    const { code, stderr, stdout } = await runToExit(env);
    assert.equal(code, 2, `exit code; stderr:\n${stderr}`);
    for (const pattern of expect) assert.match(stderr, pattern);
    assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
    assert.equal(stdout, '', 'nothing on stdout: the instance never started');
    assert.ok(stderr.trim().split('\n').length <= 6, `one line per problem:\n${stderr}`);
  });
}

test('the CLI serve subcommand reports config errors the same way', async () => {
  const { code, stderr } = await runToExit({ CONFIG_JSON: '[]' }, ['serve']);
  assert.equal(code, 2);
  assert.match(stderr, /CONFIG_JSON: must be a JSON object/);
});
