import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePorts, rangeOutsideEphemeral, withFreePorts } from '../../src/ensemble/free-ports';
import type { Topology } from '../../src/topology';

/** The kernel's ephemeral range, where outgoing connections take their local ports; undefined off Linux. */
function ephemeral(): { low: number; high: number } | undefined {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return { low, high };
  } catch {
    return undefined;
  }
}

function topologyOf(count: number): Topology {
  const services = Array.from({ length: count }, (_, index) => ({ name: `s${index}`, port: 6379 + index }));
  return { services } as unknown as Topology;
}

function listenable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

// A port from the ephemeral range can be taken by any client's outgoing connection before the
// service binds it; that raced `thespian up --free-ports` into "port … is already in use".
test('--free-ports chooses distinct, free ports outside the ephemeral range that outgoing connections use', async (t) => {
  const range = ephemeral();
  if (!range) return t.skip('no /proc/sys/net/ipv4/ip_local_port_range on this system');
  const moved = await withFreePorts(topologyOf(40));
  const ports = moved.services.map((service) => service.port);
  assert.equal(new Set(ports).size, 40, 'every service has a port of its own');
  for (const port of ports) {
    assert.ok(port < range.low || port > range.high, `port ${port} is outside the ephemeral range ${range.low}-${range.high}`);
    assert.ok(port >= 10_000, `port ${port} is above the common registered ones`);
  }
  assert.deepEqual(
    (await Promise.all(ports.map(listenable))).filter((free) => !free),
    [],
    'every chosen port is released again for the service to take',
  );
  assert.deepEqual(moved.services.map((service) => service.name), topologyOf(40).services.map((service) => service.name), 'only the ports change');
});

test('the range outside the ephemeral one: the wider side, or none when both are too small', () => {
  assert.deepEqual(rangeOutsideEphemeral({ low: 32_768, high: 60_999 }), { low: 10_000, high: 32_767 });
  assert.deepEqual(rangeOutsideEphemeral({ low: 49_152, high: 65_535 }), { low: 10_000, high: 49_151 });
  assert.deepEqual(rangeOutsideEphemeral({ low: 1_024, high: 20_000 }), { low: 20_001, high: 65_535 });
  assert.equal(rangeOutsideEphemeral({ low: 1_024, high: 65_000 }), undefined, 'then port 0 after all');
});

// `up --free-ports --prometheus-sd` chooses the services' ports and then their scrape ports in two
// calls; each call alone held its ports until all were chosen, but the second could pick one the
// first had handed out (about 1 in 10 for 500 ports each, not so rare for big topologies).
test('later calls never hand out a port an earlier one did, nor one the caller says it will use', async () => {
  const first = await freePorts(500);
  const second = await freePorts(500, [first[0] + 1]);
  assert.deepEqual(second.filter((port) => first.includes(port)), [], 'no port handed out twice');
  assert.ok(!second.includes(first[0] + 1), 'the port to avoid was avoided');
});
