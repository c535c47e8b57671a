import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { ConfigError, EXAMPLES_DIR, readConfigFile, wrongFileTypeProblem, validateBehaviour, describeIssues } from '../config';
import type { z } from 'zod';
import { closestName, durationSeconds, endpointName, formatJsonPath, quoteBriefly, deepFreeze } from '../common';
import { buildCallGraph, findCycles } from './call-graph';
import { formatOfPath, readTopologyText, type TopologyFormat } from './read-topology-text';
import { resolveReference } from './resolve-behaviour';
import { findServiceReferences, isPlainObject, replaceServiceReferences, SERVICE_KEY } from './service-references';
import { entryPointSchema, serviceEntrySchema, topologyKeysAt, topologySchema, type TopologyFile } from './topology-schema';
import { stageRequests } from './stage-requests';
import { checkIncidents } from './check-incidents';
import { windowsEverOverlap } from './incident-schedule';
import type { Behaviour } from '../engine';
import { DEFAULT_BASE_PORT, type EntryPoint, type EntryStage, type ScheduledIncident, type Topology, type TopologyService } from './topology-model';

/** The example `thespian up` runs with no argument. */
export const BUNDLED_TOPOLOGY_PATH = join(EXAMPLES_DIR, 'ecosystem.jsonc');

/** Reads and validates a topology file (JSON/JSONC, or YAML by extension). Throws ConfigError. */
export function loadTopology(path: string): Topology {
  return parseTopology(readConfigFile(path, path, 'the topology'), path, formatOfPath(path));
}

/**
 * Text → validated, frozen Topology. `source` starts every error line and, when it is a path,
 * locates behaviour_file paths (or give `baseDir`). Collects every problem before throwing.
 */
export function parseTopology(text: string, source: string, format: TopologyFormat, baseDir = dirname(resolve(source))): Topology {
  const data = readTopologyText(text, source, format);
  if (!isPlainObject(data)) {
    throw new ConfigError(source, ['must be an object with "services" (and usually "entry_points"); see docs/up.md']);
  }
  const wrongFileType = wrongFileTypeProblem(data, 'topology');
  if (wrongFileType) throw new ConfigError(source, [wrongFileType]);
  // Every problem is collected before failing: the file's shape, then each well-formed service's
  // behaviour and references, so one run shows the user everything to fix.
  const parsed = topologySchema.safeParse(data, { reportInput: true });
  const problems = parsed.success ? [] : describeIssues(parsed.error.issues, topologyKeysAt);
  const file = parsed.success ? parsed.data : salvage(data);
  const basePort = file.base_port ?? DEFAULT_BASE_PORT;
  const names = isPlainObject(data.services) ? Object.keys(data.services) : [];
  const services = buildServices(file, basePort, baseDir, problems);
  const behaviours = checkReferences(services, names, problems);
  const entryPoints = checkEntryPoints(data.entry_points, names, problems);
  const incidents = checkIncidents(data.incidents, names, behaviours, problems);
  if (problems.length > 0) throw new ConfigError(source, problems);

  const topology: Topology = {
    name: file.name ?? basename(source, extname(source)),
    services,
    entryPoints,
    incidents,
    basePort,
    sourcePath: isAbsolute(source) || source.includes('/') || /\.(jsonc?|ya?ml)$/i.test(source) ? resolve(source) : source,
    warnings: [...findWarnings(services, entryPoints), ...overlapWarnings(incidents)],
  };
  return deepFreeze(topology);
}

/** The parts of an invalid file that are valid on their own, so their problems can be found too. */
function salvage(data: Record<string, unknown>): TopologyFile {
  const basePort = topologySchema.shape.base_port.safeParse(data.base_port);
  const services: TopologyFile['services'] = {};
  if (isPlainObject(data.services)) {
    for (const [name, entry] of Object.entries(data.services)) {
      const parsed = serviceEntrySchema.safeParse(entry);
      if (parsed.success) services[name] = parsed.data;
      else if (isPlainObject(entry)) {
        // Its behaviour may still be checked even if, say, its replicas are wrong.
        const behaviour = isPlainObject(entry.behaviour) ? entry.behaviour : undefined;
        const file = serviceEntrySchema.shape.behaviour_file.safeParse(entry.behaviour_file);
        const behaviourFile = !behaviour && file.success ? file.data : undefined;
        const port = serviceEntrySchema.shape.port.safeParse(entry.port);
        if (behaviour || behaviourFile) services[name] = { behaviour, behaviour_file: behaviourFile, port: port.success ? port.data : undefined };
      }
    }
  }
  return { base_port: basePort.success ? basePort.data : undefined, services };
}

