import { actionKind, functionAction, grpcSpanName, seededRandom, type GrpcMethod, type CalleePrediction, type Incident, type NoteCategory, type PredictContext } from '../engine';
import {
  certain,
  codeProbabilities,
  fixedValue,
  hasClosedForm,
  mapBranches,
  meanLines,
  meanSpans,
  mixDurations,
  NO_LINES,
  quantileOf,
  reachesOutside,
  sampleDuration,
  spanKey,
  successSpans,
  ZERO,
  type Duration,
  type LineCounts,
  type Outcome,
  type Random,
  type SpanShape,
} from '../probability';
import { endpointName, type StatusName } from '../common';
import { PredictError } from './predict-error';
import type { PredictionWorld } from './prediction-world';

export interface PredictOptions {
  /** Draws for Monte Carlo figures (default 20 000). */
  readonly samples?: number;
  /** Seed of those draws, so the same prediction prints the same figures (default 1). */
  readonly seed?: number;
  /**
   * The incidents taken to be in effect, by service (in injection order): the prediction is then
   * of a request made while they last (incident-overlay.ts makes this from a topology's).
   */
  readonly incidents?: ReadonlyMap<string, readonly Incident[]>;
}

const DEFAULT_SAMPLES = 20_000;

export interface LatencySummary {
  readonly p50: number;
  readonly p99: number;
  /** Set when every request of this kind takes exactly this long (fixed durations). */
  readonly fixedMs?: number;
  /** How the figures were found: exactly (fixed durations or a closed-form CDF) or by Monte Carlo. */
  readonly method: 'exact' | 'monte-carlo';
}

interface PredictionNote {
  readonly category: NoteCategory;
  readonly text: string;
}

/** Everything predicted about one request to one method of one service. */
export interface EndpointPrediction {
  readonly service: string;
  readonly method: GrpcMethod;
  /** The method's Function's tracing_name; undefined when the method has no behaviour. */
  readonly functionName?: string;
  readonly shape: SpanShape;
  /** Spans of a fully successful request (every call succeeding at its first attempt). */
  readonly successSpans: number;
  /** False when a call leaves the predicted services: then successSpans counts only the spans known. */
  readonly spansKnown: boolean;
  readonly spansByKey: readonly { readonly service: string; readonly kind: string; readonly name: string; readonly count: number }[];
  /** Mean spans per request, failures and retries included. */
  readonly meanSpans: number;
  readonly failure: {
    readonly probability: number;
    readonly byCode: Readonly<Partial<Record<StatusName, number>>>;
    /** False when a timeout's chance had to be estimated by sampling. */
    readonly exact: boolean;
  };
  readonly logLines: { readonly mean: LineCounts; readonly success?: LineCounts };
  readonly latencyMs: { readonly success?: LatencySummary; readonly all: LatencySummary };
  readonly samples: number;
  readonly seed: number;
  readonly notes: readonly PredictionNote[];
}

interface Predicted {
  readonly shape: SpanShape;
  readonly outcome: Outcome;
  readonly notes: Map<string, PredictionNote>;
}

/**
 * Predicts requests to the methods of a world's services, each action through its kind's own
 * `predict`, calls through the callee's prediction (each computed once).
 */
export class Predictor {
  private readonly samples: number;
  private readonly seed: number;
  private readonly random: Random;
  private readonly done = new Map<string, Predicted>();
  /** What predict() gave, by endpoint: the same every time (its sampler is seeded afresh), so made once. */
  private readonly predicted = new Map<string, EndpointPrediction>();
  private readonly active: string[] = [];
  private readonly incidents: ReadonlyMap<string, readonly Incident[]>;

  constructor(
    private readonly world: PredictionWorld,
    options: PredictOptions = {},
  ) {
    this.samples = Math.max(1, Math.floor(options.samples ?? DEFAULT_SAMPLES));
    this.seed = options.seed ?? 1;
    this.random = seededRandom(this.seed);
    this.incidents = options.incidents ?? new Map();
  }

  predict(service: string, method: GrpcMethod): EndpointPrediction {
    const name = endpointName(service, method);
    const known = this.predicted.get(name);
    if (known) return known;
    const prediction = this.predictAfresh(service, method);
    this.predicted.set(name, prediction);
    return prediction;
  }

