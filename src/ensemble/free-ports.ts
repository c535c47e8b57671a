import { createServer, type AddressInfo, type Server } from 'node:net';
import type { Topology } from '../topology';

/**
 * The topology with every service moved to a port the system picks (`thespian up --free-ports`),
 * so that it runs beside another run of the same file, or on a machine whose ports are taken.
 * The ports are found by listening on port 0 on all interfaces, as the services will, all at once
 * so that they differ; between their release here and the services' start another program could
 * take one, which the port check before start then reports.
 */
export async function withFreePorts(topology: Topology): Promise<Topology> {
  const servers = await Promise.all(topology.services.map(() => listenAnywhere()));
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return Object.freeze({ ...topology, services: Object.freeze(topology.services.map((service, index) => Object.freeze({ ...service, port: ports[index] }))) });
}

function listenAnywhere(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '0.0.0.0', () => resolve(server));
  });
}
