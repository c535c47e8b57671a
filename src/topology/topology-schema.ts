import { z } from 'zod';
import { GRPC_METHODS, MAX_EXTRA_LATENCY_MS, MAX_LATENCY_FACTOR } from '../engine';
import { objectKeysOf } from '../config';
import { configString, durationSeconds, STATUS_NAMES, STRING_LIMITS, wholeRequests } from '../common';
import { checkServiceName } from './service-name';
import { stageRequests } from './stage-requests';
import type { EntryStage } from './topology-model';

/**
 * The shape of a topology file (behaviours themselves are checked later, with the real behaviour
 * schema, once their service references are resolved):
 *
 *   { "name"?: string, "base_port"?: 7100,
 *     "services": { "<name>": { "behaviour": {...} | "behaviour_file": "path", "port"?: n, "replicas"?: n } },
 *     "entry_points"?: [ { "service": "<name>", "method": "A", "rps": 5 }
 *                      | { "service": "<name>", "method": "A", "stages": [ { "for": "10s", "rps": 100 } ], "repeat"?: true } ],
 *     "incidents"?: [ { "name": "...", "at": "5m", "for": "2m", "repeat_every"?: "1h", "service": "<name>",
 *                       "method"?: "A", "step"?: "<a Sleep's tracing_name>", "failure_chance"?: 1, ... } ] }
 */
/**
 * `.meta()` below is for the JSON Schema only (topology-json-schema.ts): a description for editors,
 * and where zod checks with code the JSON Schema cannot carry (durations, the admin API's ranges),
 * a pattern or range that says the same. zod does not read it, so the checks and messages stay here.
 */
const DURATION_PATTERN = '^\\s*(\\d+(\\.\\d+)?|\\.\\d+)\\s*(ms|s|m|h)?\\s*$';

export const serviceEntrySchema = z
  .strictObject({
    behaviour: z.looseObject({}).optional().meta({ description: 'The behaviour, as CONFIG_JSON; a CallService may name a service of this topology ("service") instead of an address.' }),
    // Linux's PATH_MAX; the path is shown in error lines, so it must be text too.
    behaviour_file: configString({ maxLength: 4096 }).optional().meta({ description: 'A behaviour file (.json, .jsonc), relative to this topology; instead of "behaviour".' }),
    port: z.int().min(1).max(65535).optional().meta({ description: 'The port the service listens on; default base_port + its position in "services".' }),
    replicas: z.int().min(1).max(1000).optional().meta({ description: 'How many instances orchestrators run (compose, Kubernetes, ECS); default 1.' }),
  })
  .superRefine((service, ctx) => {
    if (service.behaviour && service.behaviour_file) {
      ctx.addIssue({ code: 'custom', message: 'has both "behaviour" and "behaviour_file"; give exactly one of them' });
    }
    if (!service.behaviour && !service.behaviour_file) {
      ctx.addIssue({ code: 'custom', path: ['behaviour'], message: 'is required (the behaviour inline, or "behaviour_file": "path/relative/to/this/file.jsonc")' });
    }
  })
  .meta({ oneOf: [{ required: ['behaviour'] }, { required: ['behaviour_file'] }] });

/** The most requests per second an entry point (or one of its stages) may ask for; `load --stages` takes the same. */
export const MAX_RPS = 100_000;
/** The most stages one entry point may have: each is counted on its own in load's summary. */
export const MAX_STAGES = 1000;
/**
 * The shortest stage, in seconds: 1 ms, the grain of `500ms`-style durations. A shorter one
 * would need an exponent (1e-7 s) to write down, which no duration text takes.
 */
export const MIN_STAGE_S = 0.001;

/** A stage of an entry point's traffic: over `for`, the rate ramps from the previous stage's (0 first) to `rps`. */
export const stageSchema = z.strictObject({
  for: configString({ maxLength: 32 })
    .refine((text) => (durationSeconds(text) ?? 0) >= MIN_STAGE_S, {
      message: 'must be a time of at least 1 ms such as "30s", "2m" or "500ms"',
    })
    .meta({ description: 'How long the stage lasts: "30s", "2m", "1h", "500ms" (a bare number is seconds); at least 1 ms.', pattern: DURATION_PATTERN }),
  rps: z.number().min(0).max(MAX_RPS).meta({ description: 'The rate the stage ramps to, linearly from the previous stage\'s (0 before the first), in requests per second.' }),
});

