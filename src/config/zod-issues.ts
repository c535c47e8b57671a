import type { z } from 'zod';
import { closestName, describeValue, formatJsonPath } from '../common';

/**
 * Turns zod's issues into one plain line per problem, prefixed with the JSON path:
 *   grpc_method_a.operations[2].Action.Sleep.duration_ms: must be ≥ 0 (got -5)
 * zod's own messages are written for developers; these are written for people editing a config.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], knownKeys?: KnownKeys): string[] {
  return keepTightestBounds(issues).flatMap((issue) => describeIssue(issue, knownKeys));
}

/**
 * A whole number past a field's own maximum also breaks zod's safe-integer range, and both were
 * printed ("must be ≤ 9007199254740991", "must be ≤ 86400000"): of the bounds broken at one path
 * in one direction, only the tightest is worth saying.
 */
function keepTightestBounds(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const tightest = new Map<string, z.core.$ZodIssue>();
  const keyOf = (issue: z.core.$ZodIssue) => `${issue.code} ${JSON.stringify(issue.path.map(String))}`;
  for (const issue of issues) {
    if (issue.code !== 'too_big' && issue.code !== 'too_small') continue;
    const known = tightest.get(keyOf(issue));
    if (!known || tighter(issue, known)) tightest.set(keyOf(issue), issue);
  }
  return issues.filter((issue) => (issue.code !== 'too_big' && issue.code !== 'too_small') || tightest.get(keyOf(issue)) === issue);
}

function tighter(a: z.core.$ZodIssue, b: z.core.$ZodIssue): boolean {
  if (a.code === 'too_big' && b.code === 'too_big') return Number(a.maximum) < Number(b.maximum);
  if (a.code === 'too_small' && b.code === 'too_small') return Number(a.minimum) > Number(b.minimum);
  return false;
}

/** For "did you mean" hints on unknown keys: the keys that would have been valid at a path. */
type KnownKeys = (path: readonly PropertyKey[]) => readonly string[];

function describeIssue(issue: z.core.$ZodIssue, knownKeys?: KnownKeys): string[] {
  const at = formatJsonPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => {
        const hint = knownKeys ? closestName(key, knownKeys(issue.path)) : undefined;
        return `${formatJsonPath([...issue.path, key])}: unknown key${hint ? ` (did you mean "${hint}"?)` : ''}`;
      });
    case 'invalid_type':
      if (issue.input === undefined) return [`${at}: is required (${issue.expected})`];
      // JSON reads 1e309 as Infinity; "got number null" (JSON.stringify's Infinity) told nobody anything.
      if (typeof issue.input === 'number' && !Number.isFinite(issue.input)) {
        return [`${at}: is too large to be a number (got ${describeValue(issue.input)}); JSON numbers here must be finite, below about 1.8e308`];
      }
      return [`${at}: must be ${article(issue.expected)} (got ${describeValue(issue.input)})`];
    case 'too_small':
      return [`${at}: ${boundText(issue.origin, issue.inclusive ? '≥' : '>', issue.minimum)}${gotText(issue.input)}`];
    case 'too_big':
      return [`${at}: ${boundText(issue.origin, issue.inclusive ? '≤' : '<', issue.maximum)}${gotText(issue.input)}`];
    case 'invalid_value':
      return [`${at}: must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}${gotText(issue.input)}`];
    case 'invalid_union': {
      // Report the alternative that got furthest (its shallowest complaint is deepest) rather
      // than every alternative's complaint. Nested paths are relative to the union.
      const alternatives = issue.errors.map((alternative) =>
        alternative.map((nested) => ({ ...nested, path: [...issue.path, ...nested.path] }) as z.core.$ZodIssue),
      );
      const progress = (alternative: z.core.$ZodIssue[]) => Math.min(...alternative.map((nested) => nested.path.length));
      alternatives.sort((a, b) => progress(b) - progress(a));
      return alternatives[0]?.length ? describeIssues(alternatives[0], knownKeys) : [`${at}: ${issue.message}`];
    }
    default:
      return [`${at}: ${issue.message}`];
  }
}

function boundText(origin: string, sign: string, bound: unknown): string {
  if (origin === 'array') return `must have ${sign} ${String(bound)} items`;
  if (origin === 'string') return `must be ${sign} ${String(bound)} characters long`;
  return `must be ${sign} ${String(bound)}`;
}

function gotText(input: unknown): string {
  return input === undefined ? '' : ` (got ${describeValue(input)})`;
}

function article(expected: string): string {
  if (expected === 'int') return 'a whole number';
  if (expected === 'object' || expected === 'array') return `an ${expected}`;
  return `a ${expected}`;
}
