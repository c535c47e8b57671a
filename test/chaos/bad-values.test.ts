import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runToExit, startInstance } from '../support/instance-process';

/**
 * Every new field with a bad value, all in one config: Thespian reports every problem at once,
 * one line each, named by its JSON path, and exits 2 without a stack trace.
 */
const sleep = (extra: object) => ({ Sleep: { tracing_name: 's', duration_ms: 1, ...extra } });
const sleepWithout = (extra: object) => ({ Sleep: { tracing_name: 's', ...extra } });
const call = (extra: object) => ({ CallService: { service_address: 'http://127.0.0.1', service_port: '7000', grpc_method: 'A', ...extra } });
const retries = (extra: object) => call({ retries: { max_attempts: 3, ...extra } });

const CASES: { name: string; action: object; expect: RegExp; problems?: number }[] = [
  { name: 'both duration_ms and duration', action: sleep({ duration: { Exponential: { mean_ms: 5 } } }), expect: /Sleep: has both "duration_ms" and "duration"; give exactly one/ },
  { name: 'neither duration_ms nor duration', action: sleepWithout({}), expect: /Sleep\.duration_ms: is required \(a whole number of milliseconds\), or give "duration" instead/ },
  { name: 'Uniform min above max', action: sleepWithout({ duration: { Uniform: { min_ms: 30, max_ms: 10 } } }), expect: /duration\.Uniform\.max_ms: must be ≥ min_ms \(got min_ms 30 > max_ms 10\)/ },
  { name: 'LogNormal p99 below median', action: sleepWithout({ duration: { LogNormal: { median_ms: 20, p99_ms: 10 } } }), expect: /duration\.LogNormal\.p99_ms: must be ≥ median_ms \(got p99_ms 10 < median_ms 20\)/ },
  { name: 'LogNormal median 0', action: sleepWithout({ duration: { LogNormal: { median_ms: 0, p99_ms: 10 } } }), expect: /duration\.LogNormal\.median_ms: must be > 0/ },
  { name: 'Normal negative stddev', action: sleepWithout({ duration: { Normal: { mean_ms: 20, stddev_ms: -1 } } }), expect: /duration\.Normal\.stddev_ms: must be ≥ 0 \(got number -1\)/ },
  { name: 'Exponential mean as text', action: sleepWithout({ duration: { Exponential: { mean_ms: '5' } } }), expect: /duration\.Exponential\.mean_ms: must be a number \(got string "5"\)/ },
  { name: 'misspelt distribution', action: sleepWithout({ duration: { Unifrom: { min_ms: 1, max_ms: 2 } } }), expect: /duration\.Unifrom: unknown distribution kind \(did you mean "Uniform"\?\)/ },
  { name: 'distribution missing a parameter', action: sleepWithout({ duration: { Uniform: { min_ms: 1 } } }), expect: /duration\.Uniform\.max_ms: is required/ },
  { name: 'misspelt failure_code', action: sleep({ failure_code: 'INTERNL' }), expect: /Sleep\.failure_code: unknown gRPC status "INTERNL" \(did you mean "INTERNAL"\?\)/ },
  { name: 'lower-case failure_code', action: sleep({ failure_code: 'unavailable' }), expect: /Sleep\.failure_code: unknown gRPC status "unavailable" \(did you mean "UNAVAILABLE"\? status names are upper case\)/ },
  { name: 'OK as failure_code', action: sleep({ failure_code: 'OK' }), expect: /Sleep\.failure_code: OK is not a failure/ },
  { name: 'PROPAGATE on a Sleep', action: sleep({ failure_code: 'PROPAGATE' }), expect: /Sleep\.failure_code: PROPAGATE is only for a CallService/ },
  { name: 'empty failure_message', action: sleep({ failure_message: '' }), expect: /Sleep\.failure_message: must not be empty or only spaces/ },
  { name: 'timeout_ms of 0', action: call({ timeout_ms: 0 }), expect: /CallService\.timeout_ms: must be ≥ 1/ },
  { name: 'fractional timeout_ms', action: call({ timeout_ms: 1.5 }), expect: /CallService\.timeout_ms: must be a whole number/ },
  { name: 'max_attempts of 0', action: call({ retries: { max_attempts: 0 } }), expect: /CallService\.retries\.max_attempts: must be ≥ 1/ },
  { name: 'retries without max_attempts', action: call({ retries: { backoff_ms: 5 } }), expect: /CallService\.retries\.max_attempts: is required/ },
  { name: 'negative backoff', action: retries({ backoff_ms: -1 }), expect: /CallService\.retries\.backoff_ms: must be ≥ 0/ },
  { name: 'shrinking multiplier', action: retries({ multiplier: 0.5 }), expect: /CallService\.retries\.multiplier: must be ≥ 1/ },
  { name: 'empty retry_on', action: retries({ retry_on: [] }), expect: /CallService\.retries\.retry_on: must have ≥ 1 items/ },
  { name: 'misspelt retry_on code', action: retries({ retry_on: ['UNAVAILBLE'] }), expect: /CallService\.retries\.retry_on\[0\]: unknown gRPC status "UNAVAILBLE" \(did you mean "UNAVAILABLE"\?\)/ },
  { name: 'unknown retries key', action: retries({ jitter: true }), expect: /CallService\.retries\.jitter: unknown key; expected max_attempts, backoff_ms, multiplier, retry_on/ },
  { name: 'misspelt retries key', action: retries({ backof_ms: 5 }), expect: /CallService\.retries\.backof_ms: unknown key \(did you mean "backoff_ms"\?\)/ },
  {
    name: 'distribution parameter without its unit',
    action: sleepWithout({ duration: { Normal: { mean: 20, stddev_ms: 5 } } }),
    expect: /duration\.Normal\.mean: unknown key \(did you mean "mean_ms"\?\)/,
    problems: 2, // and mean_ms is missing
  },
  { name: 'misspelt PROPAGATE', action: call({ failure_code: 'PROPAGTE' }), expect: /CallService\.failure_code: unknown gRPC status "PROPAGTE" \(did you mean "PROPAGATE"\?\)/ },
  { name: 'CallService failure_chance above 1', action: call({ failure_chance: 1.5 }), expect: /CallService\.failure_chance: must be ≤ 1/ },
  { name: 'unknown Log level', action: { Log: { level: 'debug', message: 'm' } }, expect: /Log\.level: must be one of "info", "warn", "error" \(got string "debug"\)/ },
  { name: 'Log without message', action: { Log: { level: 'info' } }, expect: /Log\.message: is required/ },
  { name: 'Log attribute that overwrites a log field', action: { Log: { message: 'm', attributes: { level: 'x' } } }, expect: /Log\.attributes\.level: is reserved/ },
  { name: 'Compute too long', action: { Compute: { tracing_name: 'c', duration_ms: 120000 } }, expect: /Compute\.duration_ms: must be ≤ 60000/ },
  { name: 'Compute without duration', action: { Compute: { tracing_name: 'c' } }, expect: /Compute\.duration_ms: is required/ },
  { name: 'attribute value that is an object', action: sleep({ attributes: { 'db.system': { name: 'pg' } } }), expect: /Sleep\.attributes\["db\.system"\]: must be a string, a number or true\/false \(got an object\)/ },
  { name: 'reserved attribute name', action: call({ attributes: { 'thespian.injected': true } }), expect: /CallService\.attributes\["thespian\.injected"\]: is reserved for Thespian's own use/ },
  { name: 'Function attribute that is a list', action: { Function: { tracing_name: 'f', operations: [], attributes: { tags: ['a'] } } }, expect: /Function\.attributes\.tags: must be a string, a number or true\/false \(got an array\)/ },
];

test('each bad value of a new field gets its own clear line, by JSON path, and exit code 2', async () => {
  const config = { grpc_method_a: { tracing_name: 'a', operations: CASES.map((c) => ({ Action: c.action })) }, grpc_method_b: null, grpc_method_c: null };
  const { code, stderr } = await runToExit({ CONFIG_JSON: JSON.stringify(config), PORT: '0' });
  assert.equal(code, 2, stderr);
  assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
  const lines = stderr.trim().split('\n').filter((line) => line.startsWith('CONFIG_JSON: '));
  CASES.forEach((c, index) => {
    const prefix = `CONFIG_JSON: grpc_method_a.operations[${index}].Action.`;
    const own = lines.filter((line) => line.startsWith(prefix));
    assert.ok(own.some((line) => c.expect.test(line)), `${c.name}: expected ${c.expect} among\n${own.join('\n') || '(no line for this operation)'}`);
    assert.equal(own.length, c.problems ?? 1, `${c.name}: only its own problems reported:\n${own.join('\n')}`);
  });
});

test('the original example configs still start unchanged, and the bundled chaos examples start by bare name', async () => {
  const instances = await Promise.all(['standalone', 'call_service', 'chaos_checkout', 'chaos_latency'].map((name) => startInstance({ env: { CONFIG_FILE: name } })));
  for (const instance of instances) assert.ok(instance.port > 0);
  await Promise.all(instances.map((instance) => instance.stop()));
});
