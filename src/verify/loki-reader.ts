import { asJsonArray, getJson, isJsonObject, joinUrl } from './http-json';
import { BackendError, type LogSource, type ObservedLine } from './observed-span';

/** Thespian's Loki streams carry the label service_name; any service matches. */
const DEFAULT_LOKI_SELECTOR = '{service_name=~".+"}';
/** More lines than one request logs by far; a trace with more is reported as it is. */
const LINE_LIMIT = 5000;

/**
 * Reads a trace's log lines from Loki's `GET {url}/loki/api/v1/query_range`, with the LogQL
 * query `<selector> |= "<trace id>"` over the run's time range. The answer's
 * `data.result[].values` are [ns, line] pairs; a line's level comes from its JSON `level`
 * field, or else the stream's `level` label.
 */
export function lokiSource(url: string, selector = DEFAULT_LOKI_SELECTOR): LogSource {
  return {
    description: `Loki ${url}`,
    async fetch(traceId, fromMs, toMs) {
      const params = new URLSearchParams({
        query: `${selector} |= "${traceId}"`,
        start: `${Math.floor(fromMs)}000000`,
        end: `${Math.ceil(toMs)}000000`,
        limit: String(LINE_LIMIT),
        direction: 'forward',
      });
      const body = await getJson(joinUrl(url, `/loki/api/v1/query_range?${params}`));
      if (body === undefined) return [];
      return readLokiStreams(body);
    },
  };
}

function readLokiStreams(body: unknown): ObservedLine[] {
  const data = isJsonObject(body) && isJsonObject(body.data) ? body.data : undefined;
  if (!data || !Array.isArray(data.result)) throw new BackendError('Loki answered without data.result');
  const lines: ObservedLine[] = [];
  for (const stream of data.result) {
    if (!isJsonObject(stream)) continue;
    const labels = isJsonObject(stream.stream) ? stream.stream : {};
    for (const value of asJsonArray(stream.values)) {
      if (!Array.isArray(value) || typeof value[1] !== 'string') continue;
      lines.push({ level: levelOf(value[1]) ?? (typeof labels.level === 'string' ? labels.level : 'info'), line: value[1] });
    }
  }
  return lines;
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
