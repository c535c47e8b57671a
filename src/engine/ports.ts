/**
 * What the engine needs from the outside world, injected so tests can drive it directly:
 * a way to call other instances, a source of randomness (Random, defined by probability/, whose
 * draws take one too) and a clock.
 */
import type { GrpcMethod } from './model';
import type { StatusName } from '../common';
import type { InjectedFailure } from './step-failure';

export interface CallTarget {
  /** Host name or IP, without scheme. */
  readonly host: string;
  readonly port: number;
  readonly method: GrpcMethod;
  /** true when the config said https://; the call then uses TLS. */
  readonly tls: boolean;
}

/**
 * How a step learns that its request is over (the caller cancelled, its deadline passed, shutdown
 * cut it): the part of AbortSignal the engine uses, so that an AbortSignal is one, and so is the
 * server's cheaper stand-in (server/call-cancellation.ts), which a request costs far less to make.
 */
export interface RequestSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface CallOptions {
  /** Aborted when the request this call serves is cancelled. */
  readonly signal: RequestSignal;
  /** Absolute deadline (epoch ms) for the call, if any. */
  readonly deadline?: number;
  /** How many Thespian hops the request has made so far; the callee sees hops + 1. */
  readonly hops: number;
  /**
   * CallService's timeout_ms: the call's own deadline is now + timeoutMs, or the incoming
   * deadline if that comes first. The callee must see the cancellation when it expires.
   */
  readonly timeoutMs?: number;
  /**
   * Names this call's random stream (see Random.streamId), sent along so that a seeded callee
   * draws the same numbers for the same upstream step whatever order concurrent calls arrive in.
   */
  readonly randomKey?: string;
}

/** Thrown by a Caller when the other instance answered with an error, or could not be reached. */
export class CallFailure extends Error {
  constructor(
    readonly code: StatusName,
    readonly details: string,
  ) {
    super(`${code}: ${details}`);
    this.name = 'CallFailure';
  }
}

export interface Caller {
  /** Calls a method of another instance; resolves on OK, rejects with CallFailure otherwise. */
  call(target: CallTarget, options: CallOptions): Promise<void>;
}

export interface Clock {
  /** Milliseconds, monotonic, high resolution, on performance.now()'s scale (spans are dated with it). */
  now(): number;
  /**
   * Resolves once `ms` have passed since `from` (a now() reading; by default, now), with now() at
   * the moment the wait ended, which can be a little before the code after the sleep gets to
   * run. Rejects with the signal's reason if aborted first.
   */
  sleep(ms: number, signal: RequestSignal, from?: number): Promise<number>;
}

/**
 * Where the engine reports what metrics count: each step's duration, and each failure Thespian
 * decided to inject (a failure_chance roll, a timeout_ms expiry), once per decision, whether or
 * not a retry then recovered. server/ gives it the instance's instruments.
 */
export interface StepMeter {
  stepEnded(kind: string, name: string, durationMs: number): void;
  /** `incident`: the name of the incident that caused the failure, when one did. */
  failureInjected(step: string, code: StatusName, injected: InjectedFailure, incident?: string): void;
}

/** Where the engine writes its log lines; the active span's ids are added by the implementation. */
export interface StepLogger {
  info(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
  error(message: string, fields: Record<string, unknown>): void;
}
