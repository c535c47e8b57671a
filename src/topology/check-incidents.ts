/**
 * A topology's `incidents`, checked against its services: the service exists, and the rest is
 * what that service's instance would say to the same incident through the admin API (the
 * engine's IncidentBoard makes both checks, so a schedule that loads is one the instances take).
 * Then across incidents: names are unique, and two that can be in effect at once on the same
 * steps do not fail them with different codes (a failure has one code; such a pair is a mistake).
 */
import type { z } from 'zod';
import { closestName, durationSeconds, formatJsonPath, quoteBriefly, type StatusName } from '../common';
import { GRPC_METHODS, IncidentBoard, type Behaviour, type IncidentDraft } from '../engine';
import { windowsEverOverlap } from './incident-schedule';
import { isPlainObject } from './service-references';
import { incidentSchema, offsetSeconds, wholeMs } from './topology-schema';
import type { ScheduledIncident } from './topology-model';

/** Reads the raw list, so an incident's path is right even when an earlier one is malformed. */
export function checkIncidents(raw: unknown, names: readonly string[], behaviours: ReadonlyMap<string, Behaviour>, problems: string[]): ScheduledIncident[] {
  if (!Array.isArray(raw)) return [];
  const incidents: { index: number; incident: ScheduledIncident }[] = [];
  const boards = new Map<string, IncidentBoard>();
  raw.forEach((entry, index) => {
    const service = isPlainObject(entry) ? entry.service : undefined;
    if (typeof service === 'string' && service !== '' && !names.includes(service)) {
      const hint = closestName(service, names);
      problems.push(`${formatJsonPath(['incidents', index, 'service'])}: unknown service ${quoteBriefly(service)}${hint ? ` (did you mean "${hint}"?)` : ''}; services are: ${names.join(', ')}`);
      return;
    }
    const parsed = incidentSchema.safeParse(entry);
    const behaviour = typeof service === 'string' ? behaviours.get(service) : undefined;
    // Without the service's (valid) behaviour its steps cannot be known; its problems are said.
    if (!behaviour || !isPlainObject(entry)) return;
    const incident = parsed.success ? incidentOf(parsed.data) : undefined;
    // A malformed entry is still checked for what the instance would refuse; the topology's
    // own schema has said what is malformed (so the duration, its business, is left out here).
    const board = boards.get(service as string) ?? new IncidentBoard(behaviour, service as string, () => 0);
    boards.set(service as string, board);
    const refused = board.check({ ...draftOf(entry), durationMs: incident?.forMs ?? 1 });
    // A field the schema refused (a method "D", a name too long) is said once, in its words.
    const saidByTheSchema = new Set(parsed.success ? [] : parsed.error.issues.map((issue) => String(issue.path[0])));
    const at = formatJsonPath(['incidents', index]);
    for (const problem of refused) {
      const field = /^([a-z_]+): /.exec(problem)?.[1];
      if (field === undefined) problems.push(`${at}: ${problem}`);
      else if (!saidByTheSchema.has(field)) problems.push(`${at}.${problem}`);
    }
    if (incident && refused.length === 0) incidents.push({ index, incident });
  });
  checkNames(raw, problems);
  checkContradictions(incidents, boards, problems);
  return incidents.map(({ incident }) => incident);
}

/**
 * The fields the admin API checks, where they have the type it takes. A change given with the
 * wrong type (`"failure_chance": "1"`) is still a change asked for: it goes in as NaN, whose
 * refusal the schema's own line replaces, so "changes nothing" is not said of it.
 */
function draftOf(entry: Record<string, unknown>): Omit<IncidentDraft, 'durationMs'> {
  const text = (key: string) => (typeof entry[key] === 'string' ? (entry[key] as string) : undefined);
  const number = (key: string) => (typeof entry[key] === 'number' ? (entry[key] as number) : entry[key] === undefined ? undefined : Number.NaN);
  return {
    name: text('name'), service: text('service'), method: text('method'), step: text('step'),
    failureChance: number('failure_chance'), failureCode: text('failure_code'), extraLatencyMs: number('extra_latency_ms'), latencyFactor: number('latency_factor'),
  };
}

