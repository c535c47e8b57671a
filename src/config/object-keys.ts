import { z } from 'zod';

/**
 * The keys an object schema accepts, looking through transforms, pipes, lazies and optionals.
 * Used for "did you mean" hints, so the hints follow the schemas without a second list of names.
 */
export function objectKeysOf(schema: z.ZodType): string[] {
  const seen = new Set<z.ZodType>();
  let current: z.ZodType | undefined = schema;
  while (current && !seen.has(current)) {
    seen.add(current);
    if (current instanceof z.ZodObject) return Object.keys(current.shape);
    const def = (current as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
    if (current instanceof z.ZodLazy) current = current.unwrap() as z.ZodType;
    else current = (def.in ?? def.innerType ?? def.schema) as z.ZodType | undefined;
  }
  return [];
}
