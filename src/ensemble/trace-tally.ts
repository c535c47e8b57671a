import type { AssembledTrace, ReceivedSpan } from '../collector';
import { THESPIAN_RPC_SERVICE, type GrpcMethod } from '../engine';
import { predictedShape } from '../predict';
import type { Topology } from '../topology';
import { checkTrace } from '../verify';
import { observedOfReceived } from './observed-of-received';

/**
 * Counts what arrived, to answer "was anything lost?": one root span per answered request, no
 * trace missing a parent span, and in every successful trace the spans the request must have
 * made. That last count is verify's (checkTrace against the predicted span tree): it reads the
 * trace's own evidence, such as each call's attempt events, so a call that succeeded at its
 * second attempt is expected to have two CLIENT spans, not counted as one too many.
 */
export class TraceTally {
  spans = 0;
  roots = 0;
  /** Traces of other calls, such as health checks: not traffic, so not counted below. */
  otherTraces = 0;
  withoutRoot = 0;
  withOrphans = 0;
  failedTraces = 0;
  okTraces = 0;
  okReceived = 0;
  okExpected = 0;
  okExpectedKnown = true;
  okShort = 0;

  constructor(private readonly topology: Topology) {}

  countSpans(spans: readonly ReceivedSpan[]): void {
    this.spans += spans.length;
    for (const span of spans) if (isRequestRoot(span)) this.roots++;
  }

  /** Counts a completed trace; false when it is not traffic (a health check) and should not be shown. */
  countTrace(trace: AssembledTrace): boolean {
    if (trace.root && !isRequestRoot(trace.root)) {
      this.otherTraces++;
      return false;
    }
    if (!trace.root) this.withoutRoot++;
    if (trace.orphans > 0) this.withOrphans++;
    if (trace.failed) this.failedTraces++;
    if (trace.root && !trace.failed) {
      const shape = predictedShape(this.topology, trace.root.service, String(trace.root.attributes['rpc.method'] ?? '') as GrpcMethod);
      this.okTraces++;
      this.okReceived += trace.spans.length;
      if (shape === undefined) this.okExpectedKnown = false;
      else {
        const check = checkTrace(shape, trace.spans.map(observedOfReceived), 'OK');
        this.okExpected += check.required;
        if (check.lost > 0) this.okShort++;
      }
    }
    return true;
  }
}

function isRequestRoot(span: ReceivedSpan): boolean {
  return span.parentSpanId === '' && span.attributes['rpc.service'] === THESPIAN_RPC_SERVICE;
}
