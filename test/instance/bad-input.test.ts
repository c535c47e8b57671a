import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runToExit } from '../support/instance-process';

function writeTemp(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'thespian-')), name);
  writeFileSync(path, text);
  return path;
}

function makeFifo(name: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'thespian-')), name);
  execFileSync('mkfifo', [path]);
  return path;
}

/** A regular file of `bytes` bytes that takes no disk (a hole). */
function sparseFile(name: string, bytes: number): string {
  const path = writeTemp(name, '');
  truncateSync(path, bytes);
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
  // Issue 11, item 1: a lone surrogate reached grpc-js's encodeURI when the step failed, and the instance died.
  {
    name: 'a lone surrogate in a failure_message',
    env: { CONFIG_JSON: sleepOp({ tracing_name: 's', duration_ms: 1, failure_chance: 1, failure_message: 'payment\uD800 failed' }) },
    expect: [/^CONFIG_JSON: grpc_method_a\.operations\[0\]\.Action\.Sleep\.failure_message: contains a lone UTF-16 surrogate at character 8 \(\\uD800\)/m],
  },
  {
    name: 'a lone surrogate in a tracing_name',
    env: { CONFIG_JSON: JSON.stringify({ grpc_method_a: { tracing_name: '\uDC00', operations: [] } }) },
    expect: [/^CONFIG_JSON: grpc_method_a\.tracing_name: contains a lone UTF-16 surrogate at character 1 \(\\uDC00\)/m],
  },
  // Item 4: a status message past the caller's header limit was never answered.
  {
    name: 'a 100 KB failure_message',
    env: { CONFIG_JSON: sleepOp({ tracing_name: 's', duration_ms: 1, failure_chance: 1, failure_message: 'x'.repeat(100_000) }) },
    expect: [/^CONFIG_JSON: grpc_method_a\.operations\[0\]\.Action\.Sleep\.failure_message: must be ≤ 1024 characters long/m],
  },
  {
    name: 'a 100 KB tracing_name in a file',
    env: { CONFIG_FILE: writeTemp('long.json', JSON.stringify({ grpc_method_a: { tracing_name: 'y'.repeat(100_000), operations: [] } })) },
    expect: [/grpc_method_a\.tracing_name: must be ≤ 256 characters long/],
  },
  // Item 3: files that never end or never open.
  { name: 'CONFIG_FILE=/dev/zero', env: { CONFIG_FILE: '/dev/zero' }, expect: [/^CONFIG_FILE \(\/dev\/zero\): cannot read \/dev\/zero: it is a character device .*; give the path of a regular file$/m] },
  { name: 'CONFIG_FILE a FIFO with no writer', env: { CONFIG_FILE: makeFifo('behaviour.json') }, expect: [/: cannot read .*behaviour\.json: it is a FIFO \(named pipe\)/] },
  { name: 'CONFIG_FILE a directory', env: { CONFIG_FILE: `${tmpdir()}/` }, expect: [/: cannot read .*: it is a directory/] },
  { name: 'CONFIG_FILE larger than 16 MiB', env: { CONFIG_FILE: sparseFile('huge.json', 17 * 1024 * 1024) }, expect: [/huge\.json: it is larger than 16 MiB, the limit for a config file/] },
  // Item 10: __proto__'s fields acted as the object's own (this one failed every call).
  {
    name: 'a __proto__ key in a Sleep',
    env: { CONFIG_JSON: '{"grpc_method_a":{"tracing_name":"a","operations":[{"Action":{"Sleep":{"tracing_name":"s","duration_ms":1,"__proto__":{"failure_chance":1}}}}]}}' },
    expect: [/^CONFIG_JSON: grpc_method_a\.operations\[0\]\.Action\.Sleep\.__proto__: unknown key/m],
  },
  // Item 11: the second grpc_method_a (null) silently won.
  {
    name: 'a key given twice',
    env: { CONFIG_JSON: '{"grpc_method_a": {"tracing_name": "a", "operations": []},\n "grpc_method_a": null}' },
    expect: [/^CONFIG_JSON: grpc_method_a: is given twice \(at line 1, column 2 and at line 2, column 2\); keep one$/m],
  },
  // Item 13.
  { name: 'a tracing_name of spaces', env: { CONFIG_JSON: JSON.stringify({ grpc_method_a: { tracing_name: '   ', operations: [] } }) }, expect: [/^CONFIG_JSON: grpc_method_a\.tracing_name: must not be empty or only spaces/m] },
  {
    name: 'a number too large for JSON (1e309)',
    env: { CONFIG_JSON: '{"grpc_method_a":{"tracing_name":"a","operations":[{"Action":{"Sleep":{"tracing_name":"s","duration_ms":1e309}}}]}}' },
    expect: [/Sleep\.duration_ms: is too large to be a number \(got number Infinity\); JSON numbers here must be finite/],
  },
  {
    name: 'timeout_ms 1e20: one limit, not two',
    env: { CONFIG_JSON: callOp({ service_address: 'http://x', service_port: 80, grpc_method: 'A', timeout_ms: 1e20 }) },
    expect: [/^CONFIG_JSON: grpc_method_a\.operations\[0\]\.Action\.CallService\.timeout_ms: must be ≤ 86400000 \(got number 100000000000000000000\)\n$/],
  },
  // Item 17: a topology given as CONFIG_FILE got a list of unknown keys.
  {
    name: 'a topology as CONFIG_FILE',
    env: { CONFIG_FILE: join(ROOT, 'example_configs', 'ecosystem.jsonc') },
    expect: [/^CONFIG_FILE \(.*ecosystem\.jsonc\): is a topology \(it has "services"\), not a behaviour; run it with `thespian up <file>`.*\n$/],
  },
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
