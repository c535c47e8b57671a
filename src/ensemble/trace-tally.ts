import type { AssembledTrace, ReceivedSpan } from '../collector';
import type { GrpcMethod } from '../engine/model';
import { PredictError } from '../engine/predict-context';
import { worldOfTopology } from '../predict/prediction-world';
import { Predictor } from '../predict/predictor';
import type { SpanShape } from '../probability/span-shape';
import type { Topology } from '../topology';
import { checkTrace } from '../verify/trace-check';
import { observedOfReceived } from './observed-of-received';
import { THESPIAN_RPC_SERVICE } from '../engine/span-names';

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
  private readonly shapes = new Map<string, SpanShape | undefined>();
  private predictor: Predictor | undefined;

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
      const shape = this.shapeOf(trace.root.service, String(trace.root.attributes['rpc.method'] ?? '') as GrpcMethod);
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

  /** The predicted span tree of a request to service/method; undefined when its spans cannot all be known. */
  private shapeOf(service: string, method: GrpcMethod): SpanShape | undefined {
    const key = `${service}/${method}`;
    if (!this.shapes.has(key)) {
      // One sample: only the span tree is wanted here, not latency figures.
      this.predictor ??= new Predictor(worldOfTopology(this.topology), { samples: 1 });
      let shape: SpanShape | undefined;
      try {
        const prediction = this.predictor.predict(service, method);
        // A call outside the topology: what happens below it is not known, so neither is the count.
        if (prediction.spansKnown) shape = prediction.shape;
      } catch (error) {
        // A call cycle has no single span tree.
        if (!(error instanceof PredictError)) throw error;
      }
      this.shapes.set(key, shape);
    }
    return this.shapes.get(key);
  }
}

function isRequestRoot(span: ReceivedSpan): boolean {
  return span.parentSpanId === '' && span.attributes['rpc.service'] === THESPIAN_RPC_SERVICE;
}
