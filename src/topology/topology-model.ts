import type { GrpcMethod, IncidentFields } from '../engine';

/**
 * A topology: several Thespian services, what each does, and the traffic that drives them.
 * Built once from a topology file by load-topology.ts and frozen. The same model feeds
 * `thespian up` (local processes) and the compose/Kubernetes/ECS renderers, so it keeps each
 * behaviour as raw JSON with its `service` references unresolved: each target resolves them
 * to its own addresses with resolveBehaviour().
 */
export interface Topology {
  /** The topology's `name`, or the file's name without its extension. */
  readonly name: string;
  /** Services in file order; a service's index in this list decides its default port. */
  readonly services: readonly TopologyService[];
  readonly entryPoints: readonly EntryPoint[];
  readonly basePort: number;
  /** Chaos that changes over time, played from the start of traffic (docs/chaos.md); in file order. */
  readonly incidents: readonly ScheduledIncident[];
  /** Absolute path of the file, or the source name given to parseTopology. */
  readonly sourcePath: string;
  /** Things that are allowed but probably not meant (a possible call cycle...), one line each. */
  readonly warnings: readonly string[];
}

export interface TopologyService {
  /** A DNS label: it becomes a host name in compose and Kubernetes. */
  readonly name: string;
  /** Its `port`, or base_port + its index. Every target listens here. */
  readonly port: number;
  /** How many copies orchestrators run. `thespian up` runs one process per service regardless. */
  readonly replicas: number;
  /** The behaviour JSON as written (inline or read from behaviour_file), references unresolved. */
  readonly behaviour: unknown;
}

export interface EntryPoint {
  readonly service: string;
  readonly method: GrpcMethod;
  /**
   * Requests per second; may be fractional (0.5 = one every two seconds). With `stages`, their
   * mean over a cycle: what the entry point's share of a total rate is reckoned by.
   */
  readonly rps: number;
  /** Instead of a flat rps: stages the rate ramps through, each from the rate before it (0 first). */
  readonly stages?: readonly EntryStage[];
  /** Cycle the stages without end (a compressed day); only with `stages`. */
  readonly repeat?: boolean;
}

export interface EntryStage {
  readonly durationS: number;
  /** Requests per second at the end of the stage. */
  readonly rps: number;
}

/**
 * An incident of the topology's schedule: `service`'s Sleeps (of `method`, or named `step`) are
 * changed from `atMs` after the start of traffic for `forMs`, and again every `repeatEveryMs`.
 * The changes are what the admin API's Inject takes (the engine's IncidentFields, less the id an
 * instance gives each window); absent ones change nothing.
 */
export interface ScheduledIncident extends Omit<IncidentFields, 'id'> {
  /** Unique in the topology; every span the incident changes carries it (thespian.incident). */
  readonly name: string;
  readonly service: string;
  readonly atMs: number;
  readonly forMs: number;
  readonly repeatEveryMs?: number;
}

/** Where a service can be reached from the point of view of the target being rendered. */
export interface ServiceLocation {
  readonly address: string;
  readonly port: number;
}

export type ServiceLocator = (target: TopologyService) => ServiceLocation;

export const DEFAULT_BASE_PORT = 7100;
