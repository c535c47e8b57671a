import { readJaegerTrace, readTempoTrace, type ObservedSpan } from '../verify';
import { ImportError } from './import-error';
import { isSpanLine, spanOfJsonLine } from './span-json-lines';
import type { TraceSpan } from './trace-span';

/** The formats a trace file may be in, as the summary names them. */
export type TraceFormat = 'Jaeger JSON' | 'OTLP JSON' | 'thespian up --json lines';

export interface TraceFile {
  readonly format: TraceFormat;
  readonly spans: readonly TraceSpan[];
}

const SHAPES = `neither Jaeger's JSON ({"data": [{"traceID", "spans", "processes"}]}), OTLP or Tempo JSON ({"resourceSpans"} or {"batches"}), nor \`thespian up --json\` span lines`;

/**
 * The spans of one trace file, whichever of the formats it is in, told by its shape: one JSON
 * document (Jaeger's UI download, Tempo's answer, an OTLP export request) or JSON lines (`thespian
 * up --json`, or the OpenTelemetry collector's file exporter, one OTLP request a line).
 */
export function readTraceFile(name: string, text: string): TraceFile {
  if (text.trim() === '') throw new ImportError([`${name}: empty file`]);
  const document = parseOrUndefined(text);
  const file = document === undefined ? readJsonLines(name, text) : readDocument(name, document);
  if (file.spans.length === 0) throw new ImportError([`${name}: ${file.format} with no spans in it`]);
  return file;
}

function readDocument(name: string, document: unknown): TraceFile {
  if (isSpanLine(document)) return { format: 'thespian up --json lines', spans: [spanOfJsonLine(document)] };
  const format = documentFormat(document);
  if (format === undefined) throw new ImportError([`${name}: JSON, but ${SHAPES}`]);
  return { format, spans: withDurations(format === 'Jaeger JSON' ? readJaegerTrace(document) : readTempoTrace(document)) };
}

function documentFormat(document: unknown): TraceFormat | undefined {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return undefined;
  const object = document as Record<string, unknown>;
  if (Array.isArray(object.data)) return 'Jaeger JSON';
  const trace = typeof object.trace === 'object' && object.trace !== null ? (object.trace as Record<string, unknown>) : object;
  if (Array.isArray(trace.resourceSpans) || Array.isArray(trace.batches)) return 'OTLP JSON';
  return undefined;
}

function readJsonLines(name: string, text: string): TraceFile {
  const spans: TraceSpan[] = [];
  let format: TraceFormat | undefined;
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const value = parseOrUndefined(line);
    if (value === undefined) throw new ImportError([format === undefined ? `${name}: not JSON, and not JSON lines (line ${index + 1} is not JSON); ${SHAPES}` : `${name}:${index + 1}: not JSON`]);
    if (isSpanLine(value)) {
      spans.push(spanOfJsonLine(value));
      format ??= 'thespian up --json lines';
    } else if (documentFormat(value) === 'OTLP JSON') {
      spans.push(...withDurations(readTempoTrace(value)));
      format ??= 'OTLP JSON';
    }
    // Other lines of `thespian up --json` (rpc_metrics, log lines) carry no spans.
  }
  if (format === undefined) throw new ImportError([`${name}: JSON lines, but ${SHAPES}`]);
  return { format, spans };
}

function withDurations(spans: readonly ObservedSpan[]): TraceSpan[] {
  return spans.map((span) => ({ ...span, durationMs: Math.max(0, span.durationMs ?? 0) }));
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
