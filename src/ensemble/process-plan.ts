import { availableParallelism } from 'node:os';

/**
 * Up to this many services, each gets a process of its own by default: real process boundaries
 * cost ~100 MB each, which a small topology can afford. Past it, services are packed.
 */
export const PACK_ABOVE_SERVICES = 16;
/**
 * The most services one process takes by default. Each process has one thread for all its
 * services' work, so a pack of this size at the rates `up` is for (a few requests a second
 * through the topology) stays far from a core's worth; bench/scale.ts measures it.
 */
const DEFAULT_PACK_SIZE = 25;

/** How `up` spreads services over processes: `servicesPerProcess` undefined picks by size (above). */
export interface ProcessPlanOptions {
  readonly servicesPerProcess?: number;
}

/**
 * Groups the services (in topology order) into processes. Packed, there are at least as many
 * processes as cores, so a busy topology still uses the machine, and groups differ in size by
 * at most one.
 */
export function planProcesses<T>(services: readonly T[], options: ProcessPlanOptions = {}): T[][] {
  const perProcess = options.servicesPerProcess ?? (services.length > PACK_ABOVE_SERVICES ? Math.ceil(services.length / Math.max(availableParallelism(), Math.ceil(services.length / DEFAULT_PACK_SIZE))) : 1);
  const processes = Math.ceil(services.length / Math.max(1, perProcess));
  const groups: T[][] = [];
  // Runs in topology order, sized so that they differ by at most one service.
  const base = Math.floor(services.length / processes);
  const larger = services.length % processes;
  let next = 0;
  for (let index = 0; index < processes; index++) {
    const size = base + (index < larger ? 1 : 0);
    groups.push(services.slice(next, next + size));
    next += size;
  }
  return groups;
}