export const entryPointSchema = z
  .strictObject({
    service: z.string().min(1).meta({ description: 'The service of this topology the traffic goes to.' }),
    method: z.enum(GRPC_METHODS).meta({ description: 'The gRPC method called: A, B or C.' }),
    rps: z.number().positive().max(MAX_RPS).optional().meta({ description: 'A flat rate, in requests per second (fractions allowed); or give "stages".' }),
    stages: z.array(stageSchema).min(1).max(MAX_STAGES).optional().meta({ description: 'The rate over time instead of "rps": each stage ramps from the rate before it to its own over its "for".' }),
    repeat: z.boolean().optional().meta({ description: 'Cycle "stages" without end (a compressed day); without it the entry point falls silent after the last stage.' }),
  })
  .superRefine((entry, ctx) => {
    if (entry.rps !== undefined && entry.stages !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'has both "rps" and "stages"; give exactly one of them' });
    } else if (entry.rps === undefined && entry.stages === undefined) {
      ctx.addIssue({ code: 'custom', path: ['rps'], message: 'is required (requests per second), or give "stages": [{ "for": "1m", "rps": 100 }, ...]' });
    }
    if (entry.repeat !== undefined && entry.stages === undefined) {
      ctx.addIssue({ code: 'custom', path: ['repeat'], message: 'cycles "stages"; without stages it means nothing' });
    }
    if (entry.stages !== undefined && entry.stages.length > 0 && entry.stages.every((stage) => stage.rps === 0)) {
      ctx.addIssue({ code: 'custom', path: ['stages'], message: 'every stage has rps 0, so nothing would be sent' });
    } else if (entry.stages !== undefined && entry.stages.length > 0) {
      const problem = tooFewRequests(entry.stages);
      if (problem) ctx.addIssue({ code: 'custom', path: ['stages'], message: problem });
    }
  })
  .meta({ oneOf: [{ required: ['rps'] }, { required: ['stages'] }], dependentRequired: { repeat: ['stages'] } });

/**
 * Why one pass of `stages` would send nothing, if it would: the nth request is due when the
 * rate's integral reaches n, so stages integrating to less than 1 never send one. (A stage
 * whose duration is not valid is reported on its own and left out here.)
 */
function tooFewRequests(stages: readonly { for: string; rps: number }[]): string | undefined {
  const valid = stages.map((stage) => ({ durationS: durationSeconds(stage.for), rps: stage.rps }));
  if (valid.some((stage) => stage.durationS === undefined)) return undefined;
  const requests = stageRequests(valid as EntryStage[]);
  return wholeRequests(requests) < 1 ? `these stages integrate to ${Number(requests.toPrecision(3))} requests; nothing would be sent` : undefined;
}

/**
 * An offset from the start of traffic (`at`): a duration text, or zero (`0`, `0s`) for "at once",
 * which durationSeconds refuses on purpose (a stage or an incident's `for` of 0 means nothing).
 */
export function offsetSeconds(text: string): number | undefined {
  return /^\s*0*(\.0*)?\s*(ms|s|m|h)?\s*$/.test(text) && /0/.test(text) ? 0 : durationSeconds(text);
}

/** The most incidents a topology may schedule (each is checked against every other for contradictions). */
export const MAX_INCIDENTS = 1000;

/**
 * The latest `at` and the longest `repeat_every`: a year. A schedule beyond it is a typo, and in
 * whole ms within it the overlap arithmetic (incident-schedule.ts) stays exact.
 */
export const MAX_SCHEDULE_S = 365 * 86_400;

/** How long one incident window may last: the admin API's cap, since each window is injected through it. */
export const MAX_INCIDENT_S = 86_400;


/**
 * A scheduled incident: from `at` after traffic starts, for `for`, and again every `repeat_every`.
 * Its changes are the admin API's (docs/chaos.md); which service, method and step exist, and how
 * incidents may overlap, is checked against the behaviours in check-incidents.ts.
 */
