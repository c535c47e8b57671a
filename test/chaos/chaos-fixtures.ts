/**
 * Shared pieces of the chaos tests: a receiver for the instances' spans, instances that are
 * stopped after the file's tests, and small lookups over a received trace.
 */
import assert from 'node:assert/strict';
import { OtlpTraceReceiver, type ReceivedSpan } from '../../src/collector';
import { closeClients, startInstance, type InstanceProcess } from '../support/instance-process';
import { exportTo } from '../support/telemetry-env';

export interface Fixture {
  receiver: OtlpTraceReceiver;
  /** Starts an instance exporting to the receiver, named `service`, stopped by `close`. */
  start(service: string, behaviour: object, env?: Record<string, string>): Promise<InstanceProcess>;
  /** Waits until the trace has at least `count` spans and returns them. */
  trace(traceId: string | undefined, count: number, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

export async function chaosFixture(): Promise<Fixture> {
  const receiver = await OtlpTraceReceiver.start();
  const instances: InstanceProcess[] = [];
  return {
    receiver,
    async start(service, behaviour, env = {}) {
      const instance = await startInstance({ behaviour, env: { ...exportTo(receiver), SERVICE_NAME: service, ...env } });
      instances.push(instance);
      return instance;
    },
    async trace(traceId, count, timeoutMs = 10_000) {
      assert.ok(traceId, 'the answer carries a trace id');
      const all = await receiver.waitFor((spans) => spans.filter((span) => span.traceId === traceId).length >= count, timeoutMs);
      return all.filter((span) => span.traceId === traceId);
    },
    async close() {
      closeClients();
      await Promise.all(instances.map((instance) => instance.stop()));
      await receiver.close();
    },
  };
}

export function spanNamed(spans: readonly ReceivedSpan[], name: string, service?: string): ReceivedSpan {
  const found = spans.find((span) => span.name === name && (service === undefined || span.service === service));
  assert.ok(found, `a span "${name}"${service ? ` of ${service}` : ''} among: ${spans.map((s) => `${s.service}:${s.name}`).join(', ')}`);
  return found;
}

export function childrenOf(spans: readonly ReceivedSpan[], parent: ReceivedSpan): ReceivedSpan[] {
  return spans.filter((span) => span.parentSpanId === parent.spanId).sort((a, b) => a.startMs - b.startMs);
}

/** A behaviour whose method A is one Function; B and C absent (null) unless given. */
export function behaviour(a: object | null, b: object | null = null, c: object | null = null): object {
  return { grpc_method_a: a, grpc_method_b: b, grpc_method_c: c };
}

export function fn(name: string, ...operations: object[]): object {
  return { tracing_name: name, operations };
}

export function act(kind: string, spec: object): object {
  return { Action: { [kind]: spec } };
}

export function together(...actions: [string, object][]): object {
  return { ConcurrentActions: actions.map(([kind, spec]) => ({ [kind]: spec })) };
}

export function callTo(port: number, extra: object = {}, method: 'A' | 'B' | 'C' = 'A'): object {
  return { service_address: 'http://127.0.0.1', service_port: String(port), grpc_method: method, ...extra };
}

/** gRPC status codes the tests expect on the wire. */
export const STATUS = { OK: 0, CANCELLED: 1, DEADLINE_EXCEEDED: 4, RESOURCE_EXHAUSTED: 8, ABORTED: 10, INTERNAL: 13, UNAVAILABLE: 14, DATA_LOSS: 15 } as const;
