/**
 * topology/ — a file describing a whole ecosystem: its services (each with a behaviour, a port and
 * a replica count) and the entry points that traffic goes to. It owns reading the file (JSONC or
 * YAML), checking it with errors by JSON path, and resolving `{"CallService": {"service": "x"}}`
 * references to addresses for each target: local processes (`thespian up`), compose, Kubernetes,
 * ECS. A service listens on its `port`, or on base_port + its index in the file, on every target,
 * so other commands find a running `thespian up` from the same file. A topology's `incidents`
 * are checked here against the behaviours, and incident-schedule.ts says when each is in effect.
 */
export { BUNDLED_TOPOLOGY_PATH, loadTopology, parseTopology } from './load-topology';
export { formatOfPath, readTopologyText } from './read-topology-text';
export { localLocator, resolveBehaviour } from './resolve-behaviour';
export type { EntryPoint, EntryStage, ScheduledIncident, ServiceLocation, Topology, TopologyService } from './topology-model';
export { firstPassEndMs, windowsBefore, windowStartMs, windowsEverOverlap, type IncidentWindow } from './incident-schedule';
export { topologyJsonSchema } from './topology-json-schema';
export { MAX_INCIDENT_S, MAX_INCIDENTS, MAX_RPS, MAX_STAGES, MIN_STAGE_S } from './topology-schema';
