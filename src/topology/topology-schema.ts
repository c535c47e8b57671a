import { z } from 'zod';
import { GRPC_METHODS } from '../engine';
import { objectKeysOf } from '../config';
import { configString, STRING_LIMITS } from '../common';
import { checkServiceName } from './service-name';

/**
 * The shape of a topology file (behaviours themselves are checked later, with the real behaviour
 * schema, once their service references are resolved):
 *
 *   { "name"?: string, "base_port"?: 7100,
 *     "services": { "<name>": { "behaviour": {...} | "behaviour_file": "path", "port"?: n, "replicas"?: n } },
 *     "entry_points"?: [ { "service": "<name>", "method": "A", "rps": 5 } ] }
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

export const entryPointSchema = z.strictObject({
  service: z.string().min(1),
  method: z.enum(GRPC_METHODS),
  rps: z.number().positive().max(100_000),
});

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
  return [];
}
