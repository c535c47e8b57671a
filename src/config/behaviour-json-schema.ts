import { z } from 'zod';
import { behaviourSchema } from './behaviour-schema';

/**
 * The JSON Schema of CONFIG_JSON, generated from the zod schema so the two cannot drift apart.
 * Editors use it (example_configs/thespian.schema.json, mapped in .vscode/settings.json) for
 * completion and early errors; Thespian itself still validates with zod, which checks more
 * (cross-field rules the JSON Schema cannot say).
 */
export function behaviourJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(behaviourSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
  return {
    ...schema,
    $id: 'https://thespian.dev/schemas/behaviour.json',
    title: 'Thespian behaviour (CONFIG_JSON)',
    description: 'What a Thespian instance does when its gRPC methods A, B and C are called. See docs/config-reference.md.',
  };
}
