/**
 * A fixed trace, as the embedded receiver would decode it, for the renderer and assembler tests:
 * gateway/A runs "parse request", then "fetch user" (users/A) and "charge" (ledger/B) at the same
 * time; ledger's "write ledger" fails, and the failure travels up to the root.
 */
import type { ReceivedSpan } from '../../src/collector';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const T0 = 1_700_000_000_000n * 1_000_000n;

interface SpanSpec {
  id: string;
  parent?: string;
  service: string;
  name: string;
  kind?: ReceivedSpan['kind'];
  from: number;
  to: number;
  error?: string;
  exception?: string;
  attributes?: ReceivedSpan['attributes'];
}

function span(spec: SpanSpec): ReceivedSpan {
  const start = T0 + BigInt(Math.round(spec.from * 1e6));
  const end = T0 + BigInt(Math.round(spec.to * 1e6));
  return {
    traceId: TRACE_ID,
    spanId: spec.id.padStart(16, '0'),
    parentSpanId: spec.parent ? spec.parent.padStart(16, '0') : '',
    service: spec.service,
    resource: { 'service.name': spec.service },
    scope: spec.kind === 'SERVER' || spec.kind === 'CLIENT' ? '@opentelemetry/instrumentation-grpc' : 'thespian',
    name: spec.name,
    kind: spec.kind ?? 'INTERNAL',
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    startMs: Number(start / 1_000_000n) + Number(start % 1_000_000n) / 1e6,
    durationMs: spec.to - spec.from,
    status: spec.error ? { code: 'ERROR', message: spec.error } : { code: 'UNSET', message: '' },
    attributes: spec.attributes ?? {},
    events: spec.exception
      ? [{ name: 'exception', timeUnixNano: end, attributes: { 'exception.type': 'INTERNAL', 'exception.message': spec.exception } }]
      : [],
    links: [],
  };
}

const rpc = (method: string) => ({ 'rpc.service': 'thespian.Thespian', 'rpc.method': method, 'rpc.system': 'grpc' });
const LEDGER_FAILURE = 'ledger/B › post entry › write ledger: injected failure (rolled 0.4000 < failure_chance 1)';
const CHARGE_FAILURE = `gateway/A › handle order › charge: call to 127.0.0.1:7202/B failed with INTERNAL: ${LEDGER_FAILURE}`;

/** In arrival order: services export on their own schedules, so children come before parents. */
export const FIXED_TRACE: ReceivedSpan[] = [
  span({ id: 'b3', parent: 'b2', service: 'users', name: 'query users table', from: 10, to: 35 }),
  span({ id: 'b2', parent: 'b1', service: 'users', name: 'load user', from: 10, to: 36 }),
  span({ id: 'b1', parent: 'a5', service: 'users', name: 'grpc.thespian.Thespian/A', kind: 'SERVER', from: 9, to: 37, attributes: rpc('A') }),
  span({ id: 'c3', parent: 'c2', service: 'ledger', name: 'write ledger', from: 10, to: 105, error: LEDGER_FAILURE, exception: LEDGER_FAILURE }),
  span({ id: 'c2', parent: 'c1', service: 'ledger', name: 'post entry', from: 10, to: 106, error: LEDGER_FAILURE }),
  span({ id: 'c1', parent: 'a7', service: 'ledger', name: 'grpc.thespian.Thespian/B', kind: 'SERVER', from: 9, to: 107, error: LEDGER_FAILURE, attributes: rpc('B') }),
  span({ id: 'a3', parent: 'a2', service: 'gateway', name: 'parse request', from: 1, to: 6 }),
  span({ id: 'a4', parent: 'a2', service: 'gateway', name: 'fetch user', from: 6, to: 40 }),
  span({ id: 'a5', parent: 'a4', service: 'gateway', name: 'grpc.thespian.Thespian/A', kind: 'CLIENT', from: 7, to: 39, attributes: rpc('A') }),
  span({ id: 'a6', parent: 'a2', service: 'gateway', name: 'charge', from: 6, to: 110, error: CHARGE_FAILURE, exception: CHARGE_FAILURE }),
  span({ id: 'a7', parent: 'a6', service: 'gateway', name: 'grpc.thespian.Thespian/B', kind: 'CLIENT', from: 7, to: 109, error: LEDGER_FAILURE, attributes: rpc('B') }),
  span({ id: 'a2', parent: 'a1', service: 'gateway', name: 'handle order', from: 1, to: 119, error: CHARGE_FAILURE }),
  span({ id: 'a1', service: 'gateway', name: 'grpc.thespian.Thespian/A', kind: 'SERVER', from: 0, to: 120, error: CHARGE_FAILURE, attributes: rpc('A') }),
];

export const FIXED_TRACE_ID = TRACE_ID;
