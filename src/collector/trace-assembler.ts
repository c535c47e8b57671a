import type { ReceivedSpan } from './received-span';

/**
 * Received spans → whole traces. Spans of one request arrive from several services, each
 * exporting on its own schedule, so a trace is taken as complete once its root span has arrived
 * and no new span of it has come for a quiet period. The root is the span without a parent: the
 * entry service's SERVER span when the caller (like `thespian up`) is not traced itself.
 */

export interface SpanNode {
  readonly span: ReceivedSpan;
  /** Sorted by start time. */
  readonly children: SpanNode[];
}

export interface AssembledTrace {
  readonly traceId: string;
  readonly spans: readonly ReceivedSpan[];
  /** The span without a parent, if it arrived. */
  readonly root: ReceivedSpan | undefined;
  /** The root's tree first, then a tree for each span whose parent never arrived. */
  readonly trees: readonly SpanNode[];
  /** Spans whose parent span is not in the trace: something was lost, or is late. */
  readonly orphans: number;
  /** The root ended in ERROR (or, with no root, any span did). */
  readonly failed: boolean;
  readonly startMs: number;
  readonly endMs: number;
}

/** Builds the tree(s) of one trace from its spans, in any order. */
export function assembleTrace(spans: readonly ReceivedSpan[]): AssembledTrace {
  const nodes = new Map<string, SpanNode>();
  for (const span of spans) nodes.set(span.spanId, { span, children: [] });
  const tops: SpanNode[] = [];
  let root: ReceivedSpan | undefined;
  let orphans = 0;
  for (const node of nodes.values()) {
    const parent = node.span.parentSpanId ? nodes.get(node.span.parentSpanId) : undefined;
    if (parent) parent.children.push(node);
    else {
      tops.push(node);
      if (node.span.parentSpanId) orphans++;
      else root ??= node.span;
    }
  }
  // Ties (same start) go shortest first, then by id, so the drawing does not depend on arrival order.
  const byStart = (a: SpanNode, b: SpanNode) =>
    a.span.startMs - b.span.startMs || a.span.durationMs - b.span.durationMs || (a.span.spanId < b.span.spanId ? -1 : 1);
  for (const node of nodes.values()) node.children.sort(byStart);
  // The real root first, then orphans by start time.
  tops.sort((a, b) => Number(Boolean(a.span.parentSpanId)) - Number(Boolean(b.span.parentSpanId)) || byStart(a, b));
  let startMs = Infinity;
  let endMs = -Infinity;
  for (const span of spans) {
    startMs = Math.min(startMs, span.startMs);
    endMs = Math.max(endMs, span.startMs + span.durationMs);
  }
  return {
    traceId: spans[0]?.traceId ?? '',
    spans,
    root,
    trees: tops,
    orphans,
    failed: root ? root.status.code === 'ERROR' : spans.some((span) => span.status.code === 'ERROR'),
    startMs: Number.isFinite(startMs) ? startMs : 0,
    endMs: Number.isFinite(endMs) ? endMs : 0,
  };
}

interface TraceAssemblerOptions {
  /** Called once per trace, when it is complete (or given up on). */
  readonly onTrace: (trace: AssembledTrace) => void;
  /**
   * A trace with its root is complete after this long without a new span. Default 1000 ms. It
   * grows (up to MAX_QUIET_MS) when spans come later than that: see add().
   */
  readonly quietMs?: number;
  /** A trace whose root never comes is handed over anyway after this long. Default 30 s. */
  readonly rootlessMs?: number;
  /** Beyond this many open traces the oldest is handed over early, to bound memory. Default 20 000. */
  readonly maxOpenTraces?: number;
  /** Milliseconds, monotonic; injectable for tests. */
  readonly now?: () => number;
}

interface OpenTrace {
  readonly spans: ReceivedSpan[];
  readonly firstAt: number;
  lastAt: number;
  hasRoot: boolean;
}

