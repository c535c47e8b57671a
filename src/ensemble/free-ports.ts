import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import type { Topology } from '../topology';

/** Where ports of our own are looked for: above the well-known and common registered ones. */
const LOWEST_CHOSEN_PORT = 10_000;
/** Fewer free ports than this outside the ephemeral range, and the system's port 0 is used after all. */
const SMALLEST_USEFUL_RANGE = 1_000;
/** Random tries per port before giving up on the range (a port may be held by another program). */
const TRIES_PER_PORT = 50;
/** The ephemeral range when the system does not say (macOS and the IANA default). */
const DEFAULT_EPHEMERAL = { low: 49_152, high: 65_535 };

/**
 * The topology with every service moved to a free port (`thespian up --free-ports`), so that it
 * runs beside another run of the same file, or on a machine whose ports are taken.
 *
 * The ports are chosen at random outside the kernel's ephemeral range. Port 0 would hand out one
 * from inside it, the range every outgoing connection takes its local port from: on a busy machine
 * some client's connection took such a port between its release here and the service's start,
 * and `up` then failed with "already in use". Outside that range only a program that binds a
 * port explicitly can take it. Each port is held until all are chosen, so that they differ; the
 * port check before start reports one taken in the remaining moment.
 */
export async function withFreePorts(topology: Topology): Promise<Topology> {
  const ports = await freePorts(topology.services.length);
  return Object.freeze({ ...topology, services: Object.freeze(topology.services.map((service, index) => Object.freeze({ ...service, port: ports[index] }))) });
}

/**
 * Ports this process handed out already. They were free when chosen, and are most likely taken by
 * now by what they were chosen for, or about to be: a later call (the scrape ports of
 * `--prometheus-sd` after the services' `--free-ports`) must not choose one again.
 */
const handedOut = new Set<number>();

/**
 * `count` distinct ports, free a moment ago, chosen as above, none of them handed out before by
 * this process nor in `avoid` (ports the caller will use, not yet bound); for anything that must
 * name a port before its server starts.
 */
export async function freePorts(count: number, avoid: Iterable<number> = []): Promise<number[]> {
  const taken = new Set([...handedOut, ...avoid]);
  const held: Server[] = [];
  try {
    const range = rangeOutsideEphemeral();
    for (let index = 0; index < count; index++) held.push(await holdFreePort(range, taken));
    const ports = held.map((server) => (server.address() as AddressInfo).port);
    for (const port of ports) handedOut.add(port);
    return ports;
  } finally {
    await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

interface PortRange {
  readonly low: number;
  readonly high: number;
}

/** The widest stretch at or above LOWEST_CHOSEN_PORT that the kernel never hands out on its own; undefined if too small. */
export function rangeOutsideEphemeral(ephemeral: PortRange = ephemeralRange()): PortRange | undefined {
  const below = { low: LOWEST_CHOSEN_PORT, high: ephemeral.low - 1 };
  const above = { low: Math.max(LOWEST_CHOSEN_PORT, ephemeral.high + 1), high: 65_535 };
  const wider = size(below) >= size(above) ? below : above;
  return size(wider) >= SMALLEST_USEFUL_RANGE ? wider : undefined;
}

function size(range: PortRange): number {
  return range.high - range.low + 1;
}

function ephemeralRange(): PortRange {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return Number.isInteger(low) && Number.isInteger(high) && low <= high ? { low, high } : DEFAULT_EPHEMERAL;
  } catch {
    return DEFAULT_EPHEMERAL;
  }
}

/** A listening server on a free port of `range` not in `taken` (all interfaces, as the services listen), or on port 0 without a range. */
async function holdFreePort(range: PortRange | undefined, taken: ReadonlySet<number>): Promise<Server> {
  if (range) {
    for (let attempt = 0; attempt < TRIES_PER_PORT; attempt++) {
      const port = randomInt(range.low, range.high + 1);
      if (taken.has(port)) continue;
      const server = await listenOn(port).catch(() => undefined);
      if (server) return server;
    }
  }
  return listenOn(0);
}

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => resolve(server));
  });
}