  private predictAfresh(service: string, method: GrpcMethod): EndpointPrediction {
    const predicted = this.endpoint(service, method);
    const { outcome, shape } = predicted;
    const byCode = codeProbabilities(outcome);
    const notes = [...predicted.notes.values()];
    const ok = outcome.branches.find((branch) => branch.code === 'OK');
    const spans = successSpans(shape);
    const counts = new Map<string, { service: string; kind: string; name: string; count: number }>();
    for (const span of spans) {
      const key = spanKey(span);
      const entry = counts.get(key) ?? { service: span.service, kind: span.kind, name: span.name, count: 0 };
      entry.count++;
      counts.set(key, entry);
    }
    const sampler = seededRandom(this.seed ^ 0x5eed);
    const all = mixDurations(outcome.branches.map((branch) => ({ weight: branch.p, duration: branch.duration })));
    return {
      service,
      method,
      ...(this.world.services.get(service)?.methods[method] ? { functionName: this.world.services.get(service)!.methods[method]!.tracingName } : {}),
      shape,
      successSpans: spans.length,
      spansKnown: !reachesOutside(shape),
      spansByKey: [...counts.values()],
      meanSpans: meanSpans(outcome),
      failure: {
        probability: 1 - (byCode.get('OK') ?? 0),
        byCode: Object.fromEntries([...byCode].filter(([code]) => code !== 'OK')),
        exact: !notes.some((note) => note.category === 'estimate'),
      },
      logLines: { mean: meanLines(outcome), ...(ok ? { success: ok.lines } : {}) },
      latencyMs: { ...(ok ? { success: summarise(ok.duration, this.samples, sampler) } : {}), all: summarise(all, this.samples, sampler) },
      samples: this.samples,
      seed: this.seed,
      notes,
    };
  }

  /** The SERVER span of a call of `method` and everything under it, and how the call ends. */
  private endpoint(service: string, method: GrpcMethod): Predicted {
    const name = endpointName(service, method);
    const cached = this.done.get(name);
    if (cached) return cached;
    if (this.active.includes(name)) {
      const cycle = [...this.active.slice(this.active.indexOf(name)), name].join(' → ');
      throw new PredictError(
        `${cycle} calls itself in a cycle: every request goes round until a step fails or the hop limit refuses it, so there is no single span tree to predict`,
      );
    }
    const behaviour = this.world.services.get(service);
    if (!behaviour) throw new PredictError(`no service "${service}" to predict (known: ${[...this.world.services.keys()].join(', ')})`);
    const fn = behaviour.methods[method];
    const notes = new Map<string, PredictionNote>();
    const server = (groups: SpanShape[][], pFail: number): SpanShape => ({ service, name: grpcSpanName(method), kind: 'SERVER', pFail, groups });
    let predicted: Predicted;
    if (!fn) {
      // A method with no behaviour answers OK at once: its SERVER span only.
      predicted = { shape: server([], 0), outcome: certain(ZERO, 1), notes };
    } else {
      this.active.push(name);
      try {
        const context = this.context(service, method, notes);
        const body = functionAction.predict(fn, context);
        // The instrumentation's SERVER span: no log line of its own.
        const outcome = mapBranches(body.outcome, (branch) => ({ ...branch, spans: branch.spans + 1 }));
        predicted = { shape: server([[body.shape!]], body.shape!.pFail), outcome, notes };
      } finally {
        this.active.pop();
      }
    }
    this.done.set(name, predicted);
    return predicted;
  }

  private context(service: string, method: GrpcMethod, notes: Map<string, PredictionNote>): PredictContext {
    // As IncidentBoard.active does for a request: those of the service that name this method or none.
    const incidents = (this.incidents.get(service) ?? []).filter((incident) => incident.method === undefined || incident.method === method);
    const context: PredictContext = {
      service,
      ...(incidents.length > 0 ? { incidents: () => incidents } : {}),
      random: this.random,
      samples: this.samples,
      predictAction: (action) => actionKind(action.kind).predict(action.spec, context),
      predictCall: (target): CalleePrediction => {
        const callee = this.world.locate(target);
        if (callee === undefined) {
          const address = `${target.host}:${target.port}/${target.method}`;
          context.note('assumption', `${address} is outside the services predicted: its answer is taken to be OK and its spans are not counted`);
          return { name: address, outcome: certain(ZERO, 0, NO_LINES) };
        }
        const predicted = this.endpoint(callee, target.method);
        for (const [key, note] of predicted.notes) notes.set(key, note);
        return { name: endpointName(callee, target.method), shape: predicted.shape, outcome: predicted.outcome };
      },
      note: (category, text) => notes.set(`${category} ${text}`, { category, text }),
    };
    return context;
  }
}

/** p50 and p99: exact where the duration allows, else from `samples` seeded draws. */
function summarise(duration: Duration, samples: number, random: Random): LatencySummary {
  const fixedMs = fixedValue(duration);
  if (fixedMs !== undefined) return { p50: fixedMs, p99: fixedMs, fixedMs, method: 'exact' };
  if (duration.kind === 'discrete' || hasClosedForm(duration)) {
    return { p50: quantileOf(duration, 0.5)!, p99: quantileOf(duration, 0.99)!, method: 'exact' };
  }
  const draws = new Float64Array(samples);
  for (let i = 0; i < samples; i++) draws[i] = sampleDuration(duration, random);
  draws.sort();
  const at = (p: number) => draws[Math.min(samples - 1, Math.max(0, Math.ceil(p * samples) - 1))];
  return { p50: at(0.5), p99: at(0.99), method: 'monte-carlo' };
}