/** How many handed-over trace ids are remembered, to recognise spans that come after their trace. */
const REMEMBERED_TRACES = 50_000;
/** The longest the quiet period grows to: a trace is drawn and judged at most this long after its last span. */
const MAX_QUIET_MS = 10_000;
/** A late span sets the quiet period to its lateness times this, with room for the next one's being later still. */
const QUIET_HEADROOM = 1.5;

export class TraceAssembler {
  private readonly open = new Map<string, OpenTrace>();
  /**
   * Each handed-over trace's last span's arrival, to learn from a late span how late it was;
   * undefined for a trace handed over otherwise (rootless, or to bound memory), whose late spans
   * say nothing about the quiet period.
   */
  private readonly handedOver = new Map<string, number | undefined>();
  private quiet: number;
  private readonly rootlessMs: number;
  private readonly maxOpenTraces: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private lateCount = 0;
  private tracesCount = 0;

  constructor(private readonly options: TraceAssemblerOptions) {
    this.quiet = options.quietMs ?? 1000;
    this.rootlessMs = options.rootlessMs ?? 30_000;
    this.maxOpenTraces = options.maxOpenTraces ?? 20_000;
    this.now = options.now ?? (() => performance.now());
  }

  /** Spans that arrived after their trace was handed over (a sign the quiet period is too short). */
  get lateSpans(): number {
    return this.lateCount;
  }

  /** How long a trace with its root waits now for more spans (it grows when spans come late). */
  get quietMs(): number {
    return this.quiet;
  }

  get openTraces(): number {
    return this.open.size;
  }

  get tracesHandedOver(): number {
    return this.tracesCount;
  }

  add(spans: readonly ReceivedSpan[]): void {
    const now = this.now();
    for (const span of spans) {
      if (this.handedOver.has(span.traceId)) {
        this.lateCount++;
        // The services are slower to export than the quiet period allows (a busy machine, a big
        // topology's many processes): wait longer for the traces from now on, so they come whole.
        const lastSpanAt = this.handedOver.get(span.traceId);
        if (lastSpanAt !== undefined) this.quiet = Math.min(MAX_QUIET_MS, Math.max(this.quiet, Math.ceil((now - lastSpanAt) * QUIET_HEADROOM)));
        continue;
      }
      let trace = this.open.get(span.traceId);
      if (!trace) {
        trace = { spans: [], firstAt: now, lastAt: now, hasRoot: false };
        this.open.set(span.traceId, trace);
      }
      trace.spans.push(span);
      trace.lastAt = now;
      if (!span.parentSpanId) trace.hasRoot = true;
    }
    while (this.open.size > this.maxOpenTraces) this.handOver(this.open.keys().next().value!, false);
  }

  /** Hands over every trace that is complete by now. */
  poll(): void {
    const now = this.now();
    for (const [traceId, trace] of this.open) {
      if (trace.hasRoot ? now - trace.lastAt >= this.quiet : now - trace.firstAt >= this.rootlessMs) this.handOver(traceId, trace.hasRoot);
    }
  }

  /** Hands over everything still open, complete or not (the end of a run). */
  flush(): void {
    for (const traceId of [...this.open.keys()]) this.handOver(traceId, false);
  }

  /** Polls on a timer (unref'd) until stop(). */
  start(): void {
    this.timer ??= setInterval(() => this.poll(), Math.max(20, Math.floor(this.quiet / 4)));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** `byQuiet`: handed over because its quiet period ran out, so a late span of it means the period was short. */
  private handOver(traceId: string, byQuiet: boolean): void {
    const trace = this.open.get(traceId);
    if (!trace) return;
    this.open.delete(traceId);
    this.handedOver.set(traceId, byQuiet ? trace.lastAt : undefined);
    if (this.handedOver.size > REMEMBERED_TRACES) this.handedOver.delete(this.handedOver.keys().next().value!);
    this.tracesCount++;
    this.options.onTrace(assembleTrace(trace.spans));
  }
}
