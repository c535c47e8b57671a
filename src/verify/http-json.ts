import { BackendError, type ObservedSpan, type TraceSource } from './observed-span';

/** How long one query may take before it counts as failed. */
const QUERY_TIMEOUT_MS = 10_000;

/**
 * GETs `url` and parses JSON. Resolves undefined for 404 (a trace not found is an answer, not
 * an error); throws BackendError for anything else that is not a 2xx with JSON.
 */
export async function getJson(url: string): Promise<unknown | undefined> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { Accept: 'application/json' }, signal: AbortSignal.timeout(QUERY_TIMEOUT_MS) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new BackendError(`cannot reach ${new URL(url).origin}: ${reason}`);
  }
  const text = await response.text();
  if (response.status === 404) return undefined;
  if (!response.ok) throw new BackendError(`${new URL(url).origin} answered ${response.status} ${response.statusText}: ${text.trim().slice(0, 200)}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BackendError(`${new URL(url).origin} answered something that is not JSON: ${text.trim().slice(0, 200)}`);
  }
}

export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

/**
 * A trace source at `GET {url}/api/traces/<id>`, the path Tempo and Jaeger share; `read` turns
 * the answer into spans. Not found (404, or no spans) is undefined.
 */
export function traceByIdSource(backend: string, url: string, read: (body: unknown) => ObservedSpan[]): TraceSource {
  return {
    description: `${backend} ${url}`,
    async fetch(traceId) {
      const body = await getJson(joinUrl(url, `/api/traces/${traceId}`));
      if (body === undefined) return undefined;
      const spans = read(body);
      return spans.length === 0 ? undefined : spans;
    },
  };
}

export type JsonObject = Record<string, unknown>;

/** A backend's answer is checked as it is read: only a plain object counts as one. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value when it is an array; otherwise none, so a malformed field reads as empty. */
export function asJsonArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
