/**
 * The pieces every OTLP signal shares (attributes, resources, ids, times), decoded from the
 * shapes @grpc/proto-loader produces for proto/otlp with the options in otlp-service.ts:
 * camelCase names, int64/fixed64 as decimal strings, enums as names, bytes as Buffer, absent
 * fields undefined. Only what decoding reads is declared.
 */

/**
 * An attribute value. OTLP int64 values become JS numbers: Thespian's own attributes (counts,
 * durations in ms, status codes) are far below 2^53, and plain numbers compare and print
 * naturally in tests; a value beyond 2^53 would lose precision, which we accept.
 * OTLP's "empty" AnyValue (what the SDK sends for null) has no member here and becomes ''.
 */
export type AttrValue = string | number | boolean | Buffer | AttrValue[] | { [key: string]: AttrValue };

export interface ProtoAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values?: ProtoAnyValue[] };
  kvlistValue?: { values?: ProtoKeyValue[] };
  bytesValue?: Buffer;
  /** Set by the `oneofs` option: which member of the oneof is present. */
  value?: string;
}

export interface ProtoKeyValue {
  key?: string;
  value?: ProtoAnyValue;
}

/** The resource part of a ResourceSpans, ResourceMetrics or ResourceLogs. */
export interface ProtoResource {
  attributes?: ProtoKeyValue[];
}

const NS_PER_MS = 1_000_000n;

/** A resource's attributes and its service.name ('' if absent). */
export function decodeResource(resource: ProtoResource | undefined): { resource: Record<string, AttrValue>; service: string } {
  const attributes = toAttributes(resource?.attributes);
  const serviceName = attributes['service.name'];
  return { resource: attributes, service: typeof serviceName === 'string' ? serviceName : '' };
}

export function toAttributes(keyValues: ProtoKeyValue[] | undefined): Record<string, AttrValue> {
  const attributes: Record<string, AttrValue> = {};
  for (const { key, value } of keyValues ?? []) attributes[key ?? ''] = toAttrValue(value);
  return attributes;
}

export function toAttrValue(value: ProtoAnyValue | undefined): AttrValue {
  switch (value?.value) {
    case 'stringValue':
      return value.stringValue ?? '';
    case 'boolValue':
      return value.boolValue ?? false;
    case 'intValue':
      return Number(value.intValue ?? 0);
    case 'doubleValue':
      return value.doubleValue ?? 0;
    case 'bytesValue':
      return value.bytesValue ?? Buffer.alloc(0);
    case 'arrayValue':
      return (value.arrayValue?.values ?? []).map(toAttrValue);
    case 'kvlistValue':
      return toAttributes(value.kvlistValue?.values);
    default:
      return '';
  }
}

export function toHex(id: Buffer | undefined): string {
  return id ? Buffer.from(id).toString('hex') : '';
}

export function toBigInt(decimal: string | undefined): bigint {
  return decimal ? BigInt(decimal) : 0n;
}

// Split before converting so that epoch nanoseconds (about 2^60) keep their sub-millisecond part.
export function nanosToMs(nanos: bigint): number {
  return Number(nanos / NS_PER_MS) + Number(nanos % NS_PER_MS) / 1e6;
}

// An enum number this proto does not know arrives as a number, not a name: use the fallback.
export function stripPrefix(name: unknown, prefix: string, fallback: string): string {
  return typeof name === 'string' && name.startsWith(prefix) ? name.slice(prefix.length) : fallback;
}

/** Attributes as plain JSON values: bytes become hex strings. */
export function plainAttributes(attributes: Record<string, AttrValue>): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(attributes)) plain[key] = plainValue(value);
  return plain;
}

export function plainValue(value: AttrValue): unknown {
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (Array.isArray(value)) return value.map(plainValue);
  if (typeof value === 'object' && value !== null) return plainAttributes(value as Record<string, AttrValue>);
  return value;
}
