import type { GrpcMethod } from '../engine';
import type { LoadTarget } from './open-loop';
import { parseTargetAddress } from './target-address';

/** What a topology says about where its entry points listen on this machine (topology/'s Topology has it). */
interface LocalTopology {
  readonly services: readonly { readonly name: string; readonly port: number }[];
  readonly entryPoints: readonly { readonly service: string; readonly method: GrpcMethod; readonly rps: number }[];
}

export type LocalTarget = LoadTarget & { readonly label: string };

/**
 * The entry points of a topology as `thespian up` runs it: 127.0.0.1 at each service's port,
 * labelled with the service, each at its rps, or at its share of `totalRate` (shared in the
 * proportions of their rps) when one is given.
 */
export function localTargets(topology: LocalTopology, totalRate?: number): LocalTarget[] {
  const configured = topology.entryPoints.reduce((sum, entry) => sum + entry.rps, 0);
  const scale = totalRate !== undefined && configured > 0 ? totalRate / configured : 1;
  return topology.entryPoints.map((entry) => {
    const service = topology.services.find((candidate) => candidate.name === entry.service)!;
    // A share too small for a double rounds to 0, which no schedule takes; the smallest rate
    // above 0 means the same to a user (one request now, the next never).
    const rate = Math.max(entry.rps * scale, Number.MIN_VALUE);
    return { address: parseTargetAddress(`127.0.0.1:${service.port}`), method: entry.method, rate, label: entry.service };
  });
}
