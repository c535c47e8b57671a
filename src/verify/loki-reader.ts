import { asJsonArray, getJson, isJsonObject, joinUrl } from './http-json';
import { BackendError, type LogSource, type ObservedLine } from './observed-span';

/** Thespian's Loki streams carry the label service_name; any service matches. */
const DEFAULT_LOKI_SELECTOR = '{service_name=~".+"}';
/** More lines than one request logs by far; a trace with more is reported as it is. */
const LINE_LIMIT = 5000;

/**
 * Reads a trace's log lines from Loki's `GET {url}/loki/api/v1/query_range` over the run's time
 * range, found either way they can have reached Loki:
 * - pushed by winston-loki (LOKI_ADDRESS): a JSON line that holds the trace id, found by
 *   `<selector> |= "<trace id>"` on any Loki;
 * - sent as OTLP logs to Loki 3's native /otlp endpoint: the line is the record's body (the
 *   message alone), and the trace id is structured metadata `trace_id` (lower-case hex; beside
 *   `span_id`, `severity_text`, `severity_number` and the record's attributes), while the resource's
 *   service.name becomes the index label `service_name`. Those are found by the label filter
 *   `<selector> | trace_id="<trace id>"` (Loki's pkg/loghttp/push/otlp.go).
 * Both queries are asked, and a line both find (winston-loki sends its fields as structured
 * metadata too) counts once. The answer's `data.result[].values` are [ns, line] pairs, or
 * [ns, line, {structuredMetadata, parsed}] when Loki categorizes labels; a line's level comes from
 * its JSON `level` field, else the stream's `level`, `detected_level` or `severity_text`.
 */
export function lokiSource(url: string, selector = DEFAULT_LOKI_SELECTOR): LogSource {
  const read = async (query: string, fromMs: number, toMs: number) => {
    const params = new URLSearchParams({ query, start: `${Math.floor(fromMs)}000000`, end: `${Math.ceil(toMs)}000000`, limit: String(LINE_LIMIT), direction: 'forward' });
    const body = await getJson(joinUrl(url, `/loki/api/v1/query_range?${params}`));
    return body === undefined ? [] : readLokiStreams(body);
  };
  return {
    description: `Loki ${url}`,
    async fetch(traceId, fromMs, toMs) {
      const [inLine, asMetadata] = await Promise.all([read(`${selector} |= "${traceId}"`, fromMs, toMs), read(`${selector} | trace_id="${traceId}"`, fromMs, toMs)]);
      const seen = new Set(inLine.map(lineKey));
      return [...inLine, ...asMetadata.filter((line) => !seen.has(lineKey(line)))].map(({ level, line }) => ({ level, line }));
    },
  };
}

interface ReadLine extends ObservedLine {
  readonly timestampNs: string;
}

function lineKey(line: ReadLine): string {
  return `${line.timestampNs}\0${line.line}`;
}

function readLokiStreams(body: unknown): ReadLine[] {
  const data = isJsonObject(body) && isJsonObject(body.data) ? body.data : undefined;
  if (!data || !Array.isArray(data.result)) throw new BackendError('Loki answered without data.result');
  const lines: ReadLine[] = [];
  for (const stream of data.result) {
    if (!isJsonObject(stream)) continue;
    const labels = isJsonObject(stream.stream) ? stream.stream : {};
    for (const value of asJsonArray(stream.values)) {
      if (!Array.isArray(value) || typeof value[1] !== 'string') continue;
      const categorized = isJsonObject(value[2]) && isJsonObject(value[2].structuredMetadata) ? value[2].structuredMetadata : {};
      const level = levelOf(value[1]) ?? labelLevel({ ...labels, ...categorized }) ?? 'info';
      lines.push({ timestampNs: String(value[0]), level, line: value[1] });
    }
  }
  return lines;
}

/** winston-loki's `level` label, Loki's own `detected_level`, or an OTLP record's `severity_text` (INFO, Warning…), as our level names. */
function labelLevel(labels: Record<string, unknown>): string | undefined {
  const raw = [labels.level, labels.detected_level, labels.severity_text].find((value): value is string => typeof value === 'string' && value !== '');
  if (raw === undefined) return undefined;
  const level = raw.toLowerCase();
  return level === 'warning' ? 'warn' : level;
}

function levelOf(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(line) as unknown;
    return isJsonObject(parsed) && typeof parsed.level === 'string' ? parsed.level : undefined;
  } catch {
    return undefined;
  }
}
