import type { GrpcMethod } from '../engine';
import type { LoadTarget } from './open-loop';
import { StagePlan } from './stage-plan';
import { parseTargetAddress } from './target-address';

/** What a topology says about where its entry points listen on this machine (topology/'s Topology has it). */
interface LocalTopology {
  readonly services: readonly { readonly name: string; readonly port: number }[];
  readonly entryPoints: readonly {
    readonly service: string;
    readonly method: GrpcMethod;
    /** The flat rate, or a staged entry point's mean rate. */
    readonly rps: number;
    readonly stages?: readonly { readonly durationS: number; readonly rps: number }[];
    readonly repeat?: boolean;
  }[];
}

export type LocalTarget = LoadTarget & { readonly label: string };

/**
 * The entry points of a topology as `thespian up` runs it: 127.0.0.1 at each service's port,
 * labelled with the service, each at its rps or through its own stages. A `total` shares itself
 * among them in the proportions of their (mean) rps: a total rate scales each entry point's rate
 * or stages; total stages give every entry point those stages, scaled to its share.
 */
export function localTargets(topology: LocalTopology, total?: number | StagePlan): LocalTarget[] {
  const configured = topology.entryPoints.reduce((sum, entry) => sum + entry.rps, 0);
  const totalRate = total instanceof StagePlan ? total.meanRate : total;
  const scale = totalRate !== undefined && configured > 0 ? totalRate / configured : 1;
  return topology.entryPoints.map((entry) => {
    const service = topology.services.find((candidate) => candidate.name === entry.service)!;
    const address = parseTargetAddress(`127.0.0.1:${service.port}`);
    const own = entry.stages ? new StagePlan(entry.stages.map((stage) => ({ durationS: stage.durationS, rate: stage.rps })), entry.repeat === true) : undefined;
    const stages = total instanceof StagePlan ? total.scaled(entry.rps / configured) : own?.scaled(scale);
    // A share too small for a double rounds to 0, which no schedule takes; the smallest rate
    // above 0 means the same to a user (one request now, the next never).
    const rate = Math.max(stages ? stages.meanRate : entry.rps * scale, Number.MIN_VALUE);
    return stages ? { address, method: entry.method, rate, label: entry.service, stages } : { address, method: entry.method, rate, label: entry.service };
  });
}
