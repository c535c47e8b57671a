import type { AssembledTrace, ReceivedSpan } from '../collector';
import type { GrpcMethod } from '../engine/model';
import { expectedSpansOfSuccess, type Topology } from '../topology';

/** The gRPC service of Thespian's A, B and C, as the instrumentation names it in rpc.service. */
export const THESPIAN_RPC_SERVICE = 'thespian.Thespian';

/**
 * Counts what arrived, to answer "was anything lost?": one root span per answered request, no
 * trace missing a parent span, and in every successful trace exactly the spans the topology
 * predicts (a failed request stops early, so only successful ones can be checked exactly).
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
  private readonly expectedByEndpoint = new Map<string, number | undefined>();

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
      const expected = this.expected(trace.root.service, String(trace.root.attributes['rpc.method'] ?? '') as GrpcMethod);
      this.okTraces++;
      this.okReceived += trace.spans.length;
      if (expected === undefined) this.okExpectedKnown = false;
      else {
        this.okExpected += expected;
        if (trace.spans.length < expected) this.okShort++;
      }
    }
    return true;
  }

  private expected(service: string, method: GrpcMethod): number | undefined {
    const key = `${service}/${method}`;
    if (!this.expectedByEndpoint.has(key)) this.expectedByEndpoint.set(key, expectedSpansOfSuccess(this.topology, service, method));
    return this.expectedByEndpoint.get(key);
  }
}

function isRequestRoot(span: ReceivedSpan): boolean {
  return span.parentSpanId === '' && span.attributes['rpc.service'] === THESPIAN_RPC_SERVICE;
}