function incidentOf(entry: z.infer<typeof incidentSchema>): ScheduledIncident {
  const ms = (seconds: number | undefined) => wholeMs(seconds)!;
  return {
    name: entry.name,
    service: entry.service,
    ...(entry.method ? { method: entry.method } : {}),
    ...(entry.step ? { step: entry.step } : {}),
    ...(entry.failure_chance !== undefined ? { failureChance: entry.failure_chance, failureCode: (entry.failure_code ?? 'INTERNAL') as StatusName } : {}),
    ...(entry.extra_latency_ms !== undefined ? { extraLatencyMs: entry.extra_latency_ms } : {}),
    ...(entry.latency_factor !== undefined ? { latencyFactor: entry.latency_factor } : {}),
    atMs: ms(offsetSeconds(entry.at)),
    forMs: ms(durationSeconds(entry.for)),
    ...(entry.repeat_every !== undefined ? { repeatEveryMs: ms(durationSeconds(entry.repeat_every)) } : {}),
  };
}

/** Over every entry with a name, well-formed or not, so that a fixed file does not then fail on a name. */
function checkNames(raw: readonly unknown[], problems: string[]): void {
  const first = new Map<string, number>();
  raw.forEach((entry, index) => {
    const name = isPlainObject(entry) ? entry.name : undefined;
    if (typeof name !== 'string') return;
    const earlier = first.get(name);
    if (earlier === undefined) first.set(name, index);
    else problems.push(`${formatJsonPath(['incidents', index, 'name'])}: ${quoteBriefly(name)} is also the name of incidents[${earlier}]; every incident needs its own (spans and verify's report tell them apart by it)`);
  });
}

function checkContradictions(incidents: readonly { index: number; incident: ScheduledIncident }[], boards: ReadonlyMap<string, IncidentBoard>, problems: string[]): void {
  for (let j = 0; j < incidents.length; j++) {
    for (let i = 0; i < j; i++) {
      const a = incidents[i]!.incident;
      const b = incidents[j]!.incident;
      if (!failsWithAnotherCode(a, b, boards.get(a.service)!) || !windowsEverOverlap(a, b)) continue;
      const steps = a.step ?? b.step;
      problems.push(
        `${formatJsonPath(['incidents', incidents[j]!.index])}: can be in effect together with incidents[${incidents[i]!.index}] ("${a.name}") on ${steps ? `"${steps}" of ` : ''}${a.service}, ` +
          `failing it with ${b.failureCode} where that one fails it with ${a.failureCode}; a failure has one code: give both the same failure_code, or move one so that their windows never meet`,
      );
    }
  }
}

/** Both can fail some Sleep, with different codes. */
function failsWithAnotherCode(a: ScheduledIncident, b: ScheduledIncident, board: IncidentBoard): boolean {
  return a.service === b.service && (a.failureChance ?? 0) > 0 && (b.failureChance ?? 0) > 0 && a.failureCode !== b.failureCode && changeTheSameSleep(a, b, board);
}

/**
 * Whether some Sleep of the service is changed by both: one method both take in, and a Sleep of
 * it both take in. (Methods and steps that merely "meet" are not enough: a step of A only and
 * the whole of B share nothing.)
 */
function changeTheSameSleep(a: ScheduledIncident, b: ScheduledIncident, board: IncidentBoard): boolean {
  const takes = <T>(own: T | undefined, value: T) => own === undefined || own === value;
  return GRPC_METHODS.some(
    (method) => takes(a.method, method) && takes(b.method, method) && [...board.sleepNames(method)].some((step) => takes(a.step, step) && takes(b.step, step)),
  );
}