export const incidentSchema = z
  .strictObject({
    // configString refuses an empty name already (the name marks every span the incident changes).
    name: configString({ maxLength: STRING_LIMITS.name }).meta({ description: 'Unique among the incidents: every span the incident changes carries it as thespian.incident.' }),
    at: configString({ maxLength: 32 })
      .refine((text) => offsetSeconds(text) !== undefined && offsetSeconds(text)! <= MAX_SCHEDULE_S, {
        message: 'must be a time after the start of traffic, at most a year, such as "0s", "30s" or "5m"',
      })
      .meta({ description: 'When the first window starts, after the start of traffic: "0s" (or "0"), "30s", "5m", "1h", "500ms".', pattern: DURATION_PATTERN }),
    for: configString({ maxLength: 32 })
      .refine((text) => (durationSeconds(text) ?? 0) >= MIN_STAGE_S && durationSeconds(text)! <= MAX_INCIDENT_S, {
        message: 'must be a time from 1 ms to 24h such as "30s", "2m" or "500ms" (each window is one admin API incident, and those end within a day)',
      })
      .meta({ description: 'How long each window lasts: from 1 ms to 24h ("30s", "2m"); each window is one admin API incident on every instance of the service.', pattern: DURATION_PATTERN }),
    repeat_every: configString({ maxLength: 32 })
      .refine((text) => (durationSeconds(text) ?? 0) >= MIN_STAGE_S && durationSeconds(text)! <= MAX_SCHEDULE_S, { message: 'must be a time from 1 ms to a year such as "30s", "2m" or "1h"' })
      .optional()
      .meta({ description: 'Makes the incident periodic: a window starts every repeat_every from "at". Longer than "for".', pattern: DURATION_PATTERN }),
    service: z.string().min(1).meta({ description: 'The service of this topology whose instances the incident changes.' }),
    method: z.enum(GRPC_METHODS).optional().meta({ description: 'A, B or C; every method with a behaviour if absent.' }),
    step: configString({ maxLength: STRING_LIMITS.name })
      .optional()
      .meta({ description: 'The tracing_name of one Sleep of the method (of any method without "method"); every Sleep if absent. Only Sleep steps are changed.' }),
    // Their ranges, the code's name, the method and the step are the admin API's checks, made
    // against the service's behaviour (check-incidents.ts), so both say the same.
    failure_chance: z.number().optional().meta({ description: 'From 0 to 1: the chance that each changed Sleep fails, compounded with its own failure_chance.', minimum: 0, maximum: 1 }),
    failure_code: z
      .string()
      // The admin API reads an empty code as "unset" (proto3); in a file it is a slip.
      .refine((code) => code !== '', { message: 'is empty; give a gRPC status name such as "UNAVAILABLE", or leave it out for INTERNAL' })
      .optional()
      .meta({ description: 'The gRPC status of the failures the incident injects; INTERNAL if absent. Needs failure_chance.', enum: STATUS_NAMES.filter((name) => name !== 'OK') }),
    extra_latency_ms: z.number().optional().meta({ description: 'Milliseconds added to each changed Sleep, after latency_factor.', minimum: 0, maximum: MAX_EXTRA_LATENCY_MS }),
    latency_factor: z.number().optional().meta({ description: "Each changed Sleep's own duration is multiplied by it (3: three times as long).", minimum: 0, maximum: MAX_LATENCY_FACTOR }),
  })
  .superRefine((incident, ctx) => {
    if (incident.failure_code !== undefined && incident.failure_chance === undefined) {
      ctx.addIssue({ code: 'custom', path: ['failure_code'], message: 'is the code of injected failures; without failure_chance there are none' });
    }
    // Compared in whole ms, as the windows are kept: "2.0004s" after a "2s" window would start as it ends.
    const forMs = wholeMs(durationSeconds(incident.for));
    const everyMs = incident.repeat_every === undefined ? undefined : wholeMs(durationSeconds(incident.repeat_every));
    if (forMs !== undefined && everyMs !== undefined && everyMs <= forMs) {
      ctx.addIssue({ code: 'custom', path: ['repeat_every'], message: `must be longer than "for" (${incident.for}); otherwise one window would not end before the next begins` });
    }
  })
  .meta({
    description: 'One scheduled incident: from "at" after traffic starts, for "for", again every "repeat_every"; at least one of failure_chance, extra_latency_ms, latency_factor.',
    anyOf: [{ required: ['failure_chance'] }, { required: ['extra_latency_ms'] }, { required: ['latency_factor'] }],
    dependentRequired: { failure_code: ['failure_chance'] },
  });

/** Seconds as the whole milliseconds a topology's incident times are kept in (the model rounds them so). */
export function wholeMs(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : Math.round(seconds * 1000);
}

export const topologySchema = z.strictObject({
  $schema: z.string().optional(),
  name: configString({ maxLength: STRING_LIMITS.name }).optional().meta({ description: 'The ecosystem\'s name (a Kubernetes namespace, a compose project); default: the file name without extension.' }),
  base_port: z.int().min(1).max(65535).optional().meta({ description: 'Service i listens on base_port + i unless it sets "port"; default 7100.' }),
  services: z
    .looseObject({})
    .pipe(z.record(z.string(), serviceEntrySchema))
    .superRefine((services, ctx) => {
    if (Object.keys(services).length === 0) ctx.addIssue({ code: 'custom', message: 'is empty; a topology needs at least one service' });
    for (const name of Object.keys(services)) {
      const problem = checkServiceName(name);
      if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
    }
  }),
  entry_points: z.array(entryPointSchema).optional().meta({ description: 'The traffic `thespian up` (and load --topology, verify, the rendered traffic generators) sends.' }),
  incidents: z
    .array(incidentSchema)
    .max(MAX_INCIDENTS)
    .optional()
    .meta({ description: 'Scheduled incidents, from the start of traffic: for a while, Sleeps of a service fail or slow down (docs/up.md, Incidents).' }),
});

export type TopologyFile = z.infer<typeof topologySchema>;

const TOP_LEVEL_KEYS = ['name', 'base_port', 'services', 'entry_points', 'incidents'];

/** Field names for "did you mean" hints on unknown keys, by where the key was found. */
export function topologyKeysAt(path: readonly PropertyKey[]): readonly string[] {
  if (path.length === 0) return TOP_LEVEL_KEYS;
  if (path[0] === 'services' && path.length === 2) return objectKeysOf(serviceEntrySchema);
  if (path[0] === 'entry_points' && path.length === 2) return objectKeysOf(entryPointSchema);
  if (path[0] === 'entry_points' && path[2] === 'stages' && path.length === 4) return objectKeysOf(stageSchema);
  if (path[0] === 'incidents' && path.length === 2) return objectKeysOf(incidentSchema);
  return [];
}
