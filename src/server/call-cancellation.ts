import type { RequestSignal } from '../engine';

/**
 * One incoming call's cancellation: aborted when the caller resets the call, or when shutdown
 * cuts it; the engine's steps listen for it (RequestSignal). Not an AbortController, which every
 * request made: its AbortSignal is an EventTarget, and building one was among the largest costs
 * of a request that is a 0 ms sleep, for a signal that nearly every call ends without using.
 * Every listener is called at most once, as with `{ once: true }`; one added after the abort is
 * never called, as with an AbortSignal.
 */
export class CallCancellation implements RequestSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: Array<() => void> | undefined;

  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.aborted) (this.listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.listeners?.indexOf(listener) ?? -1;
    if (at >= 0) this.listeners!.splice(at, 1);
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners ?? [];
    this.listeners = undefined;
    for (const listener of listeners) listener();
  }
}
