/**
 * The span kinds by name, as OTLP numbers them (UNSPECIFIED is 0): what a span is in its trace
 * (SERVER, CLIENT, INTERNAL...), read the same way by the collector, verify's backend readers
 * and predict. Not an action kind, which says which step made a span.
 */
export const SPAN_KIND_NAMES = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const;
export type SpanKindName = (typeof SPAN_KIND_NAMES)[number];
