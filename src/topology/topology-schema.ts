import { z } from 'zod';
import { GRPC_METHODS } from '../engine';
import { objectKeysOf } from '../config';
import { configString, durationSeconds, STRING_LIMITS, wholeRequests } from '../common';
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
 *                      | { "service": "<name>", "method": "A", "stages": [ { "for": "10s", "rps": 100 } ], "repeat"?: true } ] }
 */
export const serviceEntrySchema = z
  .strictObject({
    behaviour: z.looseObject({}).optional(),
    // Linux's PATH_MAX; the path is shown in error lines, so it must be text too.
    behaviour_file: configString({ maxLength: 4096 }).optional(),
    port: z.int().min(1).max(65535).optional(),
    replicas: z.int().min(1).max(1000).optional(),
  })
  .superRefine((service, ctx) => {
    if (service.behaviour && service.behaviour_file) {
      ctx.addIssue({ code: 'custom', message: 'has both "behaviour" and "behaviour_file"; give exactly one of them' });
    }
    if (!service.behaviour && !service.behaviour_file) {
      ctx.addIssue({ code: 'custom', path: ['behaviour'], message: 'is required (the behaviour inline, or "behaviour_file": "path/relative/to/this/file.jsonc")' });
    }
  });

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
  for: configString({ maxLength: 32 }).refine((text) => (durationSeconds(text) ?? 0) >= MIN_STAGE_S, {
    message: 'must be a time of at least 1 ms such as "30s", "2m" or "500ms"',
  }),
  rps: z.number().min(0).max(MAX_RPS),
});

export const entryPointSchema = z
  .strictObject({
    service: z.string().min(1),
    method: z.enum(GRPC_METHODS),
    rps: z.number().positive().max(MAX_RPS).optional(),
    stages: z.array(stageSchema).min(1).max(MAX_STAGES).optional(),
    repeat: z.boolean().optional(),
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
  });

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

export const topologySchema = z.strictObject({
  $schema: z.string().optional(),
  name: configString({ maxLength: STRING_LIMITS.name }).optional(),
  base_port: z.int().min(1).max(65535).optional(),
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
  entry_points: z.array(entryPointSchema).optional(),
});

export type TopologyFile = z.infer<typeof topologySchema>;

const TOP_LEVEL_KEYS = ['name', 'base_port', 'services', 'entry_points'];

/** Field names for "did you mean" hints on unknown keys, by where the key was found. */
export function topologyKeysAt(path: readonly PropertyKey[]): readonly string[] {
  if (path.length === 0) return TOP_LEVEL_KEYS;
  if (path[0] === 'services' && path.length === 2) return objectKeysOf(serviceEntrySchema);
  if (path[0] === 'entry_points' && path.length === 2) return objectKeysOf(entryPointSchema);
  if (path[0] === 'entry_points' && path[2] === 'stages' && path.length === 4) return objectKeysOf(stageSchema);
  return [];
}
