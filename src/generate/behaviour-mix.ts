import type { PlannedService } from './call-plan';
import type { Dice } from './dice';

type Json = Record<string, unknown>;

const PREPARE_STEPS = ['check session', 'parse request', 'validate input', 'load settings', 'check permissions', 'read feature flags'];
const FINISH_STEPS = ['build response', 'merge results', 'write audit entry', 'serialise response'];
const DATABASES = [
  { system: 'postgresql', operation: 'SELECT' },
  { system: 'redis', operation: 'GET' },
  { system: 'mongodb', operation: 'find' },
  { system: 'mysql', operation: 'SELECT' },
] as const;

/** What one request may fail by, end to end, drawn for each leaf: 1–4%. */
const FAILURE_BUDGET = { low: 0.01, high: 0.04 };

/**
 * A service's behaviour: method A only. Services that call others prepare (a LogNormal wait),
 * make their calls, some at once, some with retries, and finish (an Exponential or Uniform
 * wait); stores answer after a long-tailed query and fail now and then, which is where a
 * generated system's failures come from: a 1–4% budget shared by the `leafCalls` leaf calls of
 * the requests that reach the store (see failure-budget.ts).
 */
export function behaviourOf(service: PlannedService, names: readonly string[], leafCalls: number, dice: Dice): Json {
  const name = names[service.index];
  const method =
    service.callees.length === 0
      ? { tracing_name: service.role === 'store' ? `query ${name}` : `handle ${name}`, operations: [storeQuery(dice, service.role === 'store', leafCalls)] }
      : { tracing_name: entryName(service, name), operations: callerOperations(service, names, dice) };
  const attributes = service.role === 'edge' ? { attributes: { 'http.route': `/${name}`, 'http.request.method': 'GET' } } : {};
  return { grpc_method_a: { tracing_name: method.tracing_name, ...attributes, operations: method.operations } };
}

function entryName(service: PlannedService, name: string): string {
  if (service.role === 'edge') return `GET /${name}`;
  return service.role === 'api' ? `${name}: handle request` : `${name}: ${service.allAtOnce ? 'gather' : 'process'}`;
}

function callerOperations(service: PlannedService, names: readonly string[], dice: Dice): Json[] {
  const calls = service.callees.map((callee) => callOf(names[callee], dice));
  const prepare = { Action: { Sleep: { tracing_name: dice.pick(PREPARE_STEPS), duration: logNormal(dice, 0.5, 4) } } };
  const finish = { Action: { Sleep: { tracing_name: dice.pick(FINISH_STEPS), duration: dice.chance(0.5) ? { Exponential: { mean_ms: dice.between(0.5, 3, 1) } } : { Uniform: { min_ms: 0, max_ms: dice.between(1, 4, 1) } } } } };
  return [prepare, ...groupCalls(calls, service.allAtOnce, dice), finish];
}

/** All at once (fan-out), or, where there are two or more, half the time the first few at once and the rest in turn. */
function groupCalls(calls: Json[], allAtOnce: boolean, dice: Dice): Json[] {
  if (calls.length > 1 && (allAtOnce || dice.chance(0.5))) {
    const together = allAtOnce ? calls.length : Math.min(calls.length, dice.int(2, 3));
    return [{ ConcurrentActions: calls.slice(0, together) }, ...calls.slice(together).map((call) => ({ Action: call }))];
  }
  return calls.map((call) => ({ Action: call }));
}

function callOf(callee: string, dice: Dice): Json {
  // No tracing_name: the topology's own, "call orders/A", reads the same on every target.
  const spec: Json = { service: callee, grpc_method: 'A' };
  if (dice.chance(0.25)) spec.retries = { max_attempts: dice.int(2, 3), backoff_ms: dice.pick([10, 20, 25]), retry_on: ['UNAVAILABLE'] };
  if (dice.chance(0.5)) spec.failure_code = 'PROPAGATE';
  return { CallService: spec };
}

function storeQuery(dice: Dice, isStore: boolean, leafCalls: number): Json {
  const database = dice.pick(DATABASES);
  const budget = dice.between(FAILURE_BUDGET.low, FAILURE_BUDGET.high, 4);
  const sleep: Json = {
    tracing_name: isStore ? `${database.operation} rows` : 'do the work',
    duration: logNormal(dice, 1, 12),
    // Two significant digits: a budget shared by 200 calls is a few in 100,000.
    failure_chance: Number((budget / leafCalls).toPrecision(2)),
  };
  if (dice.chance(0.5)) sleep.failure_code = 'UNAVAILABLE';
  if (isStore) sleep.attributes = { 'db.system': database.system, 'db.operation.name': database.operation };
  return { Action: { Sleep: sleep } };
}

/** A median between the bounds and a tail 4 to 12 times longer: the usual shape of service latency. */
function logNormal(dice: Dice, lowMedian: number, highMedian: number): Json {
  const median = dice.between(lowMedian, highMedian, 1);
  return { LogNormal: { median_ms: median, p99_ms: Number((median * dice.between(4, 12, 1)).toFixed(1)) } };
}
