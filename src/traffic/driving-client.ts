import * as grpc from '@grpc/grpc-js';
import type { TargetAddress } from './target-address';
// not through the index: engine/index loads the whole engine, which would make each `poke` and `load` start slower
import { GRPC_METHODS, type GrpcMethod } from '../engine/model';
// not through the index: engine/index loads the whole engine, which would make each `poke` and `load` start slower
import { THESPIAN_RPC_SERVICE } from '../engine/span-names';
// not through the index: engine/index loads the whole engine, which would make each `poke` and `load` start slower
import { TRACE_ID_HEADER } from '../engine/trace-id-header';

const DEADLINE_SLACK_MS = 5;

/** How one call ended: a gRPC status code (0 = OK), its message, and the trace id the server sent, if any. */
export interface CallOutcome {
  code: number;
  details: string;
  traceId: string | undefined;
  /** False when no response headers came back at all: the server was never reached. */
  answered: boolean;
  /** DEADLINE_EXCEEDED because this call's own deadline passed (not a server's earlier verdict). */
  pastDeadline?: boolean;
}

/**
 * Called once per call. `token` is whatever the sender passed to send(), so one function can
 * serve every call and the sender needs no closure of its own per request.
 */
export type CallDone = (token: number, outcome: CallOutcome) => void;

export interface DrivingClientOptions {
  /** Separate HTTP/2 connections per target, used in turn; more can help at very high rates. */
  channelsPerTarget?: number;
  /** Deadline of each call. */
  timeoutMs: number;
}

// Thespian's request and answer are both the empty message `Nothing`, whose encoding is zero
// bytes: no proto loading, and one shared buffer for every request.
const EMPTY = Buffer.alloc(0);
const serializeNothing = (): Buffer => EMPTY;
// grpc-js takes a null answer for a missing one, so every answer decodes to this same object.
const NOTHING = Object.freeze({});
const deserializeNothing = (): object => NOTHING;

/**
 * The gRPC client that drives traffic for `poke`, `load`, `up` and `verify`: one set of channels
 * per target, made once and reused for every call. It never throws for a failed call; every
 * outcome, including an unreachable target, arrives as a status code.
 *
 * It does not load the OpenTelemetry SDK: the load generator is not itself traced, the trace
 * id of each request is read from the answer's `x-trace-id` header. This module loads
 * @grpc/grpc-js; others make a client through makeDrivingClient, which requires it only then.
 */
export class DrivingClient {
  private readonly channels: grpc.Client[][];
  private readonly next: number[];
  private readonly metadata = new grpc.Metadata(); // grpc-js copies it per call, so one is enough
  private readonly timeoutMs: number;
  private closed = false;

  constructor(targets: readonly TargetAddress[], options: DrivingClientOptions) {
    const perTarget = Math.max(1, Math.floor(options.channelsPerTarget ?? 1));
    this.timeoutMs = options.timeoutMs;
    this.channels = targets.map((target) =>
      Array.from({ length: perTarget }, () => {
        const credentials = target.tls ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
        // Without a local subchannel pool, channels to the same address share one connection,
        // which would defeat the point of having several.
        const channelOptions: grpc.ChannelOptions = perTarget > 1 ? { 'grpc.use_local_subchannel_pool': 1 } : {};
        return new grpc.Client(target.address, credentials, channelOptions);
      }),
    );
    this.next = targets.map(() => 0);
  }

  /** Starts one call of `method` on target number `target`; `done(token, outcome)` runs when it ends. */
  send(target: number, method: GrpcMethod, token: number, done: CallDone): void {
    const channels = this.channels[target]!;
    const index = this.next[target]!;
    this.next[target] = index + 1 === channels.length ? 0 : index + 1;
    let traceId: string | undefined;
    let answered = false;
    const deadline = Date.now() + this.timeoutMs;
    const call = channels[index]!.makeUnaryRequest(
      PATHS[method],
      serializeNothing,
      deserializeNothing,
      null,
      this.metadata,
      { deadline },
      (error: grpc.ServiceError | null) => {
        if (error === null) return done(token, { code: 0, details: '', traceId, answered: true });
        if (traceId === undefined) traceId = headerValue(error.metadata);
        // Trailers carrying anything but the status (our trace id) also mean the server answered.
        if (!answered && traceId !== undefined) answered = true;
        // grpc-js times the deadline with a timer, which can fire a millisecond before Date.now() agrees.
        const pastDeadline = error.code === grpc.status.DEADLINE_EXCEEDED && Date.now() + DEADLINE_SLACK_MS >= deadline;
        done(token, { code: error.code, details: error.details, traceId, answered, ...(pastDeadline ? { pastDeadline } : {}) });
      },
    );
    call.on('metadata', (headers: grpc.Metadata) => {
      answered = true;
      traceId = headerValue(headers);
    });
  }

  /**
   * Opens every channel's connection before the first request, so that connecting does not
   * delay the start of an open-loop schedule. Resolves when each is ready or has failed (an
   * unreachable target is reported by its requests, not here), or after `timeoutMs`.
   */
  connect(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const settled = new Set([grpc.connectivityState.READY, grpc.connectivityState.TRANSIENT_FAILURE, grpc.connectivityState.SHUTDOWN]);
    const waits = this.channels.flat().map(
      (client) =>
        new Promise<void>((resolve) => {
          const channel = client.getChannel();
          const check = (): void => {
            const state = channel.getConnectivityState(true);
            if (settled.has(state) || Date.now() >= deadline) return resolve();
            channel.watchConnectivityState(state, deadline, check);
          };
          check();
        }),
    );
    return Promise.all(waits).then(() => undefined);
  }

  /** One call, as a promise; for callers that go one at a time (poke). */
  call(target: number, method: GrpcMethod): Promise<CallOutcome> {
    return new Promise((resolve) => this.send(target, method, 0, (_token, outcome) => resolve(outcome)));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const channels of this.channels) for (const channel of channels) channel.close();
  }
}

const PATHS = Object.fromEntries(GRPC_METHODS.map((method) => [method, `/${THESPIAN_RPC_SERVICE}/${method}`])) as Record<GrpcMethod, string>;

function headerValue(metadata: grpc.Metadata | undefined): string | undefined {
  const value = metadata?.get(TRACE_ID_HEADER)[0];
  return value === undefined ? undefined : String(value);
}
