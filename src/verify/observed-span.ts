import type { SpanKindName } from '../common';

/**
 * A span as read back from a backend (Tempo, Jaeger or the embedded collector), reduced to what
 * verify compares: identity, parent, service, name, kind, error status, attributes and events.
 */
export interface ObservedSpan {
  /** Lower-case hex, 32 digits. */
  readonly traceId: string;
  /** Lower-case hex, 16 digits. */
  readonly spanId: string;
  /** '' for a root span. */
  readonly parentSpanId: string;
  readonly service: string;
  readonly name: string;
  readonly kind: SpanKindName;
  readonly error: boolean;
  readonly statusMessage: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly events: readonly { readonly name: string; readonly attributes: Readonly<Record<string, unknown>> }[];
  /** Epoch milliseconds; orders attempts of a call. */
  readonly startMs: number;
  /** How long the span lasted, in ms, when the backend says (Jaeger's and OTLP's JSON do); `thespian import` fits latencies from it. */
  readonly durationMs?: number;
}

/** A log line as read back: its level and text. */
export interface ObservedLine {
  readonly level: string;
  readonly line: string;
}

/** Where traces are read back from. `fetch` resolves undefined when the backend has no such trace (404). */
export interface TraceSource {
  /** "Tempo http://localhost:3200" — for the report. */
  readonly description: string;
  fetch(traceId: string): Promise<ObservedSpan[] | undefined>;
}

export interface LogSource {
  readonly description: string;
  /** The lines that carry this trace id, logged between `fromMs` and `toMs` (epoch ms). */
  fetch(traceId: string, fromMs: number, toMs: number): Promise<ObservedLine[]>;
}

/** A hex id of `bytes` bytes from hex (any case, possibly shortened as Jaeger does) or base64 (as protobuf JSON writes bytes). */
export function normaliseId(value: unknown, bytes: number): string {
  if (typeof value !== 'string' || value === '') return '';
  const hexLength = bytes * 2;
  if (/^[0-9a-fA-F]+$/.test(value) && value.length <= hexLength && value.length !== Math.ceil(bytes / 3) * 4) {
    return value.toLowerCase().padStart(hexLength, '0');
  }
  const decoded = Buffer.from(value, 'base64');
  if (decoded.length === bytes) return decoded.toString('hex');
  return /^[0-9a-fA-F]+$/.test(value) ? value.toLowerCase().padStart(hexLength, '0') : '';
}

/** Failed fetches that are not "not found": the backend is unreachable or answered something unreadable. */
export class BackendError extends Error {}
