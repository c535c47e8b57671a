/**
 * The OpenTelemetry Collector's own configuration, as the Kubernetes collector runs it: OTLP in,
 * memory_limiter then batch, and one exporter per signal to wherever render was told. Keys and
 * exporter names follow instrumentation/otel-collector.yaml, which was checked against the
 * collector's sources at v0.159.0 (otlp_grpc and otlp_http are the names since that release).
 */

/** Where each signal goes. */
export interface CollectorRoutes {
  /** An OTLP/gRPC URL for traces (http:// is plaintext, https:// is TLS). */
  readonly traces: string;
  /** An OTLP/HTTP base URL for metrics (the exporter appends /v1/metrics); undefined: exposed on METRICS_SCRAPE_PORT for any Prometheus to scrape. */
  readonly metrics?: string;
  /** An OTLP/HTTP base URL for logs (the exporter appends /v1/logs); undefined: no logs pipeline (the thespians keep logs on stdout). */
  readonly logs?: string;
}

export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;
/** The health_check extension's port: the readiness probe asks it. */
export const HEALTH_PORT = 13133;
/** The collector's own metrics (accepted, refused, sent, failed), which the demo's Prometheus scrapes. */
export const SELF_METRICS_PORT = 8888;
/** The prometheus exporter's /metrics, when metrics have no OTLP backend. */
export const METRICS_SCRAPE_PORT = 8889;
/** memory_limiter's hard limit; the container's limit and GOMEMLIMIT are sized from it. */
export const MEMORY_LIMIT_MIB = 400;

/** Loki 3 takes OTLP logs under /otlp (instrumentation/loki.yaml, checked at v3.7.6). */
export function lokiOtlpBase(lokiAddress: string): string {
  return `${lokiAddress.replace(/\/+$/, '')}/otlp`;
}

/** "http://tempo:4317" -> endpoint tempo:4317, plaintext; https:// keeps TLS on. */
function otlpGrpcExporter(url: string): Record<string, unknown> {
  const parsed = new URL(url);
  const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
  return { endpoint: `${parsed.hostname}:${port}`, tls: { insecure: parsed.protocol === 'http:' } };
}

export function collectorConfig(routes: CollectorRoutes): Record<string, unknown> {
  const processors = ['memory_limiter', 'batch'];
  const exporters: Record<string, unknown> = { 'otlp_grpc/traces': otlpGrpcExporter(routes.traces) };
  const pipelines: Record<string, unknown> = { traces: { receivers: ['otlp'], processors, exporters: ['otlp_grpc/traces'] } };
  if (routes.metrics !== undefined) {
    exporters['otlp_http/metrics'] = { endpoint: routes.metrics };
    pipelines.metrics = { receivers: ['otlp'], processors, exporters: ['otlp_http/metrics'] };
  } else {
    // service.name becomes the job label, as with Prometheus's own OTLP receiver.
    exporters.prometheus = { endpoint: `0.0.0.0:${METRICS_SCRAPE_PORT}` };
    pipelines.metrics = { receivers: ['otlp'], processors, exporters: ['prometheus'] };
  }
  if (routes.logs !== undefined) {
    exporters['otlp_http/logs'] = { endpoint: routes.logs };
    pipelines.logs = { receivers: ['otlp'], processors, exporters: ['otlp_http/logs'] };
  }
  return {
    extensions: {
      // Bound to every interface: the kubelet probes the pod's IP, not localhost.
      health_check: { endpoint: `0.0.0.0:${HEALTH_PORT}` },
    },
    receivers: {
      otlp: {
        protocols: {
          // The receiver binds to localhost unless told otherwise, which other pods cannot reach.
          grpc: { endpoint: `0.0.0.0:${OTLP_GRPC_PORT}` },
          http: { endpoint: `0.0.0.0:${OTLP_HTTP_PORT}` },
        },
      },
    },
    processors: {
      // First, so that refusals reach the senders (which retry) before the collector runs out of
      // memory; the spike allowance is the suggested 20 % of the hard limit.
      memory_limiter: { check_interval: '1s', limit_mib: MEMORY_LIMIT_MIB, spike_limit_mib: MEMORY_LIMIT_MIB / 5 },
      // After memory_limiter: fewer, larger requests to the backends (defaults: 8192 items or 200 ms).
      batch: {},
    },
    exporters,
    service: {
      extensions: ['health_check'],
      pipelines,
      telemetry: {
        logs: { level: 'warn' },
        // The default reader listens on localhost only; spelled out so Prometheus in another pod can scrape it.
        metrics: {
          level: 'normal',
          readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: SELF_METRICS_PORT, without_scope_info: true, without_units: true, without_type_suffix: true } } } }],
        },
      },
    },
  };
}
