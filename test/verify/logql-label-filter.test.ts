import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesLogQuery, parseLogQuery } from '../../src/collector/logql-query';
import type { ReceivedLogLine } from '../../src/collector';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

/** A line as an OTLP logs receiver keeps it: the body as the line, the trace id in structured metadata. */
const otlpLine: ReceivedLogLine = { labels: { service_name: 'front' }, timestampNs: 1n, line: 'Sleep "auth" started', metadata: { trace_id: TRACE, span_id: '00f067aa0ba902b7' } };
/** A line as winston-loki pushes it: JSON holding the trace id, its fields as structured metadata too. */
const jsonLine: ReceivedLogLine = { labels: { service_name: 'back', level: 'info' }, timestampNs: 2n, line: `{"message":"x","trace_id":"${TRACE}"}`, metadata: { trace_id: TRACE } };

test("the embedded query API answers verify's trace_id label filter as Loki 3 does: on structured metadata or labels", () => {
  const query = parseLogQuery(`{service_name=~".+"} | trace_id="${TRACE}"`);
  assert.equal(query.traceId, TRACE, 'the store can use its trace index');
  assert.ok(matchesLogQuery(query, otlpLine));
  assert.ok(matchesLogQuery(query, jsonLine));
  assert.ok(!matchesLogQuery(parseLogQuery('{service_name=~".+"} | trace_id="0af7651916cd43dd8448eb211c80319c"'), otlpLine));
  assert.ok(matchesLogQuery(parseLogQuery('{service_name="back"} | level != "error" |= "message"'), jsonLine));
  assert.ok(!matchesLogQuery(parseLogQuery(`{service_name=~".+"} |= "${TRACE}"`), otlpLine), 'the OTLP line does not hold its trace id');
  assert.throws(() => parseLogQuery('{service_name=~".+"} | json'), /label filters \(\| name="value"\)/);
});
