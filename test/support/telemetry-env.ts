import type { OtlpTraceReceiver, LokiPushReceiver } from '../../src/collector';

/** Environment that points an instance's spans (and optionally logs) at the test's receivers. */
export function exportTo(traces: OtlpTraceReceiver, logs?: LokiPushReceiver): Record<string, string> {
  return {
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_BACKEND_ADDRESS: traces.endpoint,
    ...(logs ? { LOKI_ADDRESS: logs.endpoint } : {}),
  };
}
