import { z } from 'zod';
import type { ActionKind } from '../action-kind';
import {
  addDurations as addDurationsImpl,
  addLines,
  cdfOf,
  durationBelow,
  fixedDuration,
  inSpan,
  isDiscrete,
  MAX_LATENCY_MS,
  mergeBranches,
  NO_LINES,
  sampleDuration,
  ZERO,
  type Branch,
  type Duration,
  type Outcome,
  type SpanShape,
} from '../../probability';
import { GRPC_METHODS, type Attributes, type GrpcMethod } from '../model';
import { CallFailure } from '../ports';
import { configString, STRING_LIMITS, quoteBriefly, type StatusName } from '../../common';
import { descend, type StepContext } from '../step-context';
import { spanTime } from '../span-time';
import { describeTrail, inStepSpan, markInjected, stepSpanLines } from '../step-span';
import { StepFailure } from '../step-failure';
import { attributesSchema } from './attributes-schema';
import { formatPercent } from '../../common';
import { NOT_SENT, recordAttempt, type AttemptRecord } from './attempt-events';
import { strictWithHints } from './strict-with-hints';
import { PROPAGATE, statusNameSchema } from './status-code-schema';
import type { CalleePrediction, PredictContext, StepPrediction } from '../predict-context';
import {
  FAILURE_CHANCE_ATTRIBUTE,
  GRPC_METHOD_ATTRIBUTE,
  RETRIES_MAX_ATTEMPTS_ATTRIBUTE,
  ROLL_ATTRIBUTE,
  TARGET_ATTRIBUTE,
  THESPIAN_RPC_SERVICE,
  TIMEOUT_MS_ATTRIBUTE,
} from '../span-names';

/** How a CallService tries again. Backoff before attempt n (n ≥ 2) is backoffMs · multiplier^(n−2). */
interface RetryPolicy {
  readonly maxAttempts: number;
  readonly backoffMs: number;
  readonly multiplier: number;
  /** Attempt outcomes (the code the attempt failed with) that are worth another attempt. */
  readonly retryOn: readonly StatusName[];
}

interface CallServiceSpec {
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

const DEFAULT_RETRY_ON: readonly StatusName[] = ['UNAVAILABLE'];
const DEFAULT_BACKOFF_MS = 25;
const DEFAULT_BACKOFF_MULTIPLIER = 2;
const MAX_ATTEMPTS = 100;

/** The wait before attempt `attempt` (2, 3, ...); exported so that predictions use the same arithmetic. */
function backoffBeforeAttempt(policy: RetryPolicy, attempt: number): number {
  return Math.min(MAX_LATENCY_MS, policy.backoffMs * policy.multiplier ** (attempt - 2));
}

/** grpc-js measures its deadline on the wall clock, the engine on the monotonic one; they may differ by a little. */
const TIMER_SLACK_MS = 2;

/** The code an attempt fails with when its failure_chance roll fails: what a refused connection gives. */
const INJECTED_NETWORK_FAILURE_CODE: StatusName = 'UNAVAILABLE';

/** The original wrote ports as strings ("6379"); numbers are accepted too. */
const portSchema = z.union([z.int(), z.string()]).transform((value, ctx) => {
  const port = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    ctx.addIssue({ code: 'custom', message: `must be a port number from 1 to 65535 (got ${typeof value === 'string' ? quoteBriefly(value) : value})` });
    return z.NEVER;
  }
  return port;
});

/** A DNS name is at most 253 characters; with a scheme, a little more. */
const MAX_HOST_NAME_LENGTH = 'https://'.length + 253;

