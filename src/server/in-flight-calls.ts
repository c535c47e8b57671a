import { StepFailure } from '../engine';
import { withDeadline } from '../telemetry';

/** What cut() aborts: an AbortController, or the server's cheaper CallCancellation. */
type Cancellable = Pick<AbortController, 'abort'>;

/** Why a new call is refused while the instance drains; the caller sees it with UNAVAILABLE. */
export const DRAINING_MESSAGE = 'the instance is shutting down and takes no new calls';

/**
 * The Thespian calls an instance is serving, so that shutdown can let them finish, refuse new
 * ones while the listener stays open (health keeps answering NOT_SERVING), and cut the ones left
 * at the end of the grace with a failure that says so, their spans ended like any other.
 */
export class InFlightCalls {
  private readonly calls = new Map<Cancellable, Promise<void>>();
  private idle: (() => void) | undefined;
  private closed = false;

  /** True once shutdown began: new calls are refused. */
  get draining(): boolean {
    return this.closed;
  }

  get size(): number {
    return this.calls.size;
  }

  /** Tracks a call from its arrival until `finished` settles; `cancellation` is what cut() aborts. */
  track(cancellation: Cancellable, finished: Promise<void>): void {
    this.calls.set(cancellation, finished);
    const forget = () => {
      this.calls.delete(cancellation);
      if (this.calls.size === 0) this.idle?.();
    };
    finished.then(forget, forget);
  }

  /** Refuses new calls from now on, and resolves once none is in flight (at once if none is). */
  close(): Promise<void> {
    this.closed = true;
    if (this.calls.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.idle = resolve));
  }

  /** Aborts every call still in flight with UNAVAILABLE and `message`; resolves once all have answered, or after `deadlineMs`. */
  async cut(message: string, deadlineMs: number): Promise<void> {
    const left = [...this.calls];
    for (const [cancellation] of left) cancellation.abort(new StepFailure('UNAVAILABLE', message));
    await withDeadline(Promise.allSettled(left.map(([, finished]) => finished)).then(() => undefined), deadlineMs, undefined);
  }
}
