import type { ReceivedLogLine } from './loki-push-receiver';
import { decodeResource, toAttributes, toAttrValue, toBigInt, toHex, plainAttributes, plainValue, type AttrValue, type ProtoAnyValue, type ProtoKeyValue, type ProtoResource } from './otlp-values';

/** One OTLP log record as the embedded collector received it, flattened out of resource → scope → record. */
export interface ReceivedLogRecord {
  /** The resource attribute service.name, '' if absent. */
  service: string;
  /** The record's time, or when it was observed if it has none. */
  timeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  body: AttrValue;
  attributes: Record<string, AttrValue>;
  /** Lower-case hex, '' when the record was written outside a span. */
  traceId: string;
  spanId: string;
}

interface ProtoLogRecord {
  timeUnixNano?: string;
  observedTimeUnixNano?: string;
  severityNumber?: number;
  severityText?: string;
  body?: ProtoAnyValue;
  attributes?: ProtoKeyValue[];
  traceId?: Buffer;
  spanId?: Buffer;
}

export interface ProtoExportLogsServiceRequest {
  resourceLogs?: { resource?: ProtoResource; scopeLogs?: { logRecords?: ProtoLogRecord[] }[] }[];
}

/** Flattens one Export request into records, in the order they appear in it. */
export function decodeLogsRequest(request: ProtoExportLogsServiceRequest): ReceivedLogRecord[] {
  const records: ReceivedLogRecord[] = [];
  for (const resourceLogs of request.resourceLogs ?? []) {
    const { service } = decodeResource(resourceLogs.resource);
    for (const scopeLogs of resourceLogs.scopeLogs ?? []) {
      for (const record of scopeLogs.logRecords ?? []) {
        const time = toBigInt(record.timeUnixNano);
        records.push({
          service,
          timeUnixNano: time === 0n ? toBigInt(record.observedTimeUnixNano) : time,
          severityNumber: record.severityNumber ?? 0,
          severityText: record.severityText ?? '',
          body: toAttrValue(record.body),
          attributes: toAttributes(record.attributes),
          traceId: toHex(record.traceId),
          spanId: toHex(record.spanId),
        });
      }
    }
  }
  return records;
}

/** Thespian's four levels, and the severity number each begins at (the OTLP spec's ranges: 5 DEBUG, 9 INFO, 13 WARN, 17 ERROR). */
const LEVEL_FLOORS: readonly (readonly [number, string])[] = [
  [17, 'error'],
  [13, 'warn'],
  [9, 'info'],
  [1, 'debug'],
];

/** The record's level as Thespian's Loki lines name it: its severity text if that is one of them, else from its severity number. */
export function levelOfRecord(record: Pick<ReceivedLogRecord, 'severityNumber' | 'severityText'>): string {
  const text = record.severityText.toLowerCase();
  if (LEVEL_FLOORS.some(([, level]) => level === text)) return text;
  return LEVEL_FLOORS.find(([floor]) => record.severityNumber >= floor)?.[1] ?? 'info';
}

/**
 * The record as the line Thespian would have pushed to Loki: labels service_name and level, and a
 * JSON line with level, message, service_name, trace_id and span_id and the record's attributes,
 * so the embedded query API (and `verify --embedded`, which filters lines by trace id and reads
 * their `level`) finds OTLP records as it finds Loki-pushed lines. Its structured metadata holds
 * what Loki 3's OTLP endpoint stores there (trace_id, span_id, severity_text, severity_number),
 * so a query written for that Loki, `{service_name="x"} | trace_id="…"` (Grafana's trace→logs
 * link), finds them here too.
 */
export function logLineOfRecord(record: ReceivedLogRecord): ReceivedLogLine {
  const level = levelOfRecord(record);
  const json: Record<string, unknown> = {
    ...plainAttributes(record.attributes),
    level,
    message: typeof record.body === 'string' ? record.body : plainValue(record.body),
    service_name: record.service,
    ...(record.traceId ? { trace_id: record.traceId, span_id: record.spanId } : {}),
  };
  const line: ReceivedLogLine = { labels: { service_name: record.service, level }, timestampNs: record.timeUnixNano, line: JSON.stringify(json), json };
  const metadata = lokiOtlpMetadata(record);
  if (Object.keys(metadata).length > 0) line.metadata = metadata;
  return line;
}

/** As Loki's OTLP push (pkg/loghttp/push/otlp.go) names them: each only when the record has it. */
function lokiOtlpMetadata(record: ReceivedLogRecord): Record<string, string> {
  return {
    ...(record.severityNumber !== 0 ? { severity_number: String(record.severityNumber) } : {}),
    ...(record.severityText ? { severity_text: record.severityText } : {}),
    ...(record.traceId ? { trace_id: record.traceId } : {}),
    ...(record.spanId ? { span_id: record.spanId } : {}),
  };
}
