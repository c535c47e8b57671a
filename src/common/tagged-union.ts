import { z } from 'zod';
import { closestName } from './closest-name';
import { describeValue } from './describe-value';

/**
 * The original's configs use serde's externally tagged enums: `{"Sleep": {...}}`, where the one
 * key names the variant. This builds that shape in zod with errors that say what went wrong
 * ("unknown action kind "Sleeep" (did you mean "Sleep"?)", "has Sleep and Function") instead of
 * a wall of union mismatches, while keeping a plain union inside so a JSON Schema can be generated.
 */
export function taggedUnion<Tag extends string, Result>(
  what: string,
  variants: Record<Tag, z.ZodType>,
  build: (tag: Tag, value: unknown) => Result,
): z.ZodType<Result> {
  const tags = Object.keys(variants) as Tag[];
  const expected = tags.map((tag) => `"${tag}"`).join(', ');
  const alternatives = tags.map((tag) => z.strictObject({ [tag]: variants[tag] }));
  const union = alternatives.length === 1 ? alternatives[0] : z.union(alternatives as unknown as [z.ZodType, z.ZodType]);

  const checkTag = (input: unknown, ctx: z.RefinementCtx): unknown => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      ctx.addIssue({ code: 'custom', message: `must be an object with exactly one of ${expected} (got ${describeValue(input)})` });
      return input;
    }
    const keys = Object.keys(input);
    for (const key of keys.filter((k) => !(tags as string[]).includes(k))) {
      const hint = closestName(key, tags);
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `unknown ${what} kind${hint ? ` (did you mean "${hint}"?)` : ''}; expected one of ${expected}`,
      });
    }
    if (keys.length === 0) ctx.addIssue({ code: 'custom', message: `is empty; expected exactly one of ${expected}` });
    else if (keys.length > 1 && keys.every((k) => (tags as string[]).includes(k))) {
      ctx.addIssue({
        code: 'custom',
        message: `has ${keys.map((k) => `"${k}"`).join(' and ')}; each ${what} is exactly one kind, so split them into separate ${what}s`,
      });
    }
    return input;
  };

  return z.preprocess(checkTag, union).transform((value) => {
    const tag = Object.keys(value as object)[0] as Tag;
    return build(tag, (value as Record<string, unknown>)[tag]);
  });
}
