import { EXCEPTION_EVENT, lineEventLevel, sentAttemptCodes } from '../engine';
import { LINE_LEVELS, STATUS_CODES, type StatusName } from '../common';
import { spanKey, type LineCounts, type SpanShape } from '../probability';
import type { ObservedSpan } from './observed-span';

export type TraceVerdict = 'complete' | 'partial' | 'missing';

/** One trace held against its prediction. */
export interface TraceCheck {
  readonly verdict: TraceVerdict;
  /** Spans read back (duplicates removed). */
  readonly found: number;
  /** Spans the request must have made, as far as the trace itself shows (a lower bound where spans are lost). */
  readonly required: number;
  readonly lost: number;
  /** "orders INTERNAL charge card" for each lost span. */
  readonly lostSpans: readonly string[];
  /** Spans whose parent is not in the trace. */
  readonly brokenLinks: number;
  /** Spans read back that the prediction has no place for. */
  readonly unplaced: number;
  /** Spans read back more than once (same span id). */
  readonly duplicates: number;
  /** Why the root's status disagrees with the answer the request got, if it does. */
  readonly statusProblem?: string;
  /** Log lines the request must have written, as far as the trace shows, by level. */
  readonly expectedLines: LineCounts;
}

type Must = 'ok' | 'failed' | 'unknown';

/**
 * Holds the spans of one trace against the predicted span tree of its entry method, using what
 * the trace itself says happened: a span's status tells whether its steps ran to the end (an OK
 * Function ran every operation; a failed one ran them up to the failing one), a call's attempt
 * events tell how many attempts were sent and how each ended. So "lost" counts spans that must
 * exist and do not, for failed and retried requests as exactly as for plain successful ones;
 * where a lost span hides what happened below it, the count is a lower bound.
 *
 * `requestCode` is the status the request was answered with ('OK' or a failure code).
 */
export function checkTrace(root: SpanShape, spans: readonly ObservedSpan[] | undefined, requestCode: string): TraceCheck {
  const unique = new Map<string, ObservedSpan>();
  for (const span of spans ?? []) if (!unique.has(span.spanId)) unique.set(span.spanId, span);
  const observed = [...unique.values()];
  const walk = new EvidenceWalk(observed);
  const roots = observed.filter((span) => span.parentSpanId === '');
  const rootSpan = walk.expect(root, roots, requestCode === 'OK' ? 'ok' : 'failed');
  const brokenLinks = observed.filter((span) => span.parentSpanId !== '' && !unique.has(span.parentSpanId)).length;
  const statusProblem = rootSpan ? rootStatusProblem(rootSpan, requestCode) : undefined;
  const missing = observed.length === 0;
  return {
    verdict: missing ? 'missing' : walk.lost.length === 0 && brokenLinks === 0 && !statusProblem ? 'complete' : 'partial',
    found: observed.length,
    required: walk.required,
    lost: walk.lost.length,
    lostSpans: walk.lost,
    brokenLinks,
    unplaced: observed.length - walk.used.size,
    duplicates: (spans?.length ?? 0) - observed.length,
    ...(statusProblem ? { statusProblem } : {}),
    expectedLines: walk.lines,
  };
}

class EvidenceWalk {
  required = 0;
  readonly lost: string[] = [];
  readonly used = new Set<string>();
  lines: LineCounts = { info: 0, warn: 0, error: 0 };
  private readonly children = new Map<string, ObservedSpan[]>();
  private readonly ids: Set<string>;
  private readonly usedOrphanGroups = new Set<string>();

  constructor(spans: readonly ObservedSpan[]) {
    this.ids = new Set(spans.map((span) => span.spanId));
    for (const span of spans) {
      if (span.parentSpanId === '') continue;
      const list = this.children.get(span.parentSpanId);
      if (list) list.push(span);
      else this.children.set(span.parentSpanId, [span]);
    }
    for (const list of this.children.values()) list.sort((a, b) => a.startMs - b.startMs);
  }

  /**
   * Finds the span `shape` among `candidates` (or counts it lost), then what must be below it.
   * `must` is what is known of its outcome when the span itself is not there to say.
   */
  expect(shape: SpanShape, candidates: readonly ObservedSpan[], must: Must): ObservedSpan | undefined {
    const key = spanKey(shape);
    const span = candidates.find((candidate) => !this.used.has(candidate.spanId) && spanKey(candidate) === key);
    this.required++;
    let outcome: Must = must;
    let below: readonly ObservedSpan[];
    if (span) {
      this.used.add(span.spanId);
      outcome = span.error ? 'failed' : 'ok';
      below = this.children.get(span.spanId) ?? [];
      this.countLines(shape, span);
    } else {
      this.lost.push(key);
      // Its children, if they arrived, point at a parent that is not here.
      below = this.orphansFor(shape);
      if (shape.lines) this.addLine(shape.lines.start);
      if (must === 'failed' && shape.lines?.failsHere) this.addLine(shape.lines.failure);
    }
    if (shape.groups.length > 0) this.expectGroups(shape, below, outcome);
    if (shape.attempt) this.expectAttempts(shape, span, below, outcome);
    return span;
  }

