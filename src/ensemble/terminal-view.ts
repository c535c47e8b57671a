import { renderTrace, type AssembledTrace } from '../collector';

interface TerminalViewOptions {
  readonly out: NodeJS.WritableStream;
  /** A terminal: the summary line is redrawn in place. Otherwise it is printed every few seconds. */
  readonly tty: boolean;
  readonly colour: boolean;
  readonly width: number;
  /** Trace trees drawn per second at most; 0 draws none. */
  readonly treesPerSecond: number;
  /** Only the summary (no trees); off a terminal, only the final one. */
  readonly quiet: boolean;
  readonly serviceColours: ReadonlyMap<string, number>;
  /** The rolling summary line's text. */
  readonly status: () => string;
  /** Lines kept above the summary line (the per-service call table); none if undefined. */
  readonly table?: () => string[];
}

/** Failed traces waiting to be drawn; older ones are dropped for newer. */
const MAX_WAITING_FAILURES = 20;
/** Off a terminal the summary line is printed this often. */
const PLAIN_STATUS_INTERVAL_MS = 5_000;
const TTY_STATUS_INTERVAL_MS = 250;

/**
 * The live terminal: trace trees scrolling by, and at the bottom a block redrawn in place: the
 * call table, if any, and the summary line. Off a terminal the block is printed every few seconds.
 *
 * At 100 requests/s nobody can read every tree, so it draws a sample: at most treesPerSecond
 * trees, failed traces first (they are what people look for), but an ok one at least every third
 * tree when there are any, so the picture is not only red.
 */
export class TerminalView {
  private readonly failures: AssembledTrace[] = [];
  private latestOk: AssembledTrace | undefined;
  private failuresInARow = 0;
  private drawnCount = 0;
  private offeredCount = 0;
  private drawTimer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  /** Lines of the block now on the screen (0: none), so that the next redraw can clear them. */
  private statusShown = 0;

  constructor(private readonly options: TerminalViewOptions) {}

  get drawn(): number {
    return this.drawnCount;
  }

  get offered(): number {
    return this.offeredCount;
  }

  start(): void {
    const { treesPerSecond, quiet, tty } = this.options;
    if (!quiet && treesPerSecond > 0) {
      this.drawTimer = setInterval(() => this.drawOne(), Math.max(10, 1000 / treesPerSecond));
    }
    if (tty) this.statusTimer = setInterval(() => this.showStatus(), TTY_STATUS_INTERVAL_MS);
    else if (!quiet) this.statusTimer = setInterval(() => this.println(...this.block()), PLAIN_STATUS_INTERVAL_MS);
  }

  stop(): void {
    clearInterval(this.drawTimer);
    clearInterval(this.statusTimer);
    this.clearStatus();
  }

  /** A completed trace, which may or may not get drawn. */
  offer(trace: AssembledTrace): void {
    this.offeredCount++;
    if (this.options.quiet || this.options.treesPerSecond <= 0) return;
    if (trace.failed) {
      this.failures.push(trace);
      if (this.failures.length > MAX_WAITING_FAILURES) this.failures.shift();
    } else this.latestOk = trace;
  }

  /** Prints lines above the summary line. */
  println(...lines: string[]): void {
    this.clearStatus();
    this.options.out.write(lines.map((line) => `${line}\n`).join(''));
    this.showStatus();
  }

  /**
   * At the end of a run: draws what is still waiting, up to `max` trees (traces of the last
   * second complete only after the traffic has stopped).
   */
  drawWaiting(max: number): void {
    for (let i = 0; i < max && this.drawOne(); i++);
  }

  private drawOne(): boolean {
    const preferOk = this.latestOk !== undefined && (this.failures.length === 0 || this.failuresInARow >= 2);
    const trace = preferOk ? this.latestOk : this.failures.pop();
    if (!trace) return false;
    if (preferOk) {
      this.latestOk = undefined;
      this.failuresInARow = 0;
    } else this.failuresInARow++;
    this.drawnCount++;
    this.println(...renderTrace(trace, this.options), '');
    return true;
  }

  private block(): string[] {
    return [...(this.options.table?.() ?? []), this.options.status()];
  }

  /** Each line fitted to the width, so none wraps and the count of lines to clear stays true; the cursor stays at the end of the last. */
  private showStatus(): void {
    if (!this.options.tty) return;
    this.clearStatus();
    const lines = this.block().map((line) => fitLine(line, this.options.width));
    this.options.out.write(lines.join('\n'));
    this.statusShown = lines.length;
  }

  /** Back to the start of the block (up its lines but the last) and clears to the end of the screen. */
  private clearStatus(): void {
    if (this.statusShown === 0) return;
    this.options.out.write(`\r${this.statusShown > 1 ? `\u001b[${this.statusShown - 1}A` : ''}\u001b[J`);
    this.statusShown = 0;
  }
}

function fitLine(text: string, width: number): string {
  return text.length <= width - 1 ? text : `${text.slice(0, width - 2)}…`;
}
