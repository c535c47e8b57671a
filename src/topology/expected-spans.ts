import type { GrpcMethod } from '../engine/model';
import { isPlainObject } from './service-references';
import type { Topology } from './topology-model';

/**
 * How many spans one request to `service`/`method` produces when every step succeeds:
 * the SERVER span of each instance reached, one span per step (Function, Sleep, Compute, CallService;
 * a Log is an event, not a span),
 * and the CLIENT span the gRPC instrumentation adds to each call. Undefined when it cannot be
 * known: a call to an address outside the topology, a call cycle, or an action kind this count
 * does not know. A failed request stops early, so it has fewer spans; `thespian up` compares
 * only successful traces against this number.
 */
export function expectedSpansOfSuccess(topology: Topology, service: string, method: GrpcMethod): number | undefined {
  return countEndpoint(topology, service, method, new Set());
}

function countEndpoint(topology: Topology, serviceName: string, method: GrpcMethod, active: Set<string>): number | undefined {
  const key = `${serviceName}/${method}`;
  if (active.has(key)) return undefined;
  const service = topology.services.find((candidate) => candidate.name === serviceName);
  if (!service || !isPlainObject(service.behaviour)) return undefined;
  const fn = service.behaviour[`grpc_method_${method.toLowerCase()}`];
  // A method with no behaviour answers at once: only the SERVER span.
  if (fn === null || fn === undefined) return 1;
  active.add(key);
  try {
    const inside = countFunction(topology, fn, active);
    return inside === undefined ? undefined : 1 + inside;
  } finally {
    active.delete(key);
  }
}

function countFunction(topology: Topology, fn: unknown, active: Set<string>): number | undefined {
  if (!isPlainObject(fn)) return undefined;
  const operations = fn.operations ?? fn.steps ?? [];
  if (!Array.isArray(operations)) return undefined;
  let total = 1;
  for (const operation of operations) {
    if (!isPlainObject(operation)) return undefined;
    const actions = 'Action' in operation ? [operation.Action] : Array.isArray(operation.ConcurrentActions) ? operation.ConcurrentActions : undefined;
    if (!actions) return undefined;
    for (const action of actions) {
      const count = countAction(topology, action, active);
      if (count === undefined) return undefined;
      total += count;
    }
  }
  return total;
}

function countAction(topology: Topology, action: unknown, active: Set<string>): number | undefined {
  if (!isPlainObject(action)) return undefined;
  if (isPlainObject(action.Sleep) || isPlainObject(action.Compute)) return 1;
  // A Log is an event on the enclosing span, not a span.
  if (isPlainObject(action.Log)) return 0;
  if (isPlainObject(action.Function)) return countFunction(topology, action.Function, active);
  if (isPlainObject(action.CallService)) {
    const call = action.CallService;
    if (typeof call.service !== 'string' || typeof call.grpc_method !== 'string') return undefined;
    const remote = countEndpoint(topology, call.service, call.grpc_method as GrpcMethod, active);
    // The step span and the instrumentation's CLIENT span, then whatever the callee does.
    return remote === undefined ? undefined : 2 + remote;
  }
  return undefined;
}
