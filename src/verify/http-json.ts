import { BackendError } from './observed-span';

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