  /** Spans whose parent is missing and which fit under `shape`: the children of `shape`'s lost span. */
  orphansFor(shape: SpanShape): ObservedSpan[] {
    const childKeys = new Set<string>();
    for (const group of shape.groups) for (const child of group) childKeys.add(spanKey(child));
    if (shape.attempt) childKeys.add(spanKey(shape.attempt.shape));
    for (const [parent, spans] of this.children) {
      if (this.ids.has(parent) || this.usedOrphanGroups.has(parent)) continue;
      if (spans.some((span) => childKeys.has(spanKey(span)) && !this.used.has(span.spanId))) {
        this.usedOrphanGroups.add(parent);
        return spans;
      }
    }
    // A lost root: the root's own orphans have no parent id at all to group them by.
    return [];
  }

  private expectGroups(shape: SpanShape, below: readonly ObservedSpan[], outcome: Must): void {
    const present = (child: SpanShape) => below.find((span) => !this.used.has(span.spanId) && spanKey(span) === spanKey(child));
    if (outcome === 'ok') {
      for (const group of shape.groups) for (const child of group) this.expect(child, below, 'ok');
      return;
    }
    let failing = -1;
    let lastSeen = -1;
    shape.groups.forEach((group, index) => {
      const seen = group.map(present).filter((span): span is ObservedSpan => span !== undefined);
      if (seen.length > 0) lastSeen = index;
      if (failing < 0 && seen.some((span) => span.error)) failing = index;
    });
    const through = failing >= 0 ? failing : lastSeen;
    const lostBefore = this.lost.length;
    for (let index = 0; index <= through; index++) {
      const group = shape.groups[index];
      // Groups before the failing one ran to their end; the failing group's actions all ran.
      for (const child of group) this.expect(child, below, index < through ? 'ok' : 'unknown');
    }
    // A failed span with no failed child in sight: the failure came from a later operation, so
    // the next one at least ran and is lost (unless a span already counted lost could have been
    // the failing one). How it ended is not known.
    if (outcome === 'failed' && failing < 0 && this.lost.length === lostBefore && through + 1 < shape.groups.length) {
      for (const child of shape.groups[through + 1]) this.expect(child, below, 'unknown');
    }
  }

  private expectAttempts(shape: SpanShape, span: ObservedSpan | undefined, below: readonly ObservedSpan[], outcome: Must): void {
    const attempt = shape.attempt!;
    const key = spanKey(attempt.shape);
    const clients = below.filter((candidate) => spanKey(candidate) === key);
    // Without the span, a call that succeeded sent at least its last attempt.
    const codes = span ? sentAttemptCodes(span, attempt.retries) : outcome === 'ok' ? ['OK'] : [];
    const count = Math.max(codes.length, clients.length);
    for (let index = 0; index < count; index++) {
      const code = codes[index];
      const must: Must = code === 'OK' ? 'ok' : code !== undefined ? 'failed' : 'unknown';
      // The callee of a failed attempt may have been cut off (a timeout): what ran below it is unknown.
      this.expectClient(attempt.shape, clients, must);
    }
  }

  private expectClient(client: SpanShape, clients: readonly ObservedSpan[], must: Must): void {
    const span = clients.find((candidate) => !this.used.has(candidate.spanId));
    this.required++;
    let below: readonly ObservedSpan[];
    if (span) {
      this.used.add(span.spanId);
      below = this.children.get(span.spanId) ?? [];
    } else {
      this.lost.push(spanKey(client));
      below = this.orphansFor(client);
    }
    const outcome: Must = span ? (span.error ? 'failed' : 'ok') : must;
    for (const group of client.groups) for (const child of group) this.expect(child, below, outcome === 'ok' ? 'ok' : 'unknown');
  }

  private countLines(shape: SpanShape, span: ObservedSpan): void {
    // A step's own lines, as its shape says: its start, and a failure where it began (the span
    // with the exception event). Lines that are events (a Log's) say so themselves.
    if (shape.lines) this.addLine(shape.lines.start);
    for (const event of span.events) {
      if (event.name === EXCEPTION_EVENT) {
        if (shape.lines) this.addLine(shape.lines.failure);
      } else {
        const level = lineEventLevel(event);
        if (level !== undefined) this.addLine(level);
      }
    }
  }

  /** One line at `level`; a level that is none of the three counts nothing. */
  private addLine(level: string): void {
    const counted = LINE_LEVELS.find((known) => known === level);
    if (counted !== undefined) this.lines = { ...this.lines, [counted]: this.lines[counted] + 1 };
  }
}

function rootStatusProblem(root: ObservedSpan, requestCode: string): string | undefined {
  if (requestCode === 'OK' && root.error) return 'the request succeeded but its root span has ERROR status';
  if (requestCode !== 'OK' && !root.error) return `the request failed with ${requestCode} but its root span has no ERROR status`;
  const recorded = root.attributes['rpc.grpc.status_code'];
  if (typeof recorded === 'number' && STATUS_CODES[requestCode as StatusName] !== undefined && recorded !== STATUS_CODES[requestCode as StatusName]) {
    return `the request was answered ${requestCode} but its root span records status code ${recorded}`;
  }
  return undefined;
}
