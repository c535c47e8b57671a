import { z } from 'zod';
import { functionSchema, type Behaviour } from '../engine';
import { configString, STRING_LIMITS } from '../common';

/**
 * CONFIG_JSON, exactly as the original Rust Thespian reads it:
 *   { "grpc_method_a": Function | null, "grpc_method_b": ..., "grpc_method_c": ... }
 * plus the original examples' top-level "service_name", and "$schema" for editors.
 * Any other key is an error: a typo in a chaos config must never be silently ignored.
 */
export const behaviourSchema = z
  .strictObject({
    $schema: z.string().optional(),
    service_name: configString({ maxLength: STRING_LIMITS.name }).optional(),
    grpc_method_a: functionSchema.nullable().optional(),
    grpc_method_b: functionSchema.nullable().optional(),
    grpc_method_c: functionSchema.nullable().optional(),
  })
  .transform(
    (raw): Behaviour => ({
      serviceName: raw.service_name,
      methods: { A: raw.grpc_method_a ?? null, B: raw.grpc_method_b ?? null, C: raw.grpc_method_c ?? null },
    }),
  );

export const TOP_LEVEL_KEYS = ['service_name', 'grpc_method_a', 'grpc_method_b', 'grpc_method_c'];
