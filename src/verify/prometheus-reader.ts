import { getJson, isJsonObject, joinUrl } from './http-json';
import { BackendError } from './observed-span';

/** One series of an instant query's answer: its labels and its value. */
export interface MetricSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Where metrics are read back from: anything that answers PromQL instant queries. */
export interface MetricsSource {
  /** "Prometheus http://localhost:9090" — for the report. */
  readonly description: string;
  query(promql: string): Promise<MetricSample[]>;
}

/**
 * Prometheus's HTTP query API, `GET {url}/api/v1/query?query=…` (Mimir, Thanos and VictoriaMetrics
 * answer the same): `{"status":"success","data":{"resultType":"vector","result":[{"metric":{…},
 * "value":[<time>,"<number>"]}]}}`. Anything else is a BackendError that says what came back.
 */
export function prometheusSource(url: string): MetricsSource {
  return {
    description: `Prometheus ${url}`,
    async query(promql) {
      const body = await getJson(joinUrl(url, `/api/v1/query?${new URLSearchParams({ query: promql })}`));
      if (body === undefined) throw new BackendError(`${new URL(url).origin} answered 404 to /api/v1/query: is ${url} Prometheus's HTTP API?`);
      return readVector(url, body);
    },
  };
}

function readVector(url: string, body: unknown): MetricSample[] {
  const data = isJsonObject(body) && body.status === 'success' && isJsonObject(body.data) ? body.data : undefined;
  if (!data || data.resultType !== 'vector' || !Array.isArray(data.result)) {
    throw new BackendError(`${new URL(url).origin} answered /api/v1/query with something that is not an instant vector: ${JSON.stringify(body).slice(0, 200)}`);
  }
  const samples: MetricSample[] = [];
  for (const series of data.result) {
    const value = isJsonObject(series) && Array.isArray(series.value) ? Number(series.value[1]) : NaN;
    if (!isJsonObject(series) || !isJsonObject(series.metric) || !Number.isFinite(value)) {
      throw new BackendError(`${new URL(url).origin} answered a series without labels or a number: ${JSON.stringify(series).slice(0, 200)}`);
    }
    const labels = Object.fromEntries(Object.entries(series.metric).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    samples.push({ labels, value });
  }
  return samples;
}