/** "http://payments", "payments", "https://api.example.com" → host and whether to use TLS. */
const addressSchema = configString({ maxLength: MAX_HOST_NAME_LENGTH }).transform((value, ctx) => {
  const match = /^(?:(https?):\/\/)?([^/:\s]+)\/?$/.exec(value.trim());
  if (!match) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a host name with an optional http:// or https://, without port or path (got ${quoteBriefly(value)}); put the port in service_port`,
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
interface AttemptOutcome extends AttemptRecord {
  /** When the attempt failed, why: after its hopMark, or for a timeout after "call to host:port/A ". */
  readonly detail: string;
}

/** `{"CallService": {...}}`: calls A, B or C of another instance. */
export const callServiceAction: ActionKind<CallServiceSpec> = {
  tag: 'CallService',
  schema: z
    .strictObject({
      tracing_name: configString({ maxLength: STRING_LIMITS.name }).optional(),
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

  // Not async: the step's span callback is (see inStepSpan).
  perform(spec, context) {
    const inner = descend(context, spec.tracingName);
    const target = `${spec.host}:${spec.port}`;
    // Chaos attributes only when configured, so spans of the original's configs look as before.
    const attributes: Record<string, string | number | boolean> = {
      ...spec.attributes,
      [TARGET_ATTRIBUTE]: target,
      [GRPC_METHOD_ATTRIBUTE]: spec.method,
      'rpc.service': THESPIAN_RPC_SERVICE,
      'rpc.method': spec.method,
      'server.address': spec.host,
      'server.port': spec.port,
    };
    if (spec.timeoutMs !== undefined) attributes[TIMEOUT_MS_ATTRIBUTE] = spec.timeoutMs;
    if (spec.failureChance > 0) attributes[FAILURE_CHANCE_ATTRIBUTE] = spec.failureChance;
    if (spec.retries) attributes[RETRIES_MAX_ATTEMPTS_ATTRIBUTE] = spec.retries.maxAttempts;

    return inStepSpan(inner, 'CallService', spec.tracingName, attributes, async (span) => {
      const maxAttempts = spec.retries?.maxAttempts ?? 1;
      for (let attempt = 1; ; attempt++) {
        const outcome = await attemptCall(spec, context, attempt);
        if (outcome.injected) {
          markInjected(span, outcome.injected);
          context.meter?.failureInjected(spec.tracingName, outcome.code, outcome.injected);
        }
        if (outcome.roll !== undefined) span.setAttribute(ROLL_ATTRIBUTE, outcome.roll);
        const failure = outcome.code === 'OK' ? undefined : outcome;
        const retry = failure !== undefined && spec.retries !== undefined && attempt < maxAttempts && spec.retries.retryOn.includes(failure.code);
        const backoffMs = retry ? backoffBeforeAttempt(spec.retries!, attempt + 1) : undefined;
        if (spec.retries) recordAttempt(span, attempt, outcome, backoffMs, spanTime(context.clock.now()));
        if (!failure) return;
        if (backoffMs === undefined) throw finalFailure(spec, inner, target, failure, attempt);
        // The gap between one attempt's CLIENT span and the next is this wait.
        await context.clock.sleep(backoffMs, context.signal);
      }
    });
  },

  predict: (spec, context) => predictCallService(spec, context),
};

async function attemptCall(spec: CallServiceSpec, context: StepContext, attempt: number): Promise<AttemptOutcome> {
  let roll: number | undefined;
  if (spec.failureChance > 0) {
    roll = context.random.next();
    if (roll < spec.failureChance) {
      return {
        code: INJECTED_NETWORK_FAILURE_CODE,
        detail: `injected network failure, not sent (rolled ${roll.toFixed(4)} < failure_chance ${spec.failureChance})`,
        injected: NOT_SENT,
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
    return { code: error.code, detail: error.details, sent: true, roll };
  }
}

function finalFailure(spec: CallServiceSpec, inner: StepContext, target: string, failure: AttemptOutcome, attempts: number): StepFailure {
  const code =
    spec.failureCode === PROPAGATE
      ? failure.code
      : (spec.failureCode ?? (failure.injected ? failure.code : 'INTERNAL')); // the original answers INTERNAL whatever the downstream said
  const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
  const mark = failure.injected === 'timeout' ? callMark(target, spec.method) : hopMark(target, spec.method, failure.code);
  return new StepFailure(code, `${describeTrail(inner.trail)}${mark}${failure.detail}${tries}`, failure.injected);
}

function callMark(target: string, method: string): string {
  return `: call to ${target}/${method} `;
}

/**
 * What a failed call step puts between its trail and the callee's status message (or, for an
 * injected network failure, the reason nothing was sent). The server's status-details counts the
 * hops of a chain by this mark, so its wording lives here only.
 */
export function hopMark(target: string, method: string, code: string): string {
  return `${callMark(target, method)}failed with ${code}: `;
}

/** What the gRPC instrumentation names the CLIENT and SERVER spans of a call of A, B or C. */
export function grpcSpanName(method: GrpcMethod): string {
  return `grpc.${THESPIAN_RPC_SERVICE}/${method}`;
}

/** Closer than this to timeout_ms, transport time (which predictions leave out) decides. */
const TIMEOUT_MARGIN_MS = 5;

/**
 * As perform does it: each attempt is cut by failure_chance (UNAVAILABLE, not sent, no CLIENT
 * span) or sent (a CLIENT span, the callee's spans, the callee's answer, or DEADLINE_EXCEEDED
 * when it takes longer than timeout_ms); a failed attempt whose code is in retry_on is tried
 * again after its backoff; the last failure is answered with the code failure_code says.
 */
function predictCallService(spec: CallServiceSpec, context: PredictContext): StepPrediction {
  const callee = context.predictCall(spec);
  const attempt = attemptOutcome(spec, callee, context);
  const maxAttempts = spec.retries?.maxAttempts ?? 1;
  const settled: Branch[] = [];
  let pending: readonly Branch[] = attempt.branches;
  for (let number = 1; pending.length > 0; number++) {
    const again: Branch[] = [];
    for (const branch of pending) {
      if (branch.code === 'OK') settled.push({ ...branch, tag: undefined });
      else if (spec.retries && number < maxAttempts && spec.retries.retryOn.includes(branch.code)) again.push(branch);
      else settled.push(finalFailureBranch(spec, branch));
    }
    if (again.length === 0) break;
    const [waited] = mergeBranches(again.map((branch) => ({ ...branch, code: 'OK', tag: undefined })));
    const backoff = fixedDuration(backoffBeforeAttempt(spec.retries!, number + 1));
    pending = attempt.branches.map((next) => ({
      ...next,
      p: waited.p * next.p,
      duration: addDurationsOf(waited.duration, backoff, next.duration),
      spans: waited.spans + next.spans,
      lines: addLines(waited.lines, next.lines),
    }));
  }
  const outcome = inSpan({ branches: mergeBranches(settled) });
  const pFail = outcome.branches.reduce((sum, branch) => (branch.code === 'OK' ? sum : sum + branch.p), 0);
  const client: SpanShape = {
    service: context.service,
    name: grpcSpanName(spec.method),
    kind: 'CLIENT',
    pFail: 0,
    groups: callee.shape ? [[callee.shape]] : [],
    ...(callee.shape ? {} : { external: callee.name }),
  };
  const details = [`→ ${callee.name}`];
  if (spec.timeoutMs !== undefined) details.push(`timeout ${spec.timeoutMs} ms`);
  if (spec.retries) details.push(`up to ${maxAttempts} attempts`);
  if (spec.failureChance > 0) details.push(`${formatPercent(spec.failureChance)} not sent`);
  return {
    shape: {
      service: context.service,
      name: spec.tracingName,
      kind: 'INTERNAL',
      step: 'CallService',
      detail: details.join(', '),
      pFail,
      // Its failure is its own: a callee's failure reaches it as an answer, not a failure from below.
      lines: stepSpanLines(true),
      groups: [],
      attempt: { maxAttempts, retries: spec.retries !== undefined, shape: client },
    },
    outcome,
  };
}

function addDurationsOf(...parts: Duration[]): Duration {
  return parts.reduce((sum, part) => addDurationsImpl(sum, part), ZERO);
}

/** One attempt, tagged by where its failure came from: injected (failure_chance), timeout, or the callee's answer. */
function attemptOutcome(spec: CallServiceSpec, callee: CalleePrediction, context: PredictContext): Outcome {
  const branches: Branch[] = [];
  if (spec.failureChance > 0) {
    branches.push({ code: INJECTED_NETWORK_FAILURE_CODE, tag: 'injected', p: spec.failureChance, duration: ZERO, spans: 0, lines: NO_LINES });
  }
  const sent = 1 - spec.failureChance;
  for (const answer of callee.outcome.branches) {
    // The CLIENT span of the attempt, then the callee's spans.
    const base: Branch = { ...answer, p: sent * answer.p, spans: answer.spans + 1, ...(answer.code === 'OK' ? {} : { tag: 'callee' }) };
    if (spec.timeoutMs === undefined || callee.shape === undefined) {
      branches.push(base);
      continue;
    }
    const late = probabilityLongerThan(answer.duration, spec.timeoutMs, callee.name, context);
    if (late < 1) branches.push({ ...base, p: base.p * (1 - late), duration: durationBelow(answer.duration, spec.timeoutMs) });
    if (late > 0) {
      context.note('assumption', `a call that times out counts the spans of ${callee.name} as if it had finished, so the mean span count is an upper bound`);
      // The callee is cancelled midway: it logs the cancellation where it was; its spans up to then
      // are counted as if it had finished (an upper bound), which only the mean span count uses.
      branches.push({
        code: 'DEADLINE_EXCEEDED',
        tag: 'timeout',
        p: base.p * late,
        duration: fixedDuration(spec.timeoutMs),
        spans: base.spans,
        lines: answer.code === 'OK' ? addLines(answer.lines, { info: 0, warn: 0, error: 1 }) : answer.lines,
      });
    }
  }
  return { branches: mergeBranches(branches) };
}

/** P(duration > limit): exact from the closed-form CDF when there is one, else by sampling. */
function probabilityLongerThan(duration: Duration, limitMs: number, callee: string, context: PredictContext): number {
  if (isDiscrete(duration)) {
    for (const ms of duration.points.keys()) {
      if (Math.abs(ms - limitMs) < TIMEOUT_MARGIN_MS) {
        context.note(
          'assumption',
          `${callee} can take ${ms} ms, within ${TIMEOUT_MARGIN_MS} ms of timeout_ms ${limitMs}: network and processing time (left out here) decide whether it times out`,
        );
      }
    }
  }
  const within = cdfOf(duration, limitMs);
  if (within !== undefined) return Math.min(1, Math.max(0, 1 - within));
  let longer = 0;
  for (let i = 0; i < context.samples; i++) if (sampleDuration(duration, context.random) > limitMs) longer++;
  context.note(
    'estimate',
    `the chance that ${callee} takes longer than timeout_ms ${limitMs} (${formatPercent(longer / context.samples)}) is estimated from ${context.samples} draws: its latency adds up several random durations, which has no closed form here`,
  );
  return longer / context.samples;
}

function finalFailureBranch(spec: CallServiceSpec, branch: Branch): Branch {
  const injected = branch.tag === 'injected' || branch.tag === 'timeout';
  const code = spec.failureCode === PROPAGATE ? branch.code : (spec.failureCode ?? (injected ? branch.code : 'INTERNAL'));
  // The step's own failure begins here, so it is logged here.
  return { ...branch, code, tag: undefined, lines: addLines(branch.lines, { info: 0, warn: 0, error: 1 }) };
}
