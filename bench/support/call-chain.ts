import type { ChildServer } from './child-server';

/**
 * A chain of `length` servers in which each one's A calls the next one's A: started from the end,
 * since each needs the port of the one after it. `start(nextPort)` starts one server; nextPort is
 * undefined for the last. Resolves with the servers, first (the entry) first.
 */
export async function startChain(length: number, start: (nextPort: number | undefined) => Promise<ChildServer>): Promise<ChildServer[]> {
  const servers: ChildServer[] = [];
  for (let index = 0; index < length; index++) servers.unshift(await start(servers[0]?.port));
  return servers;
}

export async function stopChain(servers: readonly ChildServer[]): Promise<string[]> {
  return Promise.all(servers.map((server) => server.stop()));
}
