import type { ReceivedLogLine } from './loki-push-receiver';

/**
 * Received log lines, in arrival order, with an index by trace id (the `trace_id` field Thespian
 * writes in every line logged inside a span), for the query API of `thespian up`. Bounded: past
 * `maxLines` the oldest lines go.
 */
export class LogStore {
  private lines: ReceivedLogLine[] = [];
  private readonly byTrace = new Map<string, ReceivedLogLine[]>();
  private droppedLines = 0;

  constructor(private readonly maxLines: number) {}

  add(lines: readonly ReceivedLogLine[]): void {
    for (const line of lines) {
      this.lines.push(line);
      const traceId = traceIdOf(line);
      if (traceId) {
        const list = this.byTrace.get(traceId);
        if (list) list.push(line);
        else this.byTrace.set(traceId, [line]);
      }
    }
    const excess = this.lines.length - this.maxLines;
    if (excess > 0) {
      // In chunks of a tenth, so that a full store does not shift its array for every line.
      const drop = Math.min(this.lines.length, Math.max(excess, Math.ceil(this.maxLines / 10)));
      for (const line of this.lines.slice(0, drop)) {
        const traceId = traceIdOf(line);
        const list = traceId ? this.byTrace.get(traceId) : undefined;
        if (!list) continue;
        list.shift();
        if (list.length === 0) this.byTrace.delete(traceId!);
      }
      this.lines = this.lines.slice(drop);
      this.droppedLines += drop;
    }
  }

  /** Every kept line, oldest first (callers must not change it). */
  all(): readonly ReceivedLogLine[] {
    return this.lines;
  }

  /** The kept lines of one trace, oldest first. */
  ofTrace(traceId: string): readonly ReceivedLogLine[] {
    return this.byTrace.get(traceId.toLowerCase()) ?? [];
  }

  get dropped(): number {
    return this.droppedLines;
  }
}

function traceIdOf(line: ReceivedLogLine): string | undefined {
  const json = line.json as Record<string, unknown> | undefined;
  const id = (json && typeof json === 'object' && !Array.isArray(json) ? json.trace_id : undefined) ?? line.metadata?.trace_id;
  return typeof id === 'string' && id ? id.toLowerCase() : undefined;
}
