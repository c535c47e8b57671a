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
  readonly loss: { readonly spans: number; readonly logLines?: number; readonly max: number; readonly exceeded: boolean };
  /** Queries that failed (not 404s), with the last message; the traces they hid count as missing. */
  readonly backendErrors: { readonly count: number; readonly last?: string };
  /** Every checked trace, worst first. */
  readonly traceReports: readonly TraceReport[];
}
