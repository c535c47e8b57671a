import type { TraceCheck } from './trace-check';

/** Observed failure rate of some requests against the predicted probability. */
export interface RateComparison {
  /** "frontend/A", or "all". */
  readonly endpoint: string;
  readonly requests: number;
  readonly failed: number;
  readonly observed: number;
  /** 95% Wilson interval of the observed rate. */
  readonly low: number;
  readonly high: number;
  readonly predicted: number;
  /** False when the prediction had to estimate a timeout's chance by sampling. */
  readonly predictedExact: boolean;
  /** The prediction lies inside the interval. */
  readonly consistent: boolean;
}

/** One trace's result, for the details and --json. */
export interface TraceReport extends Omit<TraceCheck, 'expectedLines'> {
  readonly traceId: string;
  readonly endpoint: string;
  /** The status the request was answered with. */
  readonly status: string;
  /** Expected (at the log level checked) and found; absent without --loki. */
  readonly logLines?: { readonly expected: number; readonly found: number };
}

/** The log lines a trace's request wrote that were not found (0 without --loki). */
export function linesLost(report: TraceReport): number {
  return report.logLines ? Math.max(0, report.logLines.expected - report.logLines.found) : 0;
}

/** Counted, expected, and the difference both ways: less is lost, more came from traffic verify did not send. */
interface CountComparison {
  readonly expected: number;
  readonly counted: number;
  readonly lost: number;
  readonly extra: number;
}

/** What the metrics backend counted because of verify's requests, against the ground truth. */
export interface MetricsReport {
  readonly backend: string;
  /** True: every service's requests were checked (every trace came back complete); false: the entry points only. */
  readonly everyService: boolean;
  /** rpc.server.call.duration's count, summed over the endpoints checked. */
  readonly requests: CountComparison;
  /** thespian.injected.failures against the failures the traces show; `lowerBound` when some trace was incomplete. */
  readonly injected: CountComparison & { readonly lowerBound: boolean };
  readonly byEndpoint: readonly { readonly endpoint: string; readonly expected: number; readonly counted: number }[];
  readonly injectedByService: readonly { readonly service: string; readonly expected: number; readonly counted: number }[];
  /** Services that should have counted something and have no series at all: their metrics never arrived. */
  readonly missingServices: readonly string[];
  /** Series that named no service of the topology. */
  readonly unattributedSeries: number;
  readonly waitedS: number;
  /** The last query's failure, when the last round could not be read. */
  readonly backendError?: string;
}

/** How an incident window went: injected on every instance, refused by some, or not played (--no-incidents). */
export type WindowPlay = 'played' | 'refused' | 'not played';

/** The requests sent inside one incident window, against the prediction inside it. */
export interface WindowReport {
  readonly incident: string;
  readonly service: string;
  /** 0 for the incident's first window. */
  readonly occurrence: number;
  /** From the start of traffic, ms: [startMs, endMs). */
  readonly startMs: number;
  readonly endMs: number;
  readonly play: WindowPlay;
  /** Why it was refused. */
  readonly reason?: string;
  /**
   * Played: when the instances had taken it (ms from the start of traffic), later than startMs
   * by the injection's round trip, or more on a busy machine. Requests are placed from here.
   */
  readonly inEffectFromMs?: number;
  /** `endpoint` is the incident's name; `predicted`: inside the window, the incident alone. */
  readonly rate: RateComparison;
  /** Failed requests of the window whose trace was read back... */
  readonly failedTraced: number;
  /** ...and of those, the ones whose failure began at a span carrying thespian.incident = this incident. */
  readonly failedAtIncident: number;
}

/** verify's requests by incident window (a topology with incidents). */
export interface IncidentsReport {
  readonly windows: readonly WindowReport[];
  /** Requests sent outside every window, against the baseline prediction. */
  readonly outside: RateComparison;
  /** Requests sent within marginMs of a window's edge: in neither. */
  readonly edge: number;
  readonly marginMs: number;
  /** Set when verify sent more than --requests so that sending covered the incidents' first windows. */
  readonly extended?: { readonly asked: number; readonly sent: number; readonly durationS: number };
}

/** Everything `verify` found; the report is formatted from it and --json writes it. */
export interface VerifyResult {
  readonly topology: string;
  readonly traceBackend: string;
  readonly logBackend?: string;
  readonly requests: {
    readonly sent: number;
    readonly answered: number;
    /** Answered with a trace id, so their traces can be looked up. */
    readonly traced: number;
    readonly elapsedS: number;
    readonly targets: readonly { readonly endpoint: string; readonly address: string; readonly sent: number }[];
  };
  readonly waitedS: number;
  readonly waitLimitS: number;
  readonly traces: { readonly complete: number; readonly partial: number; readonly missing: number };
  readonly spans: { readonly expected: number; readonly found: number; readonly lost: number; readonly brokenLinks: number; readonly unplaced: number; readonly duplicates: number };
  readonly statusProblems: number;
  readonly logLines?: { readonly level: string; readonly expected: number; readonly found: number; readonly lost: number };
  readonly failureRates: { readonly all: RateComparison; readonly byEndpoint: readonly RateComparison[] };
  /** With --prometheus. */
  readonly metrics?: MetricsReport;
  /** With a topology's incidents: the requests by window. */
  readonly incidents?: IncidentsReport;
  /** Each signal's share lost; metrics: the larger of requests' and injected failures'. */
  readonly loss: { readonly spans: number; readonly logLines?: number; readonly metrics?: number; readonly max: number; readonly exceeded: boolean };
  /** Queries that failed (not 404s), with the last message; the traces they hid count as missing. */
  readonly backendErrors: { readonly count: number; readonly last?: string };
  /** Every checked trace, worst first. */
  readonly traceReports: readonly TraceReport[];
}
