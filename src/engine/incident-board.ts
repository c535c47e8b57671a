/**
 * The incidents one instance (one service of a pack) has: injected with a duration, checked
 * against the behaviour, read by the performer (IncidentSource), cleared or expired. Every
 * incident has an end, at most MAX_INCIDENT_MS away, so a forgotten one cannot outlive a test.
 */
import { closestName, quoteBriefly, STATUS_NAMES, STRING_LIMITS, type StatusName } from '../common';
import { MAX_LATENCY_MS } from '../probability';
import { actionKind } from './actions/registry';
import { makeIncident, type Incident, type IncidentSource } from './incident';
import { GRPC_METHODS, type Action, type Behaviour, type FunctionSpec, type GrpcMethod } from './model';

/** 24 hours. */
export const MAX_INCIDENT_MS = 86_400_000;

/** A latency factor beyond this is a typo, not a test (a 1 ms sleep would take 17 minutes). */
export const MAX_LATENCY_FACTOR = 1_000_000;

/** The most an incident may add to a Sleep: the longest sleep there is. */
export const MAX_EXTRA_LATENCY_MS = MAX_LATENCY_MS;

/** What a user asks for; everything is checked by inject. Absent numbers: no change. */
export interface IncidentDraft {
  readonly name?: string;
  readonly service?: string;
  readonly method?: string;
  readonly step?: string;
  readonly failureChance?: number;
  readonly failureCode?: string;
  readonly extraLatencyMs?: number;
  readonly latencyFactor?: number;
  readonly durationMs: number;
}

export type InjectResult = { readonly incident: Incident } | { readonly problems: readonly string[] };

export class IncidentBoard implements IncidentSource {
  private incidents: Incident[] = [];
  private injected = 0;
  /** Sleep names per method, and every other step name with its kind (for a clear refusal). */
  private readonly sleeps: Record<GrpcMethod, Set<string>>;
  private readonly otherSteps = new Map<string, string>();
  /** The methods the behaviour gives a Function (the others answer OK at once; nothing to change). */
  private readonly methods = new Set<GrpcMethod>();

  constructor(
    behaviour: Behaviour,
    private readonly serviceName: string,
    private readonly now: () => number,
  ) {
    this.sleeps = { A: new Set(), B: new Set(), C: new Set() };
    for (const method of GRPC_METHODS) {
      const fn = behaviour.methods[method];
      if (!fn) continue;
      this.methods.add(method);
      this.collectSteps(method, fn);
    }
  }

  active(method: GrpcMethod, now: number): readonly Incident[] {
    if (this.incidents.length === 0) return this.incidents;
    return this.incidents.filter((incident) => (incident.method === undefined || incident.method === method) && now >= incident.starts && now < incident.ends);
  }

  inject(draft: IncidentDraft): InjectResult {
    const problems = this.check(draft);
    if (problems.length > 0) return { problems };
    const starts = this.now();
    const id = `inc-${++this.injected}`;
    const incident = makeIncident(
      {
        id,
        name: draft.name || id,
        ...(draft.method ? { method: draft.method as GrpcMethod } : {}),
        ...(draft.step ? { step: draft.step } : {}),
        failureChance: draft.failureChance,
        // An empty code is the proto's unset field.
        ...(draft.failureCode ? { failureCode: draft.failureCode as StatusName } : {}),
        extraLatencyMs: draft.extraLatencyMs,
        latencyFactor: draft.latencyFactor,
      },
      starts,
      starts + draft.durationMs,
    );
    this.incidents.push(incident);
    return { incident };
  }

  /** Removes the incident `id`, or every one when `id` is absent; returns those removed. */
  clear(id?: string): readonly Incident[] {
    const cleared = this.incidents.filter((incident) => id === undefined || incident.id === id);
    this.incidents = this.incidents.filter((incident) => !cleared.includes(incident));
    return cleared;
  }

  /** Removes the incidents whose end has passed; returns them (so that their end can be said). */
  expire(): readonly Incident[] {
    const now = this.now();
    const ended = this.incidents.filter((incident) => incident.ends <= now);
    if (ended.length > 0) this.incidents = this.incidents.filter((incident) => incident.ends > now);
    return ended;
  }

  /** The incidents not yet ended, with the ms left on each. */
  list(): readonly { readonly incident: Incident; readonly leftMs: number }[] {
    const now = this.now();
    return this.incidents.filter((incident) => incident.ends > now).map((incident) => ({ incident, leftMs: incident.ends - now }));
  }

  /** The tracing_names of the Sleeps of `method` (the steps an incident on it can change). */
  sleepNames(method: GrpcMethod): ReadonlySet<string> {
    return this.sleeps[method];
  }

