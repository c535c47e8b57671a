import { ROOT_CONTEXT, context } from '@opentelemetry/api';

/** Where the reporter's lines go: the instance's logger, connected once it exists. */
export interface DeliverySink {
  warn(message: string, fields: Record<string, unknown>): void;
  info(message: string, fields: Record<string, unknown>): void;
}

interface DeliveryReporterOptions {
  /** What is being delivered, as the lines name it: "span export", "Loki push". */
  readonly delivery: string;
  /** The backend's address, so a user sees which setting to check. */
  readonly target: string;
  /** What one item is called in the lines: "spans", "log lines". */
  readonly unit: string;
  /** What a user can do about a full queue, for the warning that says items are being dropped. */
  readonly queueFullHint: string;
  /** While delivery keeps failing, at most one line per this interval. Default one minute. */
  readonly repeatEveryMs?: number;
  /** Injected in tests; Date.now otherwise. */
  readonly now?: () => number;
}

interface DeliveryCounts {
  readonly delivered: number;
  /** Lost because the backend refused a batch, could not be reached or did not answer in time. */
  readonly failed: number;
  /** Lost before any attempt, because the queue in front of the backend was full. */
  readonly queueFull: number;
}

const ONE_MINUTE_MS = 60_000;

/** Lines reported before the logger exists; a handful at most, since lines are rate-limited. */
const MAX_HELD_LINES = 20;

/**
 * Says, once, when delivery to a backend starts failing (naming the address and the error), at most
 * once per interval while it keeps failing, and once when it recovers; and keeps the counts the
 * `stopped` line reports. One of these serves each backend (spans and Loki), so both speak alike.
 *
 * The sink is connected late: tracing starts before the logger can exist (see start-tracing.ts),
 * so lines reported before then are held and written on connect.
 */
export class DeliveryReporter {
  private sink: DeliverySink | undefined;
  private quieted = false;
  private readonly held: { level: 'warn' | 'info'; message: string; fields: Record<string, unknown> }[] = [];
  private readonly repeatEveryMs: number;
  private readonly now: () => number;

  private delivered = 0;
  private failed = 0;
  private queueFull = 0;

  /** Set while failing: when it began, when we last said so, and what was lost since it began. */
  private failingSince: number | undefined;
  private lastWarnedAt = 0;
  private lostSinceFailing = 0;

  /** Queue-full drops while the backend answers: said at most once per interval too. */
  private queueFullWarnedAt: number | undefined;
  private queueFullSinceWarned = 0;

  constructor(private readonly options: DeliveryReporterOptions) {
    this.repeatEveryMs = options.repeatEveryMs ?? ONE_MINUTE_MS;
    this.now = options.now ?? Date.now;
  }

  connect(sink: DeliverySink): void {
    if (this.quieted) return;
    this.sink = sink;
    for (const line of this.held.splice(0)) sink[line.level](line.message, line.fields);
  }

  /**
   * No more lines, once the `stopped` line has given the final counts: a push or export still on
   * its way then is counted there as undelivered at shutdown, and a warning about it written after
   * `stopped` would contradict that line (and keep a reader waiting for more). Counting goes on.
   */
  quiet(): void {
    this.quieted = true;
    this.sink = undefined;
    this.held.length = 0;
  }

  /** A batch of `count` items reached the backend. */
  succeeded(count: number): void {
    this.delivered += count;
    if (this.failingSince === undefined) return;
    const { delivery, target, unit } = this.options;
    const failedForMs = this.now() - this.failingSince;
    const dropped = this.lostSinceFailing;
    this.failingSince = undefined;
    this.lostSinceFailing = 0;
    this.emit('info', `${delivery} to ${target} recovered after ${formatDuration(failedForMs)}; ${dropped} ${unit} were dropped while it failed`, {
      endpoint: target,
      failed_for_ms: failedForMs,
      [`${snake(unit)}_dropped`]: dropped,
    });
  }

  /** A batch of `count` items was lost: the backend refused it, was unreachable or too slow. */
  failedBatch(count: number, error: unknown): void {
    this.failed += count;
    this.lostSinceFailing += count;
    const now = this.now();
    const { delivery, target, unit } = this.options;
    const reason = describeError(error);
    if (this.failingSince === undefined) {
      this.failingSince = now;
      this.lastWarnedAt = now;
      this.emit('warn', `${delivery} to ${target} is failing: ${reason}`, { endpoint: target, error: reason, [`${snake(unit)}_dropped`]: count });
      return;
    }
    if (now - this.lastWarnedAt < this.repeatEveryMs) return;
    this.lastWarnedAt = now;
    const since = new Date(this.failingSince).toISOString();
    this.emit('warn', `${delivery} to ${target} still failing, ${this.lostSinceFailing} ${unit} dropped since ${since}: ${reason}`, {
      endpoint: target,
      error: reason,
      failing_since: since,
      [`${snake(unit)}_dropped`]: this.lostSinceFailing,
    });
  }

  /**
   * Items dropped before delivery was tried, because the queue was full. While delivery fails this
   * is part of that story (and counted in its lines); otherwise the backend is answering but not
   * keeping up, which is worth a warning of its own.
   */
  droppedQueueFull(count: number): void {
    this.queueFull += count;
    if (this.failingSince !== undefined) {
      this.lostSinceFailing += count;
      return;
    }
    this.queueFullSinceWarned += count;
    const now = this.now();
    if (this.queueFullWarnedAt !== undefined && now - this.queueFullWarnedAt < this.repeatEveryMs) return;
    const { delivery, target, unit, queueFullHint } = this.options;
    const since = this.queueFullWarnedAt === undefined ? '' : ` since ${new Date(this.queueFullWarnedAt).toISOString()}`;
    const dropped = this.queueFullSinceWarned;
    // State first: the warning itself goes to Loki's full queue and comes straight back here.
    this.queueFullWarnedAt = now;
    this.queueFullSinceWarned = 0;
    this.emit('warn', `${delivery} to ${target} cannot keep up: ${dropped} ${unit} dropped${since} because the queue is full; ${queueFullHint}`, {
      endpoint: target,
      [`${snake(unit)}_dropped`]: dropped,
    });
  }

  counts(): DeliveryCounts {
    return { delivered: this.delivered, failed: this.failed, queueFull: this.queueFull };
  }

  private emit(level: 'warn' | 'info', message: string, fields: Record<string, unknown>): void {
    // Outside any span: a batch's outcome is reported from whichever request's context its timer
    // was started in, and the line is about the backend, not that request.
    if (this.quieted) return;
    const sink = this.sink;
    if (sink) context.with(ROOT_CONTEXT, () => sink[level](message, fields));
    else if (this.held.length < MAX_HELD_LINES) this.held.push({ level, message, fields });
  }
}

/** The error as one short line: a backend's answer can be long (an HTML page) or span lines. */
const MAX_ERROR_CHARS = 300;

function describeError(error: unknown): string {
  const raw = error instanceof Error ? error.message || error.name : String(error);
  const oneLine = raw.replace(/\s+/g, ' ').trim() || 'unknown error';
  return oneLine.length > MAX_ERROR_CHARS ? `${oneLine.slice(0, MAX_ERROR_CHARS)}…` : oneLine;
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function snake(unit: string): string {
  return unit.replace(/\s+/g, '_');
}