function buildServices(file: TopologyFile, basePort: number, baseDir: string, problems: string[]): TopologyService[] {
  const services: TopologyService[] = [];
  const portOwners = new Map<number, string>();
  Object.entries(file.services).forEach(([name, entry], index) => {
    const port = entry.port ?? basePort + index;
    const portPath = formatJsonPath(['services', name, 'port']);
    if (port > 65535) {
      problems.push(`${portPath}: base_port ${basePort} + index ${index} is ${port}, beyond 65535; lower base_port or give this service a port`);
    } else {
      const owner = portOwners.get(port);
      const how = entry.port === undefined ? ` (base_port ${basePort} + index ${index})` : '';
      if (owner) problems.push(`${portPath}: ${port}${how} is already the port of "${owner}"; every service needs its own port`);
      else portOwners.set(port, name);
    }
    const behaviour = entry.behaviour ?? readBehaviourFile(name, entry.behaviour_file!, baseDir, problems);
    services.push({ name, port, replicas: entry.replicas ?? 1, behaviour });
  });
  return services;
}

function readBehaviourFile(service: string, file: string, baseDir: string, problems: string[]): unknown {
  const where = `${formatJsonPath(['services', service, 'behaviour_file'])} (${file})`;
  const path = resolve(baseDir, file);
  try {
    const text = readConfigFile(path, where);
    const data = readTopologyText(text, where, formatOfPath(path));
    if (!isPlainObject(data)) problems.push(`${where}: must be a JSON object with grpc_method_a, grpc_method_b and grpc_method_c`);
    return data;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
    return undefined;
  }
}

/**
 * Every `service` reference must name a service of the topology and not also give an address.
 * Then each behaviour, with its references resolved to stand-in addresses, goes through the real
 * behaviour schema, so its errors read exactly like CONFIG_JSON errors, under the service's path.
 * Returns the behaviours that passed, by service (the incidents are checked against them).
 */
function checkReferences(services: TopologyService[], names: readonly string[], problems: string[]): Map<string, Behaviour> {
  const behaviours = new Map<string, Behaviour>();
  for (const service of services) {
    if (!isPlainObject(service.behaviour)) continue;
    const prefix = ['services', service.name, 'behaviour'];
    for (const reference of findServiceReferences(service.behaviour)) {
      const at = formatJsonPath([...prefix, ...reference.path, SERVICE_KEY]);
      if (typeof reference.service !== 'string' || reference.service === '') {
        problems.push(`${at}: must be the name of a service of this topology (got ${JSON.stringify(reference.service)})`);
      } else if (!names.includes(reference.service)) {
        const hint = closestName(reference.service, names);
        problems.push(`${at}: unknown service ${quoteBriefly(reference.service)}${hint ? ` (did you mean "${hint}"?)` : ''}; services are: ${names.join(', ')}`);
      }
      const clashing = ['service_address', 'service_port'].filter((key) => Object.hasOwn(reference.spec, key));
      if (clashing.length > 0) {
        problems.push(`${formatJsonPath([...prefix, ...reference.path])}: has "service" and ${clashing.map((k) => `"${k}"`).join(' and ')}; name a service or give an address, not both`);
      }
    }
    const standIn = replaceServiceReferences(service.behaviour, (reference) => {
      const { service_address: _a, service_port: _p, ...spec } = reference.spec;
      const target = services.find((candidate) => candidate.name === reference.service) ?? { name: 'unknown', port: 1, replicas: 1, behaviour: null };
      return resolveReference({ ...reference, spec }, target, (t) => ({ address: t.name, port: t.port }));
    });
    try {
      behaviours.set(service.name, validateBehaviour(standIn, BEHAVIOUR_SOURCE));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems.map((problem) => underPrefix(formatJsonPath(prefix), problem)));
    }
  }
  return behaviours;
}

