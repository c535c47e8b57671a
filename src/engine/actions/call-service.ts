import type { Span } from '@opentelemetry/api';
import { z } from 'zod';
import type { ActionKind } from '../action-kind';
import { MAX_LATENCY_MS } from '../distributions/latency-distribution';
import { GRPC_METHODS, type Attributes, type GrpcMethod } from '../model';
import { CallFailure } from '../ports';
import type { StatusName } from '../status-name';
import { descend, type StepContext } from '../step-context';
import { describeTrail, inStepSpan, markInjected } from '../step-span';
import { StepFailure, type InjectedKind } from '../step-failure';
import { attributesSchema } from './attributes-schema';
import { strictWithHints } from './strict-with-hints';
import { PROPAGATE, statusNameSchema } from './status-code-schema';

/** How a CallService tries again. Backoff before attempt n (n ≥ 2) is backoffMs · multiplier^(n−2). */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly backoffMs: number;
  readonly multiplier: number;
  /** Attempt outcomes (the code the attempt failed with) that are worth another attempt. */
  readonly retryOn: readonly StatusName[];
}

export interface CallServiceSpec {
  readonly tracingName: string;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly method: GrpcMethod;
  /** Each attempt's own deadline, in ms from its start; the incoming request's deadline still applies. */
  readonly timeoutMs?: number;
  /** Absent: one attempt. */
  readonly retries?: RetryPolicy;
  /**
   * What the step answers when the call fails. Absent: INTERNAL when the downstream answered an
   * error (as the original did), DEADLINE_EXCEEDED after a timeout, UNAVAILABLE after an injected
   * network failure. PROPAGATE: the code the last attempt failed with.
   */
  readonly failureCode?: StatusName | typeof PROPAGATE;
  /** Chance that an attempt fails as a network error would (UNAVAILABLE) without being sent. */
  readonly failureChance: number;
  readonly attributes: Attributes;
}

export const DEFAULT_RETRY_ON: readonly StatusName[] = ['UNAVAILABLE'];
export const DEFAULT_BACKOFF_MS = 25;
export const DEFAULT_BACKOFF_MULTIPLIER = 2;
export const MAX_ATTEMPTS = 100;

/** The wait before attempt `attempt` (2, 3, ...); exported so that predictions use the same arithmetic. */
export function backoffBeforeAttempt(policy: RetryPolicy, attempt: number): number {
  return Math.min(MAX_LATENCY_MS, policy.backoffMs * policy.multiplier ** (attempt - 2));
}

/** grpc-js measures its deadline on the wall clock, the engine on the monotonic one; they may differ by a little. */
const TIMER_SLACK_MS = 2;

/** The code an attempt fails with when its failure_chance roll fails: what a refused connection gives. */
export const INJECTED_NETWORK_FAILURE_CODE: StatusName = 'UNAVAILABLE';

/** The original wrote ports as strings ("6379"); numbers are accepted too. */
const portSchema = z.union([z.int(), z.string()]).transform((value, ctx) => {
  const port = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    ctx.addIssue({ code: 'custom', message: `must be a port number from 1 to 65535 (got ${JSON.stringify(value)})` });
    return z.NEVER;
  }
  return port;
});

/** "http://payments", "payments", "https://api.example.com" → host and whether to use TLS. */
const addressSchema = z.string().min(1).transform((value, ctx) => {
  const match = /^(?:(https?):\/\/)?([^/:\s]+)\/?$/.exec(value.trim());
  if (!match) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a host name with an optional http:// or https://, without port or path (got ${JSON.stringify(value)}); put the port in service_port`,
    });
    return z.NEVER;
  }
  return { host: match[2], tls: match[1] === 'https' };
});

const retriesSchema = strictWithHints({
  max_attempts: z.number().int().min(1).max(MAX_ATTEMPTS),
  backoff_ms: z.number().min(0).max(MAX_LATENCY_MS).optional(),
  multiplier: z.number().min(1).max(100).optional(),
  retry_on: z.array(statusNameSchema({ allowPropagate: false })).min(1).optional(),
}).transform(
  (raw): RetryPolicy => ({
    maxAttempts: raw.max_attempts,
    backoffMs: raw.backoff_ms ?? DEFAULT_BACKOFF_MS,
    multiplier: raw.multiplier ?? DEFAULT_BACKOFF_MULTIPLIER,
    retryOn: (raw.retry_on as StatusName[] | undefined) ?? DEFAULT_RETRY_ON,
  }),
);

/** How one attempt ended. */
interface AttemptOutcome {
  readonly code: StatusName;
  /** Finishes "call to host:port/A …" when the attempt failed. */
  readonly detail: string;
  readonly injected?: InjectedKind;
  readonly sent: boolean;
  readonly roll?: number;
}

