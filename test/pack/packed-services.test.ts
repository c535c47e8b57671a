/**
 * Services packed into one process (THESPIAN_PACK_FILE, as `thespian up` starts them for a large
 * topology) against the same services each in a process of its own: the spans and resources the
 * real OTLP receiver decodes must be the same, but for what differs between processes by nature
 * (ids, times, ports, pids).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OtlpTraceReceiver, type ReceivedSpan } from '../../src/collector';
import { callMethod, closeClients, startInstance, type InstanceProcess } from '../support/instance-process';
import { callService, methodA, sleep, step, together } from '../support/behaviours';
import { freePorts } from '../../src/ensemble/free-ports';
import { exportTo } from '../support/telemetry-env';
import { tempDir } from '../up/up-helpers';

after(() => closeClients());

const REQUESTS = 4;

/** front calls mid and back at once; mid sleeps, then calls back's B, which always fails. */
function behaviours(ports: { mid: number; back: number }): Record<string, object> {
  return {
    front: methodA('front', together(callService('ask mid', ports.mid), callService('ask back', ports.back))),
    mid: methodA('mid', step(sleep('think', 2)), step(callService('ask back b', ports.back, 'B'))),
    back: {
      grpc_method_a: { tracing_name: 'back a', operations: [step(sleep('look up', 1))] },
      grpc_method_b: { tracing_name: 'back b', operations: [step(sleep('flaky', 1, 1))] },
      grpc_method_c: null,
    },
  };
}

const NAMES = ['front', 'mid', 'back'] as const;

async function assignPorts(): Promise<Record<(typeof NAMES)[number], number>> {
  const [front, mid, back] = await freePorts(3);
  return { front, mid, back };
}

/** Sends the requests to front and waits for every span of them: 4 + 5 + 3 + 3 per request. */
async function traceRequests(receiver: OtlpTraceReceiver, frontAddress: string): Promise<ReceivedSpan[][]> {
  const traceIds: string[] = [];
  for (let request = 0; request < REQUESTS; request++) {
    const result = await callMethod(frontAddress, 'A');
    assert.ok(result.traceId, 'the answer names its trace');
    traceIds.push(result.traceId);
  }
  const spansPerTrace = 15;
  for (let waited = 0; traceIds.some((id) => receiver.trace(id).length < spansPerTrace); waited += 100) {
    assert.ok(waited < 20_000, `spans missing: ${traceIds.map((id) => receiver.trace(id).length).join(', ')} of ${spansPerTrace} each`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return traceIds.map((id) => receiver.trace(id));
}

/**
 * Numbers in values differ between any two runs (ports, rolls, queueing times); the status codes
 * must not. Everything else of an attribute must match.
 */
const EXACT = new Set(['rpc.grpc.status_code']);
const valueShape = (key: string, value: unknown) => (EXACT.has(key) ? String(value) : String(value).replace(/\d+(\.\d+)?/g, '#'));

/** A trace as a sorted list of span descriptions: service, scope, name, kind, status, parent, attributes and events. */
function shapeOf(trace: ReceivedSpan[]): string[] {
  const byId = new Map(trace.map((span) => [span.spanId, span]));
  return trace
    .map((span) => {
      const parent = byId.get(span.parentSpanId);
      const attributes = Object.entries(span.attributes)
        .map(([key, value]) => `${key}=${valueShape(key, value)}`)
        .sort();
      return JSON.stringify({
        at: `${span.service}/${span.scope}/${span.name}/${span.kind}/${span.status.code}`,
        parent: parent ? `${parent.service}/${parent.name}` : span.parentSpanId ? 'remote' : 'root',
        attributes,
        events: span.events.map((event) => event.name),
      });
    })
    .sort();
}

/** Each service's resource, with the values that differ between processes by nature replaced by their kind. */
function resourcesOf(traces: ReceivedSpan[][]): Record<string, Record<string, string>> {
  const resources: Record<string, Record<string, string>> = {};
  for (const span of traces.flat()) {
    resources[span.service] = Object.fromEntries(
      Object.entries(span.resource).map(([key, value]) => [key, ['service.instance.id', 'process.pid'].includes(key) ? typeof value : String(value)]),
    );
  }
  return resources;
}

test('packed services send the same spans and resources as services in processes of their own', { timeout: 90_000 }, async () => {
  // Separate processes, each with its own receiver-facing SDK.
  const alone = await OtlpTraceReceiver.start();
  const ports = await assignPorts();
  const configs = behaviours(ports);
  const instances: InstanceProcess[] = [];
  let separate: ReceivedSpan[][];
  try {
    for (const name of NAMES) {
      instances.push(await startInstance({ behaviour: configs[name], env: { ...exportTo(alone), PORT: String(ports[name]), SERVICE_NAME: name } }));
    }
    separate = await traceRequests(alone, `127.0.0.1:${ports.front}`);
  } finally {
    await Promise.all(instances.map((instance) => instance.stop()));
    await alone.close();
  }

  // The same three in one process.
  const packReceiver = await OtlpTraceReceiver.start();
  const packPorts = await assignPorts();
  const packConfigs = behaviours(packPorts);
  const packFile = join(tempDir(), 'pack.json');
  writeFileSync(packFile, JSON.stringify({ services: NAMES.map((name) => ({ PORT: String(packPorts[name]), SERVICE_NAME: name, CONFIG_JSON: JSON.stringify(packConfigs[name]) })) }));
  const pack = await startInstance({ env: { ...exportTo(packReceiver), THESPIAN_PACK_FILE: packFile } });
  let packed: ReceivedSpan[][];
  try {
    await pack.waitForLines((line) => String(line.message).startsWith('listening'), NAMES.length, 15_000);
    packed = await traceRequests(packReceiver, `127.0.0.1:${packPorts.front}`);
  } finally {
    const { code } = await pack.stop();
    assert.equal(code, 0, `the pack stops cleanly on SIGTERM; stderr:\n${pack.stderr()}`);
    await packReceiver.close();
  }

  assert.deepEqual(packed.map(shapeOf), separate.map(shapeOf), 'same spans, parents, attributes, events and statuses');
  assert.deepEqual(resourcesOf(packed), resourcesOf(separate), 'same resource attributes for each service');

  // What packing must not share: each service is an instance of its own, as its listening line says.
  const packedIds = NAMES.map((name) => packed.flat().find((span) => span.service === name)!.resource['service.instance.id']);
  assert.equal(new Set(packedIds).size, NAMES.length, 'each packed service has its own service.instance.id');
  const listening = pack.logs.filter((line) => String(line.message).startsWith('listening'));
  for (const [index, name] of NAMES.entries()) {
    assert.equal(listening.find((line) => line.service_name === name)?.service_instance_id, packedIds[index], `${name}'s listening line names the id its spans carry`);
  }
  const stopped = pack.logs.filter((line) => line.message === 'stopped');
  assert.deepEqual(stopped.map((line) => line.service_name).sort(), [...NAMES].sort(), 'each packed service drains and says what became of its spans');
  for (const line of stopped) assert.equal(line.spans_dropped_at_shutdown, 0, `${String(line.service_name)} lost no span`);
});
