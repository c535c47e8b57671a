import type { ObservedSpan } from '../verify';

/** A span read from a trace file: what verify's readers give, with its duration always known. */
export type TraceSpan = ObservedSpan & { readonly durationMs: number };