const BEHAVIOUR_SOURCE = '\u0000behaviour';

/** validateBehaviour's "SOURCE: path: message" → "services.x.behaviour.path: message". */
function underPrefix(prefix: string, problem: string): string {
  const rest = problem.startsWith(`${BEHAVIOUR_SOURCE}: `) ? problem.slice(BEHAVIOUR_SOURCE.length + 2) : problem;
  const separator = rest.indexOf(': ');
  const path = separator > 0 ? rest.slice(0, separator) : '';
  if (path === '(top level)') return `${prefix}${rest.slice(separator)}`;
  if (/^[A-Za-z_$][\w$]*(\.|\[|$)/.test(path) && !/\s/.test(path)) return `${prefix}.${rest}`;
  if (path.startsWith('[')) return `${prefix}${rest}`;
  return `${prefix}: ${rest}`;
}

/** Reads the raw list, so an entry point's path is right even when an earlier one is malformed. */
function checkEntryPoints(raw: unknown, names: readonly string[], problems: string[]): EntryPoint[] {
  if (!Array.isArray(raw)) return [];
  const entryPoints: EntryPoint[] = [];
  raw.forEach((entry, index) => {
    const service = isPlainObject(entry) ? entry.service : undefined;
    if (typeof service === 'string' && service !== '' && !names.includes(service)) {
      const hint = closestName(service, names);
      problems.push(
        `${formatJsonPath(['entry_points', index, 'service'])}: unknown service ${quoteBriefly(service)}${hint ? ` (did you mean "${hint}"?)` : ''}; services are: ${names.join(', ')}`,
      );
    }
    const parsed = entryPointSchema.safeParse(entry);
    if (parsed.success) entryPoints.push(entryPointOf(parsed.data));
  });
  return entryPoints;
}

/** The model of a checked entry point: durations in seconds, and a staged one's rps their mean. */
function entryPointOf(entry: z.infer<typeof entryPointSchema>): EntryPoint {
  const { service, method } = entry;
  if (entry.stages === undefined) return { service, method, rps: entry.rps! };
  const stages = entry.stages.map((stage) => ({ durationS: durationSeconds(stage.for)!, rps: stage.rps }));
  return { service, method, rps: meanRate(stages), stages, repeat: entry.repeat === true };
}

/** The mean of a rate that ramps linearly through `stages` from 0: the trapezia's area over the total time. */
function meanRate(stages: readonly EntryStage[]): number {
  return stageRequests(stages) / stages.reduce((seconds, stage) => seconds + stage.durationS, 0);
}

function findWarnings(services: TopologyService[], entryPoints: EntryPoint[]): string[] {
  const warnings: string[] = [];
  for (const cycle of findCycles(buildCallGraph(services))) {
    warnings.push(
      `possible call cycle: ${[...cycle, cycle[0]].join(' → ')}; a request that reaches it goes round until a step fails or the hop limit (THESPIAN_MAX_HOPS, default 32) refuses it`,
    );
  }
  for (const entry of entryPoints) {
    const behaviour = services.find((service) => service.name === entry.service)?.behaviour;
    const fn = isPlainObject(behaviour) ? behaviour[`grpc_method_${entry.method.toLowerCase()}`] : undefined;
    if (fn === null || fn === undefined) {
      warnings.push(`entry point ${endpointName(entry.service, entry.method)}: ${entry.service} has no grpc_method_${entry.method.toLowerCase()}, so these calls only answer OK`);
    }
  }
  return warnings;
}

/**
 * Incidents in effect at once combine (docs/chaos.md), which is allowed; but predict and
 * verify reckon each window with its own incident alone, so where windows meet they say less.
 */
function overlapWarnings(incidents: readonly ScheduledIncident[]): string[] {
  const warnings: string[] = [];
  incidents.forEach((b, j) => {
    const a = incidents.slice(0, j).find((earlier) => windowsEverOverlap(earlier, b));
    if (a) warnings.push(`incident "${b.name}" can be in effect together with "${a.name}": their changes combine, but predict and verify reckon each window with its own incident alone`);
  });
  return warnings;
}
