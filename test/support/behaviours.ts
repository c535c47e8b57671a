/** Small behaviour builders, so tests read like the configs users write. */

export function sleep(name: string, durationMs: number, failureChance?: number): object {
  return { Sleep: { tracing_name: name, duration_ms: durationMs, ...(failureChance === undefined ? {} : { failure_chance: failureChance }) } };
}

export function callService(name: string, port: number, method: 'A' | 'B' | 'C' = 'A'): object {
  return { CallService: { tracing_name: name, service_address: 'http://127.0.0.1', service_port: String(port), grpc_method: method } };
}

export function fn(name: string, ...operations: object[]): object {
  return { Function: { tracing_name: name, operations } };
}

/** An operation running one action. */
export function step(action: object): object {
  return { Action: action };
}

/** An operation running actions concurrently. */
export function together(...actions: object[]): object {
  return { ConcurrentActions: actions };
}

/** A behaviour where method A is a Function of the given operations. */
export function methodA(name: string, ...operations: object[]): object {
  return { grpc_method_a: { tracing_name: name, operations }, grpc_method_b: null, grpc_method_c: null };
}