/** `{"CallService": {...}}`: calls A, B or C of another instance. */
export const callServiceAction: ActionKind<CallServiceSpec> = {
  tag: 'CallService',
  schema: z
    .strictObject({
      tracing_name: z.string().min(1).optional(),
      service_address: addressSchema,
      service_port: portSchema,
      grpc_method: z.enum(GRPC_METHODS),
      timeout_ms: z.number().int().min(1).max(MAX_LATENCY_MS).optional(),
      retries: retriesSchema.optional(),
      failure_code: statusNameSchema({ allowPropagate: true }).optional(),
      failure_chance: z.number().min(0).max(1).optional(),
      attributes: attributesSchema().optional(),
    })
    .transform(
      (raw): CallServiceSpec => ({
        tracingName: raw.tracing_name ?? `call ${raw.service_address.host}:${raw.service_port}/${raw.grpc_method}`,
        host: raw.service_address.host,
        port: raw.service_port,
        tls: raw.service_address.tls,
        method: raw.grpc_method,
        timeoutMs: raw.timeout_ms,
        retries: raw.retries,
        failureCode: raw.failure_code,
        failureChance: raw.failure_chance ?? 0,
        attributes: raw.attributes ?? {},
      }),
    ),

  async perform(spec, context) {
    const inner = descend(context, spec.tracingName);
    const target = `${spec.host}:${spec.port}`;
    // Chaos attributes only when configured, so spans of the original's configs look as before.
    const attributes: Record<string, string | number | boolean> = {
      ...spec.attributes,
      'thespian.target': target,
      'thespian.grpc_method': spec.method,
      'rpc.service': 'thespian.Thespian',
      'rpc.method': spec.method,
      'server.address': spec.host,
      'server.port': spec.port,
    };
    if (spec.timeoutMs !== undefined) attributes['thespian.timeout_ms'] = spec.timeoutMs;
    if (spec.failureChance > 0) attributes['thespian.failure_chance'] = spec.failureChance;
    if (spec.retries) attributes['thespian.retries.max_attempts'] = spec.retries.maxAttempts;

    await inStepSpan(inner, 'CallService', spec.tracingName, attributes, async (span) => {
      const maxAttempts = spec.retries?.maxAttempts ?? 1;
      for (let attempt = 1; ; attempt++) {
        const outcome = await attemptCall(spec, context, attempt);
        if (outcome.injected) markInjected(span, outcome.injected);
        if (outcome.roll !== undefined) span.setAttribute('thespian.roll', outcome.roll);
        const failure = outcome.code === 'OK' ? undefined : outcome;
        const retry = failure !== undefined && spec.retries !== undefined && attempt < maxAttempts && spec.retries.retryOn.includes(failure.code);
        const backoffMs = retry ? backoffBeforeAttempt(spec.retries!, attempt + 1) : undefined;
        if (spec.retries) recordAttempt(span, attempt, outcome, backoffMs);
        if (!failure) return;
        if (backoffMs === undefined) throw finalFailure(spec, inner, target, failure, attempt);
        // The gap between one attempt's CLIENT span and the next is this wait.
        await context.clock.sleep(backoffMs, context.signal);
      }
    });
  },
};

async function attemptCall(spec: CallServiceSpec, context: StepContext, attempt: number): Promise<AttemptOutcome> {
  let roll: number | undefined;
  if (spec.failureChance > 0) {
    roll = context.random.next();
    if (roll < spec.failureChance) {
      return {
        code: INJECTED_NETWORK_FAILURE_CODE,
        detail: `failed with ${INJECTED_NETWORK_FAILURE_CODE}: injected network failure, not sent (rolled ${roll.toFixed(4)} < failure_chance ${spec.failureChance})`,
        injected: 'call_failure',
        sent: false,
        roll,
      };
    }
  }
  // Decided before the call: whether an expiry would be this step's timeout or the incoming request's deadline.
  const ownTimeoutBinds = spec.timeoutMs !== undefined && (context.deadline === undefined || Date.now() + spec.timeoutMs < context.deadline);
  const started = context.clock.now();
  try {
    await context.caller.call(spec, {
      signal: context.signal,
      deadline: context.deadline,
      hops: context.hops,
      timeoutMs: spec.timeoutMs,
      randomKey: context.random.fork?.(`attempt ${attempt}`).streamId,
    });
    return { code: 'OK', detail: '', sent: true, roll };
  } catch (error) {
    // The request this step serves is over (cancelled, or its deadline passed): no retry, and the reason is that, not the call.
    if (context.signal.aborted) throw StepFailure.from(context.signal.reason);
    if (!(error instanceof CallFailure)) throw error;
    // A DEADLINE_EXCEEDED that comes back sooner is the downstream's own answer (its callee timed out), not this timeout.
    const timedOut = ownTimeoutBinds && context.clock.now() - started >= spec.timeoutMs! - TIMER_SLACK_MS;
    if (error.code === 'DEADLINE_EXCEEDED' && timedOut) {
      return { code: 'DEADLINE_EXCEEDED', detail: `timed out after ${spec.timeoutMs} ms (timeout_ms)`, injected: 'timeout', sent: true, roll };
    }
    return { code: error.code, detail: `failed with ${error.code}: ${error.details}`, sent: true, roll };
  }
}

function recordAttempt(span: Span, attempt: number, outcome: AttemptOutcome, backoffMs: number | undefined): void {
  const attributes: Record<string, string | number | boolean> = {
    'thespian.attempt': attempt,
    'thespian.attempt.code': outcome.code,
    'thespian.attempt.sent': outcome.sent,
  };
  if (outcome.roll !== undefined) attributes['thespian.roll'] = outcome.roll;
  if (outcome.injected) attributes['thespian.injected.kind'] = outcome.injected;
  if (backoffMs !== undefined) attributes['thespian.backoff_ms'] = backoffMs;
  span.addEvent('thespian.attempt', attributes);
  span.setAttribute('thespian.attempts', attempt);
}

function finalFailure(spec: CallServiceSpec, inner: StepContext, target: string, failure: AttemptOutcome, attempts: number): StepFailure {
  const code =
    spec.failureCode === PROPAGATE
      ? failure.code
      : (spec.failureCode ?? (failure.injected ? failure.code : 'INTERNAL')); // the original answers INTERNAL whatever the downstream said
  const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
  return new StepFailure(code, `${describeTrail(inner.trail)}: call to ${target}/${spec.method} ${failure.detail}${tries}`, failure.injected);
}