  /** What is wrong with `draft` for this instance, one line each as `field: problem` (none: it may be injected). */
  check(draft: IncidentDraft): string[] {
    const problems: string[] = [];
    const tooLong = (field: string, value: string | undefined, limit: number) => {
      if (value !== undefined && value.length > limit) problems.push(`${field}: at most ${limit} characters (got ${value.length})`);
      // A lone surrogate would break the gRPC status message (encodeURI throws) and OTLP readers.
      else if (value !== undefined && /\p{Surrogate}/u.test(value)) problems.push(`${field}: not well-formed text (a lone UTF-16 surrogate)`);
    };
    tooLong('name', draft.name, STRING_LIMITS.name);
    tooLong('service', draft.service, STRING_LIMITS.name);
    tooLong('step', draft.step, STRING_LIMITS.name);
    if (!(Number.isFinite(draft.durationMs) && draft.durationMs > 0)) problems.push(`duration: must be more than 0 ms (got ${draft.durationMs})`);
    else if (draft.durationMs > MAX_INCIDENT_MS) problems.push(`duration: at most 24 h (${MAX_INCIDENT_MS} ms), so that a forgotten incident still ends (got ${draft.durationMs} ms)`);
    numberIn(problems, 'failure_chance', draft.failureChance, 0, 1);
    numberIn(problems, 'extra_latency_ms', draft.extraLatencyMs, 0, MAX_EXTRA_LATENCY_MS);
    numberIn(problems, 'latency_factor', draft.latencyFactor, 0, MAX_LATENCY_FACTOR);
    if (draft.failureChance === undefined && draft.extraLatencyMs === undefined && draft.latencyFactor === undefined) {
      problems.push('an incident changes nothing without failure_chance, extra_latency_ms or latency_factor');
    }
    if (draft.failureCode && !(STATUS_NAMES as readonly string[]).includes(draft.failureCode) || draft.failureCode === 'OK') {
      const hint = closestName(draft.failureCode ?? '', STATUS_NAMES);
      problems.push(`failure_code: unknown gRPC failure status ${quoteBriefly(draft.failureCode ?? '')}${hint && hint !== 'OK' ? ` (did you mean "${hint}"?)` : ''}; expected one of ${STATUS_NAMES.filter((name) => name !== 'OK').join(', ')}`);
    }
    if (draft.service && draft.service !== this.serviceName) problems.push(`service: this instance is "${this.serviceName}", not ${quoteBriefly(draft.service)}`);
    if (draft.method && !(GRPC_METHODS as readonly string[]).includes(draft.method)) problems.push(`method: must be A, B or C (got ${quoteBriefly(draft.method)})`);
    else if (draft.method && !this.methods.has(draft.method as GrpcMethod)) problems.push(`method: ${draft.method} of "${this.serviceName}" has no behaviour (it answers OK at once), so nothing to change`);
    else if (draft.step) this.checkStep(problems, draft.step, draft.method as GrpcMethod | undefined);
    return problems;
  }

  private checkStep(problems: string[], step: string, method: GrpcMethod | undefined): void {
    const methods = method ? [method] : GRPC_METHODS;
    if (methods.some((candidate) => this.sleeps[candidate].has(step))) return;
    const where = method ? `method ${method} of "${this.serviceName}"` : `"${this.serviceName}"`;
    const kind = this.otherSteps.get(step);
    if (kind) {
      problems.push(`step: "${step}" is a ${kind}; incidents change Sleep steps only (name a Sleep of ${where}, or none for all of them)`);
      return;
    }
    const known = [...new Set(methods.flatMap((candidate) => [...this.sleeps[candidate]]))];
    const hint = closestName(step, known);
    problems.push(`step: ${quoteBriefly(step)} is not a Sleep of ${where}${hint ? ` (did you mean "${hint}"?)` : ''}${known.length > 0 ? `; its Sleeps: ${known.map((name) => `"${name}"`).join(', ')}` : '; it has no Sleep'}`);
  }

  private collectSteps(method: GrpcMethod, fn: FunctionSpec): void {
    this.otherSteps.set(fn.tracingName, 'Function');
    const visit = (action: Action) => {
      const name = (action.spec as { tracingName?: unknown }).tracingName;
      if (typeof name === 'string') {
        if (action.kind === 'Sleep') this.sleeps[method].add(name);
        else this.otherSteps.set(name, action.kind);
      }
      for (const child of actionKind(action.kind).children?.(action.spec) ?? []) visit(child);
    };
    for (const operation of fn.operations) {
      if (operation.kind === 'Action') visit(operation.action);
      else operation.actions.forEach(visit);
    }
  }
}

function numberIn(problems: string[], field: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value < min || value > max) problems.push(`${field}: must be a number from ${min} to ${max} (got ${value})`);
}
