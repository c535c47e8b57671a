import { DEFAULT_LAG_TOLERANCE_MS, type LiveSnapshot } from './open-loop';
import { orderedCounts } from './format-summary';

/** What the display reads from a running load. */
interface ProgressSource {
  snapshot(): LiveSnapshot;
  takeWindow(): { p99Ms: number; answered: number; sent: number };
}

const TTY_INTERVAL_MS = 1000;
const LOG_INTERVAL_MS = 5000;
const BAR_WIDTH = 20;

/**
 * The progress of a running load on stderr: on a terminal one line redrawn every second; when
 * stderr is a file or pipe (CI logs), a new line every few seconds instead, so logs stay short.
 * Rate and p99 are over the last interval, so they show the present, not the average so far.
 */
export class ProgressDisplay {
  private timer: NodeJS.Timeout | undefined;
  private lastAt = performance.now();
  private drawn = false;
  private readonly interactive: boolean;

  constructor(
    private readonly source: ProgressSource,
    private readonly stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
  ) {
    this.interactive = stream.isTTY === true;
  }

  start(): this {
    this.lastAt = performance.now();
    this.timer = setInterval(() => this.render(), this.interactive ? TTY_INTERVAL_MS : LOG_INTERVAL_MS);
    this.timer.unref();
    return this;
  }

  /** Stops and clears the live line, so the summary starts on a clean line. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.interactive && this.drawn) this.stream.write('\r\x1b[2K');
  }

  private render(): void {
    const now = performance.now();
    const seconds = (now - this.lastAt) / 1000;
    this.lastAt = now;
    const line = progressLine(this.source.snapshot(), this.source.takeWindow(), seconds, this.interactive);
    if (this.interactive) {
      this.stream.write(`\r\x1b[2K${line}`);
      this.drawn = true;
    } else {
      this.stream.write(`${line}\n`);
    }
  }
}

export function progressLine(
  live: LiveSnapshot,
  window: { p99Ms: number; answered: number; sent: number },
  windowSeconds: number,
  withBar: boolean,
): string {
  const parts: string[] = [];
  if (withBar) {
    const filled = Math.round(live.progress * BAR_WIDTH);
    parts.push(`[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`);
  }
  parts.push(`${(live.elapsedMs / 1000).toFixed(1)} s`);
  if (live.stage !== undefined) parts.push(`stage ${live.stage.index}/${live.stage.count} at ${live.stage.rate.toFixed(1)}/s`);
  parts.push(`${live.sent} sent`);
  parts.push(`${windowSeconds > 0 ? (window.sent / windowSeconds).toFixed(1) : '0.0'}/s`);
  parts.push(window.answered > 0 ? `p99 ${window.p99Ms.toFixed(2)} ms` : 'p99 -');
  const errors = orderedCounts(live.errors);
  parts.push(errors.length === 0 ? 'no errors' : `errors ${errors.map(([name, count]) => `${name} ${count}`).join(', ')}`);
  if (live.dropped > 0) parts.push(`dropped ${live.dropped}`);
  if (live.behindMs > DEFAULT_LAG_TOLERANCE_MS) parts.push(`BEHIND by ${live.behindMs.toFixed(0)} ms`);
  return parts.join('  ');
}
