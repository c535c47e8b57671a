import { callServiceAction, GRPC_METHODS, type GrpcMethod } from '../engine';

/**
 * A CallService inside a topology may name a service instead of an address:
 *   {"CallService": {"service": "payments", "grpc_method": "B"}}
 * This finds those references in a raw behaviour and rewrites them. It walks the JSON generically
 * (any object under a "CallService" key), so action kinds added later that nest other actions are
 * covered without a change here.
 */
export interface ServiceReference {
  /** JSON path from the behaviour's top to the CallService object (ends with "CallService"). */
  readonly path: readonly (string | number)[];
  /** The CallService object as written. */
  readonly spec: Readonly<Record<string, unknown>>;
  /** The named service (a string when well-formed; the schema check reports anything else). */
  readonly service: unknown;
  /** The method of the behaviour the reference sits in (grpc_method_a → A), if any. */
  readonly inMethod: GrpcMethod | undefined;
  /** The grpc_method it calls, when it is one of A, B, C. */
  readonly calls: GrpcMethod | undefined;
}

const CALL_SERVICE_TAG = callServiceAction.tag;
export const SERVICE_KEY = 'service';

/** Deeper than this is not a behaviour anyone wrote; the behaviour check reports the nesting. */
const MAX_WALK_DEPTH = 512;

export function findServiceReferences(behaviour: unknown): ServiceReference[] {
  const found: ServiceReference[] = [];
  walk(behaviour, [], 0, (spec, path) => {
    found.push({
      path,
      spec,
      service: spec[SERVICE_KEY],
      inMethod: methodOfPath(path),
      calls: asMethod(spec.grpc_method),
    });
    return spec;
  });
  return found;
}

/** A deep copy of `behaviour` with each CallService that has a `service` key replaced by `replace`'s result. */
export function replaceServiceReferences(
  behaviour: unknown,
  replace: (reference: ServiceReference) => Record<string, unknown>,
): unknown {
  return walk(behaviour, [], 0, (spec, path) =>
    replace({ path, spec, service: spec[SERVICE_KEY], inMethod: methodOfPath(path), calls: asMethod(spec.grpc_method) }),
  );
}

type Visit = (spec: Record<string, unknown>, path: (string | number)[]) => Record<string, unknown>;

function walk(value: unknown, path: (string | number)[], depth: number, visit: Visit): unknown {
  if (depth > MAX_WALK_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index], depth + 1, visit));
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const childPath = [...path, key];
    copy[key] =
      key === CALL_SERVICE_TAG && isPlainObject(child) && Object.hasOwn(child, SERVICE_KEY)
        ? visit(child, childPath)
        : walk(child, childPath, depth + 1, visit);
  }
  return copy;
}

function methodOfPath(path: readonly (string | number)[]): GrpcMethod | undefined {
  const match = typeof path[0] === 'string' ? /^grpc_method_([abc])$/.exec(path[0]) : null;
  return match ? (match[1].toUpperCase() as GrpcMethod) : undefined;
}

function asMethod(value: unknown): GrpcMethod | undefined {
  return (GRPC_METHODS as readonly unknown[]).includes(value) ? (value as GrpcMethod) : undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
