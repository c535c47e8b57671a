import * as grpc from '@grpc/grpc-js';
import { context, trace } from '@opentelemetry/api';
import { STATUS_CODES, statusNameOf } from '../common';
import { eventLoopTurns, GRPC_METHODS, QUEUED_MS_ATTRIBUTE, StepFailure, THESPIAN_RPC_SERVICE, TRACE_ID_HEADER, type GrpcMethod, type Performer } from '../engine';
import type { InstanceMetrics } from './instance-metrics';
import { CallCancellation } from './call-cancellation';
import { DRAINING_MESSAGE, type InFlightCalls } from './in-flight-calls';
import { HEADERS } from './protocol';
import { statusDetails } from './status-details';

/** How close to its deadline a caller's reset still counts as the deadline passing (see below). */
const DEADLINE_RESET_SLACK_MS = 50;

interface ServiceOptions {
  readonly perform: Performer;
  readonly maxHops: number;
  /** Where calls are counted while they run, and refused once shutdown begins. */
  readonly inFlight: InFlightCalls;
  /** rpc.server.call.duration is recorded here. */
  readonly metrics: InstanceMetrics;
}

type UnaryHandler = grpc.handleUnaryCall<object, object>;

/**
 * The handlers of A, B and C. The gRPC instrumentation has already started the SERVER span
 * (continuing the caller's trace) and made it active when a handler runs.
 */
export function thespianHandlers(options: ServiceOptions): Record<GrpcMethod, UnaryHandler> {
  return Object.fromEntries(GRPC_METHODS.map((method) => [method, handlerFor(method, options)])) as Record<GrpcMethod, UnaryHandler>;
}

function handlerFor(method: GrpcMethod, options: ServiceOptions): UnaryHandler {
  const fullMethod = `${THESPIAN_RPC_SERVICE}/${method}`;
  return (call, reply) => {
    const receivedAt = performance.now();
    // Every answer, a refusal too, is timed from the handler's start to the answer.
    const callback: grpc.sendUnaryData<object> = (error, value) => {
      options.metrics.serverCallEnded(fullMethod, error ? statusNameOf(error.code ?? grpc.status.UNKNOWN) : 'OK', (performance.now() - receivedAt) / 1000);
      reply(error, value);
    };
    const idMetadata = sendTraceId(call);
    if (options.inFlight.draining) {
      answerWithError(callback, grpc.status.UNAVAILABLE, DRAINING_MESSAGE, idMetadata);
      return;
    }

    const hops = readHops(call.metadata);
    if (hops > options.maxHops) {
      answerWithError(callback, grpc.status.FAILED_PRECONDITION, hopLimitMessage(hops, options.maxHops), idMetadata);
      return;
    }

    const deadline = finiteDeadline(call.getDeadline());
    const cancellation = new CallCancellation();
    let answered = false;
    // grpc-js emits 'cancelled' after every call, answered or not; only an unanswered one matters.
    call.on('cancelled', () => {
      if (!answered) cancellation.abort(whyCallerReset(deadline));
    });

    const randomKey = readRandomKey(call.metadata);
    const arrivedAt = performance.now();
    const answer = () => {
      recordQueuedTime(arrivedAt);
      return options.perform(method, { signal: cancellation, deadline, hops, randomKey }).then(
        () => {
          answered = true;
          callback(null, {});
        },
        (error: unknown) => {
          answered = true;
          const failure = StepFailure.from(error);
          answerWithError(callback, STATUS_CODES[failure.code], failure.message, idMetadata);
        },
      );
    };
    // Acted out in a later turn (see TurnQueue), inside the SERVER span's context. A request
    // that waits there shows it as the gap between its SERVER span and its Function span.
    // Counted from arrival, so a call still waiting for its turn is drained (or cut) too.
    const finished = new Promise<void>((resolve) => eventLoopTurns.defer(context.bind(context.active(), () => resolve(answer()))));
    options.inFlight.track(cancellation, finished);
  };
}

/** The trace id goes back in the headers, sent first, so that every answer carries it (a refusal too). */
function sendTraceId(call: grpc.ServerUnaryCall<object, object>): grpc.Metadata {
  const traceId = trace.getActiveSpan()?.spanContext().traceId;
  const idMetadata = new grpc.Metadata();
  if (traceId) idMetadata.set(TRACE_ID_HEADER, traceId);
  call.sendMetadata(idMetadata);
  return idMetadata;
}

function hopLimitMessage(hops: number, maxHops: number): string {
  return `refused: this request has passed through ${hops} Thespians (limit ${maxHops}, THESPIAN_MAX_HOPS); the behaviours probably call each other in a cycle`;
}

/**
 * The caller gives up at its own deadline and resets the stream; that reset can be read before
 * this side's deadline, which was reckoned from when the request was read and so falls later by
 * the transit and queueing time. A reset that close to the deadline is the deadline, not a cancel.
 */
function whyCallerReset(deadline: number | undefined): StepFailure {
  const expired = deadline !== undefined && Date.now() >= deadline - DEADLINE_RESET_SLACK_MS;
  return expired
    ? new StepFailure('DEADLINE_EXCEEDED', "the caller's deadline passed before the behaviour finished")
    : new StepFailure('CANCELLED', 'the caller cancelled the request');
}

/** How long this request waited for its turn: the instance's own overload, on the SERVER span. */
function recordQueuedTime(arrivedAt: number): void {
  trace.getActiveSpan()?.setAttribute(QUEUED_MS_ATTRIBUTE, Math.round((performance.now() - arrivedAt) * 1000) / 1000);
}

/**
 * Every answer with an error goes through here: `details` is what the caller reads, `message`
 * what the gRPC instrumentation puts on the SERVER span's status (it reads err.message), and both
 * are made safe for the grpc-message header (see statusDetails).
 */
function answerWithError(callback: grpc.sendUnaryData<object>, code: grpc.status, message: string, metadata: grpc.Metadata): void {
  const details = statusDetails(message);
  callback({ code, details, message: details, metadata });
}

function readHops(metadata: grpc.Metadata): number {
  const value = metadata.get(HEADERS.hops)[0];
  const hops = typeof value === 'string' ? Number.parseInt(value, 10) : 0;
  return Number.isFinite(hops) && hops > 0 ? hops : 0;
}

/** Only a short hex name is taken: the header comes from outside and is hashed into a seed, nothing more. */
function readRandomKey(metadata: grpc.Metadata): string | undefined {
  const value = metadata.get(HEADERS.randomKey)[0];
  return typeof value === 'string' && /^[0-9a-f]{1,16}$/.test(value) ? value : undefined;
}

function finiteDeadline(deadline: grpc.Deadline): number | undefined {
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(ms) ? ms : undefined;
}
