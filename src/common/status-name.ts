/**
 * gRPC status codes by name. The engine speaks names, not grpc-js's numbers, so it stays free
 * of gRPC libraries; server/ translates. The numbers are fixed by the gRPC spec.
 */
export const STATUS_CODES = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export type StatusName = keyof typeof STATUS_CODES;
export const STATUS_NAMES = Object.keys(STATUS_CODES) as StatusName[];

export function statusNameOf(code: number): StatusName {
  return STATUS_NAMES.find((name) => STATUS_CODES[name] === code) ?? 'UNKNOWN';
}
